import type { LogConfig } from './config.ts';
import type { Segment } from './segment.ts';

/**
 * How many of the oldest segments retention may delete (Kafka UnifiedLog.deletableSegments):
 * walk from the oldest while the rule holds; never the active segment, and never a segment
 * holding offsets at or above the high watermark (data not yet durable stays readable).
 */
function countLeading(segments: readonly Segment[], highWatermark: bigint, rule: (segment: Segment, next: Segment) => boolean): number {
  let n = 0;
  for (let i = 0; i + 1 < segments.length; i++) {
    const segment = segments[i] as Segment;
    if (segment.nextOffset > highWatermark || !rule(segment, segments[i + 1] as Segment)) break;
    n++;
  }
  return n;
}

/** Segments wholly below the log start offset (DeleteRecords moved it past them). */
export function belowLogStart(segments: readonly Segment[], highWatermark: bigint, logStartOffset: bigint): number {
  return countLeading(segments, highWatermark, (_s, next) => next.baseOffset <= logStartOffset);
}

/** retention.ms: the segment's newest timestamp (file time when batches carry none) is older than the limit. */
export function pastRetentionTime(segments: readonly Segment[], highWatermark: bigint, config: LogConfig, nowMs: number): number {
  if (config.retentionMs < 0) return 0;
  return countLeading(segments, highWatermark, (s) => nowMs - s.largestTimestamp > config.retentionMs);
}

/** retention.bytes: drop the oldest segments while the log stays at or above the limit without them. */
export function pastRetentionSize(segments: readonly Segment[], highWatermark: bigint, config: LogConfig): number {
  if (config.retentionBytes < 0) return 0;
  let excess = -config.retentionBytes;
  for (const s of segments) excess += s.size;
  return countLeading(segments, highWatermark, (s) => {
    if (excess - s.size < 0) return false;
    excess -= s.size;
    return true;
  });
}
