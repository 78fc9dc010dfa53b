/**
 * An append-only log file that rotates at a size: `name.log` is current, `name.log.1` the most
 * recent rotated file, up to `name.log.<keep>`; older ones are deleted. Lines are buffered and
 * written in order by one writer, so a burst of console output costs a few writes, not one each.
 */
import { open, rename, rm, stat, type FileHandle } from 'node:fs/promises';

export const DEFAULT_MAX_LOG_BYTES = 10 * 1024 * 1024;
export const DEFAULT_KEEP_LOG_FILES = 3;
/** How often a writer checks that its file is still the one at the path (rotated or removed by someone else). */
const IDENTITY_CHECK_MS = 1000;

export interface RotatingFileOptions {
  readonly maxBytes?: number;
  readonly keep?: number;
  /** Called when a write fails; the lines are dropped and later writes try again. */
  readonly onError?: (error: unknown) => void;
}

export class RotatingLogFile {
  private readonly maxBytes: number;
  private readonly keep: number;
  private pending: string[] = [];
  private writing: Promise<void> | null = null;
  private handle: FileHandle | null = null;
  private size = 0;
  private checkedAt = 0;

  constructor(
    readonly path: string,
    private readonly options: RotatingFileOptions = {},
  ) {
    this.maxBytes = Math.max(1, options.maxBytes ?? DEFAULT_MAX_LOG_BYTES);
    this.keep = Math.max(0, options.keep ?? DEFAULT_KEEP_LOG_FILES);
  }

  /** Queues one line (without its newline). */
  append(line: string): void {
    this.pending.push(`${line}\n`);
    this.writing ??= this.drain().finally(() => {
      this.writing = null;
    });
  }

  /** Resolves when every line appended so far is written. */
  async flush(): Promise<void> {
    while (this.writing !== null) await this.writing;
  }

  async close(): Promise<void> {
    await this.flush();
    const handle = this.handle;
    this.handle = null;
    await handle?.close();
  }

  private async drain(): Promise<void> {
    while (this.pending.length > 0) {
      const lines = this.pending;
      this.pending = [];
      try {
        await this.writeLines(lines);
      } catch (error: unknown) {
        await this.handle?.close().catch(() => undefined);
        this.handle = null;
        this.options.onError?.(error);
      }
    }
  }

  /** Writes lines in chunks that fit the current file, rotating between chunks. */
  private async writeLines(lines: readonly string[]): Promise<void> {
    let chunk: Buffer[] = [];
    let chunkBytes = 0;
    const handle = await this.openCurrent();
    let target = handle;
    for (const line of lines) {
      const bytes = Buffer.from(line, 'utf8');
      if (this.size + chunkBytes + bytes.length > this.maxBytes && this.size + chunkBytes > 0) {
        if (chunkBytes > 0) await target.write(Buffer.concat(chunk));
        chunk = [];
        chunkBytes = 0;
        target = await this.rotate();
      }
      chunk.push(bytes);
      chunkBytes += bytes.length;
    }
    if (chunkBytes > 0) await target.write(Buffer.concat(chunk));
    this.size += chunkBytes;
  }

  private async openCurrent(): Promise<FileHandle> {
    if (this.handle !== null) {
      if (Date.now() - this.checkedAt < IDENTITY_CHECK_MS) return this.handle;
      this.checkedAt = Date.now();
      // Another writer (or a person) may have rotated or removed the file meanwhile.
      const now = await stat(this.path).catch(() => null);
      const mine = await this.handle.stat();
      if (now !== null && now.ino === mine.ino) return this.handle;
      await this.handle.close();
      this.handle = null;
    }
    this.handle = await open(this.path, 'a');
    this.checkedAt = Date.now();
    this.size = (await this.handle.stat()).size;
    return this.handle;
  }

  private async rotate(): Promise<FileHandle> {
    await this.handle?.close();
    this.handle = null;
    if (this.keep === 0) {
      await rm(this.path, { force: true });
    } else {
      await rm(`${this.path}.${this.keep}`, { force: true });
      for (let i = this.keep - 1; i >= 1; i--) await rename(`${this.path}.${i}`, `${this.path}.${i + 1}`).catch(ignoreMissing);
      await rename(this.path, `${this.path}.1`).catch(ignoreMissing);
    }
    this.size = 0;
    return this.openCurrent();
  }
}

function ignoreMissing(error: unknown): void {
  if ((error as { code?: unknown }).code !== 'ENOENT') throw error;
}
