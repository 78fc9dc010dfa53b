/**
 * Consumer lag per group and topic, as MSK reports it (Consumer Group, Topic dimensions):
 * MaxOffsetLag and SumOffsetLag over the partitions the group has committed an offset for
 * (partitions without a commit are left out, as MSK does), and EstimatedMaxTimeLag, the
 * age in seconds of the oldest record not yet consumed. Per partition: OffsetLag and
 * EstimatedTimeLag (MSK's PER_TOPIC_PER_PARTITION level).
 *
 * Offset lag is the high watermark (what a consumer can read) minus the committed offset.
 * Time lag reads one batch: the one holding the committed offset (or the log start, when
 * retention removed that offset). Its first timestamp (its MaxTimestamp for LogAppendTime
 * topics) stands for the first unconsumed record, so when a commit points into the middle of
 * a batch the estimate is up to one batch older than the record. 0 when caught up.
 */
import type { PartitionManager } from '../context.ts';
import type { PartitionLog } from '../log/index.ts';
import type { TopicInfo } from '../metadata/topic-store.ts';
import type { CommittedOffset } from '../groups/offset-store.ts';
import { BATCH_HEADER_SIZE, readBatchHeader } from '../../protocol/records/index.ts';

export interface PartitionLag {
  readonly partition: number;
  readonly OffsetLag: number;
  /** Seconds. */
  readonly EstimatedTimeLag: number;
}

export interface ConsumerLag {
  readonly consumerGroup: string;
  readonly topic: string;
  readonly MaxOffsetLag: number;
  readonly SumOffsetLag: number;
  /** Seconds. */
  readonly EstimatedMaxTimeLag: number;
  /** The committed partitions, by partition number. */
  readonly partitions: readonly PartitionLag[];
}

/** The committed offsets the coordinator holds (OffsetStore fits). */
export interface CommittedOffsets {
  groupIds(): string[];
  all(group: string): ReadonlyMap<string, ReadonlyMap<number, CommittedOffset>>;
}

/** Lag of every group for every topic it has committed offsets in, sorted by group then topic. */
export async function consumerLag(
  offsets: CommittedOffsets,
  topics: { get(name: string): TopicInfo | undefined },
  partitions: Pick<PartitionManager, 'get'>,
  now: number,
): Promise<ConsumerLag[]> {
  const out: ConsumerLag[] = [];
  for (const consumerGroup of [...offsets.groupIds()].sort()) {
    const byTopic = offsets.all(consumerGroup);
    for (const topic of [...byTopic.keys()].sort()) {
      // Offsets of deleted topics are kept until they expire; they have no lag to report.
      if (topics.get(topic) === undefined) continue;
      const lags: PartitionLag[] = [];
      const committed = [...(byTopic.get(topic) ?? new Map<number, CommittedOffset>()).entries()].sort((a, b) => a[0] - b[0]);
      for (const [partition, c] of committed) {
        const log = partitions.get(topic, partition);
        if (log === undefined || c.offset < 0n) continue;
        lags.push(await partitionLag(log, partition, c.offset, now));
      }
      if (lags.length === 0) continue;
      out.push({
        consumerGroup,
        topic,
        MaxOffsetLag: Math.max(...lags.map((l) => l.OffsetLag)),
        SumOffsetLag: lags.reduce((sum, l) => sum + l.OffsetLag, 0),
        EstimatedMaxTimeLag: Math.max(...lags.map((l) => l.EstimatedTimeLag)),
        partitions: lags,
      });
    }
  }
  return out;
}

async function partitionLag(log: PartitionLog, partition: number, committed: bigint, now: number): Promise<PartitionLag> {
  const end = log.highWatermark;
  if (committed >= end) return { partition, OffsetLag: 0, EstimatedTimeLag: 0 };
  const first = committed < log.logStartOffset ? log.logStartOffset : committed;
  const timestamp = await batchTimestamp(log, first);
  return {
    partition,
    OffsetLag: Number(end - committed),
    EstimatedTimeLag: timestamp === undefined ? 0 : Math.max(0, (now - timestamp) / 1000),
  };
}

/** The timestamp of the batch holding `offset`, or undefined if there is none (or it has none). */
async function batchTimestamp(log: PartitionLog, offset: bigint): Promise<number | undefined> {
  let records: Buffer;
  try {
    // maxBytes 0 with minOneMessage reads exactly the one batch that holds the offset.
    const read = await log.read(offset, 0, { minOneMessage: true });
    if (read.error !== undefined) return undefined;
    records = read.records;
  } catch {
    // A log closed by a topic deletion or a stopping broker while this ran: no estimate.
    return undefined;
  }
  if (records.length < BATCH_HEADER_SIZE) return undefined;
  const h = readBatchHeader(records);
  const timestamp = h.timestampType === 'LogAppendTime' ? h.maxTimestamp : h.baseTimestamp;
  return timestamp >= 0n ? Number(timestamp) : undefined;
}
