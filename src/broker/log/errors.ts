import { SdsError } from '../../errors.ts';

/** Raised by the partition log. Kafka errors that are data (offset out of range) are returned, not thrown. */
export class LogError extends SdsError {
  constructor(code: LogErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

export type LogErrorCode =
  /** append() got bytes that are not one or more whole, valid record batches. */
  | 'SDS_ERR_LOG_INVALID_RECORDS'
  /** One append is larger than a segment, or spans more offsets than a segment can index. */
  | 'SDS_ERR_LOG_RECORDS_TOO_LARGE'
  /** A method argument is out of range (leader epoch, maxBytes, append time). */
  | 'SDS_ERR_LOG_BAD_ARGUMENT'
  /** A LogConfig value is out of range. */
  | 'SDS_ERR_LOG_BAD_CONFIG'
  /** The log was closed or deleted. */
  | 'SDS_ERR_LOG_CLOSED'
  /** The same partition directory is already open in this process. */
  | 'SDS_ERR_LOG_ALREADY_OPEN'
  /** A write, fsync or roll failed; appends are refused until a later one repairs the log (at most once a second). */
  | 'SDS_ERR_LOG_OFFLINE'
  /** Bytes below the log end do not parse as record batches, or a segment file is where it must not be. */
  | 'SDS_ERR_LOG_CORRUPT'
  /** A file system operation failed outside the append path (open, retention, delete, close). */
  | 'SDS_ERR_LOG_IO';

/** Wraps a file system failure, keeping a LogError as it is. */
export function ioError(what: string, cause: unknown): LogError {
  if (cause instanceof LogError) return cause;
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new LogError('SDS_ERR_LOG_IO', `${what}: ${detail}; check the data directory (permissions, free space)`, { cause });
}
