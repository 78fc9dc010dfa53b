import { decodeBatch } from '../../protocol/records/index.ts';
import { scanBatches, type ScannedBatch } from './batch-scan.ts';
import { endPosition } from './log-reader.ts';
import type { Segment } from './segment.ts';
import type { LogPosition, SegmentList } from './segment-list.ts';
import type { TimestampAndOffset } from './types.ts';

export interface TimestampView {
  segments: SegmentList;
  logStartOffset: bigint;
  highWatermark: LogPosition;
  maxDecompressedBytes: number;
}

/**
 * ListOffsets by timestamp (Kafka UnifiedLog.fetchOffsetByTimestamp): the first segment whose
 * newest timestamp reaches the target, the time index to skip what is older, then batch by
 * batch (by MaxTimestamp) and record by record: the first record at or above the log start,
 * below the high watermark, with timestamp >= target. LogAppendTime records carry their
 * batch's MaxTimestamp (decodeBatch applies that rule).
 */
export async function offsetForTimestamp(view: TimestampView, target: bigint): Promise<TimestampAndOffset | null> {
  const limit = view.highWatermark.offset;
  for (const segment of view.segments.all()) {
    if (segment.maxTimestamp < target || segment.nextOffset <= view.logStartOffset) continue;
    const startOffset = segment.baseOffset > view.logStartOffset ? segment.baseOffset : view.logStartOffset;
    if (startOffset >= limit) return null;
    if (!segment.acquire()) continue;
    try {
      const entry = segment.timeIndex.lookup(target);
      const skipTo = entry !== undefined && entry.offset > startOffset ? entry.offset : startOffset;
      const from = segment.offsetIndex.lookup(skipTo).position;
      const end = await endPosition(segment, limit, view.highWatermark);
      for await (const batch of scanBatches(segment, from, end)) {
        if (batch.lastOffset < startOffset || batch.maxTimestamp < target) continue;
        const found = await firstRecord(view, segment, batch, (offset, ts) => offset >= startOffset && ts >= target);
        if (found !== null) return found;
      }
    } finally {
      segment.release();
    }
  }
  return null;
}

/**
 * ListOffsets MAX_TIMESTAMP (KIP-734): the segment with the newest timestamp (the earliest such
 * on a tie), its first batch carrying that MaxTimestamp, and the first record in it with that
 * timestamp. Null for a log without timestamps. Like Kafka it is not capped at the high watermark.
 */
export async function maxTimestamp(view: TimestampView): Promise<TimestampAndOffset | null> {
  let best: Segment | undefined;
  for (const s of view.segments.all()) {
    if (s.nextOffset > view.logStartOffset && s.maxTimestamp >= 0n && (best === undefined || s.maxTimestamp > best.maxTimestamp)) best = s;
  }
  if (best === undefined || !best.acquire()) return null;
  const segment = best;
  try {
    const from = segment.offsetIndex.lookup(segment.offsetOfMaxTimestamp).position;
    for await (const batch of scanBatches(segment, from, segment.size)) {
      if (batch.maxTimestamp !== segment.maxTimestamp) continue;
      return await firstRecord(view, segment, batch, (_offset, ts) => ts === segment.maxTimestamp);
    }
    return null;
  } finally {
    segment.release();
  }
}

async function firstRecord(
  view: TimestampView,
  segment: Segment,
  batch: ScannedBatch,
  match: (offset: bigint, timestamp: bigint) => boolean,
): Promise<TimestampAndOffset | null> {
  const bytes = await segment.readAt(batch.position, batch.size);
  const decoded = await decodeBatch(bytes, { maxDecompressedBytes: view.maxDecompressedBytes, verifyCrc: false });
  for (const r of decoded.records) if (match(r.offset, r.timestamp)) return { offset: r.offset, timestamp: r.timestamp };
  return null;
}
