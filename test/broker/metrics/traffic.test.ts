// Traffic metrics of a real broker driven by real clients over TCP: bytes and messages in
// (record batch bytes as appended to the log, compared with the log files), bytes out
// (record batch bytes in Fetch responses), request sizes, produce requests, connections,
// topic and partition counts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { Producer, stringSerializers } from '@platformatic/kafka';
import { startBroker, type RunningBroker } from '../../../src/broker/broker.ts';
import { encodeRequest } from '../../../src/protocol/frame.ts';
import { RawClient } from '../../support/raw-client.ts';
import { createTopic, eventually } from '../groups/helpers.ts';
import type { BrokerMetricsSnapshot, TopicMetrics } from '../../../src/broker/metrics/index.ts';

let broker: RunningBroker;
let startedAt: number;

before(async () => {
  startedAt = Date.now();
  broker = await startBroker({ config: { groupInitialRebalanceDelayMs: 0 } });
  await createTopic(broker.port, 'orders', 2);
  await createTopic(broker.port, 'audit', 1);
});
after(async () => {
  await broker.stop();
});

/** Bytes in a topic's partition logs: the batches exactly as appended. */
function logBytes(topic: string, partitions: number): number {
  let total = 0;
  for (let p = 0; p < partitions; p++) {
    const dir = join(broker.dataDir, `${topic}-${p}`);
    for (const f of readdirSync(dir)) if (f.endsWith('.log')) total += statSync(join(dir, f)).size;
  }
  return total;
}

function topicOf(s: BrokerMetricsSnapshot, name: string): TopicMetrics {
  const t = s.topics.find((x) => x.topic === name);
  assert.ok(t, `topic ${name} in the snapshot`);
  return t;
}

/** Fetches every batch of a topic from offset 0 (one Fetch v12 per partition); returns the record bytes received. */
async function fetchEverything(topic: string, partitions: number): Promise<number> {
  const client = await RawClient.connect(broker.port);
  try {
    let bytes = 0;
    for (let partition = 0; partition < partitions; partition++) {
      const res = await client.request(1, 12, {
        replicaId: -1,
        maxWaitMs: 0,
        minBytes: 0,
        maxBytes: 1 << 20,
        topics: [{ topic, partitions: [{ partition, fetchOffset: 0n, partitionMaxBytes: 1 << 20 }] }],
      });
      bytes += res.responses[0]?.partitions[0]?.records?.length ?? 0;
    }
    return bytes;
  } finally {
    client.close();
  }
}

test('bytes and messages in equal what was appended, per topic and per broker; rates agree with the counters', async () => {
  const firstProduce = Date.now();
  const kafka = new Kafka({ clientId: 'metrics-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  const N = 10;
  try {
    // One record per send: each Produce request carries one batch of one record.
    for (let i = 0; i < N; i++) await producer.send({ topic: 'orders', acks: -1, messages: [{ partition: i % 2, value: Buffer.alloc(100, i) }] });
  } finally {
    await producer.disconnect();
  }
  // The idempotent path of Produce counts as well.
  const idempotent = new Producer({ clientId: 'metrics-idem', bootstrapBrokers: [broker.bootstrap], serializers: stringSerializers, idempotent: true, retries: 0 });
  try {
    await idempotent.send({ messages: [{ topic: 'audit', value: 'a'.repeat(50), partition: 0 }, { topic: 'audit', value: 'b'.repeat(70), partition: 0 }] });
  } finally {
    await idempotent.close();
  }

  const s = await broker.metrics();
  const orders = topicOf(s, 'orders');
  const audit = topicOf(s, 'audit');
  assert.equal(orders.totals.messagesIn, N);
  assert.equal(audit.totals.messagesIn, 2);
  assert.equal(orders.totals.bytesIn, logBytes('orders', 2));
  assert.equal(audit.totals.bytesIn, logBytes('audit', 1));
  assert.ok(orders.totals.bytesIn > N * 100, 'batch bytes include the records and the batch headers');
  assert.equal(s.totals.bytesIn, orders.totals.bytesIn + audit.totals.bytesIn);
  assert.equal(s.totals.messagesIn, N + 2);
  assert.equal(s.totals.produceRequests, N + 1);
  assert.equal(s.totals.bytesOut, 0);

  // The rate is the counter's growth over the window; while the window reaches back before the
  // first produce (the first 55 s of the broker), that is every byte counted.
  assert.ok(s.rateWindowSeconds > 0);
  const windowStart = s.timestamp - s.rateWindowSeconds * 1000;
  assert.ok(s.broker.BytesInPerSec * s.rateWindowSeconds <= s.totals.bytesIn + 1e-6);
  if (windowStart <= firstProduce) {
    assert.ok(Math.abs(s.broker.BytesInPerSec * s.rateWindowSeconds - s.totals.bytesIn) < 1e-6);
    assert.ok(Math.abs(orders.MessagesInPerSec * s.rateWindowSeconds - N) < 1e-9);
    assert.ok(Math.abs(s.broker.ProduceTotalTimeMsMean - s.totals.produceTimeMs / s.totals.produceRequests) < 1e-9);
  }
  assert.ok(windowStart >= startedAt, 'the window starts no earlier than the broker');
});

test('bytes out count the record batches each Fetch response carries', async () => {
  const before = await broker.metrics();
  const appended = logBytes('orders', 2);
  const received = await fetchEverything('orders', 2);
  assert.equal(received, appended, 'the whole log came back');
  const after = await broker.metrics();
  assert.equal(topicOf(after, 'orders').totals.bytesOut - topicOf(before, 'orders').totals.bytesOut, appended);
  assert.equal(after.totals.bytesOut - before.totals.bytesOut, appended);
  assert.equal(topicOf(after, 'audit').totals.bytesOut, topicOf(before, 'audit').totals.bytesOut);

  // A real consumer reads the topic: at least the whole log goes out again.
  const kafka = new Kafka({ clientId: 'metrics-consumer', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: 'bytes-out', maxWaitTimeInMs: 100, retry: { retries: 0 } });
  await consumer.connect();
  let seen = 0;
  try {
    await consumer.subscribe({ topic: 'orders', fromBeginning: true });
    await consumer.run({
      eachMessage: () => {
        seen++;
        return Promise.resolve();
      },
    });
    await eventually('the consumer to read 10 records', () => seen >= 10);
  } finally {
    await consumer.disconnect();
  }
  const consumed = await broker.metrics();
  assert.ok(topicOf(consumed, 'orders').totals.bytesOut - topicOf(after, 'orders').totals.bytesOut >= appended);
});

test('request counters: each request adds one and its size without the size prefix', async () => {
  const client = await RawClient.connect(broker.port);
  try {
    const before = await broker.metrics();
    const body = { clientSoftwareName: 'metrics-test', clientSoftwareVersion: '1.0' };
    await client.request(18, 3, body);
    await client.request(18, 3, body);
    const after = await broker.metrics();
    const size = encodeRequest(18, 3, 1, 'raw-test-client', body).length - 4;
    assert.equal(after.totals.requests - before.totals.requests, 2);
    assert.equal(after.totals.requestBytes - before.totals.requestBytes, 2 * size);
  } finally {
    client.close();
  }
});

test('ConnectionCount follows connections opening and closing', async () => {
  // A broker of its own: the other tests' clients may still be closing their connections.
  const own = await startBroker();
  const count = async (): Promise<number> => (await own.metrics()).broker.ConnectionCount;
  try {
    assert.equal(await count(), 0);
    const clients = await Promise.all([1, 2, 3].map(() => RawClient.connect(own.port)));
    try {
      await eventually('3 connections', async () => (await count()) === 3);
      clients[0]?.close();
      clients[1]?.close();
      await eventually('1 connection', async () => (await count()) === 1);
    } finally {
      for (const c of clients) c.close();
    }
    await eventually('no connection', async () => (await count()) === 0);
  } finally {
    await own.stop();
  }
});

test('topic and partition counts follow CreateTopics, CreatePartitions and DeleteTopics', async () => {
  let s = await broker.metrics();
  assert.deepEqual(s.cluster, { GlobalTopicCount: 2, GlobalPartitionCount: 3, OfflinePartitionsCount: 0, UnderReplicatedPartitions: 0, ActiveControllerCount: 1 });
  assert.deepEqual([s.broker.PartitionCount, s.broker.LeaderCount], [3, 3]);
  await createTopic(broker.port, 'scratch', 4);
  const admin = await RawClient.connect(broker.port);
  try {
    const grown = await admin.request(37, 3, { topics: [{ name: 'scratch', count: 6, assignments: null }], timeoutMs: 5000, validateOnly: false });
    assert.equal(grown.results[0]?.errorCode, 0);
    s = await broker.metrics();
    assert.deepEqual([s.cluster.GlobalTopicCount, s.cluster.GlobalPartitionCount, s.broker.PartitionCount], [3, 9, 9]);
    assert.deepEqual(s.topics.map((t) => t.topic), ['audit', 'orders', 'scratch']);
    const deleted = await admin.request(20, 4, { topicNames: ['scratch'], timeoutMs: 5000 });
    assert.equal(deleted.responses[0]?.errorCode, 0);
  } finally {
    admin.close();
  }
  s = await broker.metrics();
  assert.deepEqual([s.cluster.GlobalTopicCount, s.cluster.GlobalPartitionCount, s.cluster.OfflinePartitionsCount], [2, 3, 0]);
  assert.deepEqual(s.topics.map((t) => t.topic), ['audit', 'orders']);
});
