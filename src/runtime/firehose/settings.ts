/**
 * A delivery stream's settings, with CreateDeliveryStream's names for an S3 destination
 * (ExtendedS3DestinationConfiguration), ranges and defaults; every problem reported at once:
 *
 *   BucketARN: arn:aws:s3:::my-bucket
 *   BufferingHints: { SizeInMBs: 5, IntervalInSeconds: 300 }     # both or neither
 *   CompressionFormat: GZIP                                      # UNCOMPRESSED, GZIP, ZIP, Snappy, HADOOP_SNAPPY
 *   Prefix: "data/!{timestamp:yyyy/MM/dd}/"
 *   ErrorOutputPrefix: "errors/!{firehose:error-output-type}/"
 *   ProcessingConfiguration: { Enabled: true, Processors: [{ Type: AppendDelimiterToRecord }] }
 */
import { COMPRESSION_FORMATS, type CompressionFormat } from './compression.ts';
import { validatePrefixes } from './object-key.ts';

export interface DeliveryStreamSettings {
  readonly name: string;
  /** The bucket's name, from BucketARN. */
  readonly bucket: string;
  readonly bufferSizeBytes: number;
  readonly bufferIntervalMs: number;
  readonly compression: CompressionFormat;
  readonly prefix?: string;
  readonly errorOutputPrefix?: string;
  /** ProcessingConfiguration's AppendDelimiterToRecord: a newline after each record. */
  readonly appendDelimiter: boolean;
  /** The destination's version in object names; 1 for a stream as created. */
  readonly version: number;
}

/** BufferingHints' ranges and defaults (CreateDeliveryStream); the CDK stacks use them too. */
export const BUFFERING_LIMITS = {
  SizeInMBs: { min: 1, max: 128, default: 5 },
  IntervalInSeconds: { min: 0, max: 900, default: 300 },
} as const;

const NAME = /^[a-zA-Z0-9_.-]{1,64}$/;
const BUCKET_ARN = /^arn:aws[a-zA-Z-]*:s3:::([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])$/;
const KNOWN = ['BucketARN', 'BufferingHints', 'CompressionFormat', 'Prefix', 'ErrorOutputPrefix', 'ProcessingConfiguration'];
const MIB = 1024 * 1024;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The settings, or every problem (each starting with the setting's name). */
export function parseStreamSettings(name: string, input: unknown): DeliveryStreamSettings | string[] {
  const problems: string[] = [];
  if (!NAME.test(name)) problems.push(`DeliveryStreamName "${name}": 1-64 letters, digits, "_", "." or "-"`);
  if (!isRecord(input)) return [...problems, 'expected a mapping with BucketARN and, optionally, BufferingHints, CompressionFormat, Prefix, ErrorOutputPrefix, ProcessingConfiguration'];
  for (const key of Object.keys(input)) if (!KNOWN.includes(key)) problems.push(`${key}: unknown setting (allowed: ${KNOWN.join(', ')})`);

  const arn = input['BucketARN'];
  const bucket = typeof arn === 'string' ? BUCKET_ARN.exec(arn)?.[1] : undefined;
  if (bucket === undefined) problems.push('BucketARN: required, as arn:aws:s3:::<bucket name> (3-63 lower-case letters, digits, "." or "-")');

  let sizeMb: number = BUFFERING_LIMITS.SizeInMBs.default;
  let intervalSeconds: number = BUFFERING_LIMITS.IntervalInSeconds.default;
  const hints = input['BufferingHints'];
  if (hints !== undefined) {
    if (!isRecord(hints) || hints['SizeInMBs'] === undefined || hints['IntervalInSeconds'] === undefined) {
      problems.push('BufferingHints: give both SizeInMBs and IntervalInSeconds, or neither');
    } else {
      for (const key of Object.keys(hints)) if (key !== 'SizeInMBs' && key !== 'IntervalInSeconds') problems.push(`BufferingHints.${key}: unknown setting (allowed: SizeInMBs, IntervalInSeconds)`);
      const size = hints['SizeInMBs'];
      const interval = hints['IntervalInSeconds'];
      const { SizeInMBs: sizes, IntervalInSeconds: intervals } = BUFFERING_LIMITS;
      if (typeof size !== 'number' || !Number.isInteger(size) || size < sizes.min || size > sizes.max) problems.push(`BufferingHints.SizeInMBs: expected a whole number from ${sizes.min} to ${sizes.max}, got ${JSON.stringify(size)}`);
      else sizeMb = size;
      if (typeof interval !== 'number' || !Number.isInteger(interval) || interval < intervals.min || interval > intervals.max) problems.push(`BufferingHints.IntervalInSeconds: expected a whole number from ${intervals.min} to ${intervals.max}, got ${JSON.stringify(interval)}`);
      else intervalSeconds = interval;
    }
  }

  const format = input['CompressionFormat'] ?? 'UNCOMPRESSED';
  if (!(COMPRESSION_FORMATS as readonly unknown[]).includes(format)) problems.push(`CompressionFormat: expected one of ${COMPRESSION_FORMATS.join(', ')}, got ${JSON.stringify(format)}`);

  const prefix = input['Prefix'];
  const errorOutputPrefix = input['ErrorOutputPrefix'];
  if (prefix !== undefined && typeof prefix !== 'string') problems.push('Prefix: expected a string');
  if (errorOutputPrefix !== undefined && typeof errorOutputPrefix !== 'string') problems.push('ErrorOutputPrefix: expected a string');
  if ((prefix === undefined || typeof prefix === 'string') && (errorOutputPrefix === undefined || typeof errorOutputPrefix === 'string')) {
    problems.push(...validatePrefixes(prefix, errorOutputPrefix));
  }

  let appendDelimiter = false;
  const processing = input['ProcessingConfiguration'];
  if (processing !== undefined) {
    const processors = isRecord(processing) ? processing['Processors'] : undefined;
    const enabled = isRecord(processing) ? processing['Enabled'] ?? true : undefined;
    if (typeof enabled !== 'boolean' || !Array.isArray(processors)) {
      problems.push('ProcessingConfiguration: expected { Enabled: true, Processors: [{ Type: AppendDelimiterToRecord }] }');
    } else {
      for (const [i, p] of processors.entries()) {
        const type = isRecord(p) ? p['Type'] : undefined;
        if (type !== 'AppendDelimiterToRecord') problems.push(`ProcessingConfiguration.Processors[${i}].Type: only AppendDelimiterToRecord runs locally, got ${JSON.stringify(type)}`);
      }
      appendDelimiter = enabled && processors.length > 0;
    }
  }

  if (problems.length > 0 || bucket === undefined) return problems;
  return {
    name,
    bucket,
    bufferSizeBytes: sizeMb * MIB,
    bufferIntervalMs: intervalSeconds * 1000,
    compression: format as CompressionFormat,
    ...(typeof prefix === 'string' ? { prefix } : {}),
    ...(typeof errorOutputPrefix === 'string' ? { errorOutputPrefix } : {}),
    appendDelimiter,
    version: 1,
  };
}
