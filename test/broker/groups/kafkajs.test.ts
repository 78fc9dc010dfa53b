/**
 * kafkajs 2.2.4 consumer groups against the embedded broker: consume what its producer wrote,
 * commit, share the partitions with a second member, and take them back when it leaves.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel, Partitioners, type Consumer } from 'kafkajs';
import { createTopic, eventually, groupBroker } from './helpers.ts';

const TOPIC = 'kjs-group';
const PARTITIONS = 4;

interface Tracked {
  readonly consumer: Consumer;
  readonly assigned: Set<number>;
  readonly seen: Set<string>;
}

async function member(kafka: Kafka, groupId: string, seenAll: Set<string>): Promise<Tracked> {
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100, heartbeatInterval: 100, sessionTimeout: 6000, rebalanceTimeout: 10_000 });
  const tracked: Tracked = { consumer, assigned: new Set(), seen: new Set() };
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    tracked.assigned.clear();
    for (const p of e.payload.memberAssignment[TOPIC] ?? []) tracked.assigned.add(p);
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [TOPIC], fromBeginning: true });
  await consumer.run({
    eachMessage: ({ partition, message }) => {
      const id = `${partition}:${message.offset}`;
      tracked.seen.add(id);
      seenAll.add(id);
      return Promise.resolve();
    },
  });
  return tracked;
}

test('kafkajs: consume, commit, rebalance on join and leave', { timeout: 90_000 }, async () => {
  const broker = await groupBroker();
  const kafka = new Kafka({ clientId: 'kjs-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 100 } });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  const admin = kafka.admin();
  const members: Tracked[] = [];
  try {
    await createTopic(broker.port, TOPIC, PARTITIONS);
    await producer.connect();
    await admin.connect();
    await producer.send({ topic: TOPIC, acks: -1, messages: Array.from({ length: 40 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) });
    const seenAll = new Set<string>();
    const a = await member(kafka, 'kjs', seenAll);
    members.push(a);
    await eventually('the first member to read all 40 records', () => seenAll.size === 40);
    assert.equal(a.assigned.size, PARTITIONS);

    // Committed offsets reach the end of every partition.
    await eventually('offsets committed up to the end', async () => {
      const offsets = await admin.fetchOffsets({ groupId: 'kjs', topics: [TOPIC] });
      const sum = (offsets[0]?.partitions ?? []).reduce((n, p) => n + Number(p.offset), 0);
      return sum === 40;
    });

    const b = await member(kafka, 'kjs', seenAll);
    members.push(b);
    await eventually('the partitions split between two members', () => a.assigned.size > 0 && b.assigned.size > 0 && a.assigned.size + b.assigned.size === PARTITIONS);
    for (const p of a.assigned) assert.ok(!b.assigned.has(p), `partition ${p} owned twice`);

    await producer.send({ topic: TOPIC, acks: -1, messages: Array.from({ length: 40 }, (_, i) => ({ key: `k${i}`, value: `w${i}` })) });
    await eventually('both members read the new records', () => seenAll.size === 80 && a.seen.size > 0 && b.seen.size > 0);

    const described = await admin.describeGroups(['kjs']);
    assert.equal(described.groups[0]?.state, 'Stable');
    assert.equal(described.groups[0]?.members.length, 2);

    await b.consumer.disconnect();
    members.pop();
    await eventually('the remaining member owns every partition again', () => a.assigned.size === PARTITIONS);
    const listed = await admin.listGroups();
    assert.deepEqual(listed.groups.map((g) => g.groupId), ['kjs']);
  } finally {
    for (const m of members) await m.consumer.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    await broker.stop();
  }
});
