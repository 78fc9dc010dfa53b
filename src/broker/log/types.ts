/** Values the partition log returns and the options it takes. */

/** The subset of a pino logger the log writes to; a pino Logger fits. */
export interface LogLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  debug?(obj: object, msg: string): void;
}

export interface PartitionLogOptions {
  /** Wall clock in ms; injectable for tests (segment roll by time, retention). */
  now?: () => number;
  logger?: LogLogger;
  /** Bound on decompressed bytes when a timestamp lookup must look inside a compressed batch. Default 64 MiB. */
  maxDecompressedBytes?: number;
  /** Test hook: awaited before each group fsync, so a test can hold one in flight. */
  beforeSync?: () => Promise<void>;
}

export interface AppendOptions {
  /** Written into every batch's PartitionLeaderEpoch. */
  leaderEpoch: number;
  /** When set, the batches become LogAppendTime with this MaxTimestamp (CRC recomputed). */
  logAppendTime?: bigint;
}

export interface AppendResult {
  baseOffset: bigint;
  lastOffset: bigint;
  /** The append time given, or -1 for CreateTime. */
  logAppendTime: bigint;
  logStartOffset: bigint;
}

export interface ReadOptions {
  /** KIP-74: return the first batch whole even when it is larger than maxBytes. */
  minOneMessage: boolean;
  /** Exclusive upper bound: no batch at or past it (default the high watermark; at most the log end). */
  maxOffset?: bigint;
}

export interface ReadResult {
  readonly error?: undefined;
  /** Whole batches starting with the one that contains the offset; empty when nothing is available. */
  records: Buffer;
  highWatermark: bigint;
  logStartOffset: bigint;
  logEndOffset: bigint;
}

/** Kafka's OFFSET_OUT_OF_RANGE, as data: the offset is below the log start or past the log end. */
export interface OffsetOutOfRange {
  readonly error: 'OFFSET_OUT_OF_RANGE';
  logStartOffset: bigint;
  logEndOffset: bigint;
  highWatermark: bigint;
}

export interface TimestampAndOffset {
  offset: bigint;
  timestamp: bigint;
}

export interface RetentionResult {
  deletedSegments: number;
  logStartOffset: bigint;
}

/** Counters since open; fsyncs vs appends shows how well group commit batches. */
export interface LogStats {
  appends: number;
  batches: number;
  bytesAppended: number;
  /** Writes to the file system (one writev per group of queued appends). */
  writes: number;
  /** fdatasync calls on segment files by the append path (group commits and rolls). */
  fsyncs: number;
  /** Group commits (one or more fsyncs each). */
  flushes: number;
  rolls: number;
  segmentsDeleted: number;
}
