import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { LogError } from './errors.ts';
import { TMP_SUFFIX } from './file-names.ts';

/**
 * fsyncs a directory so that file creations, renames and deletions in it survive a power
 * cut. Windows cannot open directories; there the rename is as durable as it gets.
 */
export async function fsyncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Replaces `path` all at once: write a temp file, fsync it, rename it over, fsync the directory.
 * A failure before the rename removes the temp file, so a full disk is not left fuller.
 */
export async function writeFileAtomic(path: string, data: Buffer): Promise<void> {
  const tmp = path + TMP_SUFFIX;
  try {
    const fh = await open(tmp, 'w');
    try {
      await writeFully(fh, [data], 0);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
  await fsyncDir(dirname(path));
}

/** Writes every byte of `buffers` at `position`, continuing after short writes. */
export async function writeFully(fh: FileHandle, buffers: Buffer[], position: number): Promise<void> {
  let pending = buffers.filter((b) => b.length > 0);
  let at = position;
  while (pending.length > 0) {
    const { bytesWritten } = await fh.writev(pending, at);
    if (bytesWritten <= 0) throw new LogError('SDS_ERR_LOG_IO', `write at byte ${at} made no progress`);
    at += bytesWritten;
    pending = dropBytes(pending, bytesWritten);
  }
}

function dropBytes(buffers: Buffer[], n: number): Buffer[] {
  let skip = n;
  const out: Buffer[] = [];
  for (const b of buffers) {
    if (skip >= b.length) {
      skip -= b.length;
      continue;
    }
    out.push(skip > 0 ? b.subarray(skip) : b);
    skip = 0;
  }
  return out;
}

/** Reads exactly `length` bytes at `position` into a new buffer; a short file is corruption. */
export async function readFully(fh: FileHandle, position: number, length: number, what: string): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length);
  await readInto(fh, buf, 0, length, position, what);
  return buf;
}

/** Fills buf[offset, offset+length) from the file at `position`. */
export async function readInto(fh: FileHandle, buf: Buffer, offset: number, length: number, position: number, what: string): Promise<void> {
  let done = 0;
  while (done < length) {
    const { bytesRead } = await fh.read(buf, offset + done, length - done, position + done);
    if (bytesRead === 0) {
      throw new LogError('SDS_ERR_LOG_CORRUPT', `${what}: file ends at byte ${position + done}, expected ${length - done} more bytes`);
    }
    done += bytesRead;
  }
}

/** The errno code of a Node file system error, e.g. 'ENOENT'. */
export function errnoCode(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined;
  const code = (err as NodeJS.ErrnoException).code;
  return typeof code === 'string' ? code : undefined;
}

export function isNotFound(err: unknown): boolean {
  return errnoCode(err) === 'ENOENT';
}
