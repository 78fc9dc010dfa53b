import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { LogError } from './errors.ts';
import { DELETED_SUFFIX, INDEX_SUFFIX, LOG_SUFFIX, TIME_INDEX_SUFFIX, segmentFileName } from './file-names.ts';
import { errnoCode, fsyncDir, isNotFound, readFully, readInto, writeFully } from './fs-util.ts';
import { OffsetIndex } from './offset-index.ts';
import { TimeIndex } from './time-index.ts';

/** Where a batch sits in a segment, and what the indexes need from its header. */
export interface IndexedBatch {
  position: number;
  size: number;
  baseOffset: bigint;
  lastOffset: bigint;
  maxTimestamp: bigint;
}

/**
 * One segment: a `.log` file of whole record batches plus its in-memory offset and time
 * indexes. The file handle stays open for the segment's life; reads and fsyncs hold a
 * reference so that deletion closes it only once they are done.
 */
export class Segment {
  /** Bytes of whole, known-good batches; writes go here and nothing past it is read. */
  size = 0;
  /** Bytes known to be fsynced. */
  syncedSize = 0;
  nextOffset: bigint;
  maxTimestamp = -1n;
  offsetOfMaxTimestamp: bigint;
  /** Broker time of the first append (or of opening a non-empty segment): segment.ms counts from it. */
  rollStartMs: number | undefined;
  /** Broker time of the last append (file mtime at open): retention's fallback when batches carry no timestamps. */
  lastModifiedMs: number;
  /** Whether `.index`/`.timeindex` on disk match memory. */
  indexesOnDisk = false;
  private offsets: OffsetIndex;
  private times: TimeIndex;
  private bytesSinceIndexEntry = 0;
  private refs = 0;
  private idle: (() => void) | undefined;
  private closed = false;

  private constructor(
    readonly dir: string,
    readonly baseOffset: bigint,
    private readonly fh: FileHandle,
    nowMs: number,
  ) {
    this.nextOffset = baseOffset;
    this.offsetOfMaxTimestamp = baseOffset;
    this.offsets = new OffsetIndex(baseOffset);
    this.times = new TimeIndex(baseOffset);
    this.lastModifiedMs = nowMs;
  }

  /** Creates an empty segment file and makes its directory entry durable. */
  static async create(dir: string, baseOffset: bigint, nowMs: number): Promise<Segment> {
    const path = join(dir, segmentFileName(baseOffset, LOG_SUFFIX));
    let fh: FileHandle;
    try {
      fh = await open(path, 'wx+');
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') throw err;
      // An empty file left by a crash right after a roll is harmless; anything else is not ours to overwrite.
      fh = await open(path, 'r+');
      if ((await fh.stat()).size !== 0) {
        await fh.close();
        throw new LogError('SDS_ERR_LOG_CORRUPT', `cannot roll to ${path}: a non-empty segment file is already there`);
      }
    }
    try {
      await fsyncDir(dir);
    } catch (err) {
      // The empty file stays (a later roll reuses it); the handle must not leak.
      await fh.close();
      throw err;
    }
    return new Segment(dir, baseOffset, fh, nowMs);
  }

  /** Opens an existing segment; the caller then loads or rebuilds its indexes. */
  static async openExisting(dir: string, baseOffset: bigint): Promise<{ segment: Segment; fileSize: number }> {
    const fh = await open(join(dir, segmentFileName(baseOffset, LOG_SUFFIX)), 'r+');
    const st = await fh.stat();
    return { segment: new Segment(dir, baseOffset, fh, st.mtimeMs), fileSize: st.size };
  }

  get logPath(): string {
    return join(this.dir, segmentFileName(this.baseOffset, LOG_SUFFIX));
  }

  get offsetIndex(): OffsetIndex {
    return this.offsets;
  }

  get timeIndex(): TimeIndex {
    return this.times;
  }

  /** Largest timestamp for retention: the batches' if any carry one, else the file's last write. */
  get largestTimestamp(): number {
    return this.maxTimestamp >= 0n ? Number(this.maxTimestamp) : this.lastModifiedMs;
  }

  /**
   * Accounts for a batch now in the file at b.position (appended or found by recovery):
   * one offset + time index entry per indexIntervalBytes, as Kafka's LogSegment.append.
   */
  indexBatch(b: IndexedBatch, indexIntervalBytes: number): void {
    if (b.maxTimestamp > this.maxTimestamp) {
      this.maxTimestamp = b.maxTimestamp;
      this.offsetOfMaxTimestamp = b.lastOffset;
    }
    if (this.bytesSinceIndexEntry > indexIntervalBytes) {
      this.offsets.append(b.lastOffset, b.position);
      this.times.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp);
      this.bytesSinceIndexEntry = 0;
    }
    this.bytesSinceIndexEntry += b.size;
    this.size = b.position + b.size;
    this.nextOffset = b.lastOffset + 1n;
    this.indexesOnDisk = false;
  }

  /** Forgets everything known about the content, before recovery re-reads it. */
  resetIndexes(): void {
    this.offsets = new OffsetIndex(this.baseOffset);
    this.times = new TimeIndex(this.baseOffset);
    this.size = 0;
    this.nextOffset = this.baseOffset;
    this.maxTimestamp = -1n;
    this.offsetOfMaxTimestamp = this.baseOffset;
    this.bytesSinceIndexEntry = 0;
    this.indexesOnDisk = false;
  }

  /** Takes indexes loaded from disk; size and nextOffset come from the caller's scan of the tail. */
  adoptIndexes(offsets: OffsetIndex, times: TimeIndex): void {
    this.offsets = offsets;
    this.times = times;
    const last = times.last();
    this.maxTimestamp = last?.timestamp ?? -1n;
    this.offsetOfMaxTimestamp = last?.offset ?? this.baseOffset;
    this.indexesOnDisk = true;
  }

  /** After adoptIndexes: the end of the log as found by scanning from the last index entry. */
  setEnd(size: number, nextOffset: bigint): void {
    this.size = size;
    this.syncedSize = size;
    this.nextOffset = nextOffset;
    this.bytesSinceIndexEntry = size - (this.offsets.last()?.position ?? 0);
  }

  /** Records the newest timestamp in the time index, as Kafka does when a segment stops being active. */
  seal(): void {
    if (this.times.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp)) this.indexesOnDisk = false;
  }

  async write(buffers: Buffer[], position: number): Promise<void> {
    await writeFully(this.fh, buffers, position);
  }

  async readAt(position: number, length: number): Promise<Buffer> {
    return readFully(this.fh, position, length, this.logPath);
  }

  async readInto(buf: Buffer, offset: number, length: number, position: number): Promise<void> {
    await readInto(this.fh, buf, offset, length, position, this.logPath);
  }

  /**
   * fdatasync: the data and the file size, which is all a reader after a crash needs.
   * `upTo` is the size the caller saw before starting; only that much counts as synced.
   */
  async sync(upTo: number = this.size): Promise<void> {
    await this.fh.datasync();
    if (upTo > this.syncedSize) this.syncedSize = upTo;
  }

  /** Cuts the file to `size` bytes and fsyncs it: every byte left is then durable. */
  async truncate(size: number): Promise<void> {
    await this.fh.truncate(size);
    await this.fh.datasync();
    this.syncedSize = size;
  }

  /**
   * Writes both index files and fsyncs them. Not atomic on purpose: they are trusted only
   * after a later step (recovery point checkpoint or clean-shutdown marker) says so.
   */
  async writeIndexFiles(): Promise<void> {
    await writeAndSync(this.pathOf(INDEX_SUFFIX), this.offsets.toBuffer());
    await writeAndSync(this.pathOf(TIME_INDEX_SUFFIX), this.times.toBuffer());
    this.indexesOnDisk = true;
  }

  /** Reads both index files; undefined (with the reason) when missing or implausible. */
  async readIndexFiles(logSize: number): Promise<{ offsets: OffsetIndex; times: TimeIndex } | string> {
    const offsetBytes = await readOptional(this.pathOf(INDEX_SUFFIX));
    const timeBytes = await readOptional(this.pathOf(TIME_INDEX_SUFFIX));
    if (offsetBytes === undefined || timeBytes === undefined) return 'index file missing';
    const offsets = OffsetIndex.parse(this.baseOffset, offsetBytes, logSize);
    if (typeof offsets === 'string') return `offset index: ${offsets}`;
    const times = TimeIndex.parse(this.baseOffset, timeBytes);
    if (typeof times === 'string') return `time index: ${times}`;
    return { offsets, times };
  }

  /** Holds the file open for a read or fsync; false once the segment is closing (deleted). */
  acquire(): boolean {
    if (this.closed) return false;
    this.refs++;
    return true;
  }

  release(): void {
    this.refs--;
    if (this.refs === 0) this.idle?.();
  }

  /** Closes the file once no read or fsync holds it. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.refs > 0) await new Promise<void>((resolve) => (this.idle = resolve));
    await this.fh.close();
  }

  /** Renames the files to *.deleted; the open handle keeps working for reads in flight. */
  async markDeleted(): Promise<void> {
    for (const suffix of [LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX]) {
      const path = this.pathOf(suffix);
      try {
        await rename(path, path + DELETED_SUFFIX);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }

  /** Removes the segment's files, under their live or *.deleted names. */
  async removeFiles(deleted: boolean): Promise<void> {
    for (const suffix of [LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX]) {
      try {
        await unlink(this.pathOf(suffix) + (deleted ? DELETED_SUFFIX : ''));
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }

  private pathOf(suffix: string): string {
    return join(this.dir, segmentFileName(this.baseOffset, suffix));
  }
}

async function writeAndSync(path: string, data: Buffer): Promise<void> {
  const fh = await open(path, 'w');
  try {
    await writeFully(fh, [data], 0);
    await fh.datasync();
  } finally {
    await fh.close();
  }
}

async function readOptional(path: string): Promise<Buffer | undefined> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
  try {
    const { size } = await fh.stat();
    return await readFully(fh, 0, size, path);
  } finally {
    await fh.close();
  }
}
