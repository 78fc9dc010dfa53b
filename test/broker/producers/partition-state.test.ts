import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PartitionProducers, lastSequenceOf, inSequence, type ProducerBatch } from '../../../src/broker/producers/index.ts';
import { ErrorCode } from '../../../src/protocol/error-codes.ts';

const MAX = 2_147_483_647;

function batch(producerEpoch: number, baseSequence: number, records = 1, producerId = 7n): ProducerBatch {
  return { producerId, producerEpoch, baseSequence, lastOffsetDelta: records - 1, timestamp: 1000n };
}

/** Records a batch as appended at `offset`. */
function accept(state: PartitionProducers, b: ProducerBatch, offset: bigint): void {
  assert.equal(state.check(b, 0n).kind, 'append');
  state.record(b, { baseOffset: offset, lastOffset: offset + BigInt(b.lastOffsetDelta), logAppendTime: -1n });
}

test('sequences wrap from Int32.MAX to 0', () => {
  assert.equal(lastSequenceOf(10, 4), 14);
  assert.equal(lastSequenceOf(MAX, 0), MAX);
  assert.equal(lastSequenceOf(MAX - 1, 3), 1);
  assert.ok(inSequence(MAX, 0));
  assert.ok(inSequence(4, 5));
  assert.ok(!inSequence(4, 6));
});

test('an unknown producer may start at any sequence; a duplicate of a retained batch is found', () => {
  const s = new PartitionProducers('t-0');
  accept(s, batch(0, 42, 3), 0n);
  accept(s, batch(0, 45, 2), 3n);
  const dup = s.check(batch(0, 42, 3), 0n);
  assert.equal(dup.kind, 'duplicate');
  assert.equal(dup.kind === 'duplicate' ? dup.batch.placement?.baseOffset : undefined, 0n);
  // Same first sequence but another last one is not a duplicate but a gap.
  const partial = s.check(batch(0, 42, 2), 0n);
  assert.equal(partial.kind === 'reject' ? partial.errorCode : -1, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
});

test('only the last five batches are retained', () => {
  const s = new PartitionProducers('t-0');
  for (let i = 0; i < 6; i++) accept(s, batch(0, i), BigInt(i));
  const oldest = s.check(batch(0, 0), 0n);
  assert.equal(oldest.kind === 'reject' ? oldest.errorCode : -1, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  assert.equal(s.check(batch(0, 1), 0n).kind, 'duplicate');
});

test('epochs: lower is INVALID_PRODUCER_EPOCH, higher must start at 0 and clears the retained batches', () => {
  const s = new PartitionProducers('t-0');
  accept(s, batch(3, 0), 0n);
  const stale = s.check(batch(2, 1), 0n);
  assert.equal(stale.kind === 'reject' ? stale.errorCode : -1, ErrorCode.INVALID_PRODUCER_EPOCH);
  const jump = s.check(batch(4, 1), 0n);
  assert.equal(jump.kind === 'reject' ? jump.errorCode : -1, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  accept(s, batch(4, 0), 1n);
  // The old epoch's batch is no duplicate any more, and its epoch is stale.
  const old = s.check(batch(3, 0), 0n);
  assert.equal(old.kind === 'reject' ? old.errorCode : -1, ErrorCode.INVALID_PRODUCER_EPOCH);
  assert.equal(s.producers()[0]?.epoch, 4);
});

test('same epoch continues across the Int32 wrap', () => {
  const s = new PartitionProducers('t-0');
  accept(s, batch(0, MAX - 1, 2), 0n);
  accept(s, batch(0, 0, 1), 2n);
  assert.equal(s.producers()[0]?.batches.at(-1)?.lastSeq, 0);
});

test('a producer whose batches are all below the log start is forgotten', () => {
  const s = new PartitionProducers('t-0');
  accept(s, batch(0, 0), 0n);
  const gap = s.check(batch(0, 9), 0n);
  assert.equal(gap.kind, 'reject');
  assert.equal(s.check(batch(0, 9), 1n).kind, 'append');
  assert.equal(s.size, 0);
});

test('an in-flight batch counts for the next check; a failed append forgets the producer', async () => {
  const s = new PartitionProducers('t-0');
  let settle: (v: { baseOffset: bigint; lastOffset: bigint; logAppendTime: bigint }) => void = () => undefined;
  const first = batch(0, 0, 2);
  const retained = s.record(first, new Promise((resolve) => (settle = resolve)));
  assert.equal(s.check(batch(0, 2), 0n).kind, 'append');
  const dup = s.check(first, 0n);
  assert.equal(dup.kind, 'duplicate');
  settle({ baseOffset: 5n, lastOffset: 6n, logAppendTime: -1n });
  assert.equal((await retained.placed).baseOffset, 5n);
  assert.equal(retained.placement?.baseOffset, 5n);
  s.forget(7n, retained);
  assert.equal(s.size, 0);
});

test('idle producers expire, none with a batch in flight', () => {
  const s = new PartitionProducers('t-0');
  accept(s, batch(0, 0, 1, 1n), 0n);
  s.record(batch(0, 0, 1, 2n), new Promise(() => undefined));
  assert.equal(s.expire(1000 + 86_400_000, 86_400_000), 1);
  assert.deepEqual(s.producers().map((e) => e.producerId), [2n]);
});
