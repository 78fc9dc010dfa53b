/**
 * The embedded broker's partition log: Kafka's on-disk layout, group-commit fsync, crash
 * recovery, sparse indexes, timestamp lookups, DeleteRecords and retention.
 *
 * API (all offsets are bigint):
 *
 *   PartitionLog.open(dir, config, { now?, logger?, maxDecompressedBytes?, beforeSync? }): Promise<PartitionLog>
 *     Creates `dir` (`<dataDir>/<topic>-<partition>`) or opens it. Without a clean-shutdown
 *     marker it re-validates every segment from the recovery point on (CRC, lengths, offsets),
 *     truncates a torn or corrupt tail, deletes any segment after it, and rebuilds indexes.
 *     One open instance per directory per process (SDS_ERR_LOG_ALREADY_OPEN).
 *   logStartOffset / logEndOffset / highWatermark: bigint
 *     highWatermark: Fetch serves only below it. With flushIntervalMessages 1 it is the fsynced
 *     end; above 1 it is the written end (Kafka's single-replica behaviour).
 *   append(records, { leaderEpoch, logAppendTime? }): Promise<{ baseOffset, lastOffset, logAppendTime, logStartOffset }>
 *     `records`: one or more whole magic-2 batches (checked again here: CRC, framing; bad input
 *     rejects with SDS_ERR_LOG_INVALID_RECORDS and writes nothing; larger than segmentBytes:
 *     SDS_ERR_LOG_RECORDS_TOO_LARGE). Base offsets and leader epoch (and LogAppendTime, which
 *     recomputes the CRC) are rewritten in the caller's buffer, which must stay untouched until
 *     the promise settles. Offsets follow call order. Appends queued while a write is in progress
 *     share the next writev; appends written while an fsync is in flight share the next fsync.
 *   read(offset, maxBytes, { minOneMessage, maxOffset? }): Promise<ReadResult | OffsetOutOfRange>
 *     Whole batches from the one containing `offset`, below maxOffset (default the high
 *     watermark), from one segment, at most maxBytes unless minOneMessage lets a larger first
 *     batch through (KIP-74). `result.error === 'OFFSET_OUT_OF_RANGE'` when offset < log start
 *     or > log end. Records may be empty (offset at the high watermark).
 *   offsetForTimestamp(ts): Promise<{ offset, timestamp } | null>
 *     First record at or above the log start and below the high watermark with timestamp >= ts
 *     (LogAppendTime records carry their batch's MaxTimestamp). ListOffsets' special values
 *     (-1 latest = highWatermark, -2 earliest = logStartOffset) are the caller's.
 *   maxTimestamp(): Promise<{ offset, timestamp } | null>          ListOffsets -3 (KIP-734)
 *   deleteRecordsBefore(offset): Promise<bigint | OffsetOutOfRange>
 *     DeleteRecords: offset must be in [0, highWatermark]; -1 (= high watermark) is the
 *     caller's to resolve. The new log start is checkpointed before it resolves.
 *   enforceRetention(nowMs?): Promise<{ deletedSegments, logStartOffset }>
 *     Log start, retention.ms (by each segment's newest timestamp), retention.bytes. Never the
 *     active segment, never data at or above the high watermark. Deleted segments are renamed
 *     *.deleted and removed after fileDeleteDelayMs (0: at once).
 *   updateConfig(config), sizeInBytes(), stats(), describeSegments(), onHighWatermark(listener)
 *   close(): clean shutdown (drain appends, fsync, index files, checkpoints, then the marker).
 *   delete(): closes without a marker, renames the directory to `*-delete`, removes it.
 *
 * Durability: with flushIntervalMessages 1 (default) an append resolves only after fdatasync of
 * its bytes, so neither kill -9 nor a power cut loses it. Above 1 it resolves once written to
 * the page cache: it survives kill -9 but not a power cut or kernel crash until the next fsync
 * (every N offsets, or flushMs after a write), as with Kafka's log.flush.* settings.
 *
 * Files in the directory: `<20-digit base offset>.log|.index|.timeindex` (Kafka's formats;
 * indexes live in memory and are written on roll and close), `recovery-point-offset-checkpoint`
 * and `log-start-offset-checkpoint` ("0\n<offset>\n", replaced atomically) and the marker
 * `.kafka_cleanshutdown`. Errors are LogError (SDS_ERR_LOG_*); Kafka errors that are data are
 * returned.
 *
 * Storage failures (disk full, I/O errors): after a failed write, fsync or roll the log is
 * offline: appends reject with SDS_ERR_LOG_OFFLINE (Produce answers KAFKA_STORAGE_ERROR),
 * reads, timestamp lookups and retention go on. The first append at least REPAIR_INTERVAL_MS
 * (1 s) after the failure repairs the files (log-repair.ts: cut back to the high watermark,
 * fsync, finish a half-done roll, move the recovery point) and, if that works, is written:
 * the log heals without a restart once the disk is usable. `offline` tells which state it is in.
 */
export { PartitionLog, REPAIR_INTERVAL_MS } from './partition-log.ts';
export { isStorageFailure, storageFailureDetail } from './storage-failure.ts';
export { DEFAULT_LOG_CONFIG, validateLogConfig, type LogConfig } from './config.ts';
export { LogError, type LogErrorCode } from './errors.ts';
export { isDeletedLogDir } from './file-names.ts';
export type {
  AppendOptions,
  AppendResult,
  LogLogger,
  LogStats,
  OffsetOutOfRange,
  PartitionLogOptions,
  ReadOptions,
  ReadResult,
  RetentionResult,
  TimestampAndOffset,
} from './types.ts';
