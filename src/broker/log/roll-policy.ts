import type { PreparedAppend } from './append-input.ts';
import type { LogConfig } from './config.ts';
import { OFFSET_INDEX_ENTRY_SIZE } from './offset-index.ts';
import type { Segment } from './segment.ts';
import { TIME_INDEX_ENTRY_SIZE } from './time-index.ts';

/** What is already placed in the active segment's next write but not yet written. */
export interface PendingWrite {
  bytes: number;
  batches: number;
  /** The offset `prepared` would start at. */
  nextOffset: bigint;
}

const INT32_MAX = 0x7fffffffn;

/**
 * Whether `prepared` must go to a new segment (Kafka LogSegment.shouldRoll): the segment would
 * pass segment.bytes, segment.ms has passed since its first append, relative offsets would
 * overflow int32, or an index would be full. An empty segment takes any append that fits at all.
 */
export function shouldRoll(active: Segment, prepared: PreparedAppend, pending: PendingWrite, config: LogConfig, nowMs: number): boolean {
  const size = active.size + pending.bytes;
  if (size === 0) return false;
  if (size + prepared.records.length > config.segmentBytes) return true;
  if (active.rollStartMs !== undefined && nowMs - active.rollStartMs > config.segmentMs) return true;
  if (pending.nextOffset + prepared.offsetCount - 1n - active.baseOffset > INT32_MAX) return true;
  // Each batch may add one entry to each index.
  const entries = pending.batches + prepared.batches.length;
  if (active.offsetIndex.entries + entries > Math.floor(config.segmentIndexBytes / OFFSET_INDEX_ENTRY_SIZE)) return true;
  return active.timeIndex.entries + entries > Math.floor(config.segmentIndexBytes / TIME_INDEX_ENTRY_SIZE);
}
