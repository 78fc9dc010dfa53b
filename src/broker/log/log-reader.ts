import { LOG_OVERHEAD } from '../../protocol/records/index.ts';
import { findBatch, type ScannedBatch } from './batch-scan.ts';
import { LogError } from './errors.ts';
import type { Segment } from './segment.ts';
import type { LogPosition, SegmentList } from './segment-list.ts';
import type { OffsetOutOfRange, ReadOptions, ReadResult } from './types.ts';

/** What a read sees of the log, taken at the moment it starts. */
export interface ReadView {
  segments: SegmentList;
  logStartOffset: bigint;
  logEndOffset: bigint;
  highWatermark: LogPosition;
}

const EMPTY = Buffer.alloc(0);
const LENGTH_AT = 8;

/**
 * Fetch-side read (Kafka LocalLog.read + LogSegment.read): finds the batch holding `offset`
 * through the sparse index, then returns whole batches from there, at most maxBytes of them
 * unless minOneMessage lets a larger first batch through (KIP-74). Like Kafka it reads from
 * one segment only; the next fetch continues in the next segment.
 */
export async function readLog(view: ReadView, offset: bigint, maxBytes: number, options: ReadOptions): Promise<ReadResult | OffsetOutOfRange> {
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) {
    throw new LogError('SDS_ERR_LOG_BAD_ARGUMENT', `maxBytes must be a non-negative integer, got ${maxBytes}`);
  }
  if (offset < view.logStartOffset || offset > view.logEndOffset) return outOfRange(view);
  let limit = options.maxOffset ?? view.highWatermark.offset;
  if (limit > view.logEndOffset) limit = view.logEndOffset;
  if (offset >= limit) return result(view, EMPTY);

  for (const segment of view.segments.from(offset)) {
    if (segment.baseOffset >= limit) break;
    // A segment closed under us was deleted by retention: the offset is gone.
    if (!segment.acquire()) return outOfRange(view);
    try {
      const end = await endPosition(segment, limit, view.highWatermark);
      const first = await findBatch(segment, offset, segment.offsetIndex.lookup(offset).position, end);
      if (first !== undefined) return result(view, await readBatches(segment, first, end, maxBytes, options.minOneMessage));
    } finally {
      segment.release();
    }
  }
  return result(view, EMPTY);
}

/** Byte position in `segment` where offsets at or past `limit` begin (the segment size if they do not). */
export async function endPosition(segment: Segment, limit: bigint, highWatermark: LogPosition): Promise<number> {
  if (segment.nextOffset <= limit) return segment.size;
  if (highWatermark.segment === segment && highWatermark.offset === limit) return highWatermark.position;
  const batch = await findBatch(segment, limit, segment.offsetIndex.lookup(limit).position, segment.size);
  return batch?.position ?? segment.size;
}

async function readBatches(segment: Segment, first: ScannedBatch, end: number, maxBytes: number, minOneMessage: boolean): Promise<Buffer> {
  if (first.size > maxBytes) return minOneMessage ? segment.readAt(first.position, first.size) : EMPTY;
  const bytes = await segment.readAt(first.position, Math.min(end - first.position, maxBytes));
  let whole = 0;
  while (whole + LOG_OVERHEAD <= bytes.length) {
    const size = LOG_OVERHEAD + bytes.readInt32BE(whole + LENGTH_AT);
    if (whole + size > bytes.length) break;
    whole += size;
  }
  return bytes.subarray(0, whole);
}

function result(view: ReadView, records: Buffer): ReadResult {
  return { records, highWatermark: view.highWatermark.offset, logStartOffset: view.logStartOffset, logEndOffset: view.logEndOffset };
}

export function outOfRange(view: Omit<ReadView, 'segments'>): OffsetOutOfRange {
  return {
    error: 'OFFSET_OUT_OF_RANGE',
    logStartOffset: view.logStartOffset,
    logEndOffset: view.logEndOffset,
    highWatermark: view.highWatermark.offset,
  };
}
