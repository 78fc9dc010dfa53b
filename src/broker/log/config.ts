import { LogError } from './errors.ts';

/** Per-partition storage settings; names follow Kafka's topic configs (segment.bytes, ...). */
export interface LogConfig {
  /** segment.bytes: roll when the active segment would grow past this (max 2 GiB - 1: positions are int32). */
  segmentBytes: number;
  /** segment.ms: roll when this long has passed since the first append to the active segment. */
  segmentMs: number;
  /** retention.ms: delete segments whose newest timestamp is older than this; -1 keeps forever. */
  retentionMs: number;
  /** retention.bytes: delete the oldest segments while the log is larger than this; -1 = no limit. */
  retentionBytes: number;
  /** index.interval.bytes: one offset (and time) index entry per this many log bytes. */
  indexIntervalBytes: number;
  /** segment.index.bytes: the most an index may hold; a full index rolls the segment. */
  segmentIndexBytes: number;
  /**
   * flush.messages: 1 (our default) fsyncs before every append resolves, with group commit.
   * Above 1, appends resolve once written (page cache) and an fsync runs every N offsets:
   * a crash of the machine (not of the process) may then lose acknowledged records.
   */
  flushIntervalMessages: number;
  /** flush.ms: with flushIntervalMessages > 1, also fsync this long after an unflushed write. */
  flushMs?: number;
  /** file.delete.delay.ms: how long deleted segments stay as *.deleted (for reads in flight). */
  fileDeleteDelayMs: number;
}

const GIB = 1024 * 1024 * 1024;
const DAY_MS = 24 * 60 * 60 * 1000;

export const DEFAULT_LOG_CONFIG: Readonly<LogConfig> = Object.freeze({
  segmentBytes: GIB,
  segmentMs: 7 * DAY_MS,
  retentionMs: 7 * DAY_MS,
  retentionBytes: -1,
  indexIntervalBytes: 4096,
  segmentIndexBytes: 10 * 1024 * 1024,
  flushIntervalMessages: 1,
  fileDeleteDelayMs: 60_000,
});

/** Smallest segment that holds one empty batch; tests use tiny segments. */
const MIN_SEGMENT_BYTES = 61;
const MAX_SEGMENT_BYTES = 0x7fffffff;

/** Checks every field and reports all problems at once. */
export function validateLogConfig(config: LogConfig): LogConfig {
  const problems: string[] = [];
  const int = (name: keyof LogConfig, min: number, max = Number.MAX_SAFE_INTEGER): void => {
    const v = config[name];
    if (v === undefined && name === 'flushMs') return;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
      problems.push(`${name} must be an integer in [${min}, ${max}], got ${String(v)}`);
    }
  };
  int('segmentBytes', MIN_SEGMENT_BYTES, MAX_SEGMENT_BYTES);
  int('segmentMs', 1);
  int('retentionMs', -1);
  int('retentionBytes', -1);
  int('indexIntervalBytes', 0, MAX_SEGMENT_BYTES);
  int('segmentIndexBytes', 12, MAX_SEGMENT_BYTES);
  int('flushIntervalMessages', 1);
  int('flushMs', 0);
  int('fileDeleteDelayMs', 0);
  if (problems.length > 0) {
    throw new LogError('SDS_ERR_LOG_BAD_CONFIG', `invalid log config: ${problems.join('; ')}`);
  }
  return { ...config };
}
