/**
 * Checks of construct and stack props against the schema the local runtime validates, so a value
 * refused by `sds up` is refused by `cdk synth` too, with the same words. Only concrete values are
 * checked: a CloudFormation parameter is a token at synth time, and its range is carried by the
 * parameter's own constraints instead. Every problem is collected and reported in one error.
 */
import { join } from 'node:path';
import { Token } from 'aws-cdk-lib';
import { SdsError } from '../../src/errors.ts';
import { Checker, checkFunction } from '../../src/config/sds-config.ts';
import { MappingSettingsError, parseMappingSettings } from '../../src/runtime/event-source/settings.ts';
import { BUFFERING_LIMITS, parseStreamSettings } from '../../src/runtime/firehose/settings.ts';

/** Props that do not pass their checks; `problems` lists every one of them. */
export class InvalidPropsError extends SdsError {
  constructor(
    readonly owner: string,
    readonly problems: readonly string[],
  ) {
    super('SDS_ERR_CONFIG_INVALID', `${owner}: ${problems.length === 1 ? 'a setting is' : `${problems.length} settings are`} wrong:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
}

/** Throws one InvalidPropsError naming every problem, if there is any. */
export function assertNoProblems(owner: string, problems: readonly string[]): void {
  if (problems.length > 0) throw new InvalidPropsError(owner, problems);
}

function isConcrete(value: unknown): boolean {
  return value !== undefined && !Token.isUnresolved(value);
}

/**
 * Runs a validator over the concrete fields only: fields that are tokens (or left out) are not
 * given to it, and what it says about them (their problems start with the field's name) is dropped.
 */
function concreteOnly(fields: Readonly<Record<string, unknown>>, validate: (input: Record<string, unknown>) => readonly string[]): string[] {
  const input: Record<string, unknown> = {};
  const skipped = new Set<string>();
  for (const [name, value] of Object.entries(fields)) {
    if (isConcrete(value) && !(Array.isArray(value) && value.some((v) => !isConcrete(v)))) input[name] = value;
    else skipped.add(name);
  }
  return validate(input).filter((problem) => !skipped.has(/^[A-Za-z]+/.exec(problem)?.[0] ?? ''));
}

/** An event source mapping's settings, named as in CreateEventSourceMapping. */
export interface MappingFields {
  readonly topic?: string;
  readonly batchSize?: number;
  readonly maximumBatchingWindowInSeconds?: number;
  readonly startingPosition?: string;
  readonly startingPositionTimestamp?: number;
  readonly consumerGroupId?: string;
}

/** What parseMappingSettings (the local event source mapping's check) says about the concrete fields. */
export function mappingProblems(fields: MappingFields): string[] {
  return concreteOnly(
    {
      Topics: fields.topic === undefined ? undefined : [fields.topic],
      BatchSize: fields.batchSize,
      MaximumBatchingWindowInSeconds: fields.maximumBatchingWindowInSeconds,
      StartingPosition: fields.startingPosition,
      StartingPositionTimestamp: fields.startingPositionTimestamp,
      ConsumerGroupId: fields.consumerGroupId,
    },
    (input) => {
      try {
        parseMappingSettings(input);
        return [];
      } catch (error: unknown) {
        if (error instanceof MappingSettingsError) return error.problems;
        throw error;
      }
    },
  );
}

/** A delivery stream's S3 destination settings, named as in CreateDeliveryStream. */
export interface StreamFields {
  readonly sizeInMBs?: number;
  readonly intervalInSeconds?: number;
  readonly compressionFormat?: string;
  readonly prefix?: string;
  readonly errorOutputPrefix?: string;
}

// The bucket is created with the stream, so its ARN is always a token: a stand-in takes its place.
const BUCKET_STAND_IN = 'arn:aws:s3:::bucket-created-by-the-stack';
const STREAM_NAME_STAND_IN = 'delivery-stream';

/** What parseStreamSettings (the local Firehose's check) says about the concrete fields. */
export function streamProblems(fields: StreamFields): string[] {
  const { SizeInMBs: sizes, IntervalInSeconds: intervals } = BUFFERING_LIMITS;
  const size = isConcrete(fields.sizeInMBs) ? fields.sizeInMBs : undefined;
  const interval = isConcrete(fields.intervalInSeconds) ? fields.intervalInSeconds : undefined;
  return concreteOnly(
    { CompressionFormat: fields.compressionFormat, Prefix: fields.prefix, ErrorOutputPrefix: fields.errorOutputPrefix },
    (input) => {
      // BufferingHints takes both or neither: a token half is stood in for by its (valid) default.
      const hints = size === undefined && interval === undefined ? {} : { BufferingHints: { SizeInMBs: size ?? sizes.default, IntervalInSeconds: interval ?? intervals.default } };
      const parsed = parseStreamSettings(STREAM_NAME_STAND_IN, { BucketARN: BUCKET_STAND_IN, ...input, ...hints });
      return Array.isArray(parsed) ? parsed : [];
    },
  );
}

/** A function's settings, named as in the sds config file (and CDK's NodejsFunction). */
export interface FunctionFields {
  readonly entry: string;
  readonly timeout: number;
  readonly memorySize: number;
  readonly environment?: Readonly<Record<string, string>>;
}

/** What the sds config's function check says; paths in the problems are `functions.<name>.<setting>`. */
export function functionProblems(name: string, fields: FunctionFields, projectRoot: string): string[] {
  const checker = new Checker();
  // The data folder only names where local logs would go; nothing is written.
  checkFunction(name, { entry: fields.entry, timeout: fields.timeout, memorySize: fields.memorySize, environment: fields.environment ?? {} }, join(projectRoot, '.sds'), projectRoot, checker);
  return checker.problems;
}
