import { iterateBatches } from '../../protocol/records/index.ts';
import { ProtocolError } from '../../protocol/errors.ts';
import { LogError } from './errors.ts';

/** One batch of an append, located in the caller's buffer. */
export interface InputBatch {
  position: number;
  size: number;
  lastOffsetDelta: number;
  maxTimestamp: bigint;
}

export interface PreparedAppend {
  records: Buffer;
  batches: InputBatch[];
  /** Offsets the append takes: the sum of (LastOffsetDelta + 1). */
  offsetCount: bigint;
}

const INT32_MAX = 0x7fffffff;

/**
 * Checks an append before anything is queued: one or more whole magic-2 batches, CRC valid,
 * no trailing bytes. The CRC is checked again here, cheaply, because a bad batch stored in the
 * middle of the log would make crash recovery cut off everything after it.
 */
export function prepareAppend(records: Buffer, segmentBytes: number): PreparedAppend {
  if (records.length === 0) throw new LogError('SDS_ERR_LOG_INVALID_RECORDS', 'append of an empty records buffer: send at least one record batch');
  const batches: InputBatch[] = [];
  let offsetCount = 0n;
  try {
    for (const info of iterateBatches(records, { allowPartialTail: false })) {
      batches.push({ position: info.position, size: info.size, lastOffsetDelta: info.header.lastOffsetDelta, maxTimestamp: info.header.maxTimestamp });
      offsetCount += BigInt(info.header.lastOffsetDelta) + 1n;
    }
  } catch (err) {
    if (err instanceof ProtocolError) {
      throw new LogError('SDS_ERR_LOG_INVALID_RECORDS', `append refused, nothing written: ${err.message}`, { cause: err });
    }
    throw err;
  }
  if (records.length > segmentBytes) {
    throw new LogError(
      'SDS_ERR_LOG_RECORDS_TOO_LARGE',
      `append of ${records.length} bytes exceeds segment.bytes ${segmentBytes}: send smaller batches or raise segment.bytes`,
    );
  }
  if (offsetCount > BigInt(INT32_MAX)) {
    throw new LogError('SDS_ERR_LOG_RECORDS_TOO_LARGE', `append spans ${offsetCount} offsets, more than one segment can index (${INT32_MAX})`);
  }
  return { records, batches, offsetCount };
}

/** Leader epochs are int32, with -1 meaning none. */
export function checkLeaderEpoch(epoch: number): void {
  if (!Number.isInteger(epoch) || epoch < -1 || epoch > INT32_MAX) {
    throw new LogError('SDS_ERR_LOG_BAD_ARGUMENT', `leader epoch ${epoch} is not an int32 of -1 or more`);
  }
}
