/**
 * A small tmpfs for disk-full tests: a real file system that runs out of space at a size we
 * choose. Mounting needs root (or CAP_SYS_ADMIN); without it the caller skips, saying why.
 * Not a test file.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Tmpfs {
  readonly dir: string;
  /** Unmounts (lazily if files are still open) and removes the mount point. */
  unmount(): void;
}

const NOT_ALLOWED = /permission denied|not permitted|only root|must be superuser|EPERM/i;

/**
 * Mounts a tmpfs of `bytes` bytes on `at` (an existing empty directory, left in place on
 * unmount) or on a fresh temporary directory; returns why it cannot instead when this user
 * may not mount.
 */
export function mountTmpfs(bytes: number, at?: string): Tmpfs | string {
  const dir = at ?? mkdtempSync(join(tmpdir(), 'sds-tmpfs-'));
  const removeDir = (): void => {
    if (at === undefined) rmSync(dir, { recursive: true, force: true });
  };
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e: unknown) {
    removeDir();
    const stderr = (e as { stderr?: Buffer }).stderr?.toString().trim() ?? '';
    const reason = `${e instanceof Error ? e.message : String(e)} ${stderr}`;
    if (NOT_ALLOWED.test(reason) || process.getuid?.() !== 0) return `mounting a tmpfs is not allowed here: ${stderr || reason}`;
    throw e;
  }
  return {
    dir,
    unmount() {
      try {
        execFileSync('umount', [dir], { stdio: 'ignore' });
      } catch {
        execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
      }
      removeDir();
    },
  };
}

/** Grows `path` until the file system refuses another byte; returns the bytes written. */
export function fillUp(path: string): number {
  const fd = openSync(path, 'a');
  const chunk = Buffer.alloc(64 * 1024, 0x5a);
  let total = 0;
  try {
    for (let size = chunk.length; size >= 1; ) {
      try {
        const n = writeSync(fd, chunk, 0, size);
        total += n;
        if (n < size) size = Math.floor(size / 2);
      } catch (e: unknown) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
        size = Math.floor(size / 2);
      }
    }
  } finally {
    closeSync(fd);
  }
  return total;
}
