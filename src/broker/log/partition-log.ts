import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { rewriteBatchOffsets, setLogAppendTime } from '../../protocol/records/index.ts';
import { checkLeaderEpoch, prepareAppend, type PreparedAppend } from './append-input.ts';
import { writeOffsetCheckpoint } from './checkpoint.ts';
import { validateLogConfig, type LogConfig } from './config.ts';
import { LogError, ioError } from './errors.ts';
import { CLEAN_SHUTDOWN_FILE, DELETE_DIR_SUFFIX, LOG_START_OFFSET_FILE, RECOVERY_POINT_FILE } from './file-names.ts';
import { fsyncDir } from './fs-util.ts';
import { GroupCommit } from './group-commit.ts';
import { loadLog } from './log-loader.ts';
import { outOfRange, readLog } from './log-reader.ts';
import { repairLog } from './log-repair.ts';
import { belowLogStart, pastRetentionSize, pastRetentionTime } from './retention.ts';
import { shouldRoll } from './roll-policy.ts';
import { isStorageFailure } from './storage-failure.ts';
import { Segment, type IndexedBatch } from './segment.ts';
import { SegmentDeleter } from './segment-deleter.ts';
import { SegmentList, type LogPosition } from './segment-list.ts';
import { maxTimestamp, offsetForTimestamp, type TimestampView } from './timestamp-lookup.ts';
import type {
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

interface QueuedAppend {
  prepared: PreparedAppend;
  options: AppendOptions;
  resolve: (result: AppendResult) => void;
  reject: (err: Error) => void;
}

interface PlacedAppend {
  queued: QueuedAppend;
  batches: IndexedBatch[];
  baseOffset: bigint;
  lastOffset: bigint;
}

const INT64_MIN = -0x8000000000000000n;
const INT64_MAX = 0x7fffffffffffffffn;
const DEFAULT_MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024;
const NOOP_LOGGER: LogLogger = { info: () => {}, warn: () => {}, error: () => {} };
/**
 * After a failed write, fsync or roll the log refuses appends; the first append at least this
 * long after the failure (or after a failed repair) repairs the files and, if that works, is
 * written. On demand rather than on a timer: an idle log has nothing to repair for, and a
 * full disk costs one cheap attempt a second per partition that is being written to.
 */
export const REPAIR_INTERVAL_MS = 1000;

/** Directories open in this process: two logs on one directory would corrupt it. */
const openDirs = new Set<string>();

/**
 * One partition's log: segments in a directory, appends with group-commit fsync, reads for
 * Fetch, timestamp lookups for ListOffsets, DeleteRecords, retention. See index.ts for the
 * contract. Writes are serialized through one queue; reads run concurrently with them and
 * never see bytes past the high watermark they started with.
 */
export class PartitionLog {
  private config: LogConfig;
  private startOffset: bigint;
  private hw: LogPosition;
  private written: LogPosition;
  private readonly commit: GroupCommit;
  private readonly queue: QueuedAppend[] = [];
  private writing = false;
  private writerDone: Promise<void> = Promise.resolve();
  private state: 'open' | 'closing' | 'closed' = 'open';
  private closing: Promise<void> | undefined;
  /** Set while the log refuses appends after an I/O failure; cleared by a successful repair. */
  private failure: LogError | undefined;
  private nextRepairAt = 0;
  private repairing = false;
  /** When the current run of failures began (for one warning when it starts and one line when it ends). */
  private failingSince: number | undefined;
  private admin: Promise<void> = Promise.resolve();
  private readonly deleter: SegmentDeleter;
  private flushTimer: NodeJS.Timeout | undefined;
  private readonly hwListeners = new Set<(highWatermark: bigint) => void>();
  private readonly counters: LogStats = { appends: 0, batches: 0, bytesAppended: 0, writes: 0, fsyncs: 0, flushes: 0, rolls: 0, segmentsDeleted: 0 };
  private readonly now: () => number;
  private readonly logger: LogLogger;

  private constructor(
    readonly dir: string,
    config: LogConfig,
    private readonly segments: SegmentList,
    logStartOffset: bigint,
    private readonly options: PartitionLogOptions,
  ) {
    this.config = config;
    this.startOffset = logStartOffset;
    this.now = options.now ?? Date.now;
    this.logger = options.logger ?? NOOP_LOGGER;
    this.deleter = new SegmentDeleter(dir, this.logger);
    const active = segments.active;
    this.written = { offset: active.nextOffset, segment: active, position: active.size };
    this.hw = this.written;
    this.commit = new GroupCommit(active.nextOffset, () => this.flushOnce(), (err) => this.goOffline(err));
  }

  /** Creates the directory or opens it, recovering after an unclean shutdown. */
  static async open(dir: string, config: LogConfig, options: PartitionLogOptions = {}): Promise<PartitionLog> {
    const valid = validateLogConfig(config);
    const path = resolve(dir);
    if (openDirs.has(path)) {
      throw new LogError('SDS_ERR_LOG_ALREADY_OPEN', `partition log ${path} is already open in this process: close it first`);
    }
    openDirs.add(path);
    try {
      const loaded = await loadLog(path, valid, (options.now ?? Date.now)(), options.logger ?? NOOP_LOGGER);
      return new PartitionLog(path, valid, new SegmentList(loaded.segments), loaded.logStartOffset, options);
    } catch (err) {
      openDirs.delete(path);
      throw ioError(`cannot open partition log ${path}`, err);
    }
  }

  get logStartOffset(): bigint {
    return this.startOffset;
  }

  /** The offset the next append gets: everything below it is written (maybe not yet fsynced). */
  get logEndOffset(): bigint {
    return this.written.offset;
  }

  /** Fetch serves only below it: fsynced data with flushIntervalMessages 1, written data otherwise. */
  get highWatermark(): bigint {
    return this.hw.offset;
  }

  /** True after a failed write or fsync, until a later append repairs the log (see REPAIR_INTERVAL_MS). */
  get offline(): boolean {
    return this.failure !== undefined;
  }

  stats(): LogStats {
    return { ...this.counters };
  }

  /** The segments' base offsets, sizes and ends, oldest first (diagnostics and tests). */
  describeSegments(): { baseOffset: bigint; size: number; nextOffset: bigint }[] {
    return this.segments.all().map((s) => ({ baseOffset: s.baseOffset, size: s.size, nextOffset: s.nextOffset }));
  }

  /** Called with the new high watermark each time it moves (Fetch long polling). Returns an unsubscribe. */
  onHighWatermark(listener: (highWatermark: bigint) => void): () => void {
    this.hwListeners.add(listener);
    return () => this.hwListeners.delete(listener);
  }

  sizeInBytes(): number {
    return this.segments.totalBytes();
  }

  updateConfig(config: LogConfig): void {
    this.config = validateLogConfig(config);
  }

  /**
   * Appends one or more validated batches, rewriting their base offsets and leader epoch (and
   * LogAppendTime) in `records` in place: leave the buffer alone until the promise settles.
   * Offsets follow call order. Resolves after fsync (flushIntervalMessages 1) or after the
   * write (above 1). Bad input rejects with a LogError and writes nothing.
   */
  async append(records: Buffer, options: AppendOptions): Promise<AppendResult> {
    this.checkOpen();
    if (this.failure !== undefined && !this.repairing && this.now() < this.nextRepairAt) throw this.failure;
    checkLeaderEpoch(options.leaderEpoch);
    const t = options.logAppendTime;
    if (t !== undefined && (t < INT64_MIN || t > INT64_MAX)) {
      throw new LogError('SDS_ERR_LOG_BAD_ARGUMENT', `logAppendTime ${t} is not an int64`);
    }
    const prepared = prepareAppend(records, this.config.segmentBytes);
    return new Promise<AppendResult>((resolve, reject) => {
      this.queue.push({ prepared, options, resolve, reject });
      this.startWriter();
    });
  }

  async read(offset: bigint, maxBytes: number, options: ReadOptions): Promise<ReadResult | OffsetOutOfRange> {
    this.checkReadable();
    return readLog(
      { segments: this.segments, logStartOffset: this.startOffset, logEndOffset: this.written.offset, highWatermark: this.hw },
      offset,
      maxBytes,
      options,
    );
  }

  async offsetForTimestamp(timestamp: bigint): Promise<TimestampAndOffset | null> {
    this.checkReadable();
    return offsetForTimestamp(this.timestampView(), timestamp);
  }

  async maxTimestamp(): Promise<TimestampAndOffset | null> {
    this.checkReadable();
    return maxTimestamp(this.timestampView());
  }

  /**
   * DeleteRecords: moves the log start offset up to `offset` (at most the high watermark),
   * persists it before resolving, and deletes the segments wholly below it.
   */
  async deleteRecordsBefore(offset: bigint): Promise<bigint | OffsetOutOfRange> {
    this.checkOpen();
    if (offset < 0n || offset > this.hw.offset) {
      return outOfRange({ logStartOffset: this.startOffset, logEndOffset: this.written.offset, highWatermark: this.hw });
    }
    return this.exclusive(async () => {
      if (offset > this.startOffset) {
        await this.persistLogStart(offset);
        this.startOffset = offset;
      }
      await this.deleteOldest(belowLogStart(this.segments.all(), this.hw.offset, this.startOffset), 'log start offset');
      return this.startOffset;
    });
  }

  /**
   * Applies retention (log start offset, retention.ms, retention.bytes); never deletes the active
   * segment. Runs on a log refusing appends too: it touches only data below the high watermark,
   * which a repair keeps, and freeing space is what a full disk needs.
   */
  async enforceRetention(nowMs: number = this.now()): Promise<RetentionResult> {
    this.checkOpen();
    return this.exclusive(async () => {
      let deleted = await this.deleteOldest(belowLogStart(this.segments.all(), this.hw.offset, this.startOffset), 'log start offset');
      deleted += await this.deleteOldest(pastRetentionTime(this.segments.all(), this.hw.offset, this.config, nowMs), 'retention.ms');
      deleted += await this.deleteOldest(pastRetentionSize(this.segments.all(), this.hw.offset, this.config), 'retention.bytes');
      return { deletedSegments: deleted, logStartOffset: this.startOffset };
    });
  }

  /** Clean shutdown: finish queued appends, fsync, write indexes and checkpoints, then the marker. */
  async close(): Promise<void> {
    if (this.closing === undefined) this.closing = this.shutdown(true);
    return this.closing;
  }

  /** Topic deletion: closes the log without a marker and removes the directory. */
  async delete(): Promise<void> {
    if (this.closing === undefined) this.closing = this.shutdown(false);
    await this.closing;
    const doomed = join(dirname(this.dir), `${basename(this.dir)}.${this.now().toString(36)}${Math.random().toString(36).slice(2, 8)}${DELETE_DIR_SUFFIX}`);
    try {
      // Renaming first frees the name at once, so a topic recreated under it starts empty.
      await rename(this.dir, doomed);
      await fsyncDir(dirname(this.dir));
      await rm(doomed, { recursive: true, force: true });
    } catch (err) {
      throw ioError(`cannot delete partition log ${this.dir}`, err);
    }
  }

  // ---- write path ----

  private startWriter(): void {
    if (this.writing) return;
    this.writing = true;
    this.writerDone = this.runWriter();
  }

  private async runWriter(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        if (this.failure !== undefined && !(await this.repair())) {
          this.rejectQueued(this.failure);
          break;
        }
        await this.writeGroup();
      }
    } finally {
      this.writing = false;
    }
  }

  /** Writes every queued append that fits the active segment with one writev. */
  private async writeGroup(): Promise<void> {
    const head = this.queue[0];
    if (head === undefined) return;
    const placed: PlacedAppend[] = [];
    try {
      const current = this.segments.active;
      if (shouldRoll(current, head.prepared, { bytes: 0, batches: 0, nextOffset: current.nextOffset }, this.config, this.now())) await this.roll();
      const active = this.segments.active;
      const buffers: Buffer[] = [];
      const startedAt = active.size;
      let position = startedAt;
      let next = active.nextOffset;
      let batchCount = 0;
      for (let queued = this.queue[0]; queued !== undefined; queued = this.queue[0]) {
        const pending = { bytes: position - startedAt, batches: batchCount, nextOffset: next };
        if (placed.length > 0 && shouldRoll(active, queued.prepared, pending, this.config, this.now())) break;
        this.queue.shift();
        const p = this.place(queued, position, next);
        placed.push(p);
        buffers.push(queued.prepared.records);
        position += queued.prepared.records.length;
        batchCount += p.batches.length;
        next = p.lastOffset + 1n;
      }
      try {
        await active.write(buffers, startedAt);
      } catch (err) {
        // Best effort: cut what part of the write landed so the file ends at a batch boundary.
        await active.truncate(startedAt).catch(() => undefined);
        throw err;
      }
      this.afterWrite(active, placed, position - startedAt);
    } catch (err) {
      const offline = this.goOffline(err);
      for (const p of placed) p.queued.reject(offline);
    }
  }

  /** Assigns offsets in place; the log's own state changes only once the write succeeded. */
  private place(queued: QueuedAppend, position: number, next: bigint): PlacedAppend {
    const { records, batches } = queued.prepared;
    const appendTime = queued.options.logAppendTime;
    const indexed: IndexedBatch[] = [];
    const baseOffset = next;
    for (const b of batches) {
      rewriteBatchOffsets(records, b.position, next, queued.options.leaderEpoch);
      if (appendTime !== undefined) setLogAppendTime(records, b.position, appendTime);
      const lastOffset = next + BigInt(b.lastOffsetDelta);
      indexed.push({ position: position + b.position, size: b.size, baseOffset: next, lastOffset, maxTimestamp: appendTime ?? b.maxTimestamp });
      next = lastOffset + 1n;
    }
    return { queued, batches: indexed, baseOffset, lastOffset: next - 1n };
  }

  private afterWrite(active: Segment, placed: PlacedAppend[], bytes: number): void {
    const nowMs = this.now();
    if (this.failingSince !== undefined) {
      this.logger.info({ dir: this.dir, failingForMs: nowMs - this.failingSince }, 'partition log accepts writes again');
      this.failingSince = undefined;
    }
    for (const p of placed) for (const b of p.batches) active.indexBatch(b, this.config.indexIntervalBytes);
    active.rollStartMs ??= nowMs;
    active.lastModifiedMs = nowMs;
    this.written = { offset: active.nextOffset, segment: active, position: active.size };
    this.counters.writes++;
    this.counters.appends += placed.length;
    this.counters.bytesAppended += bytes;
    for (const p of placed) this.counters.batches += p.batches.length;

    if (this.config.flushIntervalMessages <= 1) {
      for (const p of placed) {
        this.commit.waitFor(p.lastOffset + 1n).then(
          () => p.queued.resolve(this.resultOf(p)),
          (err: Error) => p.queued.reject(this.failure ?? this.offlineError(err)),
        );
      }
      return;
    }
    this.advanceHighWatermark(this.written);
    for (const p of placed) p.queued.resolve(this.resultOf(p));
    this.scheduleRelaxedFlush();
  }

  private resultOf(p: PlacedAppend): AppendResult {
    return { baseOffset: p.baseOffset, lastOffset: p.lastOffset, logAppendTime: p.queued.options.logAppendTime ?? -1n, logStartOffset: this.startOffset };
  }

  /** flushIntervalMessages > 1: fsync every N offsets, or flushMs after the first unflushed write. */
  private scheduleRelaxedFlush(): void {
    if (this.written.offset - this.commit.durableOffset >= BigInt(this.config.flushIntervalMessages)) {
      this.commit.request();
    } else if (this.config.flushMs !== undefined && this.flushTimer === undefined) {
      this.flushTimer = setTimeout(() => {
        this.flushTimer = undefined;
        this.commit.request();
      }, this.config.flushMs);
      this.flushTimer.unref();
    }
  }

  /**
   * Starts a new active segment at the log end. The sealed ones get fsynced with their index
   * files before the recovery point moves past them, so recovery need only check the new one.
   */
  private async roll(): Promise<void> {
    const old = this.segments.active;
    old.seal();
    const fresh = await Segment.create(this.dir, old.nextOffset, this.now());
    this.segments.push(fresh);
    this.counters.rolls++;
    for (const s of this.segments.all()) {
      if (s === fresh || s.indexesOnDisk || !s.acquire()) continue;
      try {
        await s.sync();
        this.counters.fsyncs++;
        await s.writeIndexFiles();
      } finally {
        s.release();
      }
    }
    await writeOffsetCheckpoint(this.dir, RECOVERY_POINT_FILE, fresh.baseOffset);
  }

  /** One group commit: fsync every segment with unsynced bytes, then raise the high watermark. */
  private async flushOnce(): Promise<bigint> {
    const target = this.written;
    const dirty = this.segments.all().filter((s) => s.syncedSize < s.size && s.acquire());
    // Sizes as of now: what is written later waits for the next flush, even if this fsync happens to cover it.
    const sizes = dirty.map((s) => s.size);
    try {
      if (dirty.length > 0) {
        await this.options.beforeSync?.();
        await Promise.all(dirty.map((s, i) => s.sync(sizes[i])));
        this.counters.fsyncs += dirty.length;
        this.counters.flushes++;
      }
    } finally {
      for (const s of dirty) s.release();
    }
    this.advanceHighWatermark(target);
    return target.offset;
  }

  private advanceHighWatermark(to: LogPosition): void {
    if (to.offset <= this.hw.offset) return;
    this.hw = to;
    for (const listener of this.hwListeners) {
      try {
        listener(to.offset);
      } catch (err) {
        // A listener's bug must not fail the flush that called it (that would take the log offline).
        this.logger.error({ dir: this.dir, err }, 'high watermark listener threw');
      }
    }
  }

  // ---- deletion ----

  /** Removes the n oldest segments: *.deleted now, gone after fileDeleteDelayMs (reads in flight finish). */
  private async deleteOldest(n: number, reason: string): Promise<number> {
    if (n <= 0) return 0;
    const removed = this.segments.removeOldest(n);
    const newStart = this.segments.first.baseOffset;
    if (newStart > this.startOffset) {
      this.startOffset = newStart;
      await this.persistLogStart(newStart);
    }
    this.counters.segmentsDeleted += removed.length;
    for (const segment of removed) {
      this.logger.info({ dir: this.dir, segment: segment.baseOffset.toString(), reason }, 'deleting log segment');
      try {
        await segment.markDeleted();
      } catch (err) {
        throw ioError(`cannot rename deleted segment ${segment.logPath}`, err);
      }
      await this.deleter.schedule(segment, this.config.fileDeleteDelayMs);
    }
    return removed.length;
  }

  private async persistLogStart(offset: bigint): Promise<void> {
    try {
      await writeOffsetCheckpoint(this.dir, LOG_START_OFFSET_FILE, offset);
    } catch (err) {
      throw ioError(`cannot write the log start offset checkpoint of ${this.dir}`, err);
    }
  }

  // ---- shutdown ----

  private async shutdown(clean: boolean): Promise<void> {
    this.state = 'closing';
    try {
      while (this.writing) await this.writerDone;
      if (this.flushTimer !== undefined) clearTimeout(this.flushTimer);
      await this.admin;
      if (clean && this.failure === undefined) await this.tryWriteCleanState();
    } finally {
      await this.deleter.removeAll();
      for (const s of this.segments.all()) await s.close().catch(() => undefined);
      openDirs.delete(this.dir);
      this.state = 'closed';
    }
  }

  /**
   * A disk that refuses the clean-shutdown files must not fail the broker's stop (other logs
   * still have to close): without the marker the next open recovers this log, as after a crash.
   */
  private async tryWriteCleanState(): Promise<void> {
    try {
      await this.writeCleanState();
    } catch (err) {
      if (!isStorageFailure(err)) throw err;
      this.logger.warn({ dir: this.dir, err }, 'clean shutdown files could not be written; the next open recovers the log');
    }
  }

  private async writeCleanState(): Promise<void> {
    try {
      await this.commit.flushAll();
      this.segments.active.seal();
      for (const s of this.segments.all()) if (!s.indexesOnDisk) await s.writeIndexFiles();
      await writeOffsetCheckpoint(this.dir, RECOVERY_POINT_FILE, this.written.offset);
      await writeOffsetCheckpoint(this.dir, LOG_START_OFFSET_FILE, this.startOffset);
      // Last: the marker promises that everything above is complete.
      await writeFile(join(this.dir, CLEAN_SHUTDOWN_FILE), '');
      await fsyncDir(this.dir);
    } catch (err) {
      throw ioError(`clean shutdown of partition log ${this.dir} failed; it will be recovered on next open`, err);
    }
  }

  // ---- state ----

  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.admin.then(task);
    this.admin = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private timestampView(): TimestampView {
    return {
      segments: this.segments,
      logStartOffset: this.startOffset,
      highWatermark: this.hw,
      maxDecompressedBytes: this.options.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES,
    };
  }

  private checkOpen(): void {
    this.checkReadable();
    if (this.state !== 'open') throw new LogError('SDS_ERR_LOG_CLOSED', `partition log ${this.dir} is closing`);
  }

  private checkReadable(): void {
    if (this.state === 'closed') throw new LogError('SDS_ERR_LOG_CLOSED', `partition log ${this.dir} is closed`);
  }

  private offlineError(cause: unknown): LogError {
    const detail = cause instanceof Error ? cause.message : String(cause);
    return new LogError(
      'SDS_ERR_LOG_OFFLINE',
      `partition log ${this.dir} refuses writes after an I/O failure (${detail}); free disk space or fix the disk: appends retry by themselves about every second`,
      { cause },
    );
  }

  /**
   * After a failed write or fsync nothing more may be acknowledged until a repair has cut the
   * file back to what is known to be on disk (the page cache state is unknown).
   */
  private goOffline(cause: unknown): LogError {
    if (this.failure === undefined) {
      this.failure = this.offlineError(cause);
      this.nextRepairAt = this.now() + REPAIR_INTERVAL_MS;
      if (this.failingSince === undefined) {
        this.failingSince = this.now();
        this.logger.warn({ dir: this.dir, err: cause }, 'partition log refuses writes after an I/O failure; appends retry about every second');
      }
    }
    this.rejectQueued(this.failure);
    return this.failure;
  }

  /**
   * Called by the writer, with appends queued, while the log refuses them: once REPAIR_INTERVAL_MS
   * has passed, repairs the files (log-repair.ts) and returns whether appends may go on. The
   * repair point is the high watermark: every acknowledged offset is below it (acks=1/all are
   * given after the fsync that raised it; with relaxed flushing everything written is below
   * it, and is fsynced first), and nothing at or above it was ever acknowledged or served, so
   * cutting there loses and duplicates nothing; the offsets of the failed appends are given out
   * again, and no byte of them is left on disk.
   */
  private async repair(): Promise<boolean> {
    if (this.now() < this.nextRepairAt) return false;
    this.repairing = true;
    try {
      await this.exclusive(() => this.repairFiles());
      this.failure = undefined;
      return true;
    } catch (err) {
      this.failure = this.offlineError(err);
      this.logger.debug?.({ dir: this.dir, err }, 'partition log repair failed; the next append tries again');
      return false;
    } finally {
      this.repairing = false;
      this.nextRepairAt = this.now() + REPAIR_INTERVAL_MS;
    }
  }

  private async repairFiles(): Promise<void> {
    if (this.flushTimer !== undefined) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
    }
    await this.commit.idle();
    // With relaxed flushing, acknowledged bytes may still be only written: make them durable first.
    if (!this.commit.failed) await this.commit.flushAll();
    const kept = await repairLog({ dir: this.dir, segments: this.segments, keep: this.hw, indexIntervalBytes: this.config.indexIntervalBytes });
    this.hw = kept;
    this.written = kept;
    this.commit.restart(kept.offset);
  }

  private rejectQueued(err: LogError): void {
    for (const q of this.queue.splice(0)) q.reject(err);
  }
}
