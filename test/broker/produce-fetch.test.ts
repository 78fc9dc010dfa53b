import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel, CompressionTypes } from 'kafkajs';
import { Producer, stringSerializers } from '@platformatic/kafka';
import { startBroker, type RunningBroker } from '../../src/broker/broker.ts';
import { RawClient } from '../support/raw-client.ts';
import { ErrorCode } from '../../src/protocol/error-codes.ts';
import { decodeBatch, encodeBatch, iterateBatches, type DecodedRecord } from '../../src/protocol/records/index.ts';

let broker: RunningBroker;

before(async () => {
  broker = await startBroker();
  const client = await RawClient.connect(broker.port);
  await client.request(19, 7, {
    topics: ['kjs-data', 'plat-data', 'offsets', 'limits', 'append-time'].map((name) => ({ name, numPartitions: name === 'kjs-data' ? 2 : 1, replicationFactor: 1 })),
  });
  await client.request(44, 1, { resources: [{ resourceType: 2, resourceName: 'append-time', configs: [{ name: 'message.timestamp.type', configOperation: 0, value: 'LogAppendTime' }] }] });
  client.close();
});
after(async () => {
  await broker.stop();
});

/** Every record of a partition from `offset`, fetched with our own codec (Fetch v12 or v4). */
async function fetchAll(topic: string, partition: number, version = 12): Promise<DecodedRecord[]> {
  const client = await RawClient.connect(broker.port);
  try {
    const out: DecodedRecord[] = [];
    let offset = 0n;
    for (;;) {
      const res = await client.request(1, version, {
        replicaId: -1,
        maxWaitMs: 0,
        minBytes: 0,
        maxBytes: 1 << 20,
        topics: [{ topic, partitions: [{ partition, fetchOffset: offset, partitionMaxBytes: 1 << 20 }] }],
      });
      const p = res.responses[0]?.partitions[0];
      assert.equal(p?.errorCode, ErrorCode.NONE);
      const records = p?.records ?? Buffer.alloc(0);
      if (records.length === 0) return out;
      for (const b of iterateBatches(records, { allowPartialTail: true })) {
        const decoded = await decodeBatch(records, { position: b.position, maxDecompressedBytes: 1 << 26 });
        for (const r of decoded.records) if (r.offset >= offset) out.push(r);
        offset = b.header.baseOffset + BigInt(b.header.lastOffsetDelta) + 1n;
      }
    }
  } finally {
    client.close();
  }
}

test('kafkajs produces with every codec it has (acks -1, 1); offsets come back in order', async () => {
  const producer = new Kafka({ clientId: 'pf', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING }).producer();
  await producer.connect();
  try {
    const first = await producer.send({ topic: 'kjs-data', acks: -1, messages: [{ key: 'k1', value: 'v1', partition: 0, headers: { h: 'x' } }, { key: null, value: 'v2', partition: 0 }] });
    assert.equal(first[0]?.baseOffset, '0');
    const second = await producer.send({ topic: 'kjs-data', acks: 1, compression: CompressionTypes.GZIP, messages: [{ key: 'k3', value: 'v3'.repeat(100), partition: 0 }] });
    assert.equal(second[0]?.baseOffset, '2');
  } finally {
    await producer.disconnect();
  }
  const records = await fetchAll('kjs-data', 0);
  assert.deepEqual(records.map((r) => [r.offset, r.key?.toString() ?? null, r.value?.toString()]), [
    [0n, 'k1', 'v1'],
    [1n, null, 'v2'],
    [2n, 'k3', 'v3'.repeat(100)],
  ]);
  assert.equal(records[0]?.headers[0]?.key, 'h');
  // The classic encoding (v4) serves the same bytes.
  assert.equal((await fetchAll('kjs-data', 0, 4)).length, 3);
});

test('@platformatic/kafka produces with the flexible encoding (Produce v11)', async () => {
  const producer = new Producer({ clientId: 'plat-producer', bootstrapBrokers: [broker.bootstrap], serializers: stringSerializers, retries: 0 });
  try {
    await producer.send({ messages: [{ topic: 'plat-data', key: 'a', value: 'alpha', partition: 0 }, { topic: 'plat-data', key: 'b', value: 'beta', partition: 0 }] });
  } finally {
    await producer.close();
  }
  const records = await fetchAll('plat-data', 0);
  assert.deepEqual(records.map((r) => r.value?.toString()), ['alpha', 'beta']);
});

test('ListOffsets: earliest, latest, by timestamp, max timestamp; DeleteRecords moves the start', async () => {
  const producer = new Kafka({ clientId: 'lo', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING }).producer();
  await producer.connect();
  const base = Date.now() - 10_000;
  for (let i = 0; i < 5; i++) await producer.send({ topic: 'offsets', messages: [{ value: `m${i}`, timestamp: String(base + i * 1000) }] });
  await producer.disconnect();
  const client = await RawClient.connect(broker.port);
  try {
    const ask = async (timestamp: bigint, version = 9) => (await client.request(2, version, { replicaId: -1, topics: [{ name: 'offsets', partitions: [{ partitionIndex: 0, timestamp }] }] })).topics[0]?.partitions[0];
    assert.equal((await ask(-2n))?.offset, 0n);
    assert.equal((await ask(-1n))?.offset, 5n);
    const byTime = await ask(BigInt(base + 2500));
    assert.equal(byTime?.offset, 3n);
    assert.equal(byTime?.timestamp, BigInt(base + 3000));
    assert.equal((await ask(BigInt(base + 60_000)))?.offset, -1n);
    const max = await ask(-3n);
    assert.equal(max?.offset, 4n);
    assert.equal((await ask(-1n, 1))?.offset, 5n, 'v1 (no leader epoch) works too');
    const del = await client.request(21, 2, { topics: [{ name: 'offsets', partitions: [{ partitionIndex: 0, offset: 2n }] }], timeoutMs: 1000 });
    assert.equal(del.topics[0]?.partitions[0]?.lowWatermark, 2n);
    assert.equal((await ask(-2n))?.offset, 2n);
    const tooFar = await client.request(21, 2, { topics: [{ name: 'offsets', partitions: [{ partitionIndex: 0, offset: 99n }] }], timeoutMs: 1000 });
    assert.equal(tooFar.topics[0]?.partitions[0]?.errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
    const below = await client.request(1, 12, { replicaId: -1, maxBytes: 1 << 20, topics: [{ topic: 'offsets', partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 << 20 }] }] });
    assert.equal(below.responses[0]?.partitions[0]?.errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
    const epoch = await client.request(23, 4, { replicaId: -1, topics: [{ topic: 'offsets', partitions: [{ partition: 0, currentLeaderEpoch: 0, leaderEpoch: 0 }] }] });
    assert.equal(epoch.topics[0]?.partitions[0]?.endOffset, 5n);
  } finally {
    client.close();
  }
});

test('fetch long-polls until data arrives, and honours the byte limits', async () => {
  const client = await RawClient.connect(broker.port);
  const waiting = client.request(1, 12, { replicaId: -1, maxWaitMs: 30_000, minBytes: 1, maxBytes: 1 << 20, topics: [{ topic: 'limits', partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 << 20 }] }] });
  await new Promise((r) => setTimeout(r, 100));
  const producer = new Kafka({ clientId: 'lp', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING }).producer();
  await producer.connect();
  await producer.send({ topic: 'limits', messages: [{ value: 'x'.repeat(10_000) }] });
  await producer.send({ topic: 'limits', messages: [{ value: 'y'.repeat(10_000) }] });
  await producer.disconnect();
  const answered = await waiting;
  assert.ok((answered.responses[0]?.partitions[0]?.records?.length ?? 0) > 10_000);
  // A limit below one batch still returns the first batch whole (KIP-74), and only it.
  const small = await client.request(1, 12, { replicaId: -1, maxBytes: 100, topics: [{ topic: 'limits', partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 100 }] }] });
  const bytes = small.responses[0]?.partitions[0]?.records ?? Buffer.alloc(0);
  assert.equal([...iterateBatches(bytes)].length, 1);
  client.close();
});

test('LogAppendTime topics stamp batches with the broker time', async () => {
  const producer = new Kafka({ clientId: 'lat', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING }).producer();
  await producer.connect();
  const before = Date.now();
  const sent = await producer.send({ topic: 'append-time', messages: [{ value: 'old', timestamp: '1000' }] });
  await producer.disconnect();
  const appendTime = Number(sent[0]?.logAppendTime);
  assert.ok(appendTime >= before && appendTime <= Date.now());
  const [record] = await fetchAll('append-time', 0);
  assert.equal(record?.timestamp, BigInt(appendTime));
});

test("the broker's fetch.max.bytes caps a response whatever max_bytes the client asks for", async () => {
  const capped = await startBroker({ config: { fetchMaxBytes: 50_000 } });
  const client = await RawClient.connect(capped.port);
  try {
    await client.request(19, 7, { topics: [{ name: 'wide', numPartitions: 3, replicationFactor: 1 }] });
    for (let partition = 0; partition < 3; partition++) {
      for (let i = 0; i < 10; i++) {
        const records = await encodeBatch({ records: [{ key: null, value: Buffer.alloc(10_000, 0x61 + i), timestamp: Date.now() }] });
        const stored = await client.request(0, 9, { acks: -1, timeoutMs: 1000, topicData: [{ name: 'wide', partitionData: [{ index: partition, records }] }] });
        assert.equal(stored.responses[0]?.partitionResponses[0]?.errorCode, ErrorCode.NONE);
      }
    }
    const greedy = await client.request(1, 12, {
      replicaId: -1,
      maxBytes: 2_147_483_647,
      topics: [{ topic: 'wide', partitions: [0, 1, 2].map((partition) => ({ partition, fetchOffset: 0n, partitionMaxBytes: 2_147_483_647 })) }],
    });
    const sizes = greedy.responses[0]?.partitions.map((p) => p.records?.length ?? 0) ?? [];
    const total = sizes.reduce((a, b) => a + b, 0);
    assert.ok(total > 30_000 && total <= 50_000, `served ${sizes.join(' + ')} bytes`);
    const described = await client.request(32, 4, { resources: [{ resourceType: 4, resourceName: '', configurationKeys: ['fetch.max.bytes'] }], includeSynonyms: false, includeDocumentation: false });
    assert.equal(described.results[0]?.configs[0]?.value, '50000');
  } finally {
    client.close();
    await capped.stop();
  }
});
