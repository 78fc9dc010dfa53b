import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FIREHOSE_LIMITS, planBatches, type OutgoingRecord } from '../../../src/functions/msk-to-firehose/batches.ts';
import { RecordTooLargeError } from '../../../src/functions/msk-to-firehose/errors.ts';
import { createHandler } from '../../../src/functions/msk-to-firehose/forwarder.ts';
import { mskEvent } from './helpers.ts';

const MIB4 = 4 * 1024 * 1024;
const KIB1000 = 1000 * 1024;
// One shared buffer: records are views of it, so the big cases cost little memory.
const pool = Buffer.alloc(KIB1000 + 1, 0x61);

function records(sizes: readonly number[]): OutgoingRecord[] {
  return sizes.map((size, i) => ({ data: pool.subarray(0, size), topic: 't', partition: 0, offset: i }));
}

function shape(batches: readonly (readonly OutgoingRecord[])[]): number[][] {
  return batches.map((b) => b.map((r) => r.offset));
}

test('the limits are Firehose\'s: 500 records, 4 MiB per call, 1,000 KiB per record', () => {
  assert.deepEqual(FIREHOSE_LIMITS, { maxRecordsPerCall: 500, maxBytesPerCall: 4_194_304, maxRecordBytes: 1_024_000 });
});

test('no records plan no calls', () => {
  assert.deepEqual(planBatches([]), []);
});

test('exactly 500 records fit one call; the 501st starts another', () => {
  const five = planBatches(records(new Array<number>(500).fill(10)));
  assert.equal(five.length, 1);
  assert.equal(five[0]?.length, 500);
  const more = planBatches(records(new Array<number>(1001).fill(10)));
  assert.deepEqual(more.map((b) => b.length), [500, 500, 1]);
  assert.deepEqual(more.flat().map((r) => r.offset), Array.from({ length: 1001 }, (_, i) => i), 'order kept');
});

test('exactly 4 MiB of record data fits one call', () => {
  const sizes = [KIB1000, KIB1000, KIB1000, KIB1000, MIB4 - 4 * KIB1000];
  assert.equal(sizes.reduce((a, b) => a + b), 4_194_304);
  const batches = planBatches(records(sizes));
  assert.deepEqual(shape(batches), [[0, 1, 2, 3, 4]]);
});

test('4 MiB + 1 byte splits: the record that would cross the limit starts the next call', () => {
  const sizes = [KIB1000, KIB1000, KIB1000, KIB1000, MIB4 - 4 * KIB1000 + 1];
  assert.equal(sizes.reduce((a, b) => a + b), 4_194_305);
  assert.deepEqual(shape(planBatches(records(sizes))), [[0, 1, 2, 3], [4]]);
  // Exactly 4 MiB then one more byte in a record of its own.
  assert.deepEqual(shape(planBatches(records([KIB1000, KIB1000, KIB1000, KIB1000, MIB4 - 4 * KIB1000, 1]))), [[0, 1, 2, 3, 4], [5]]);
});

test('every planned call respects both limits with mixed sizes', () => {
  const sizes = Array.from({ length: 2000 }, (_, i) => (i % 7 === 0 ? 300_000 : i % 3 === 0 ? 0 : 1234));
  const batches = planBatches(records(sizes));
  for (const b of batches) {
    assert.ok(b.length >= 1 && b.length <= 500);
    assert.ok(b.reduce((n, r) => n + r.data.length, 0) <= MIB4);
  }
  assert.deepEqual(batches.flat().map((r) => r.offset), sizes.map((_, i) => i));
});

test('a record of exactly 1,024,000 bytes is accepted', () => {
  const batches = planBatches(records([5, KIB1000, 5]));
  assert.deepEqual(shape(batches), [[0, 1, 2]]);
});

test('a record of 1,024,001 bytes is refused, naming its topic, partition and offset', () => {
  const input: OutgoingRecord[] = [
    { data: pool.subarray(0, 10), topic: 'clicks', partition: 3, offset: 41 },
    { data: pool.subarray(0, KIB1000 + 1), topic: 'clicks', partition: 3, offset: 42 },
  ];
  assert.throws(
    () => planBatches(input),
    (error: unknown) => {
      assert.ok(error instanceof RecordTooLargeError);
      assert.equal(error.topic, 'clicks');
      assert.equal(error.partition, 3);
      assert.equal(error.offset, 42);
      assert.equal(error.size, 1_024_001);
      assert.match(error.message, /topic clicks, partition 3, offset 42/);
      assert.match(error.message, /1024001 bytes/);
      return true;
    },
  );
});

test('the handler sends nothing when one record is too large (the invocation fails instead)', async () => {
  let calls = 0;
  const handler = createHandler({ deliveryStreamName: 's', format: 'raw', maxAttempts: 5 }, () => {
    calls += 1;
    return Promise.resolve({ FailedPutCount: 0, RequestResponses: [] });
  });
  const event = mskEvent([
    { offset: 7, value: 'small' },
    { topic: 'big', partition: 2, offset: 9, value: pool.subarray(0, KIB1000 + 1) },
  ]);
  await assert.rejects(handler(event), (error: unknown) => error instanceof RecordTooLargeError && error.topic === 'big' && error.partition === 2 && error.offset === 9);
  assert.equal(calls, 0);
});

test('json-lines output counts toward the record limit (the encoded size, not the value size)', async () => {
  const sent: number[] = [];
  const handler = createHandler({ deliveryStreamName: 's', format: 'json-lines', maxAttempts: 1 }, (data) => {
    sent.push(...data.map((d) => d.length));
    return Promise.resolve({ FailedPutCount: 0, RequestResponses: data.map(() => ({ RecordId: 'x' })) });
  });
  // A 1,000,000-byte value still fits as a JSON line; a 1,023,990-byte one would fit raw, but not
  // with the JSON fields around it.
  await handler(mskEvent([{ offset: 1, value: pool.subarray(0, 1_000_000) }]));
  assert.equal(sent.length, 1);
  await assert.rejects(handler(mskEvent([{ offset: 2, value: pool.subarray(0, 1_023_990) }])), RecordTooLargeError);
});
