import { SdsError } from '../../errors.ts';
import { errnoCode } from './fs-util.ts';

/**
 * Errors of the disk itself (full, quota, I/O, read-only, permissions) or of the process's file
 * table (too many open files), as opposed to bugs or bad input.
 */
const DISK_ERRNOS = new Set(['ENOSPC', 'EDQUOT', 'EIO', 'EROFS', 'EFBIG', 'EACCES', 'EPERM', 'EMFILE', 'ENFILE']);

/** Our codes for a write or fsync that the file system refused. */
const STORAGE_CODES = new Set(['SDS_ERR_LOG_OFFLINE', 'SDS_ERR_LOG_IO', 'SDS_ERR_OFFSETS_IO']);

/**
 * Whether `err` (or an error it wraps) is the disk failing: Kafka answers those with
 * KAFKA_STORAGE_ERROR (or a coordinator error for committed offsets), not a closed connection.
 */
export function isStorageFailure(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if (e instanceof SdsError && STORAGE_CODES.has(e.code)) return true;
    const code = errnoCode(e);
    if (code !== undefined && DISK_ERRNOS.has(code)) return true;
  }
  return false;
}

/** The file system's own words at the bottom of `err`, e.g. "ENOSPC: no space left on device, write". */
export function storageFailureDetail(err: unknown): string {
  let detail = err instanceof Error ? err.message : String(err);
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if (errnoCode(e) !== undefined) detail = e.message;
  }
  return detail;
}
