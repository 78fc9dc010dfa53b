/**
 * An event source mapping's settings, with CreateEventSourceMapping's names, ranges and defaults
 * for Kafka sources. Every problem is reported at once, each with the setting's name.
 *
 * DestinationConfig.OnFailure.Destination takes AWS's forms where they have a local meaning:
 * `kafka://<topic>` (a topic of the same cluster) and `arn:aws:s3:::<bucket>` (a local bucket
 * folder); a local JSON-lines file is `file:<path>`. SQS and SNS have no local stand-in.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SdsError } from '../../errors.ts';
import { compileFilters } from './filter.ts';

export type StartingPosition = 'TRIM_HORIZON' | 'LATEST' | 'AT_TIMESTAMP';

export interface MappingInput {
  readonly Topics?: unknown;
  readonly BatchSize?: unknown;
  readonly MaximumBatchingWindowInSeconds?: unknown;
  readonly StartingPosition?: unknown;
  /** Unix seconds, for AT_TIMESTAMP. */
  readonly StartingPositionTimestamp?: unknown;
  readonly ConsumerGroupId?: unknown;
  readonly Enabled?: unknown;
  readonly FilterCriteria?: unknown;
  readonly MaximumRetryAttempts?: unknown;
  readonly MaximumRecordAgeInSeconds?: unknown;
  readonly BisectBatchOnFunctionError?: unknown;
  readonly FunctionResponseTypes?: unknown;
  /** `{ OnFailure: { Destination: "..." } }`. */
  readonly DestinationConfig?: unknown;
}

export type OnFailureTarget =
  | { readonly kind: 'kafka'; readonly topic: string }
  | { readonly kind: 'bucket'; readonly bucket: string }
  | { readonly kind: 'file'; readonly path: string };

export interface MappingSettings {
  readonly topic: string;
  readonly batchSize: number;
  /** Milliseconds: 500 unless MaximumBatchingWindowInSeconds is given. */
  readonly batchingWindowMs: number;
  readonly startingPosition: StartingPosition;
  /** Milliseconds since the epoch, for AT_TIMESTAMP. */
  readonly startingTimestampMs?: number;
  /** Undefined: a generated id, kept stable across restarts by the mapping. */
  readonly consumerGroupId?: string;
  readonly enabled: boolean;
  readonly filters: readonly { Pattern: string }[];
  /** -1: until the record expires. */
  readonly maximumRetryAttempts: number;
  /** -1: no age limit. */
  readonly maximumRecordAgeSeconds: number;
  readonly bisectBatchOnFunctionError: boolean;
  readonly reportBatchItemFailures: boolean;
  /** Where records that could not be processed go; absent: nowhere. */
  readonly onFailure?: OnFailureTarget;
}

export class MappingSettingsError extends SdsError {
  constructor(readonly problems: readonly string[]) {
    super('SDS_ERR_MAPPING_INVALID', `event source mapping settings:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
}

const KNOWN = new Set([
  'Topics', 'BatchSize', 'MaximumBatchingWindowInSeconds', 'StartingPosition', 'StartingPositionTimestamp', 'ConsumerGroupId', 'Enabled',
  'FilterCriteria', 'MaximumRetryAttempts', 'MaximumRecordAgeInSeconds', 'BisectBatchOnFunctionError', 'FunctionResponseTypes',
  'DestinationConfig',
]);

/** CreateEventSourceMapping's ranges and defaults for the numeric Kafka settings (the CDK stacks use them too). */
export const MAPPING_LIMITS = {
  BatchSize: { min: 1, max: 10_000, default: 100 },
  /** Left out: 500 ms, Lambda's default for Kafka sources. */
  MaximumBatchingWindowInSeconds: { min: 0, max: 300 },
} as const;

// Kafka's legal topic names, and Lambda's pattern for ConsumerGroupId.
export const TOPIC = /^[a-zA-Z0-9._-]{1,249}$/;
export const GROUP_ID = /^[a-zA-Z0-9-/*:_+=.@-]{1,200}$/;
// S3's bucket naming rules (lower case letters, digits, dots and hyphens; 3-63 characters).
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** DestinationConfig.OnFailure.Destination: the target, or a problem to report. */
export function parseOnFailure(destination: string): OnFailureTarget | string {
  const what = `DestinationConfig: ${JSON.stringify(destination)}`;
  if (destination.startsWith('kafka://')) {
    const topic = destination.slice('kafka://'.length);
    return TOPIC.test(topic) ? { kind: 'kafka', topic } : `${what}: kafka://<topic> needs a valid topic name`;
  }
  const s3 = /^arn:aws[a-zA-Z-]*:s3:::(.*)$/.exec(destination);
  if (s3 !== null) return BUCKET.test(s3[1] ?? '') ? { kind: 'bucket', bucket: s3[1] ?? '' } : `${what}: not a valid S3 bucket name`;
  if (destination.startsWith('file:')) {
    try {
      const path = destination.startsWith('file://') ? fileURLToPath(destination) : resolve(destination.slice('file:'.length));
      return destination.length > 'file:'.length ? { kind: 'file', path } : `${what}: file:<path> needs a path`;
    } catch {
      return `${what}: not a file URL`;
    }
  }
  if (/^arn:aws[a-zA-Z-]*:(sqs|sns):/.test(destination)) return `${what}: SQS and SNS destinations have no local stand-in; use arn:aws:s3:::<bucket>, kafka://<topic> or file:<path>`;
  return `${what}: expected kafka://<topic>, arn:aws:s3:::<bucket> or file:<path>`;
}

export function parseMappingSettings(input: MappingInput): MappingSettings {
  const problems: string[] = [];
  for (const key of Object.keys(input)) if (!KNOWN.has(key)) problems.push(`${key}: unknown setting (allowed: ${[...KNOWN].join(', ')})`);

  const int = (name: keyof MappingInput, min: number, max: number, fallback: number, extra?: number): number => {
    const v = input[name];
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || ((v < min || v > max) && v !== extra)) {
      problems.push(`${name}: expected a whole number from ${min} to ${max}${extra !== undefined ? ` or ${extra}` : ''}, got ${JSON.stringify(v)}`);
      return fallback;
    }
    return v;
  };
  const bool = (name: keyof MappingInput, fallback: boolean): boolean => {
    const v = input[name];
    if (v === undefined) return fallback;
    if (typeof v !== 'boolean') {
      problems.push(`${name}: expected true or false, got ${JSON.stringify(v)}`);
      return fallback;
    }
    return v;
  };

  const topics = input.Topics;
  let topic = '';
  if (!Array.isArray(topics) || topics.length !== 1 || typeof topics[0] !== 'string' || !TOPIC.test(topics[0])) {
    problems.push('Topics: expected exactly one topic name (letters, digits, ".", "_", "-"; at most 249 characters)');
  } else {
    topic = topics[0];
  }

  const batchSize = int('BatchSize', MAPPING_LIMITS.BatchSize.min, MAPPING_LIMITS.BatchSize.max, MAPPING_LIMITS.BatchSize.default);
  const windowSeconds = input.MaximumBatchingWindowInSeconds === undefined ? undefined : int('MaximumBatchingWindowInSeconds', MAPPING_LIMITS.MaximumBatchingWindowInSeconds.min, MAPPING_LIMITS.MaximumBatchingWindowInSeconds.max, 0);

  let startingPosition: StartingPosition = 'LATEST';
  let startingTimestampMs: number | undefined;
  const sp = input.StartingPosition;
  if (sp === undefined) problems.push('StartingPosition: required for Kafka (TRIM_HORIZON, LATEST or AT_TIMESTAMP)');
  else if (sp !== 'TRIM_HORIZON' && sp !== 'LATEST' && sp !== 'AT_TIMESTAMP') problems.push(`StartingPosition: expected TRIM_HORIZON, LATEST or AT_TIMESTAMP, got ${JSON.stringify(sp)}`);
  else startingPosition = sp;
  const ts = input.StartingPositionTimestamp;
  if (startingPosition === 'AT_TIMESTAMP') {
    if (typeof ts !== 'number' || !Number.isFinite(ts) || ts < 0) problems.push('StartingPositionTimestamp: AT_TIMESTAMP needs a time in Unix seconds');
    else startingTimestampMs = Math.floor(ts * 1000);
  } else if (ts !== undefined) {
    problems.push('StartingPositionTimestamp: only with StartingPosition AT_TIMESTAMP');
  }

  const group = input.ConsumerGroupId;
  if (group !== undefined && (typeof group !== 'string' || !GROUP_ID.test(group))) {
    problems.push('ConsumerGroupId: 1-200 characters of letters, digits and - / * : _ + = . @');
  }

  let filters: { Pattern: string }[] = [];
  const fc = input.FilterCriteria;
  if (fc !== undefined) {
    const list = typeof fc === 'object' && fc !== null && 'Filters' in fc ? (fc).Filters : undefined;
    if (!Array.isArray(list) || !list.every((f): f is { Pattern: string } => typeof f === 'object' && f !== null && typeof (f as { Pattern?: unknown }).Pattern === 'string')) {
      problems.push('FilterCriteria: expected { "Filters": [{ "Pattern": "<JSON text>" }] }');
    } else {
      filters = list;
    }
  }

  if (filters.length > 0) {
    try {
      compileFilters(filters);
    } catch (error: unknown) {
      problems.push(error instanceof Error ? error.message : String(error));
    }
  }

  let onFailure: OnFailureTarget | undefined;
  const dc = input.DestinationConfig;
  if (dc !== undefined) {
    const onFailureConfig: unknown = typeof dc === 'object' && dc !== null && 'OnFailure' in dc ? dc.OnFailure : undefined;
    const destination: unknown = typeof onFailureConfig === 'object' && onFailureConfig !== null && 'Destination' in onFailureConfig ? onFailureConfig.Destination : undefined;
    if (typeof destination !== 'string') problems.push('DestinationConfig: expected { "OnFailure": { "Destination": "..." } }');
    else if (destination !== '') {
      // An empty Destination removes the destination, as in UpdateEventSourceMapping.
      const parsed = parseOnFailure(destination);
      if (typeof parsed === 'string') problems.push(parsed);
      else onFailure = parsed;
    }
  }

  const responseTypes = input.FunctionResponseTypes;
  let reportBatchItemFailures = false;
  if (responseTypes !== undefined) {
    if (!Array.isArray(responseTypes) || !responseTypes.every((t) => t === 'ReportBatchItemFailures')) {
      problems.push('FunctionResponseTypes: the only value is "ReportBatchItemFailures"');
    } else {
      reportBatchItemFailures = responseTypes.length > 0;
    }
  }

  const settings: MappingSettings = {
    topic,
    batchSize,
    batchingWindowMs: windowSeconds === undefined ? 500 : windowSeconds * 1000,
    startingPosition,
    ...(startingTimestampMs !== undefined ? { startingTimestampMs } : {}),
    ...(typeof group === 'string' && GROUP_ID.test(group) ? { consumerGroupId: group } : {}),
    enabled: bool('Enabled', true),
    filters,
    maximumRetryAttempts: int('MaximumRetryAttempts', 0, 10_000, -1, -1),
    maximumRecordAgeSeconds: int('MaximumRecordAgeInSeconds', 60, 604_800, -1, -1),
    bisectBatchOnFunctionError: bool('BisectBatchOnFunctionError', false),
    reportBatchItemFailures,
    ...(onFailure !== undefined ? { onFailure } : {}),
  };
  if (problems.length > 0) throw new MappingSettingsError(problems);
  return settings;
}
