/**
 * Cutting polled records into invocation batches, as Lambda's Kafka poller does: at most
 * BatchSize records and at most 6 MB of event payload (the serialized JSON event); a record that
 * alone exceeds the payload limit is set apart, for the on-failure destination with the condition
 * MaximumPayloadSizeExceeded. The batching window is the caller's clock, not this module's.
 */
import { buildEvent, encodeRecord, type EventSource, type PolledRecord } from './event.ts';

/** Lambda's invocation payload limit for event source mappings ("You cannot modify this limit"). */
export const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;

export interface Cut {
  /** Records for one invocation, in the order polled. */
  readonly batch: readonly PolledRecord[];
  /** The serialized size of the event for `batch`, in bytes. */
  readonly payloadBytes: number;
  /** A record at the head that does not fit even alone: to the on-failure destination. */
  readonly oversized?: PolledRecord;
  /** Records not taken. */
  readonly rest: readonly PolledRecord[];
}

/**
 * Takes the next batch from `records`. Sizes are those of JSON.stringify of the event: the empty
 * event, plus each record's JSON and a comma, plus `"topic-partition":[]` for each new partition.
 */
export function cutBatch(
  source: EventSource,
  records: readonly PolledRecord[],
  batchSize: number,
  maxPayloadBytes = MAX_PAYLOAD_BYTES,
): Cut {
  const empty = Buffer.byteLength(JSON.stringify(buildEvent(source, [])));
  let size = empty;
  const partitions = new Set<string>();
  let taken = 0;
  for (const r of records) {
    if (taken === batchSize) break;
    const key = `${r.topic}-${r.partition}`;
    const first = partitions.size === 0;
    const newPartition = !partitions.has(key);
    // `"key":[record]` and a comma between partitions; a comma between records of one partition.
    const added = encodeRecord(r).bytes + (newPartition ? Buffer.byteLength(JSON.stringify(key)) + 3 + (first ? 0 : 1) : 1);
    if (size + added > maxPayloadBytes) {
      if (taken === 0) return { batch: [], payloadBytes: 0, oversized: r, rest: records.slice(1) };
      break;
    }
    size += added;
    partitions.add(key);
    taken++;
  }
  return { batch: records.slice(0, taken), payloadBytes: taken === 0 ? 0 : size, rest: records.slice(taken) };
}
