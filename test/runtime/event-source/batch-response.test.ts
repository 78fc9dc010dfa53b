import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readBatchResponse } from '../../../src/runtime/event-source/batch-response.ts';
import type { PolledRecord } from '../../../src/runtime/event-source/event.ts';

const rec = (partition: number, offset: number): PolledRecord => ({ topic: 'orders', partition, offset: BigInt(offset), timestamp: 0n, logAppendTime: false, key: null, value: null, headers: [] });
const batch = [rec(0, 10), rec(0, 11), rec(0, 12), rec(1, 4), rec(1, 5)];
const item = (partition: unknown, offset: unknown) => ({ itemIdentifier: { partition, offset } });

test('no failures reported is success', () => {
  for (const result of [undefined, null, 'done', 42, {}, { batchItemFailures: null }, { batchItemFailures: [] }]) {
    assert.deepEqual(readBatchResponse(result, batch), { kind: 'success' }, JSON.stringify(result));
  }
});

test('each partition is retried from its lowest failed offset', () => {
  const verdict = readBatchResponse({ batchItemFailures: [item('orders-0', 12), item('orders-0', 11), item('orders-1', '5')] }, batch);
  assert.deepEqual(verdict, { kind: 'partial', retryFrom: new Map([['orders-0', 11n], ['orders-1', 5n]]) });
});

test('malformed responses fail the whole batch', () => {
  const cases: unknown[] = [
    { batchItemFailures: 'orders-0-11' },
    { batchItemFailures: [{}] },
    { batchItemFailures: [{ itemIdentifier: null }] },
    { batchItemFailures: [{ itemIdentifier: 'orders-0-11' }] },
    { batchItemFailures: [item('orders-0', 99)] },
    { batchItemFailures: [item('orders-7', 10)] },
    { batchItemFailures: [item('orders-0', 10.5)] },
    { batchItemFailures: [item(0, 10)] },
    { batchItemFailures: [item('orders-0', 11), {}] },
  ];
  for (const result of cases) assert.equal(readBatchResponse(result, batch).kind, 'failed', JSON.stringify(result));
});
