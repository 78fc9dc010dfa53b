import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cutBatch, MAX_PAYLOAD_BYTES } from '../../../src/runtime/event-source/batch.ts';
import { buildEvent, type PolledRecord } from '../../../src/runtime/event-source/event.ts';

const source = { bootstrapServers: ['127.0.0.1:9092'], clusterArn: 'arn:aws:kafka:us-east-1:123456789012:cluster/demo/abc' };

function rec(partition: number, offset: number, valueBytes: number): PolledRecord {
  return { topic: 'orders', partition, offset: BigInt(offset), timestamp: 1_700_000_000_000n, logAppendTime: false, key: Buffer.from(`k${offset}`), value: Buffer.alloc(valueBytes, 0x61), headers: [['h', Buffer.from('v')]] };
}

test('the payload size is exactly the serialized event\'s, across partitions', () => {
  const records = [rec(0, 1, 10), rec(1, 5, 200), rec(0, 2, 3), rec(2, 9, 0)];
  for (let n = 1; n <= records.length; n++) {
    const cut = cutBatch(source, records, n);
    assert.equal(cut.batch.length, n);
    assert.equal(cut.payloadBytes, Buffer.byteLength(JSON.stringify(buildEvent(source, cut.batch))), `${n} records`);
  }
});

test('a batch ends at BatchSize or at the payload limit; a record too large alone is set apart', () => {
  const many = Array.from({ length: 250 }, (_, i) => rec(i % 3, i, 10));
  const first = cutBatch(source, many, 100);
  assert.equal(first.batch.length, 100);
  assert.equal(first.rest.length, 150);

  // 1 MiB values are about 1.4 MB in base64: four fit in 6 MB, the fifth does not.
  const big = Array.from({ length: 6 }, (_, i) => rec(0, i, 1 << 20));
  const cut = cutBatch(source, big, 100);
  assert.equal(cut.batch.length, 4);
  assert.ok(cut.payloadBytes <= MAX_PAYLOAD_BYTES);
  assert.ok(Buffer.byteLength(JSON.stringify(buildEvent(source, big.slice(0, 5)))) > MAX_PAYLOAD_BYTES);
  assert.deepEqual(cut.rest, big.slice(4));

  const huge = [rec(0, 0, 5 << 20), rec(0, 1, 10)];
  const apart = cutBatch(source, huge, 100);
  assert.equal(apart.batch.length, 0);
  assert.equal(apart.oversized, huge[0]);
  assert.deepEqual(apart.rest, [huge[1]]);
  assert.deepEqual(cutBatch(source, [], 100), { batch: [], payloadBytes: 0, rest: [] });
});
