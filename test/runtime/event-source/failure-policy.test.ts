import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allowedRetries, bisect, nextStep, type FailedBatch } from '../../../src/runtime/event-source/failure-policy.ts';

const policy = (maximumRetryAttempts: number, bisectBatchOnFunctionError = false, maximumRecordAgeSeconds = -1) => ({ maximumRetryAttempts, bisectBatchOnFunctionError, maximumRecordAgeSeconds });
const failed = (retries: number, size: number, extra: Partial<FailedBatch> = {}): FailedBatch => ({ retries, size, oldestRecordAgeMs: 0, bisected: false, ...extra });

test('retried as configured, then bisected down to the failing record, then set aside', () => {
  const p = policy(2, true);
  assert.deepEqual(nextStep(p, failed(0, 4), true), { action: 'retry' });
  assert.deepEqual(nextStep(p, failed(1, 4), true), { action: 'retry' });
  assert.deepEqual(nextStep(p, failed(2, 4), true), { action: 'bisect' });
  assert.deepEqual(nextStep(p, failed(0, 2, { bisected: true }), true), { action: 'bisect' }, 'a failing half is split again, not retried');
  assert.deepEqual(nextStep(p, failed(0, 1, { bisected: true }), true), { action: 'to-destination', condition: 'RetryAttemptsExhausted' });
  assert.deepEqual(bisect([1, 2, 3, 4, 5]), [[1, 2, 3], [4, 5]]);
});

test('retry limits: -1 is until expiry, capped at 10 with a destination; no destination keeps the partition retrying', () => {
  assert.equal(allowedRetries(policy(-1), false), Number.POSITIVE_INFINITY);
  assert.equal(allowedRetries(policy(-1), true), 10);
  assert.equal(allowedRetries(policy(0), true), 0);
  assert.deepEqual(nextStep(policy(-1), failed(9, 3), true), { action: 'retry' });
  assert.deepEqual(nextStep(policy(-1), failed(10, 3), true), { action: 'to-destination', condition: 'RetryAttemptsExhausted' });
  assert.deepEqual(nextStep(policy(0), failed(0, 3), false), { action: 'retry' }, 'nowhere to put the records: the batch waits');
});

test('records older than MaximumRecordAgeInSeconds go to the destination at once', () => {
  const p = policy(5, false, 60);
  assert.deepEqual(nextStep(p, failed(0, 3, { oldestRecordAgeMs: 60_001 }), true), { action: 'to-destination', condition: 'RecordAgeExceeded' });
  assert.deepEqual(nextStep(p, failed(0, 3, { oldestRecordAgeMs: 60_000 }), true), { action: 'retry' });
});
