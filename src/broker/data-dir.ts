import { mkdir, access, open, readFile, rm, constants } from 'node:fs/promises';
import { join } from 'node:path';
import { SdsError } from '../errors.ts';

const LOCK = '.lock';

/**
 * Makes sure the data directory exists and is writable, and locks it so that a second
 * broker cannot open the same logs (which would corrupt them). A lock left by a process
 * that no longer runs is taken over.
 */
export async function lockDataDir(dir: string): Promise<() => Promise<void>> {
  try {
    await mkdir(dir, { recursive: true });
    await access(dir, constants.R_OK | constants.W_OK);
  } catch (e: unknown) {
    throw new SdsError('SDS_ERR_BROKER_DATA_DIR', `data directory ${dir} cannot be created or written: ${(e as Error).message}; check its permissions or choose another with --data-dir`, { cause: e });
  }
  const path = join(dir, LOCK);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fh = await open(path, 'wx');
      await fh.writeFile(String(process.pid));
      await fh.close();
      return () => rm(path, { force: true });
    } catch (e: unknown) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isRunning(owner)) {
        throw new SdsError('SDS_ERR_BROKER_DATA_DIR_LOCKED', `data directory ${dir} is in use by process ${owner}; stop that broker or choose another --data-dir`);
      }
      if (owner === process.pid) {
        throw new SdsError('SDS_ERR_BROKER_DATA_DIR_LOCKED', `data directory ${dir} is already open in this process; stop the other broker first`);
      }
      await rm(path, { force: true }); // stale: its process is gone
    }
  }
  throw new SdsError('SDS_ERR_BROKER_DATA_DIR_LOCKED', `could not lock data directory ${dir}`);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e: unknown) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
