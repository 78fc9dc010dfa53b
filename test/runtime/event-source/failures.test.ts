/**
 * What the mapping does when the function fails: retries, bisection, the on-failure destination,
 * partial batch responses (well-formed or not), timeouts. Against the embedded broker.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Producer } from '@platformatic/kafka';
import type { RunningBroker } from '../../../src/broker/broker.ts';
import { resolveConnection } from '../../../src/client/connection.ts';
import { consume, type ConsumedRecord } from '../../../src/client/consume.ts';
import type { MskEvent } from '../../../src/functions/shared/kafka-event.ts';
import { MetricsRegistry } from '../../../src/runtime/event-source/metrics.ts';
import { asInvoke, createTopic, mappingBroker, offsetsCommitted, produce, Recorder, startMapping, tempDir } from './helpers.ts';

let broker: RunningBroker;
let dir: ReturnType<typeof tempDir>;

before(async () => {
  broker = await mappingBroker();
  dir = tempDir();
});

after(async () => {
  await broker.stop();
  dir.remove();
});

function committedAll(group: string, topic: string, expected: Record<number, number>): Promise<void> {
  return offsetsCommitted(broker.bootstrap, group, topic, expected);
}

const values = (event: MskEvent): string[] => Object.values(event.records).flat().map((r) => Buffer.from(r.value ?? '', 'base64').toString());
const offsetsOf = (invocation: string[]): number[] => invocation.map((s) => Number(s.split(':')[1]));

interface FailureLine {
  requestContext: { condition: string; approximateInvokeCount: number; functionArn: string };
  responseContext: { functionError: string } | null;
  KafkaBatchInfo: { batchSize: number; bootstrapServers: string; recordsInfo: Record<string, { firstRecordOffset: string; lastRecordOffset: string }> };
  payload: string;
}

function failureLines(path: string): FailureLine[] {
  return readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as FailureLine);
}

test('a handler that throws: retried as configured, bisected, the failing record set aside, and processing goes on', { timeout: 60_000 }, async () => {
  await createTopic(broker.bootstrap, 'throws', 1);
  await produce(broker.bootstrap, 'throws', Array.from({ length: 8 }, (_, i) => ({ partition: 0, value: i === 5 ? 'bad' : `ok-${i}` })));
  const recorder = new Recorder();
  const failures = join(dir.path, 'throws.jsonl');
  const registry = new MetricsRegistry();
  const mapping = await startMapping(
    broker.bootstrap,
    {
      Topics: ['throws'],
      StartingPosition: 'TRIM_HORIZON',
      MaximumBatchingWindowInSeconds: 1,
      MaximumRetryAttempts: 1,
      BisectBatchOnFunctionError: true,
      DestinationConfig: { OnFailure: { Destination: `file:${failures}` } },
    },
    asInvoke((event) => {
      recorder.record(event);
      if (values(event).includes('bad')) throw new Error('bad record');
    }),
    dir.path,
    { name: 'throws', metrics: registry },
  );
  try {
    await committedAll(mapping.groupId, 'throws', { 0: 8 });
    assert.deepEqual(recorder.invocations.map(offsetsOf), [
      [0, 1, 2, 3, 4, 5, 6, 7], // fails
      [0, 1, 2, 3, 4, 5, 6, 7], // the one retry, fails
      [0, 1, 2, 3], // first half succeeds
      [4, 5, 6, 7], // second half fails: split again, no retries for halves
      [4, 5],
      [4],
      [5], // fails alone: to the destination, after 5 invocations that held it
      [6, 7],
    ]);
    const [line, ...more] = failureLines(failures);
    assert.equal(more.length, 0);
    assert.ok(line !== undefined);
    assert.equal(line.requestContext.condition, 'RetryAttemptsExhausted');
    assert.equal(line.requestContext.approximateInvokeCount, 5);
    assert.equal(line.requestContext.functionArn, 'arn:aws:lambda:us-east-1:000000000000:function:test-function');
    assert.equal(line.responseContext?.functionError, 'Unhandled');
    assert.equal(line.KafkaBatchInfo.batchSize, 1);
    assert.equal(line.KafkaBatchInfo.bootstrapServers, broker.bootstrap);
    assert.deepEqual(Object.keys(line.KafkaBatchInfo.recordsInfo), ['throws-0']);
    assert.equal(line.KafkaBatchInfo.recordsInfo['throws-0']?.firstRecordOffset, '5');
    const event = JSON.parse(line.payload) as MskEvent;
    assert.deepEqual(values(event), ['bad'], 'the event of the failed batch, as text');

    // Processing goes on with the records after it.
    await produce(broker.bootstrap, 'throws', [{ partition: 0, value: 'after' }]);
    await committedAll(mapping.groupId, 'throws', { 0: 9 });
    assert.deepEqual(recorder.invocations.at(-1), ['0:8:after']);
    const m = registry.snapshot().mappings[0];
    assert.equal(m?.Invocations, 9);
    assert.equal(m?.Errors, 5);
    assert.equal(m?.OnFailureDestinationDeliveredEventCount, 1);
  } finally {
    await mapping.stop();
  }
});

test('order within a partition holds across retries, while another partition goes on', { timeout: 60_000 }, async () => {
  await createTopic(broker.bootstrap, 'retry-order', 2);
  await produce(broker.bootstrap, 'retry-order', Array.from({ length: 6 }, (_, i) => ({ partition: i % 2, value: `v${i}` })));
  const recorder = new Recorder();
  let failuresLeft = 3;
  const mapping = await startMapping(
    broker.bootstrap,
    { Topics: ['retry-order'], StartingPosition: 'TRIM_HORIZON', BatchSize: 2, MaximumBatchingWindowInSeconds: 0 },
    asInvoke((event) => {
      recorder.record(event);
      // Partition 0 fails its first three invocations: no destination, so it retries until it succeeds.
      if (Object.keys(event.records).includes('retry-order-0') && failuresLeft-- > 0) throw new Error('not yet');
    }),
    dir.path,
    { name: 'retry-order' },
  );
  try {
    await committedAll(mapping.groupId, 'retry-order', { 0: 3, 1: 3 });
    // Per partition, each invocation holds consecutive offsets, and starts either where the one
    // before it started (a retry) or right after it ended: never ahead, never out of order.
    for (const p of [0, 1]) {
      const batches = recorder.invocations.map((i) => offsetsOf(i.filter((s) => s.startsWith(`${p}:`)))).filter((b) => b.length > 0);
      let before: number[] | undefined;
      for (const batch of batches) {
        batch.forEach((o, i) => assert.equal(o, (batch[0] ?? 0) + i, `partition ${p}: ${JSON.stringify(batches)}`));
        if (before !== undefined) assert.ok(batch[0] === before[0] || batch[0] === (before.at(-1) ?? 0) + 1, `partition ${p}: ${JSON.stringify(batches)}`);
        before = batch;
      }
      assert.equal(before?.at(-1), 2);
    }
    assert.ok(recorder.values(0).length > 3, 'partition 0 was retried');
  } finally {
    await mapping.stop();
  }
});

test('partial batch responses retry from the first failed offset of each partition named', { timeout: 60_000 }, async () => {
  await createTopic(broker.bootstrap, 'partial', 3);
  await produce(broker.bootstrap, 'partial', Array.from({ length: 12 }, (_, i) => ({ partition: i % 3, value: `v${i}` })));
  const recorder = new Recorder();
  let first = true;
  const mapping = await startMapping(
    broker.bootstrap,
    { Topics: ['partial'], StartingPosition: 'TRIM_HORIZON', MaximumBatchingWindowInSeconds: 1, FunctionResponseTypes: ['ReportBatchItemFailures'], MaximumRetryAttempts: 3 },
    asInvoke((event) => {
      recorder.record(event);
      if (!first) return { batchItemFailures: [] };
      first = false;
      // Offsets 2 and 3 of partition 0 fail (the lowest counts), offset 1 of partition 1; partition 2 is fine.
      return {
        batchItemFailures: [
          { itemIdentifier: { partition: 'partial-0', offset: 3 } },
          { itemIdentifier: { partition: 'partial-1', offset: 1 } },
          { itemIdentifier: { partition: 'partial-0', offset: 2 } },
        ],
      };
    }),
    dir.path,
    { name: 'partial' },
  );
  try {
    await committedAll(mapping.groupId, 'partial', { 0: 4, 1: 4, 2: 4 });
    assert.equal(recorder.invocations[0]?.length, 12);
    assert.deepEqual(recorder.invocations[1]?.sort(), ['0:2:v6', '0:3:v9', '1:1:v4', '1:2:v7', '1:3:v10']);
    assert.equal(recorder.invocations.length, 2);
  } finally {
    await mapping.stop();
  }
});

test('a malformed partial batch response fails the whole batch, which is retried whole', { timeout: 60_000 }, async () => {
  await createTopic(broker.bootstrap, 'malformed', 1);
  await produce(broker.bootstrap, 'malformed', Array.from({ length: 4 }, (_, i) => ({ partition: 0, value: `v${i}` })));
  const recorder = new Recorder();
  const answers: unknown[] = [
    { batchItemFailures: [{ itemIdentifier: 'malformed-0-2' }] }, // a string identifier: not Kafka's form
    { batchItemFailures: [{ itemIdentifier: { partition: 'malformed-0', offset: 99 } }] }, // no such record
    { batchItemFailures: [{}] },
    null, // success
  ];
  const registry = new MetricsRegistry();
  const mapping = await startMapping(
    broker.bootstrap,
    { Topics: ['malformed'], StartingPosition: 'TRIM_HORIZON', MaximumBatchingWindowInSeconds: 1, FunctionResponseTypes: ['ReportBatchItemFailures'] },
    asInvoke((event) => {
      recorder.record(event);
      return answers.shift();
    }),
    dir.path,
    { name: 'malformed', metrics: registry },
  );
  try {
    await committedAll(mapping.groupId, 'malformed', { 0: 4 });
    assert.deepEqual(recorder.invocations.map(offsetsOf), [[0, 1, 2, 3], [0, 1, 2, 3], [0, 1, 2, 3], [0, 1, 2, 3]]);
    assert.equal(registry.snapshot().mappings[0]?.Errors, 0, 'the function did not fail: the response did');
  } finally {
    await mapping.stop();
  }
});

test('a handler that times out is a failed invocation: retried, then set aside; the next records go on', { timeout: 60_000 }, async () => {
  await createTopic(broker.bootstrap, 'slow', 1);
  await produce(broker.bootstrap, 'slow', [{ partition: 0, value: 'slow' }, { partition: 0, value: 'fast' }]);
  const recorder = new Recorder();
  const failures = join(dir.path, 'slow.jsonl');
  const registry = new MetricsRegistry();
  const mapping = await startMapping(
    broker.bootstrap,
    { Topics: ['slow'], StartingPosition: 'TRIM_HORIZON', BatchSize: 1, MaximumBatchingWindowInSeconds: 0, MaximumRetryAttempts: 1, DestinationConfig: { OnFailure: { Destination: `file:${failures}` } } },
    asInvoke(async (event) => {
      recorder.record(event);
      if (values(event).includes('slow')) await new Promise((ok) => setTimeout(ok, 2000));
    }, 200),
    dir.path,
    { name: 'slow', metrics: registry },
  );
  try {
    await committedAll(mapping.groupId, 'slow', { 0: 2 });
    assert.deepEqual(recorder.all, ['0:0:slow', '0:0:slow', '0:1:fast']);
    const [line] = failureLines(failures);
    assert.equal(line?.requestContext.condition, 'RetryAttemptsExhausted');
    assert.equal(line?.requestContext.approximateInvokeCount, 2);
    const m = registry.snapshot().mappings[0];
    assert.equal(m?.Errors, 2);
    assert.equal(m?.Invocations, 3);
  } finally {
    await mapping.stop();
  }
});

test('records older than MaximumRecordAgeInSeconds go to a Kafka topic destination after a failure, one message each', { timeout: 60_000 }, async () => {
  await createTopic(broker.bootstrap, 'aged', 1);
  await createTopic(broker.bootstrap, 'aged-dlq', 1);
  const producer = new Producer({ clientId: 'esm-test', bootstrapBrokers: [broker.bootstrap] });
  const old = BigInt(Date.now() - 120_000);
  await producer.send({ acks: -1, messages: [0, 1].map((i) => ({ topic: 'aged', partition: 0, key: Buffer.from(`k${i}`), value: Buffer.from(`old-${i}`), timestamp: old })) });
  await producer.close();
  const recorder = new Recorder();
  const mapping = await startMapping(
    broker.bootstrap,
    { Topics: ['aged'], StartingPosition: 'TRIM_HORIZON', MaximumBatchingWindowInSeconds: 1, MaximumRetryAttempts: 5, MaximumRecordAgeInSeconds: 60, DestinationConfig: { OnFailure: { Destination: 'kafka://aged-dlq' } } },
    asInvoke((event) => {
      recorder.record(event);
      throw new Error('always');
    }),
    dir.path,
    { name: 'aged' },
  );
  try {
    await committedAll(mapping.groupId, 'aged', { 0: 2 });
    assert.equal(recorder.invocations.length, 1, 'too old to be retried');
    const read: ConsumedRecord[] = [];
    await consume(resolveConnection({ bootstrap: broker.bootstrap }), { topic: 'aged-dlq', start: 'earliest', reset: 'earliest', maxMessages: 2, idleTimeoutMs: 10_000 }, { onRecord: (r) => void read.push(r) });
    assert.deepEqual(read.map((r) => r.key?.toString()), ['k0', 'k1']);
    const message = JSON.parse(read[0]?.value?.toString() ?? '') as { requestContext: { condition: string }; payload: MskEvent };
    assert.equal(message.requestContext.condition, 'RecordAgeExceeded');
    assert.deepEqual(values(message.payload), ['old-0']);
  } finally {
    await mapping.stop();
  }
});
