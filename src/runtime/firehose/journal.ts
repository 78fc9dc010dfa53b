/**
 * A delivery stream's journal: every record is appended and fsynced before PutRecord(Batch) is
 * answered, so an acknowledged record survives kill -9 or a power cut. After an object holding
 * records up to some sequence number is in the bucket, a checkpoint says so and whole segments
 * below it are deleted. On start, the records after the checkpoint are read back for delivery:
 * at least once (an object written just before a crash may be written again after it).
 *
 * Files, in the stream's folder: `<first sequence, 20 digits>.journal` segments and `delivered`
 * (the checkpoint, replaced atomically). A record's frame: length (4 bytes, of what follows the
 * CRC), CRC-32C (4 bytes) of the rest, arrival time (8 bytes, epoch ms), the data. A torn or
 * corrupt frame ends the journal there: it was never acknowledged, since fsync had not returned.
 */
import { mkdir, open, readdir, readFile, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { GroupCommit } from '../../broker/log/group-commit.ts';
import { fsyncDir, writeFileAtomic, writeFully } from '../../broker/log/fs-util.ts';
import { SdsError } from '../../errors.ts';
import { crc32c } from '../../protocol/records/crc32c.ts';

const HEADER = 16;
const SEGMENT_BYTES = 64 * 1024 * 1024;
/** A record's data is at most 1,000 KiB (Firehose's limit); anything larger in a frame is corruption. */
const MAX_FRAME_DATA = 1000 * 1024;
const SUFFIX = '.journal';
const CHECKPOINT = 'delivered';

export interface JournalRecord {
  readonly sequence: bigint;
  /** Epoch milliseconds when the service accepted it. */
  readonly arrival: number;
  readonly data: Buffer;
}

interface Segment {
  readonly first: bigint;
  readonly path: string;
}

function segmentName(first: bigint): string {
  return `${first.toString().padStart(20, '0')}${SUFFIX}`;
}

function frame(arrival: number, data: Buffer): Buffer {
  const out = Buffer.allocUnsafe(HEADER + data.length);
  out.writeUInt32BE(8 + data.length, 0);
  out.writeBigUInt64BE(BigInt(arrival), 8);
  data.copy(out, HEADER);
  out.writeUInt32BE(crc32c(out, 8), 4);
  return out;
}

/** The valid frames at the start of `bytes`, and where the first invalid one starts. */
function readFrames(bytes: Buffer, first: bigint): { records: JournalRecord[]; validBytes: number } {
  const records: JournalRecord[] = [];
  let at = 0;
  while (at + HEADER <= bytes.length) {
    const length = bytes.readUInt32BE(at);
    if (length < 8 || length - 8 > MAX_FRAME_DATA || at + 8 + length > bytes.length) break;
    if (crc32c(bytes, at + 8, at + 8 + length) !== bytes.readUInt32BE(at + 4)) break;
    records.push({ sequence: first + BigInt(records.length), arrival: Number(bytes.readBigUInt64BE(at + 8)), data: bytes.subarray(at + HEADER, at + 8 + length) });
    at += 8 + length;
  }
  return { records, validBytes: at };
}

/** The checkpoint's text; "0" when there is none yet. */
async function readCheckpoint(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error: unknown) {
    if ((error as { code?: unknown }).code === 'ENOENT') return '0';
    throw error;
  }
}

export class Journal {
  private handle: FileHandle | undefined;
  private segmentBytes = 0;
  private writing: Promise<void> = Promise.resolve();
  /** Bytes written so far (all segments), and the group commit that makes them durable. */
  private written = 0n;
  private readonly commit: GroupCommit;

  private constructor(
    private readonly dir: string,
    private readonly segments: Segment[],
    /** The sequence number the next record gets. */
    private next: bigint,
    private delivered: bigint,
  ) {
    this.commit = new GroupCommit(0n, () => this.sync(), () => undefined);
  }

  /** Opens (or creates) the journal in `dir`; returns it with the records not yet delivered. */
  static async open(dir: string): Promise<{ journal: Journal; pending: JournalRecord[] }> {
    try {
      await mkdir(dir, { recursive: true });
      const text = await readCheckpoint(join(dir, CHECKPOINT));
      if (!/^\d+$/.test(text.trim())) throw new Error(`the checkpoint ${join(dir, CHECKPOINT)} holds ${JSON.stringify(text.slice(0, 40))}, not a sequence number`);
      const delivered = BigInt(text.trim());
      const names = (await readdir(dir)).filter((n) => n.endsWith(SUFFIX)).sort();
      const segments: Segment[] = names.map((n) => ({ first: BigInt(n.slice(0, -SUFFIX.length)), path: join(dir, n) }));
      const pending: JournalRecord[] = [];
      let next = delivered;
      for (const [i, segment] of segments.entries()) {
        const bytes = await readFile(segment.path);
        const { records, validBytes } = readFrames(bytes, segment.first);
        for (const r of records) if (r.sequence >= delivered) pending.push(r);
        next = segment.first + BigInt(records.length);
        if (validBytes < bytes.length) {
          // A torn tail: cut it, and drop any later segment (nothing after it was acknowledged).
          const fh = await open(segment.path, 'r+');
          try {
            await fh.truncate(validBytes);
            await fh.sync();
          } finally {
            await fh.close();
          }
          for (const later of segments.splice(i + 1)) await rm(later.path, { force: true });
          break;
        }
      }
      if (next < delivered) next = delivered;
      return { journal: new Journal(dir, segments, next, delivered), pending };
    } catch (error: unknown) {
      throw new SdsError('SDS_ERR_FIREHOSE_JOURNAL', `cannot open the delivery stream journal in ${dir}: ${(error as Error).message}; check the folder's permissions and free space`, { cause: error });
    }
  }

  /** Appends records and resolves once they are on disk, with the sequence number of each. */
  async append(arrival: number, data: readonly Buffer[]): Promise<bigint[]> {
    const first = this.next;
    this.next += BigInt(data.length);
    const frames = data.map((d) => frame(arrival, d));
    const bytes = frames.reduce((n, f) => n + f.length, 0);
    // Writes go in order, one at a time; fsyncs are shared by everything written meanwhile.
    const wrote = this.writing.then(async () => {
      const handle = await this.segmentFor(first);
      await writeFully(handle, frames, this.segmentBytes);
      this.segmentBytes += bytes;
      this.written += BigInt(bytes);
    });
    this.writing = wrote.catch(() => undefined);
    await wrote;
    await this.commit.waitFor(this.written);
    return data.map((_, i) => first + BigInt(i));
  }

  /** Records up to (not including) `sequence` are in the bucket: remember it, and drop whole segments below it. */
  async markDelivered(sequence: bigint): Promise<void> {
    if (sequence <= this.delivered) return;
    this.delivered = sequence;
    await writeFileAtomic(join(this.dir, CHECKPOINT), Buffer.from(`${sequence}\n`));
    // A segment can go once the next one starts at or below the checkpoint.
    while (this.segments.length > 1 && (this.segments[1]?.first ?? 0n) <= sequence) {
      const gone = this.segments.shift();
      if (gone !== undefined) await rm(gone.path, { force: true });
    }
  }

  async close(): Promise<void> {
    await this.writing;
    await this.commit.flushAll();
    await this.handle?.close();
    this.handle = undefined;
  }

  private async segmentFor(first: bigint): Promise<FileHandle> {
    if (this.handle !== undefined && this.segmentBytes < SEGMENT_BYTES) return this.handle;
    if (this.handle !== undefined) {
      // The old segment is complete: make it durable before writing elsewhere.
      await this.handle.sync();
      await this.handle.close();
      this.handle = undefined;
    }
    // After an open or a roll, records go to a new segment named by the first of them.
    const last = this.segments.at(-1);
    const segment = { first, path: join(this.dir, segmentName(first)) };
    this.handle = await open(segment.path, 'a');
    this.segmentBytes = (await this.handle.stat()).size;
    if (last?.path !== segment.path) this.segments.push(segment);
    await fsyncDir(this.dir);
    return this.handle;
  }

  private async sync(): Promise<bigint> {
    const reached = this.written;
    await this.handle?.datasync();
    return reached;
  }
}
