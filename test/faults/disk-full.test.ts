/**
 * Disk full on the embedded broker, over real TCP, with the broker in its own process and
 * its data directory on a small tmpfs: acks=all produce until the disk is full. Produce then
 * answers KAFKA_STORAGE_ERROR (56), and committed offsets and topic creation their own
 * retriable errors, without the broker dying or closing connections; everything acknowledged
 * stays readable. Once space is freed, writes resume within seconds, and every acknowledged
 * record is at its acknowledged offset exactly once: then, after a kill -9 and restart, and
 * after a clean stop and start.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Producer, stringSerializers } from '@platformatic/kafka';
import { RawClient } from '../support/raw-client.ts';
import { startBrokerChild } from '../support/broker-child.ts';
import { decodeBatch, encodeBatch, iterateBatches } from '../../src/protocol/records/index.ts';
import { ErrorCode } from '../../src/protocol/error-codes.ts';
import { ZERO_UUID } from '../../src/protocol/primitives/loose.ts';
import { startBroker } from '../../src/broker/broker.ts';
import { fillUp, mountTmpfs } from '../broker/log/tmpfs.ts';

const TOPIC = 'full';
const SPARE = 'spare';
const GROUP = 'disk-full-group';
const VALUE_BYTES = 48 * 1024;

interface ProduceAnswer {
  errorCode: number;
  errorMessage: string | null;
  baseOffset: bigint;
}

function encodeValues(values: string[]): Promise<Buffer> {
  return encodeBatch({ records: values.map((v) => ({ key: null, value: Buffer.from(v.padEnd(VALUE_BYTES, '.')), timestamp: Date.now() })) });
}

/** One acks=all batch of `values` (each padded to VALUE_BYTES so the disk fills quickly). */
async function produce(client: RawClient, values: string[]): Promise<ProduceAnswer> {
  const records = await encodeValues(values);
  const res = await client.request(0, 9, { acks: -1, timeoutMs: 5000, topicData: [{ name: TOPIC, partitionData: [{ index: 0, records }] }] });
  const p = res.responses[0]?.partitionResponses[0];
  assert.ok(p !== undefined);
  return { errorCode: p.errorCode, errorMessage: p.errorMessage, baseOffset: p.baseOffset };
}

/** Everything the partition serves from offset 0, CRC-checked, as offset -> value (padding removed). */
async function readEverything(port: number): Promise<Map<bigint, string>> {
  const client = await RawClient.connect(port);
  const seen = new Map<bigint, string>();
  try {
    let offset = 0n;
    for (;;) {
      const res = await client.request(1, 12, { replicaId: -1, maxBytes: 1 << 22, topics: [{ topic: TOPIC, partitions: [{ partition: 0, fetchOffset: offset, partitionMaxBytes: 1 << 22 }] }] });
      const p = res.responses[0]?.partitions[0];
      assert.equal(p?.errorCode, ErrorCode.NONE);
      const records = p?.records ?? Buffer.alloc(0);
      if (records.length === 0) return seen;
      for (const b of iterateBatches(records, { allowPartialTail: true })) {
        const batch = await decodeBatch(records, { position: b.position, maxDecompressedBytes: 1 << 24 }); // verifies the CRC
        for (const r of batch.records) {
          assert.ok(!seen.has(r.offset), `offset ${r.offset} served twice`);
          seen.set(r.offset, (r.value?.toString() ?? '').replace(/\.+$/, ''));
        }
        offset = b.header.baseOffset + BigInt(b.header.lastOffsetDelta) + 1n;
      }
    }
  } finally {
    client.close();
  }
}

async function assertAllAcknowledged(port: number, acked: Map<bigint, string>, when: string): Promise<void> {
  const stored = await readEverything(port);
  const sorted = [...acked].sort((a, b) => (a[0] < b[0] ? -1 : 1));
  assert.deepEqual([...stored], sorted, `${when}: the partition holds exactly the acknowledged records at their offsets`);
}

function commitOffset(client: RawClient, offset: bigint, metadata = ''): Promise<number> {
  return client
    .request(8, 8, { groupId: GROUP, generationIdOrMemberEpoch: -1, memberId: '', topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, committedOffset: offset, committedMetadata: metadata }] }] })
    .then((res) => res.topics[0]?.partitions[0]?.errorCode ?? -1);
}

async function committedOffset(client: RawClient): Promise<bigint | undefined> {
  const res = await client.request(9, 8, { groups: [{ groupId: GROUP, topics: [{ name: TOPIC, partitionIndexes: [0] }] }] });
  return res.groups[0]?.topics[0]?.partitions[0]?.committedOffset;
}

async function createTopic(client: RawClient, name: string): Promise<{ errorCode: number; errorMessage: string | null }> {
  const res = await client.request(19, 7, { topics: [{ name, numPartitions: 1, replicationFactor: 1 }], timeoutMs: 5000 });
  const t = res.topics[0];
  return { errorCode: t?.errorCode ?? -1, errorMessage: t?.errorMessage ?? null };
}

/**
 * The admin writes answer KAFKA_STORAGE_ERROR on the same connection and change nothing:
 * adding partitions, deleting records, altering configs, deleting a topic.
 */
async function assertAdminRefusedWhileFull(admin: RawClient): Promise<void> {
  const grown = await admin.request(37, 3, { topics: [{ name: TOPIC, count: 2, assignments: null }], timeoutMs: 5000, validateOnly: false });
  assert.equal(grown.results[0]?.errorCode, ErrorCode.KAFKA_STORAGE_ERROR, String(grown.results[0]?.errorMessage));
  const trimmed = await admin.request(21, 2, { topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, offset: 1n }] }], timeoutMs: 5000 });
  assert.equal(trimmed.topics[0]?.partitions[0]?.errorCode, ErrorCode.KAFKA_STORAGE_ERROR);
  const altered = await admin.request(44, 1, { resources: [{ resourceType: 2, resourceName: TOPIC, configs: [{ name: 'retention.ms', configOperation: 0, value: '60000' }] }], validateOnly: false });
  assert.equal(altered.responses[0]?.errorCode, ErrorCode.KAFKA_STORAGE_ERROR, String(altered.responses[0]?.errorMessage));
  const deleted = await admin.request(20, 6, { topics: [{ name: SPARE, topicId: ZERO_UUID }], timeoutMs: 5000 });
  assert.equal(deleted.responses[0]?.errorCode, ErrorCode.KAFKA_STORAGE_ERROR, String(deleted.responses[0]?.errorMessage));

  const metadata = await admin.request(3, 12, { topics: [{ name: TOPIC }, { name: SPARE }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
  assert.deepEqual(metadata.topics.map((t: { errorCode: number; partitions: unknown[] }) => [t.errorCode, t.partitions.length]), [[ErrorCode.NONE, 1], [ErrorCode.NONE, 1]], 'no partition added, no topic deleted');
  const earliest = await admin.request(2, 7, { replicaId: -1, isolationLevel: 0, topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, timestamp: -2n }] }] });
  assert.equal(earliest.topics[0]?.partitions[0]?.offset, 0n, 'no record deleted');
  const configs = await admin.request(32, 4, { resources: [{ resourceType: 2, resourceName: TOPIC, configurationKeys: ['retention.ms'] }], includeSynonyms: false, includeDocumentation: false });
  assert.notEqual(configs.results[0]?.configs[0]?.value, '60000', 'the config is unchanged');
}

test('disk full: KAFKA_STORAGE_ERROR while full, reads keep working, writes resume once space is freed, nothing acknowledged lost', { timeout: 60_000 }, async (t) => {
  const fs = mountTmpfs(8 * 1024 * 1024);
  if (typeof fs === 'string') {
    t.skip(fs);
    return;
  }
  const children = new Set<ChildProcess>();
  const dataDir = join(fs.dir, 'data');
  const filler = join(fs.dir, 'filler');
  const lastPages = join(fs.dir, 'last-pages');
  const clients: RawClient[] = [];
  let idempotent: Producer<string, string, string, string> | undefined;
  try {
    mkdirSync(dataDir);
    writeFileSync(filler, Buffer.alloc(2 * 1024 * 1024, 1));
    const { child, port } = await startBrokerChild(dataDir, children);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const connect = async (): Promise<RawClient> => {
      const c = await RawClient.connect(port);
      clients.push(c);
      return c;
    };
    const admin = await connect();
    const bystander = await connect(); // an idle connection: nothing may close it
    const producers = [await connect(), await connect(), await connect()];
    const producer = producers[0] as RawClient;
    assert.equal((await createTopic(admin, TOPIC)).errorCode, ErrorCode.NONE);
    assert.equal((await createTopic(admin, SPARE)).errorCode, ErrorCode.NONE);
    assert.equal(await commitOffset(admin, 0n), ErrorCode.NONE);

    const acked = new Map<bigint, string>();
    // An idempotent producer (sequence numbers checked by the broker) across the whole episode.
    idempotent = new Producer({ clientId: 'disk-full-idempotent', bootstrapBrokers: [`127.0.0.1:${port}`], serializers: stringSerializers, idempotent: true, retries: 2, retryDelay: 100 });
    const sendIdempotent = async (value: string): Promise<void> => {
      const result = await idempotent?.send({ acks: -1, messages: [{ topic: TOPIC, partition: 0, value }] });
      const offset = result?.offsets?.[0]?.offset;
      assert.ok(offset !== undefined);
      acked.set(offset, value);
    };
    await sendIdempotent('idempotent-0');
    let sequence = 0;
    const produceNext = async (client = producer): Promise<ProduceAnswer> => {
      const values = [`rec-${sequence++}`, `rec-${sequence++}`];
      const answer = await produce(client, values);
      if (answer.errorCode === ErrorCode.NONE) values.forEach((v, i) => acked.set(answer.baseOffset + BigInt(i), v));
      return answer;
    };

    // Fill the disk from three connections at once, so that the failure lands amid group commits.
    const refusals = await Promise.all(
      producers.map(async (client) => {
        for (let i = 0; i < 400; i++) {
          const answer = await produceNext(client);
          if (answer.errorCode !== ErrorCode.NONE) return answer;
        }
        throw new Error('the disk never filled up');
      }),
    );
    for (const refused of refusals) {
      assert.equal(refused.errorCode, ErrorCode.KAFKA_STORAGE_ERROR, String(refused.errorMessage));
      assert.match(String(refused.errorMessage), /no space left on device|refuses writes/);
    }
    assert.ok(acked.size > 20, `only ${acked.size} records acknowledged`);
    // Take the last free pages too, so that every write below needs space that is not there.
    fillUp(lastPages);

    // While full: produce keeps answering 56 (also after a repair attempt is due), on the same connection.
    for (let i = 0; i < 3; i++) assert.equal((await produceNext()).errorCode, ErrorCode.KAFKA_STORAGE_ERROR);
    await new Promise((r) => setTimeout(r, 1_100));
    assert.equal((await produceNext()).errorCode, ErrorCode.KAFKA_STORAGE_ERROR);

    // Reads, metadata and version negotiation keep working on the offline partition.
    await assertAllAcknowledged(port, acked, 'while full');
    const metadata = await admin.request(3, 12, { topics: [{ name: TOPIC }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    assert.equal(metadata.topics[0]?.errorCode, ErrorCode.NONE);
    assert.equal(metadata.topics[0]?.partitions.length, 1);
    assert.equal((await admin.request(18, 3, { clientSoftwareName: 'disk-full-test', clientSoftwareVersion: '1' })).errorCode, ErrorCode.NONE);
    const latest = await admin.request(2, 7, { replicaId: -1, isolationLevel: 0, topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, timestamp: -1n }] }] });
    assert.equal(latest.topics[0]?.partitions[0]?.offset, BigInt(acked.size));

    // The other writers answer with retriable errors, not a closed connection.
    assert.equal(await commitOffset(admin, 5n, 'm'.repeat(4096)), ErrorCode.COORDINATOR_NOT_AVAILABLE, 'a commit line larger than a page needs space');
    assert.equal(await committedOffset(admin), 0n, 'the refused commit is not visible');
    const late = await createTopic(admin, 'late');
    assert.equal(late.errorCode, ErrorCode.KAFKA_STORAGE_ERROR, String(late.errorMessage));
    assert.match(String(late.errorMessage), /no space left on device/);
    const lateMetadata = await admin.request(3, 12, { topics: [{ name: 'late' }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    assert.equal(lateMetadata.topics[0]?.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'the refused topic does not exist');
    await assertAdminRefusedWhileFull(admin);

    // Clients we did not write see the storage error too.
    await assert.rejects(sendIdempotent('idempotent-refused'), (err: unknown) => {
      assert.ok((err as { findBy?: (k: string, v: unknown) => unknown }).findBy?.('apiId', 'KAFKA_STORAGE_ERROR'), `expected KAFKA_STORAGE_ERROR, got ${String(err)}`);
      return true;
    });
    const platformatic = new Producer({ clientId: 'disk-full', bootstrapBrokers: [`127.0.0.1:${port}`], serializers: stringSerializers, retries: 0 });
    try {
      await assert.rejects(platformatic.send({ acks: -1, messages: [{ topic: TOPIC, partition: 0, value: 'refused' }] }), (err: unknown) => {
        const found = (err as { findBy?: (k: string, v: unknown) => unknown }).findBy?.('apiId', 'KAFKA_STORAGE_ERROR');
        assert.ok(found, `expected KAFKA_STORAGE_ERROR, got ${String(err)}`);
        return true;
      });
    } finally {
      await platformatic.close();
    }

    assert.equal(child.exitCode, null, 'the broker process is still running');
    for (const c of [admin, bystander, ...producers]) assert.ok(!c.closed, 'no connection was closed');
    assert.equal((await bystander.request(18, 3, { clientSoftwareName: 'bystander', clientSoftwareVersion: '1' })).errorCode, ErrorCode.NONE);

    // Free space: writes resume within a few seconds, on their own.
    rmSync(lastPages);
    rmSync(filler);
    const freedAt = Date.now();
    while ((await produceNext()).errorCode !== ErrorCode.NONE) {
      assert.ok(Date.now() - freedAt < 5_000, 'produce did not recover within 5 s of freeing space');
      await new Promise((r) => setTimeout(r, 100));
    }
    for (let i = 0; i < 10; i++) assert.equal((await produceNext()).errorCode, ErrorCode.NONE);
    const resumed = new Producer({ clientId: 'disk-full', bootstrapBrokers: [`127.0.0.1:${port}`], serializers: stringSerializers, retries: 5, retryDelay: 300 });
    try {
      for (let i = 0; i < 3; i++) {
        const value = `plt-${i}`;
        const result = await resumed.send({ acks: -1, messages: [{ topic: TOPIC, partition: 0, value }] });
        const offset = result.offsets?.[0]?.offset;
        assert.ok(offset !== undefined);
        acked.set(offset, value);
      }
    } finally {
      await resumed.close();
    }
    await sendIdempotent('idempotent-1');
    // The journal, like the log, retries at most once a second: a commit may need a retry or two.
    const commitStarted = Date.now();
    for (let code = await commitOffset(admin, 7n); code !== ErrorCode.NONE; code = await commitOffset(admin, 7n)) {
      assert.equal(code, ErrorCode.COORDINATOR_NOT_AVAILABLE);
      assert.ok(Date.now() - commitStarted < 5_000, 'commits did not recover within 5 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(await committedOffset(admin), 7n);
    assert.equal((await createTopic(admin, 'late')).errorCode, ErrorCode.NONE);
    const deleted = await admin.request(20, 6, { topics: [{ name: SPARE, topicId: ZERO_UUID }], timeoutMs: 5000 });
    assert.equal(deleted.responses[0]?.errorCode, ErrorCode.NONE, 'deleting works again');
    await assertAllAcknowledged(port, acked, 'after recovery');
    assert.equal(child.exitCode, null);

    // kill -9 and restart on the same directory.
    for (const c of clients.splice(0)) c.close();
    child.kill('SIGKILL');
    await exited;
    const restarted = await startBrokerChild(dataDir, children);
    await assertAllAcknowledged(restarted.port, acked, 'after kill -9 and restart');
    const again = await RawClient.connect(restarted.port);
    clients.push(again);
    assert.equal(await committedOffset(again), 7n);
    again.close();
    const restartedExit = new Promise((resolve) => restarted.child.once('exit', resolve));
    restarted.child.kill('SIGKILL');
    await restartedExit;

    // A clean stop and start (index files and checkpoints written at close are trusted then).
    for (let round = 0; round < 2; round++) {
      const broker = await startBroker({ dataDir });
      try {
        await assertAllAcknowledged(broker.port, acked, `after clean restart ${round}`);
      } finally {
        await broker.stop();
      }
    }
  } finally {
    await idempotent?.close().catch(() => undefined);
    for (const c of clients) c.close();
    for (const c of children) {
      if (c.exitCode === null && c.signalCode === null) {
        const gone = new Promise((resolve) => c.once('exit', resolve));
        c.kill('SIGKILL');
        await gone;
      }
    }
    fs.unmount();
  }
});

test('a full disk under one partition leaves the other partitions of the same request unaffected', { timeout: 30_000 }, async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sds-disk-full-'));
  // Partition 0 of the topic gets its own small file system; partition 1 stays on the big one.
  const partition0 = join(dataDir, 'mixed-0');
  mkdirSync(partition0);
  const small = mountTmpfs(256 * 1024, partition0);
  if (typeof small === 'string') {
    rmSync(dataDir, { recursive: true, force: true });
    t.skip(small);
    return;
  }
  try {
    const broker = await startBroker({ dataDir });
    const client = await RawClient.connect(broker.port);
    try {
      const created = await client.request(19, 7, { topics: [{ name: 'mixed', numPartitions: 2, replicationFactor: 1 }], timeoutMs: 5000 });
      assert.equal(created.topics[0]?.errorCode, ErrorCode.NONE);
      const acknowledged = [0n, 0n];
      for (let i = 0, full = false; !full; i++) {
        assert.ok(i < 50, 'partition 0 never filled up');
        const partitionData = await Promise.all([0, 1].map(async (index) => ({ index, records: await encodeValues([`p${index}-${i}`]) })));
        const res = await client.request(0, 9, { acks: -1, timeoutMs: 5000, topicData: [{ name: 'mixed', partitionData }] });
        const [p0, p1] = res.responses[0]?.partitionResponses ?? [];
        assert.equal(p1?.errorCode, ErrorCode.NONE, 'partition 1 has room and is unaffected');
        acknowledged[1] = (acknowledged[1] ?? 0n) + 1n;
        if (p0?.errorCode === ErrorCode.NONE) acknowledged[0] = (acknowledged[0] ?? 0n) + 1n;
        else {
          assert.equal(p0?.errorCode, ErrorCode.KAFKA_STORAGE_ERROR);
          full = true;
        }
      }
      for (const partition of [0, 1]) {
        const res = await client.request(2, 7, { replicaId: -1, isolationLevel: 0, topics: [{ name: 'mixed', partitions: [{ partitionIndex: partition, timestamp: -1n }] }] });
        assert.equal(res.topics[0]?.partitions[0]?.offset, acknowledged[partition], `partition ${partition} holds what it acknowledged`);
      }
    } finally {
      client.close();
      await broker.stop();
    }
  } finally {
    small.unmount();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
