import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { Admin } from '@platformatic/kafka';
import { startBroker, type RunningBroker } from '../../src/broker/broker.ts';
import { RawClient } from '../support/raw-client.ts';
import { ErrorCode } from '../../src/protocol/error-codes.ts';
import { ZERO_UUID } from '../../src/protocol/primitives/loose.ts';

let broker: RunningBroker;

before(async () => {
  broker = await startBroker();
});
after(async () => {
  await broker.stop();
});

function kafkajs() {
  return new Kafka({ clientId: 'admin-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 } });
}

test('kafkajs admin creates, lists, describes and deletes topics (classic encodings)', async () => {
  const admin = kafkajs().admin();
  await admin.connect();
  try {
    assert.equal(await admin.createTopics({ topics: [{ topic: 'kjs-one' }, { topic: 'kjs-three', numPartitions: 3 }] }), true);
    const topics = await admin.listTopics();
    assert.ok(topics.includes('kjs-one') && topics.includes('kjs-three'));
    const meta = await admin.fetchTopicMetadata({ topics: ['kjs-three'] });
    const three = meta.topics[0];
    assert.equal(three?.partitions.length, 3);
    for (const p of three?.partitions ?? []) {
      assert.equal(p.leader, 1);
      assert.deepEqual(p.replicas, [1]);
      assert.deepEqual(p.isr, [1]);
    }
    // Creating an existing topic: kafkajs reports false (it swallows TOPIC_ALREADY_EXISTS).
    assert.equal(await admin.createTopics({ topics: [{ topic: 'kjs-one' }] }), false);
    await admin.deleteTopics({ topics: ['kjs-one'] });
    assert.ok(!(await admin.listTopics()).includes('kjs-one'));
    const cluster = await admin.describeCluster();
    assert.equal(cluster.controller, 1);
    assert.equal(cluster.clusterId, broker.clusterId);
    assert.deepEqual(cluster.brokers, [{ nodeId: 1, host: broker.host, port: broker.port }]);
  } finally {
    await admin.disconnect();
  }
});

/** kafkajs gathers per-topic errors in an aggregate; each carries Kafka's error name. */
async function rejectsWith(promise: Promise<unknown>, type: string): Promise<void> {
  await assert.rejects(promise, (e: Error & { errors?: { type: string }[] }) => {
    assert.equal(e.errors?.[0]?.type, type);
    return true;
  });
}

test('topic creation follows Kafka: replication factor, names, partitions, configs', async () => {
  const admin = kafkajs().admin();
  await admin.connect();
  try {
    await assert.rejects(admin.createTopics({ topics: [{ topic: 'rf2', replicationFactor: 2 }] }), (e: Error & { errors?: { type: string }[] }) => {
      assert.equal(e.errors?.[0]?.type, 'INVALID_REPLICATION_FACTOR');
      return true;
    });
    // kafkajs shows its own text; the broker's own message is Kafka's.
    const raw = await RawClient.connect(broker.port);
    const answer = await raw.request(19, 7, { topics: [{ name: 'rf2', numPartitions: 1, replicationFactor: 2 }] });
    raw.close();
    assert.equal(answer.topics[0]?.errorCode, ErrorCode.INVALID_REPLICATION_FACTOR);
    assert.match(answer.topics[0]?.errorMessage ?? '', /Unable to replicate the partition 2 time\(s\).*only 1 broker\(s\) are registered/);
    await rejectsWith(admin.createTopics({ topics: [{ topic: 'bad name!' }] }), 'INVALID_TOPIC_EXCEPTION');
    await rejectsWith(admin.createTopics({ topics: [{ topic: 'zero', numPartitions: 0 }] }), 'INVALID_PARTITIONS');
    await rejectsWith(admin.createTopics({ topics: [{ topic: 'cfg', configEntries: [{ name: 'retention.ms', value: 'soon' }] }] }), 'INVALID_CONFIG');
    await rejectsWith(admin.createTopics({ topics: [{ topic: 'cfg', configEntries: [{ name: 'no.such.config', value: '1' }] }] }), 'INVALID_CONFIG');
    assert.ok(!(await admin.listTopics()).some((t) => ['rf2', 'zero', 'cfg'].includes(t)), 'nothing was created');
    // validate_only checks and reports, and creates nothing (kafkajs would then wait for the topic).
    const raw2 = await RawClient.connect(broker.port);
    const validated = await raw2.request(19, 7, { validateOnly: true, topics: [{ name: 'only-validated', numPartitions: 2, replicationFactor: -1 }] });
    raw2.close();
    assert.equal(validated.topics[0]?.errorCode, ErrorCode.NONE);
    assert.equal(validated.topics[0]?.numPartitions, 2);
    assert.ok(!(await admin.listTopics()).includes('only-validated'));
  } finally {
    await admin.disconnect();
  }
});

test('configs: describe every topic config, alter, and read back', async () => {
  const admin = kafkajs().admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic: 'configured', configEntries: [{ name: 'retention.ms', value: '3600000' }] }] });
    const described = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: 'configured' }] });
    const entries = described.resources[0]?.configEntries ?? [];
    assert.equal(entries.find((e) => e.configName === 'retention.ms')?.configValue, '3600000');
    assert.equal(entries.find((e) => e.configName === 'cleanup.policy')?.configValue, 'delete');
    assert.ok(entries.length > 15);
    await admin.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: 'configured', configEntries: [{ name: 'segment.bytes', value: '1048576' }] }] });
    const after = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: 'configured' }] });
    const afterEntries = after.resources[0]?.configEntries ?? [];
    assert.equal(afterEntries.find((e) => e.configName === 'segment.bytes')?.configValue, '1048576');
    // AlterConfigs replaces the whole set: retention.ms is back to its default.
    assert.equal(afterEntries.find((e) => e.configName === 'retention.ms')?.configValue, '604800000');
    const brokerConfigs = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 4, name: '1' }] });
    assert.equal(brokerConfigs.resources[0]?.configEntries.find((e) => e.configName === 'auto.create.topics.enable')?.configValue, 'false');
    await admin.createPartitions({ topicPartitions: [{ topic: 'configured', count: 4 }] });
    const meta = await admin.fetchTopicMetadata({ topics: ['configured'] });
    assert.equal(meta.topics[0]?.partitions.length, 4);
    await assert.rejects(admin.createPartitions({ topicPartitions: [{ topic: 'configured', count: 2 }] }), /INVALID_PARTITIONS|partitions/i);
  } finally {
    await admin.disconnect();
  }
});

test('@platformatic/kafka admin works with the flexible encodings', async () => {
  const admin = new Admin({ clientId: 'plat-admin', bootstrapBrokers: [broker.bootstrap], retries: 0 });
  try {
    const created = await admin.createTopics({ topics: ['plat-topic'], partitions: 2, replicas: 1 });
    assert.equal(created[0]?.name, 'plat-topic');
    assert.equal(created[0]?.partitions, 2);
    const listed = await admin.listTopics();
    assert.ok(listed.includes('plat-topic'));
    const metadata = await admin.metadata({ topics: ['plat-topic'] });
    assert.equal(metadata.topics.get('plat-topic')?.partitionsCount, 2);
    await admin.deleteTopics({ topics: ['plat-topic'] });
    assert.ok(!(await admin.listTopics()).includes('plat-topic'));
  } finally {
    await admin.close();
  }
});

test('incremental config changes: set, delete, append and subtract', async () => {
  const client = await RawClient.connect(broker.port);
  try {
    await client.request(19, 7, { topics: [{ name: 'incremental', numPartitions: 1, replicationFactor: 1 }] });
    const set = await client.request(44, 1, {
      resources: [{ resourceType: 2, resourceName: 'incremental', configs: [{ name: 'retention.ms', configOperation: 0, value: '1000' }, { name: 'cleanup.policy', configOperation: 2, value: 'compact' }] }],
    });
    assert.equal(set.responses[0]?.errorCode, ErrorCode.NONE);
    const read = await client.request(32, 4, { resources: [{ resourceType: 2, resourceName: 'incremental', configurationKeys: ['retention.ms', 'cleanup.policy'] }] });
    const values = Object.fromEntries((read.results[0]?.configs ?? []).map((c) => [c.name, c.value]));
    assert.deepEqual(values, { 'cleanup.policy': 'delete,compact', 'retention.ms': '1000' });
    await client.request(44, 1, {
      resources: [{ resourceType: 2, resourceName: 'incremental', configs: [{ name: 'retention.ms', configOperation: 1, value: null }, { name: 'cleanup.policy', configOperation: 3, value: 'delete' }] }],
    });
    const again = await client.request(32, 4, { resources: [{ resourceType: 2, resourceName: 'incremental', configurationKeys: ['retention.ms', 'cleanup.policy'] }] });
    const after = Object.fromEntries((again.results[0]?.configs ?? []).map((c) => [c.name, c.value]));
    assert.deepEqual(after, { 'cleanup.policy': 'compact', 'retention.ms': '604800000' });
    const bad = await client.request(44, 1, { resources: [{ resourceType: 2, resourceName: 'incremental', configs: [{ name: 'retention.ms', configOperation: 2, value: '5' }] }] });
    assert.equal(bad.responses[0]?.errorCode, ErrorCode.INVALID_CONFIG);
    const brokerChange = await client.request(44, 1, { resources: [{ resourceType: 4, resourceName: '1', configs: [{ name: 'num.partitions', configOperation: 0, value: '3' }] }] });
    assert.equal(brokerChange.responses[0]?.errorCode, ErrorCode.INVALID_REQUEST);
  } finally {
    client.close();
  }
});

test('metadata: unknown topics, auto-creation off by default, topic ids, v0 empty list means all', async () => {
  const client = await RawClient.connect(broker.port);
  try {
    const unknown = await client.request(3, 12, { topics: [{ name: 'never-created' }], allowAutoTopicCreation: true });
    assert.equal(unknown.topics[0]?.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const invalid = await client.request(3, 12, { topics: [{ name: 'no/slash' }] });
    assert.equal(invalid.topics[0]?.errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION);
    await client.request(19, 7, { topics: [{ name: 'by-id', numPartitions: 1, replicationFactor: 1 }] });
    const byName = await client.request(3, 12, { topics: [{ name: 'by-id' }] });
    const id = byName.topics[0]?.topicId ?? '';
    assert.notEqual(id, 'AAAAAAAAAAAAAAAAAAAAAA');
    const byId = await client.request(3, 12, { topics: [{ name: null, topicId: id }] });
    assert.equal(byId.topics[0]?.name, 'by-id');
    const all = await client.request(3, 0, { topics: [] });
    assert.ok(all.topics.some((t) => t.name === 'by-id'));
    assert.equal(all.brokers[0]?.port, broker.port);
  } finally {
    client.close();
  }
});

test('auto-creation when the broker enables it', async () => {
  const auto = await startBroker({ config: { autoCreateTopics: true } });
  const client = await RawClient.connect(auto.port);
  try {
    const created = await client.request(3, 12, { topics: [{ name: 'made-on-demand' }], allowAutoTopicCreation: true });
    assert.equal(created.topics[0]?.errorCode, ErrorCode.NONE);
    const refused = await client.request(3, 12, { topics: [{ name: 'not-allowed' }], allowAutoTopicCreation: false });
    assert.equal(refused.topics[0]?.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  } finally {
    client.close();
    await auto.stop();
  }
});

test("partition limits: Kafka's 10,000 per CreateTopics request, and the broker's max.partitions for every way of adding them", async () => {
  const limited = await startBroker({ config: { maxPartitions: 8, autoCreateTopics: true, defaultPartitions: 2 } });
  const client = await RawClient.connect(limited.port);
  const create = (topics: { name: string; numPartitions: number }[], validateOnly = false) =>
    client.request(19, 7, { topics: topics.map((t) => ({ ...t, replicationFactor: 1 })), timeoutMs: 5000, validateOnly });
  const held = async (): Promise<number> => {
    const all = await client.request(3, 12, { topics: null, allowAutoTopicCreation: false });
    return all.topics.reduce((sum, t) => sum + t.partitions.length, 0);
  };
  try {
    // Kafka's request-wide rule fails every topic of the request alike, before any is created.
    const huge = await create([{ name: 'huge-a', numPartitions: 6_000 }, { name: 'huge-b', numPartitions: 4_001 }], true);
    assert.deepEqual(huge.topics.map((t) => [t.errorCode, t.errorMessage]), [
      [ErrorCode.POLICY_VIOLATION, 'Excessively large number of partitions per request.'],
      [ErrorCode.POLICY_VIOLATION, 'Excessively large number of partitions per request.'],
    ]);
    const maxInt = await create([{ name: 'max-int', numPartitions: 2_147_483_647 }]);
    assert.equal(maxInt.topics[0]?.errorCode, ErrorCode.POLICY_VIOLATION);
    assert.equal(await held(), 0);

    // The broker-wide limit: 5 + 3 fit, one more does not, whichever API asks.
    assert.equal((await create([{ name: 'five', numPartitions: 5 }])).topics[0]?.errorCode, ErrorCode.NONE);
    const over = await create([{ name: 'three', numPartitions: 3 }, { name: 'one-too-many', numPartitions: 1 }]);
    assert.deepEqual(over.topics.map((t) => t.errorCode), [ErrorCode.NONE, ErrorCode.POLICY_VIOLATION]);
    assert.match(String(over.topics[1]?.errorMessage), /holds 8 partitions; 1 more would pass its limit of 8 \(sds broker start --max-partitions\)/);
    const grow = await client.request(37, 3, { topics: [{ name: 'five', count: 6, assignments: null }], timeoutMs: 5000, validateOnly: false });
    assert.equal(grow.results[0]?.errorCode, ErrorCode.POLICY_VIOLATION);
    const auto = await client.request(3, 12, { topics: [{ name: 'auto-made' }], allowAutoTopicCreation: true });
    assert.equal(auto.topics[0]?.errorCode, ErrorCode.POLICY_VIOLATION);
    assert.equal(await held(), 8, 'nothing was added past the limit');

    // Room made by a deletion is usable again.
    const deleted = await client.request(20, 6, { topics: [{ name: 'three', topicId: ZERO_UUID }], timeoutMs: 5000 });
    assert.equal(deleted.responses[0]?.errorCode, ErrorCode.NONE);
    const regrown = await client.request(37, 3, { topics: [{ name: 'five', count: 6, assignments: null }], timeoutMs: 5000, validateOnly: false });
    assert.equal(regrown.results[0]?.errorCode, ErrorCode.NONE);
    assert.equal((await client.request(3, 12, { topics: [{ name: 'auto-made' }], allowAutoTopicCreation: true })).topics[0]?.errorCode, ErrorCode.NONE);
    assert.equal(await held(), 8);
  } finally {
    client.close();
    await limited.stop();
  }
});
