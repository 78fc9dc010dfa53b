/**
 * @platformatic/kafka 1.35 consumer groups against the embedded broker. It speaks only the
 * flexible encodings (JoinGroup v6+, SyncGroup v4+, OffsetCommit/OffsetFetch v8+, Fetch with
 * topic ids), unlike kafkajs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Admin, Consumer, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import { createTopic, groupBroker } from './helpers.ts';
import { RawClient } from '../../support/raw-client.ts';

const TOPIC = 'plat-group';

test('platformatic: a group consumer reads every record and commits its position', { timeout: 60_000 }, async () => {
  const broker = await groupBroker();
  const producer = new Producer({ clientId: 'plat-test', bootstrapBrokers: [broker.bootstrap], serializers: stringSerializers });
  const consumer = new Consumer({
    clientId: 'plat-test',
    groupId: 'plat',
    bootstrapBrokers: [broker.bootstrap],
    deserializers: stringDeserializers,
    maxWaitTime: 100,
    sessionTimeout: 6000,
    heartbeatInterval: 200,
  });
  const admin = new Admin({ clientId: 'plat-test', bootstrapBrokers: [broker.bootstrap] });
  try {
    await createTopic(broker.port, TOPIC, 3);
    await producer.send({ acks: -1, messages: Array.from({ length: 30 }, (_, i) => ({ topic: TOPIC, key: `k${i}`, value: `v${i}` })) });
    const stream = await consumer.consume({ topics: [TOPIC], mode: 'earliest', autocommit: false });
    const seen = new Map<string, string>();
    for await (const message of stream) {
      seen.set(`${message.partition}:${message.offset}`, message.value);
      await message.commit();
      if (seen.size === 30) break;
    }
    assert.equal(new Set(seen.values()).size, 30);

    const committed = await consumer.listCommittedOffsets({ topics: [{ topic: TOPIC, partitions: [0, 1, 2] }] });
    const total = (committed.get(TOPIC) ?? []).reduce((n, o) => n + Number(o), 0);
    assert.equal(total, 30, 'committed offsets sum to the record count');

    const groups = await admin.describeGroups({ groups: ['plat'] });
    const group = groups.get('plat');
    assert.equal(group?.state, 'STABLE');
    assert.equal(group?.members.size, 1);
    await stream.close();
  } finally {
    // close(true) has a callback overload first: wrap it so that the promise is the one awaited.
    await new Promise<void>((ok) => consumer.close(true, () => ok()));
    await producer.close().catch(() => undefined);
    await admin.close().catch(() => undefined);
    await broker.stop();
  }
});

test('platformatic: committed offsets are read back by a raw OffsetFetch v8', { timeout: 30_000 }, async () => {
  const broker = await groupBroker();
  const client = await RawClient.connect(broker.port);
  try {
    await createTopic(broker.port, 'raw-multi', 2);
    const commit = await client.request(8, 9, { groupId: 'simple', generationIdOrMemberEpoch: -1, memberId: '', topics: [{ name: 'raw-multi', partitions: [{ partitionIndex: 1, committedOffset: 5n, committedLeaderEpoch: 0, committedMetadata: 'm' }] }] });
    assert.equal(commit.topics[0]?.partitions[0]?.errorCode, 0);
    const res = await client.request(9, 8, { groups: [{ groupId: 'simple', topics: null }, { groupId: 'nobody', topics: [{ name: 'raw-multi', partitionIndexes: [0] }] }], requireStable: true });
    assert.deepEqual(
      res.groups.map((g) => [g.groupId, g.errorCode, g.topics.map((t) => [t.name, t.partitions.map((p) => [p.partitionIndex, p.committedOffset, p.metadata])])]),
      [
        ['simple', 0, [['raw-multi', [[1, 5n, 'm']]]]],
        ['nobody', 0, [['raw-multi', [[0, -1n, '']]]]],
      ],
    );
  } finally {
    client.close();
    await broker.stop();
  }
});
