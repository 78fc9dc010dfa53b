/**
 * Reading a handler's partial batch response (FunctionResponseTypes ReportBatchItemFailures),
 * as Lambda reads it for stream sources: no response, an empty or null list means success; an
 * identifier that is missing, malformed, or names no record of the batch fails the whole batch;
 * otherwise each partition is retried from its lowest failed offset, and the records before it
 * count as processed. Kafka's identifier is `{ "partition": "<topic>-<partition>", "offset": N }`.
 */
import type { PolledRecord } from './event.ts';

export type BatchVerdict =
  | { readonly kind: 'success' }
  | { readonly kind: 'failed'; readonly reason: string }
  /** Per "topic-partition": the offset to retry from; partitions not named succeeded. */
  | { readonly kind: 'partial'; readonly retryFrom: ReadonlyMap<string, bigint> };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function readBatchResponse(result: unknown, batch: readonly PolledRecord[]): BatchVerdict {
  if (result === null || result === undefined || !isObject(result)) return { kind: 'success' };
  const failures = result['batchItemFailures'];
  if (failures === null || failures === undefined) return { kind: 'success' };
  if (!Array.isArray(failures)) return { kind: 'failed', reason: 'batchItemFailures is not a list' };
  if (failures.length === 0) return { kind: 'success' };
  const offsets = new Map<string, Set<bigint>>();
  for (const r of batch) {
    const key = `${r.topic}-${r.partition}`;
    const set = offsets.get(key) ?? new Set<bigint>();
    set.add(r.offset);
    offsets.set(key, set);
  }
  const retryFrom = new Map<string, bigint>();
  for (const f of failures as unknown[]) {
    const id = isObject(f) ? f['itemIdentifier'] : undefined;
    if (!isObject(id)) return { kind: 'failed', reason: 'an item without an itemIdentifier object' };
    const partition = id['partition'];
    const offset = id['offset'];
    const asOffset = typeof offset === 'number' && Number.isSafeInteger(offset) ? BigInt(offset) : typeof offset === 'string' && /^\d+$/.test(offset) ? BigInt(offset) : undefined;
    if (typeof partition !== 'string' || asOffset === undefined || offsets.get(partition)?.has(asOffset) !== true) {
      return { kind: 'failed', reason: `itemIdentifier ${JSON.stringify(id).slice(0, 200)} names no record of the batch` };
    }
    const lowest = retryFrom.get(partition);
    if (lowest === undefined || asOffset < lowest) retryFrom.set(partition, asOffset);
  }
  return { kind: 'partial', retryFrom };
}
