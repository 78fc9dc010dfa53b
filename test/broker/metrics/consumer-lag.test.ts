// Consumer lag of a real broker: offsets committed by a raw OffsetCommit (known values) and
// by a kafkajs consumer that catches up; records produced by kafkajs with known timestamps.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker, type RunningBroker } from '../../../src/broker/broker.ts';
import { RawClient } from '../../support/raw-client.ts';
import { createTopic, eventually } from '../groups/helpers.ts';
import type { ConsumerLag } from '../../../src/broker/metrics/index.ts';

let broker: RunningBroker;
let kafka: Kafka;
const HOUR = 3_600_000;
/** Timestamps of the records, by partition and offset. */
const stamps: number[][] = [[], [], []];

before(async () => {
  broker = await startBroker({ config: { groupInitialRebalanceDelayMs: 0 } });
  await createTopic(broker.port, 'lagged', 3);
  kafka = new Kafka({ clientId: 'lag-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  const t0 = Date.now();
  const counts = [5, 3, 4];
  try {
    // One record per batch, so each record's timestamp is its batch's first timestamp.
    for (let partition = 0; partition < 3; partition++) {
      for (let i = 0; i < (counts[partition] as number); i++) {
        const ts = t0 - (partition === 0 ? HOUR : HOUR / 2) + i * 1000;
        stamps[partition]?.push(ts);
        await producer.send({ topic: 'lagged', acks: -1, messages: [{ partition, value: `p${partition}-${i}`, timestamp: String(ts) }] });
      }
    }
  } finally {
    await producer.disconnect();
  }
});
after(async () => {
  await broker.stop();
});

async function commit(groupId: string, offsets: readonly [number, bigint][], topic = 'lagged'): Promise<void> {
  const client = await RawClient.connect(broker.port);
  try {
    const res = await client.request(8, 8, {
      groupId,
      generationIdOrMemberEpoch: -1,
      memberId: '',
      topics: [{ name: topic, partitions: offsets.map(([partitionIndex, committedOffset]) => ({ partitionIndex, committedOffset })) }],
    });
    assert.deepEqual(res.topics[0]?.partitions.map((p) => p.errorCode), offsets.map(() => 0));
  } finally {
    client.close();
  }
}

async function lagOf(group: string): Promise<{ lag: ConsumerLag | undefined; before: number; after: number }> {
  const before = Date.now();
  const s = await broker.metrics();
  const after = Date.now();
  return { lag: s.consumerLag.find((l) => l.consumerGroup === group && l.topic === 'lagged'), before, after };
}

test('offset lag over the committed partitions only; time lag from the first unconsumed record', async () => {
  // Partition 0 holds offsets 0-4, partition 1 0-2; partition 2 (0-3) has no commit and is left out.
  await commit('known', [
    [0, 2n],
    [1, 1n],
  ]);
  const { lag, before, after } = await lagOf('known');
  assert.ok(lag);
  assert.equal(lag.MaxOffsetLag, 3);
  assert.equal(lag.SumOffsetLag, 5);
  assert.deepEqual(lag.partitions.map((p) => [p.partition, p.OffsetLag]), [
    [0, 3],
    [1, 2],
  ]);
  // The first record not consumed in partition 0 is offset 2, an hour old.
  const ts = stamps[0]?.[2] as number;
  assert.ok(lag.EstimatedMaxTimeLag >= (before - ts) / 1000 && lag.EstimatedMaxTimeLag <= (after - ts) / 1000, `time lag ${lag.EstimatedMaxTimeLag}`);
  assert.ok(lag.EstimatedMaxTimeLag > 3500);
  const p1 = lag.partitions[1]?.EstimatedTimeLag as number;
  const ts1 = stamps[1]?.[1] as number;
  assert.ok(p1 >= (before - ts1) / 1000 && p1 <= (after - ts1) / 1000, `partition 1 time lag ${p1}`);
});

test('a commit at the end of the log is no lag, in offsets or in time', async () => {
  await commit('at-end', [
    [0, 5n],
    [1, 3n],
    [2, 4n],
  ]);
  const { lag } = await lagOf('at-end');
  assert.deepEqual(lag && [lag.MaxOffsetLag, lag.SumOffsetLag, lag.EstimatedMaxTimeLag], [0, 0, 0]);
});

test('a kafkajs consumer that has read everything has no lag', async () => {
  const consumer = kafka.consumer({ groupId: 'reader', maxWaitTimeInMs: 100, retry: { retries: 0 } });
  await consumer.connect();
  let seen = 0;
  try {
    await consumer.subscribe({ topic: 'lagged', fromBeginning: true });
    await consumer.run({
      eachMessage: () => {
        seen++;
        return Promise.resolve();
      },
    });
    await eventually('the group to commit all 3 partitions at their ends', async () => {
      const { lag } = await lagOf('reader');
      return lag !== undefined && lag.partitions.length === 3 && lag.SumOffsetLag === 0;
    });
  } finally {
    await consumer.disconnect();
  }
  assert.equal(seen, 12);
  const { lag } = await lagOf('reader');
  assert.deepEqual(lag && [lag.MaxOffsetLag, lag.SumOffsetLag, lag.EstimatedMaxTimeLag], [0, 0, 0]);
});

test('groups are listed per topic, sorted, and only for topics that exist', async () => {
  await createTopic(broker.port, 'gone', 1);
  await commit('known', [[0, 0n]], 'gone');
  const pairs = async (): Promise<string[][]> => (await broker.metrics()).consumerLag.map((l) => [l.consumerGroup, l.topic]);
  assert.deepEqual(await pairs(), [
    ['at-end', 'lagged'],
    ['known', 'gone'],
    ['known', 'lagged'],
    ['reader', 'lagged'],
  ]);
  const admin = await RawClient.connect(broker.port);
  try {
    assert.equal((await admin.request(20, 4, { topicNames: ['gone'], timeoutMs: 5000 })).responses[0]?.errorCode, 0);
  } finally {
    admin.close();
  }
  // The group keeps its offsets for the deleted topic until they expire, but has no lag there.
  assert.deepEqual(await pairs(), [
    ['at-end', 'lagged'],
    ['known', 'lagged'],
    ['reader', 'lagged'],
  ]);
});
