/**
 * The append-only file of committed offsets, `<dataDir>/__consumer_offsets.journal` (a file,
 * not a directory, so that the partition scan does not take it for a topic's log).
 *
 * Durability: `append` resolves only after fdatasync of its line. Group commit: lines that
 * arrive while a write+fsync is in flight share the next one. `rewrite` (compaction) replaces
 * the whole file atomically, in the same queue, so it never interleaves with an append.
 * Recovery: a torn tail is truncated; a bad line with good lines after it is corruption
 * (SDS_ERR_OFFSETS_CORRUPT) and the broker does not start.
 * Storage failures (disk full, I/O errors): a failed write or fsync fails what was in flight
 * and queued, and the journal refuses changes (SDS_ERR_OFFSETS_IO) until it is repaired: the
 * first change at least RETRY_INTERVAL_MS later first rewrites the whole file from the
 * records `repairWith` gives (the store's memory, which holds exactly what was fsynced), so
 * that a torn or unsynced line of the failed write never stays in front of later ones.
 */
import { open, readFile, truncate, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { SdsError } from '../../errors.ts';
import { writeFileAtomic } from '../metadata/atomic-file.ts';
import { encodeRecord, parseJournal, type JournalRecord } from './journal-format.ts';
import type { Logger } from '../../logging.ts';

export const JOURNAL_FILE = '__consumer_offsets.journal';
/** How long after a failure (or a failed repair) the next change may try to repair the file. */
const RETRY_INTERVAL_MS = 1000;

interface Pending {
  readonly bytes: Buffer | null;
  /** For a rewrite: gives the records of the new file, called when the rewrite's turn comes. */
  readonly replace?: () => readonly JournalRecord[];
  /** Runs synchronously once the bytes are durable, before any later queued item starts. */
  readonly onDurable?: () => void;
  resolve(): void;
  reject(e: Error): void;
}

export class OffsetJournal {
  private pending: Pending[] = [];
  private running: Promise<void> | undefined;
  private failure: Error | undefined;
  private retryAt = 0;
  /** When the current run of failures began: one warning when it starts, one line when it ends. */
  private failingSince: number | undefined;
  private repairSource: (() => readonly JournalRecord[]) | undefined;
  private closed = false;
  /** Bytes in the file now; compaction is decided on it. */
  size: number;

  private constructor(
    private readonly path: string,
    /** Unset while a rewrite has closed it and not reopened it yet. */
    private handle: FileHandle | undefined,
    size: number,
    private readonly logger: Logger,
  ) {
    this.size = size;
  }

  static async open(dataDir: string, logger: Logger): Promise<{ journal: OffsetJournal; records: JournalRecord[] }> {
    const path = join(dataDir, JOURNAL_FILE);
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (e: unknown) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError('read', path, e);
      bytes = Buffer.alloc(0);
    }
    const parsed = parseJournal(bytes);
    if (parsed.corruptAt !== undefined) {
      throw new SdsError(
        'SDS_ERR_OFFSETS_CORRUPT',
        `The committed-offsets journal ${path} has a damaged record at byte ${parsed.corruptAt} followed by intact ones. Restore it from a backup, or move it away to start with no committed offsets.`,
      );
    }
    if (parsed.validBytes < bytes.length) {
      logger.warn({ path, validBytes: parsed.validBytes, size: bytes.length }, 'truncating a torn tail of the committed-offsets journal');
      await truncate(path, parsed.validBytes);
    }
    const handle = await open(path, 'a').catch((e: unknown) => {
      throw ioError('open', path, e);
    });
    if (bytes.length === 0) await syncDir(dirname(path));
    return { journal: new OffsetJournal(path, handle, parsed.validBytes, logger), records: parsed.records };
  }

  /** What the file must hold after a failure: every record known to be durable, as of the repair. */
  repairWith(snapshot: () => readonly JournalRecord[]): void {
    this.repairSource = snapshot;
  }

  /**
   * Resolves once the record is on disk. `onDurable` runs at that moment, before a queued
   * rewrite takes its snapshot, so that the snapshot includes this record.
   */
  append(record: JournalRecord, onDurable?: () => void): Promise<void> {
    return this.enqueue({ bytes: encodeRecord(record), onDurable });
  }

  /** Replaces the file by the records `snapshot` gives when its turn comes (compaction), atomically. */
  rewrite(snapshot: () => readonly JournalRecord[]): Promise<void> {
    return this.enqueue({ bytes: null, replace: snapshot });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.running !== undefined) await this.running;
    await this.handle?.close();
  }

  private enqueue(item: Omit<Pending, 'resolve' | 'reject'>): Promise<void> {
    if (this.closed) return Promise.reject(new SdsError('SDS_ERR_OFFSETS_IO', 'The committed-offsets journal is closed (the broker is stopping).'));
    if (this.failure !== undefined) {
      const repair = this.repairSource;
      if (repair === undefined || Date.now() < this.retryAt) return Promise.reject(this.failure);
      // The repair goes first; if it fails, the items queued behind it fail with it.
      this.failure = undefined;
      this.pending.push({ bytes: null, replace: repair, resolve: () => undefined, reject: () => undefined });
    }
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ ...item, resolve, reject });
      this.running ??= this.drain();
    });
  }

  private async drain(): Promise<void> {
    let inFlight: Pending[] = [];
    try {
      while (this.pending.length > 0) {
        const first = this.pending[0] as Pending;
        if (first.replace !== undefined) {
          inFlight = this.pending.splice(0, 1);
          await this.replaceFile(Buffer.concat(first.replace().map(encodeRecord)));
          first.resolve();
          continue;
        }
        // Every append queued up to the next rewrite goes out in one write and one fsync.
        let n = 0;
        while (n < this.pending.length && this.pending[n]?.replace === undefined) n++;
        inFlight = this.pending.splice(0, n);
        const bytes = Buffer.concat(inFlight.map((p) => p.bytes ?? Buffer.alloc(0)));
        this.handle ??= await open(this.path, 'a');
        await appendFully(this.handle, bytes);
        await this.handle.datasync();
        this.size += bytes.length;
        this.recovered();
        for (const p of inFlight) p.onDurable?.();
        for (const p of inFlight) p.resolve();
        inFlight = [];
      }
    } catch (e: unknown) {
      // After a failed write or fsync nothing more is accepted until a rewrite: what reached the disk is unknown.
      this.failure = ioError('write', this.path, e);
      this.retryAt = Date.now() + RETRY_INTERVAL_MS;
      if (this.failingSince === undefined) {
        this.failingSince = Date.now();
        this.logger.warn({ path: this.path, err: e }, 'the committed-offsets journal refuses commits after an I/O failure; the next commit after a second rewrites it');
      }
      for (const p of [...inFlight, ...this.pending.splice(0)]) p.reject(this.failure);
    } finally {
      this.running = undefined;
    }
  }

  private recovered(): void {
    if (this.failingSince === undefined) return;
    this.logger.info({ path: this.path, failingForMs: Date.now() - this.failingSince }, 'the committed-offsets journal accepts commits again');
    this.failingSince = undefined;
  }

  private async replaceFile(content: Buffer): Promise<void> {
    const old = this.handle;
    this.handle = undefined;
    await old?.close();
    await writeFileAtomic(this.path, content);
    this.handle = await open(this.path, 'a');
    this.size = content.length;
  }
}

/**
 * One write(2) may store only part of the bytes (a disk filling up does that before it says
 * ENOSPC): continue until all are written, so the failure surfaces instead of a torn line.
 */
async function appendFully(handle: FileHandle, bytes: Buffer): Promise<void> {
  for (let done = 0; done < bytes.length; ) {
    const { bytesWritten } = await handle.write(bytes, done, bytes.length - done);
    if (bytesWritten <= 0) throw new Error(`write made no progress after ${done} of ${bytes.length} bytes`);
    done += bytesWritten;
  }
}

async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

function ioError(what: string, path: string, cause: unknown): SdsError {
  if (cause instanceof SdsError) return cause;
  return new SdsError(
    'SDS_ERR_OFFSETS_IO',
    `Could not ${what} the committed-offsets journal ${path}: free disk space or fix the data directory's permissions; commits are refused until then, and the broker retries by itself.`,
    { cause },
  );
}
