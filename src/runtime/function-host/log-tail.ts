/**
 * Reading a function's log file as `sds logs` does: its last lines (read backwards in chunks,
 * so a large file is not read whole), then, when following, whatever is appended, across
 * rotations (the file is renamed to `.1` and a new one starts) and before the file exists.
 */
import { open, stat, type FileHandle } from 'node:fs/promises';

const CHUNK = 64 * 1024;

/** The last `count` lines of the file, and the file's size when read (where following starts). */
export async function lastLines(path: string, count: number): Promise<{ lines: string[]; end: number }> {
  const handle = await open(path, 'r');
  try {
    const end = (await handle.stat()).size;
    const chunks: Buffer[] = [];
    let newlines = 0;
    let at = end;
    // One more newline than lines wanted: the file ends with one.
    while (at > 0 && newlines <= count) {
      const size = Math.min(CHUNK, at);
      at -= size;
      const chunk = Buffer.alloc(size);
      await handle.read(chunk, 0, size, at);
      chunks.unshift(chunk);
      for (const byte of chunk) if (byte === 0x0a) newlines++;
    }
    const lines = Buffer.concat(chunks).toString('utf8').split('\n');
    if (lines.at(-1) === '') lines.pop();
    return { lines: count === 0 ? [] : lines.slice(-count), end };
  } finally {
    await handle.close();
  }
}

async function identity(path: string): Promise<{ ino: number; size: number } | undefined> {
  try {
    const s = await stat(path);
    return { ino: s.ino, size: s.size };
  } catch {
    return undefined;
  }
}

/**
 * Calls `onText` with what is appended to the file from `from` on, every `intervalMs`, until
 * `signal` aborts. When the file is replaced (rotated), the rest of the old one is read first.
 */
export async function followLog(path: string, from: number, onText: (text: string) => void, signal: AbortSignal, intervalMs = 250): Promise<void> {
  let handle: FileHandle | undefined;
  let ino: number | undefined;
  let position = from;
  const drain = async (): Promise<void> => {
    if (handle === undefined) return;
    const size = (await handle.stat()).size;
    if (size < position) position = 0; // truncated in place
    while (position < size) {
      const buffer = Buffer.alloc(Math.min(CHUNK, size - position));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      onText(buffer.subarray(0, bytesRead).toString('utf8'));
    }
  };
  try {
    while (!signal.aborted) {
      const now = await identity(path);
      if (now !== undefined && now.ino !== ino) {
        await drain();
        await handle?.close();
        // A file seen for the first time is read from `from`; a replacement from its start.
        if (ino !== undefined) position = 0;
        handle = await open(path, 'r');
        ino = now.ino;
      }
      await drain();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, intervalMs);
        signal.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve();
        }, { once: true });
      });
    }
    await drain();
  } finally {
    await handle?.close();
  }
}
