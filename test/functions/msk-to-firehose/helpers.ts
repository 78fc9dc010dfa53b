/** Builds MSK events for the forwarder's tests (the shape Lambda passes; see shared/kafka-event.ts). */
import type { MskEvent, MskRecord } from '../../../src/functions/shared/kafka-event.ts';

export interface RecordSpec {
  readonly topic?: string;
  readonly partition?: number;
  readonly offset: number;
  readonly timestamp?: number;
  readonly key?: Buffer | string | null;
  readonly value?: Buffer | string | null;
}

function base64(bytes: Buffer | string | null | undefined): string | null {
  if (bytes === null || bytes === undefined) return null;
  return (typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes).toString('base64');
}

export function mskRecord(spec: RecordSpec): MskRecord {
  return {
    topic: spec.topic ?? 'orders',
    partition: spec.partition ?? 0,
    offset: spec.offset,
    timestamp: spec.timestamp ?? 1_545_084_650_987,
    timestampType: 'CREATE_TIME',
    key: base64(spec.key),
    value: base64(spec.value),
    headers: [],
  };
}

/** An event with the records grouped by "<topic>-<partition>", in the order given. */
export function mskEvent(specs: readonly RecordSpec[]): MskEvent {
  const records: Record<string, MskRecord[]> = {};
  for (const spec of specs) {
    const r = mskRecord(spec);
    (records[`${r.topic}-${r.partition}`] ??= []).push(r);
  }
  return { eventSource: 'aws:kafka', eventSourceArn: 'arn:aws:kafka:us-east-1:123456789012:cluster/demo/abc', bootstrapServers: 'b-1:9092', records };
}

/** `count` records with values "v0", "v1", ... on one partition. */
export function numberedEvent(count: number): MskEvent {
  return mskEvent(Array.from({ length: count }, (_, i) => ({ offset: i, value: `v${i}` })));
}
