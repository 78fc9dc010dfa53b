/**
 * Idempotent produce end to end over the wire: InitProducerId, duplicates of retried batches,
 * gaps, stale epochs, epoch bumps, pipelined batches, state across a clean restart, and
 * @platformatic/kafka's idempotent producer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Producer, stringSerializers } from '@platformatic/kafka';
import { startBroker, type RunningBroker } from '../../../src/broker/broker.ts';
import { RawClient } from '../../support/raw-client.ts';
import { ErrorCode } from '../../../src/protocol/error-codes.ts';
import { decodeResponse } from '../../../src/protocol/frame.ts';
import { decodeBatch, encodeBatch, iterateBatches } from '../../../src/protocol/records/index.ts';
import { SNAPSHOT_FILE } from '../../../src/broker/producers/index.ts';
import type { ProduceRequest } from '../../../src/protocol/generated/produce.ts';
import type { Loose } from '../../../src/protocol/primitives/loose.ts';

interface Ids {
  producerId: bigint;
  producerEpoch: number;
}

async function withBroker(fn: (broker: RunningBroker, client: RawClient) => Promise<void>, dataDir?: string): Promise<void> {
  const broker = await startBroker(dataDir !== undefined ? { dataDir } : {});
  const client = await RawClient.connect(broker.port);
  try {
    await fn(broker, client);
  } finally {
    client.close();
    await broker.stop();
  }
}

async function createTopic(client: RawClient, name: string): Promise<void> {
  const res = await client.request(19, 7, { topics: [{ name, numPartitions: 1, replicationFactor: 1 }] });
  assert.equal(res.topics[0]?.errorCode, ErrorCode.NONE);
}

async function initProducerId(client: RawClient, version = 4): Promise<Ids> {
  const res = await client.request(22, version, { transactionalId: null, transactionTimeoutMs: 60_000 });
  assert.equal(res.errorCode, ErrorCode.NONE);
  return { producerId: res.producerId, producerEpoch: res.producerEpoch };
}

function batch(ids: Ids, baseSequence: number, values: string[]): Promise<Buffer> {
  return encodeBatch({ ...ids, baseSequence, records: values.map((v) => ({ key: null, value: Buffer.from(v), timestamp: Date.now() })) });
}

function produceBody(topic: string, records: Buffer): Loose<ProduceRequest> {
  return { acks: -1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }] };
}

async function produce(client: RawClient, topic: string, records: Buffer): Promise<{ errorCode: number; baseOffset: bigint }> {
  const res = await client.request(0, 9, { acks: -1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: 0, records: Buffer.from(records) }] }] });
  const p = res.responses[0]?.partitionResponses[0];
  return { errorCode: p?.errorCode ?? -1, baseOffset: p?.baseOffset ?? -2n };
}

async function values(client: RawClient, topic: string): Promise<string[]> {
  const res = await client.request(1, 12, { replicaId: -1, maxBytes: 1 << 20, topics: [{ topic, partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 << 20 }] }] });
  const records = res.responses[0]?.partitions[0]?.records ?? Buffer.alloc(0);
  const out: string[] = [];
  for (const b of iterateBatches(records, { allowPartialTail: true })) {
    for (const r of (await decodeBatch(records, { position: b.position, maxDecompressedBytes: 1 << 24 })).records) out.push(r.value?.toString() ?? '');
  }
  return out;
}

test('InitProducerId: new ids with epoch 0 for every version; transactional and malformed requests are errors', async () => {
  await withBroker(async (_broker, client) => {
    const seen = new Set<bigint>();
    for (let v = 0; v <= 5; v++) {
      const ids = await initProducerId(client, v);
      assert.equal(ids.producerEpoch, 0);
      assert.ok(!seen.has(ids.producerId));
      seen.add(ids.producerId);
    }
    // As Kafka for a null transactional id: a known id and epoch still get a new id (clients bump locally).
    const again = await client.request(22, 5, { transactionalId: null, transactionTimeoutMs: 1, producerId: 0n, producerEpoch: 0 });
    assert.equal(again.errorCode, ErrorCode.NONE);
    assert.ok(!seen.has(again.producerId));
    const half = await client.request(22, 5, { transactionalId: null, transactionTimeoutMs: 1, producerId: 3n, producerEpoch: -1 });
    assert.equal(half.errorCode, ErrorCode.INVALID_REQUEST);
    const txn = await client.request(22, 4, { transactionalId: 'tx-1', transactionTimeoutMs: 60_000 });
    assert.equal(txn.errorCode, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    assert.equal(txn.producerId, -1n);
    const empty = await client.request(22, 1, { transactionalId: '', transactionTimeoutMs: 60_000 });
    assert.equal(empty.errorCode, ErrorCode.INVALID_REQUEST);
    const versions = await client.request(18, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' });
    const advertised = (key: number) => versions.apiKeys.find((k) => k.apiKey === key);
    assert.deepEqual([advertised(22)?.minVersion, advertised(22)?.maxVersion], [0, 5]);
    assert.deepEqual([advertised(61)?.minVersion, advertised(61)?.maxVersion], [0, 0]);
  });
});

test('a retried batch gets its original offset and is stored once; gaps and stale epochs are refused', async () => {
  await withBroker(async (_broker, client) => {
    await createTopic(client, 'idem');
    const ids = await initProducerId(client);
    const b0 = await batch(ids, 0, ['a', 'b']);
    const b1 = await batch(ids, 2, ['c']);
    assert.deepEqual(await produce(client, 'idem', b0), { errorCode: ErrorCode.NONE, baseOffset: 0n });
    assert.deepEqual(await produce(client, 'idem', b1), { errorCode: ErrorCode.NONE, baseOffset: 2n });
    // The retries (as after a lost response): success with the first offsets, nothing appended.
    assert.deepEqual(await produce(client, 'idem', b0), { errorCode: ErrorCode.NONE, baseOffset: 0n });
    assert.deepEqual(await produce(client, 'idem', b1), { errorCode: ErrorCode.NONE, baseOffset: 2n });
    // A gap.
    assert.equal((await produce(client, 'idem', await batch(ids, 5, ['x']))).errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    // The producer bumps its epoch locally (KIP-360) and restarts at sequence 0.
    const bumped = { producerId: ids.producerId, producerEpoch: 1 };
    assert.equal((await produce(client, 'idem', await batch(bumped, 3, ['y']))).errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    assert.deepEqual(await produce(client, 'idem', await batch(bumped, 0, ['d'])), { errorCode: ErrorCode.NONE, baseOffset: 3n });
    // The old epoch is fenced, even for a batch that was a duplicate before.
    assert.equal((await produce(client, 'idem', b1)).errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
    assert.equal((await produce(client, 'idem', await batch(ids, 3, ['z']))).errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
    // Another producer is independent; a non-idempotent batch is never checked.
    const other = await initProducerId(client);
    assert.deepEqual(await produce(client, 'idem', await batch(other, 17, ['e'])), { errorCode: ErrorCode.NONE, baseOffset: 4n });
    assert.equal((await produce(client, 'idem', await encodeBatch({ records: [{ key: null, value: Buffer.from('f'), timestamp: Date.now() }] }))).errorCode, ErrorCode.NONE);
    assert.deepEqual(await values(client, 'idem'), ['a', 'b', 'c', 'd', 'e', 'f']);
    const described = await client.request(61, 0, { topics: [{ name: 'idem', partitionIndexes: [0, 9] }, { name: 'nope', partitionIndexes: [0] }] });
    const p0 = described.topics[0]?.partitions[0];
    assert.equal(p0?.errorCode, ErrorCode.NONE);
    assert.deepEqual(
      p0?.activeProducers.map((p) => [p.producerId, p.producerEpoch, p.lastSequence, p.coordinatorEpoch, p.currentTxnStartOffset]).sort((a, b) => (a[0] as bigint) < (b[0] as bigint) ? -1 : 1),
      [
        [ids.producerId, 1, 0, -1, -1n],
        [other.producerId, 0, 17, -1, -1n],
      ],
    );
    assert.equal(described.topics[0]?.partitions[1]?.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    assert.equal(described.topics[1]?.partitions[0]?.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });
});

test('pipelined batches of one producer are checked in arrival order, a retry of one in flight included', async () => {
  await withBroker(async (_broker, client) => {
    await createTopic(client, 'pipe');
    const ids = await initProducerId(client);
    const batches = await Promise.all([0, 1, 2, 3, 4].map((i) => batch(ids, i * 2, [`v${i}a`, `v${i}b`])));
    // Five in flight at once, then a retry of the first and of the last before any answer.
    const sent = [...batches, batches[0] as Buffer, batches[4] as Buffer].map((b) => client.send(0, 9, produceBody('pipe', Buffer.from(b))));
    const answers = [];
    for (const id of sent) {
      const frame = await client.nextFrame();
      assert.ok(frame);
      const res = decodeResponse(0, 9, frame);
      assert.equal(res.correlationId, id);
      const p = res.body.responses[0]?.partitionResponses[0];
      answers.push([p?.errorCode, p?.baseOffset]);
    }
    assert.deepEqual(answers, [
      [0, 0n],
      [0, 2n],
      [0, 4n],
      [0, 6n],
      [0, 8n],
      [0, 0n],
      [0, 8n],
    ]);
    assert.equal((await values(client, 'pipe')).length, 10);
  });
});

test('producer ids and sequence state survive a clean restart (snapshot), and a broken snapshot falls back to the log', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'sds-idem-'));
  try {
    let ids: Ids = { producerId: -1n, producerEpoch: -1 };
    let b1: Buffer = Buffer.alloc(0);
    await withBroker(async (_b, client) => {
      await createTopic(client, 'durable');
      ids = await initProducerId(client);
      b1 = await batch(ids, 0, ['one']);
      assert.equal((await produce(client, 'durable', b1)).baseOffset, 0n);
      assert.equal((await produce(client, 'durable', await batch(ids, 1, ['two']))).baseOffset, 1n);
    }, dataDir);
    const snapshot = JSON.parse(await readFile(join(dataDir, 'durable-0', SNAPSHOT_FILE), 'utf8')) as { offset: string };
    assert.equal(snapshot.offset, '2');
    await withBroker(async (_b, client) => {
      const next = await initProducerId(client);
      assert.ok(next.producerId > ids.producerId, 'a producer id was reused after a restart');
      assert.deepEqual(await produce(client, 'durable', b1), { errorCode: ErrorCode.NONE, baseOffset: 0n });
      assert.equal((await produce(client, 'durable', await batch(ids, 5, ['gap']))).errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
      assert.deepEqual(await produce(client, 'durable', await batch(ids, 2, ['three'])), { errorCode: ErrorCode.NONE, baseOffset: 2n });
    }, dataDir);
    // The snapshot is only a shortcut: garbage in it means a replay of the log.
    await writeFile(join(dataDir, 'durable-0', SNAPSHOT_FILE), '{"version":1,"offset":"1","producers":[{"producerId":"x"}]}');
    await withBroker(async (_b, client) => {
      assert.deepEqual(await produce(client, 'durable', b1), { errorCode: ErrorCode.NONE, baseOffset: 0n });
      assert.deepEqual(await produce(client, 'durable', await batch(ids, 3, ['four'])), { errorCode: ErrorCode.NONE, baseOffset: 3n });
      assert.deepEqual(await values(client, 'durable'), ['one', 'two', 'three', 'four']);
    }, dataDir);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('after DeleteRecords removes every batch of a producer, it may continue at any sequence', async () => {
  await withBroker(async (_b, client) => {
    await createTopic(client, 'trimmed');
    const ids = await initProducerId(client);
    await produce(client, 'trimmed', await batch(ids, 0, ['a']));
    const del = await client.request(21, 2, { topics: [{ name: 'trimmed', partitions: [{ partitionIndex: 0, offset: 1n }] }], timeoutMs: 1000 });
    assert.equal(del.topics[0]?.partitions[0]?.errorCode, ErrorCode.NONE);
    assert.deepEqual(await produce(client, 'trimmed', await batch(ids, 9, ['b'])), { errorCode: ErrorCode.NONE, baseOffset: 1n });
  });
});

test('@platformatic/kafka idempotent producer: records stored once, its producer visible in DescribeProducers', async () => {
  await withBroker(async (broker, client) => {
    await createTopic(client, 'plat-idem');
    const producer = new Producer({ clientId: 'plat-idem', bootstrapBrokers: [broker.bootstrap], serializers: stringSerializers, idempotent: true });
    try {
      for (let i = 0; i < 3; i++) {
        await producer.send({ messages: [{ topic: 'plat-idem', value: `m${i}a`, partition: 0 }, { topic: 'plat-idem', value: `m${i}b`, partition: 0 }] });
      }
      assert.ok(typeof producer.producerId === 'bigint' && producer.producerId >= 0n);
    } finally {
      await producer.close();
    }
    assert.deepEqual(await values(client, 'plat-idem'), ['m0a', 'm0b', 'm1a', 'm1b', 'm2a', 'm2b']);
    const described = await client.request(61, 0, { topics: [{ name: 'plat-idem', partitionIndexes: [0] }] });
    const active = described.topics[0]?.partitions[0]?.activeProducers ?? [];
    assert.equal(active.length, 1);
    assert.equal(active[0]?.producerId, producer.producerId);
    assert.equal(active[0]?.lastSequence, 5);
  });
});

test('without a snapshot the state is replayed from a log of several segments, two producers interleaved', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'sds-idem-'));
  try {
    const big = 'x'.repeat(100_000);
    const sent: { ids: Ids; records: Buffer; offset: bigint }[] = [];
    await withBroker(async (_b, client) => {
      const res = await client.request(19, 7, { topics: [{ name: 'segmented', numPartitions: 1, replicationFactor: 1, configs: [{ name: 'segment.bytes', value: '1048576' }] }] });
      assert.equal(res.topics[0]?.errorCode, ErrorCode.NONE);
      const producers = [await initProducerId(client), await initProducerId(client)];
      for (let i = 0; i < 24; i++) {
        const ids = producers[i % 2] as Ids;
        const records = await encodeBatch({ ...ids, baseSequence: Math.floor(i / 2), records: [{ key: null, value: Buffer.from(`${i}${big}`), timestamp: Date.now() }] });
        const r = await produce(client, 'segmented', records);
        assert.equal(r.errorCode, ErrorCode.NONE);
        sent.push({ ids, records, offset: r.baseOffset });
      }
    }, dataDir);
    await rm(join(dataDir, 'segmented-0', SNAPSHOT_FILE));
    await withBroker(async (_b, client) => {
      for (const s of sent.slice(-10)) assert.deepEqual(await produce(client, 'segmented', s.records), { errorCode: ErrorCode.NONE, baseOffset: s.offset });
      assert.equal((await produce(client, 'segmented', (sent[13] as { records: Buffer }).records)).errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    }, dataDir);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
