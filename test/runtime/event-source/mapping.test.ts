/**
 * The event source mapping against the embedded broker: the event it builds, how it batches,
 * filters, where it starts, and what it commits.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Producer } from '@platformatic/kafka';
import type { RunningBroker } from '../../../src/broker/broker.ts';
import type { MskEvent } from '../../../src/functions/shared/kafka-event.ts';
import { MAX_PAYLOAD_BYTES } from '../../../src/runtime/event-source/batch.ts';
import { MetricsRegistry } from '../../../src/runtime/event-source/metrics.ts';
import { InvocationSlots } from '../../../src/runtime/event-source/slots.ts';
import { asInvoke, createTopic, eventually, mappingBroker, offsetsCommitted, produce, Recorder, startMapping, tempDir } from './helpers.ts';

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

// The example event of AWS's "Using Lambda with Amazon MSK" page, verbatim.
const AWS_EXAMPLE = {
  eventSource: 'aws:kafka',
  eventSourceArn: 'arn:aws:kafka:us-east-1:123456789012:cluster/vpc-2priv-2pub/751d2973-a626-431c-9d4e-d7975eb44dd7-2',
  bootstrapServers:
    'b-2.demo-cluster-1.a1bcde.c1.kafka.us-east-1.amazonaws.com:9092,b-1.demo-cluster-1.a1bcde.c1.kafka.us-east-1.amazonaws.com:9092',
  records: {
    'mytopic-0': [
      {
        topic: 'mytopic',
        partition: 0,
        offset: 15,
        timestamp: 1545084650987,
        timestampType: 'CREATE_TIME',
        key: 'cmVjb3JkS2V5',
        value: 'eyJrZXkiOiJ2YWx1ZSJ9',
        headers: [{ headerKey: [104, 101, 97, 100, 101, 114, 86, 97, 108, 117, 101] }],
      },
    ],
  },
};

test('the event for the records of AWS\'s example, produced and polled, equals AWS\'s example field by field', { timeout: 60_000 }, async () => {
  await createTopic(broker.bootstrap, 'mytopic', 1);
  await produce(broker.bootstrap, 'mytopic', Array.from({ length: 15 }, (_, i) => ({ partition: 0, value: `filler-${i}` })));
  const events: MskEvent[] = [];
  const mapping = await startMapping(
    broker.bootstrap,
    { Topics: ['mytopic'], StartingPosition: 'LATEST' },
    asInvoke((event) => {
      events.push(event);
    }),
    dir.path,
    { name: 'aws-example', clusterArn: AWS_EXAMPLE.eventSourceArn },
  );
  try {
    const producer = new Producer({ clientId: 'esm-test', bootstrapBrokers: [broker.bootstrap] });
    await producer.send({
      acks: -1,
      messages: [
        {
          topic: 'mytopic',
          partition: 0,
          key: Buffer.from('recordKey'),
          value: Buffer.from('{"key":"value"}'),
          headers: new Map([[Buffer.from('headerKey'), Buffer.from('headerValue')]]),
          timestamp: 1545084650987n,
        },
      ],
    });
    await producer.close();
    await eventually('the invocation', () => events.length === 1);
    const expected = { ...AWS_EXAMPLE, bootstrapServers: broker.bootstrap };
    assert.deepEqual(events[0], expected);
    assert.equal(JSON.stringify(events[0]), JSON.stringify(expected), 'the same JSON text, key order included');
  } finally {
    await mapping.stop();
  }
});

test('batching by size and by window; order kept within each partition', { timeout: 60_000 }, async () => {
  await createTopic(broker.bootstrap, 'by-size', 1);
  await produce(broker.bootstrap, 'by-size', Array.from({ length: 25 }, (_, i) => ({ partition: 0, value: `r${i}` })));
  const recorder = new Recorder();
  const mapping = await startMapping(
    broker.bootstrap,
    { Topics: ['by-size'], StartingPosition: 'TRIM_HORIZON', BatchSize: 10, MaximumBatchingWindowInSeconds: 2 },
    asInvoke((event) => {
      recorder.record(event);
    }),
    dir.path,
    { name: 'by-size' },
  );
  try {
    await eventually('25 records', () => recorder.all.length === 25);
    assert.deepEqual(recorder.invocations.map((i) => i.length), [10, 10, 5], 'BatchSize cuts at once, the window sends the rest');
    assert.deepEqual(recorder.values(0), Array.from({ length: 25 }, (_, i) => `r${i}`));

    // Two sends moments apart fall in one window: one producer, connected before the first.
    const sender = new Producer({ clientId: 'esm-window', bootstrapBrokers: [broker.bootstrap] });
    try {
      await sender.metadata({ topics: ['by-size'] });
      for (const value of ['w1', 'w2']) await sender.send({ acks: -1, messages: [{ topic: 'by-size', partition: 0, value: Buffer.from(value) }] });
    } finally {
      await sender.close();
    }
    await eventually('the window', () => recorder.all.length === 27);
    assert.deepEqual(recorder.invocations.at(-1), ['0:25:w1', '0:26:w2']);
    await committedAll(mapping.groupId, 'by-size', { 0: 27 });
  } finally {
    await mapping.stop();
  }
});

test('batching by payload size: 6 MB events at most; a record too large alone goes to the destination', { timeout: 120_000 }, async () => {
  await createTopic(broker.bootstrap, 'big', 1, { 'max.message.bytes': String(16 << 20) });
  const mib = (tag: string, n = 1 << 20) => Buffer.concat([Buffer.from(tag), Buffer.alloc(n - tag.length, 0x61)]);
  // 1 MiB values are about 1.4 MB in the event: four fit in 6 MB. 4.9 MB is more than 6 MiB in base64.
  const records = [...['a', 'b', 'c', 'd', 'e', 'f'].map((t) => ({ partition: 0, value: mib(t) })), { partition: 0, value: mib('huge', 4_900_000) }, { partition: 0, value: 'small' }];
  for (const r of records) await produce(broker.bootstrap, 'big', [r]);
  const sizes: number[][] = [];
  const failures = join(dir.path, 'big-failures.jsonl');
  const mapping = await startMapping(
    broker.bootstrap,
    { Topics: ['big'], StartingPosition: 'TRIM_HORIZON', MaximumBatchingWindowInSeconds: 1, DestinationConfig: { OnFailure: { Destination: `file:${failures}` } } },
    asInvoke((event) => {
      sizes.push([Object.values(event.records).flat().length, Buffer.byteLength(JSON.stringify(event))]);
    }),
    dir.path,
    { name: 'big' },
  );
  try {
    await committedAll(mapping.groupId, 'big', { 0: 8 });
    assert.deepEqual(sizes.map(([n]) => n), [4, 2, 1], 'four 1 MiB records, the other two, then the small one');
    for (const [, bytes] of sizes) assert.ok((bytes ?? 0) <= MAX_PAYLOAD_BYTES);
    const lines = readFileSync(failures, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(lines.length, 1);
    const [line] = lines as [{ requestContext: { condition: string; approximateInvokeCount: number }; responseContext: unknown; KafkaBatchInfo: { batchSize: number; payloadSize: number; recordsInfo: Record<string, { firstRecordOffset: string }> } }];
    assert.equal(line.requestContext.condition, 'MaximumPayloadSizeExceeded');
    assert.equal(line.requestContext.approximateInvokeCount, 0);
    assert.equal(line.responseContext, null);
    assert.equal(line.KafkaBatchInfo.batchSize, 1);
    assert.ok(line.KafkaBatchInfo.payloadSize > MAX_PAYLOAD_BYTES);
    assert.equal(line.KafkaBatchInfo.recordsInfo['big-0']?.firstRecordOffset, '6');
  } finally {
    await mapping.stop();
  }
});

test('filtered-out records are never invoked, and are committed', { timeout: 60_000 }, async () => {
  await createTopic(broker.bootstrap, 'filtered', 2);
  await produce(broker.bootstrap, 'filtered', [
    { partition: 0, value: '{"device_ID":"AB-1"}' },
    { partition: 0, value: '{"device_ID":"XY-2"}' },
    { partition: 1, value: 'error' },
    { partition: 1, value: '{"device_ID":"AB-3"}' },
    { partition: 1, value: 'plain' },
  ]);
  const recorder = new Recorder();
  const registry = new MetricsRegistry();
  const mapping = await startMapping(
    broker.bootstrap,
    {
      Topics: ['filtered'],
      StartingPosition: 'TRIM_HORIZON',
      MaximumBatchingWindowInSeconds: 0,
      FilterCriteria: { Filters: [{ Pattern: '{"value":{"device_ID":[{"prefix":"AB"}]}}' }, { Pattern: '{"value":[{"prefix":"pla"}]}' }] },
    },
    asInvoke((event) => {
      recorder.record(event);
    }),
    dir.path,
    { name: 'filtered', metrics: registry },
  );
  try {
    await committedAll(mapping.groupId, 'filtered', { 0: 2, 1: 3 });
    assert.deepEqual(recorder.all.sort(), ['0:0:{"device_ID":"AB-1"}', '1:1:{"device_ID":"AB-3"}', '1:2:plain']);
    const m = registry.snapshot().mappings[0];
    assert.equal(m?.PolledEventCount, 5);
    assert.equal(m?.FilteredOutEventCount, 2);
  } finally {
    await mapping.stop();
  }
});

test('starting positions; a restart keeps the consumer group, whose committed offsets win', { timeout: 60_000 }, async () => {
  await createTopic(broker.bootstrap, 'starts', 1);
  await produce(broker.bootstrap, 'starts', [{ partition: 0, value: 'old-0' }, { partition: 0, value: 'old-1' }]);
  const start = async (name: string, input: Record<string, unknown>, recorder: Recorder) =>
    startMapping(
      broker.bootstrap,
      { Topics: ['starts'], MaximumBatchingWindowInSeconds: 0, ...input },
      asInvoke((event) => {
        recorder.record(event);
      }),
      dir.path,
      { name },
    );

  const latest = new Recorder();
  const mapping = await start('starts-latest', { StartingPosition: 'LATEST' }, latest);
  const firstGroup = mapping.groupId;
  assert.match(firstGroup, /^[0-9a-f-]{36}$/, 'the default group is the mapping UUID');
  await committedAll(firstGroup, 'starts', { 0: 2 }); // LATEST is committed at once, so a crash cannot skip past new records
  await produce(broker.bootstrap, 'starts', [{ partition: 0, value: 'new-2' }]);
  await eventually('new-2', () => latest.all.length === 1);
  assert.deepEqual(latest.all, ['0:2:new-2']);
  await mapping.stop();

  // Same name: same UUID and group; TRIM_HORIZON is ignored because the group has offsets.
  await produce(broker.bootstrap, 'starts', [{ partition: 0, value: 'while-stopped-3' }]);
  const again = new Recorder();
  const restarted = await start('starts-latest', { StartingPosition: 'TRIM_HORIZON' }, again);
  try {
    assert.equal(restarted.groupId, firstGroup);
    await eventually('while-stopped-3', () => again.all.length === 1);
    assert.deepEqual(again.all, ['0:3:while-stopped-3']);
  } finally {
    await restarted.stop();
  }

  const fromStart = new Recorder();
  const trim = await start('starts-trim', { StartingPosition: 'TRIM_HORIZON', ConsumerGroupId: 'explicit-group' }, fromStart);
  try {
    assert.equal(trim.groupId, 'explicit-group');
    await eventually('all four', () => fromStart.all.length === 4);
    assert.deepEqual(fromStart.values(0), ['old-0', 'old-1', 'new-2', 'while-stopped-3']);
  } finally {
    await trim.stop();
  }

  // AT_TIMESTAMP (Unix seconds): the first record at or after it.
  const producer = new Producer({ clientId: 'esm-test', bootstrapBrokers: [broker.bootstrap] });
  // A whole second after every record so far, between the two new ones.
  const base = (Math.floor(Date.now() / 1000) + 2) * 1000;
  await producer.send({ acks: -1, messages: [{ topic: 'starts', partition: 0, value: Buffer.from('t-early'), timestamp: BigInt(base - 1000) }, { topic: 'starts', partition: 0, value: Buffer.from('t-late'), timestamp: BigInt(base + 1000) }] });
  await producer.close();
  const timed = new Recorder();
  const atTime = await start('starts-time', { StartingPosition: 'AT_TIMESTAMP', StartingPositionTimestamp: base / 1000 }, timed);
  try {
    await eventually('t-late', () => timed.all.length === 1);
    assert.deepEqual(timed.values(0), ['t-late']);
  } finally {
    await atTime.stop();
  }
});

test('partitions are invoked in parallel up to the slots; the waits are Throttles; Enabled false polls nothing', { timeout: 60_000 }, async () => {
  await createTopic(broker.bootstrap, 'parallel', 3);
  await produce(broker.bootstrap, 'parallel', [0, 1, 2].map((p) => ({ partition: p, value: `p${p}` })));
  let running = 0;
  let most = 0;
  let release: () => void = () => undefined;
  const gate = new Promise<void>((ok) => {
    release = ok;
  });
  const recorder = new Recorder();
  const registry = new MetricsRegistry();
  const mapping = await startMapping(
    broker.bootstrap,
    { Topics: ['parallel'], StartingPosition: 'TRIM_HORIZON', BatchSize: 1, MaximumBatchingWindowInSeconds: 0 },
    asInvoke(async (event) => {
      recorder.record(event);
      running++;
      most = Math.max(most, running);
      await gate;
      running--;
    }),
    dir.path,
    { name: 'parallel', slots: new InvocationSlots(2), metrics: registry },
  );
  try {
    await eventually('two invocations at once', () => running === 2);
    release();
    await committedAll(mapping.groupId, 'parallel', { 0: 1, 1: 1, 2: 1 });
    assert.equal(most, 2);
    const m = registry.snapshot();
    assert.ok((m.mappings[0]?.Throttles ?? 0) >= 1, 'the third batch waited for a slot');
    assert.equal(m.functions['test-function']?.Invocations, 3);
    assert.equal(m.functions['test-function']?.Duration.count, 3);
    assert.equal(m.mappings[0]?.OffsetLag, 0);
  } finally {
    await mapping.stop();
  }

  const disabled = await startMapping(broker.bootstrap, { Topics: ['parallel'], StartingPosition: 'TRIM_HORIZON', Enabled: false }, asInvoke(() => assert.fail('invoked')), dir.path, { name: 'disabled' });
  assert.equal(disabled.state, 'Disabled');
  await disabled.stop();
  assert.equal(disabled.state, 'Stopped');
});
