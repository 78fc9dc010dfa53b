// BrokerMetrics with an injected clock and machine probe: rates over the sliding window,
// window means, CPU split, counter resets and cluster counts, all computed exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BrokerMetrics, TrafficCounters, type CpuTimes, type MetricsSources, type SystemProbe } from '../../../src/broker/metrics/index.ts';
import type { PartitionLog } from '../../../src/broker/log/index.ts';
import type { TopicInfo } from '../../../src/broker/metadata/topic-store.ts';

interface Fixture {
  metrics: BrokerMetrics;
  traffic: TrafficCounters;
  clock: { now: number };
  cpu: { times: CpuTimes };
  topics: TopicInfo[];
  logs: Map<string, { offline: boolean }>;
}

function fixture(): Fixture {
  const clock = { now: 1_700_000_000_000 };
  const cpu = { times: { user: 0, system: 0, idle: 0, total: 0 } };
  const traffic = new TrafficCounters();
  const topics: TopicInfo[] = [{ name: 'a', topicId: 'id-a', partitions: 2, configs: {} }];
  const logs = new Map<string, { offline: boolean }>([
    ['a/0', { offline: false }],
    ['a/1', { offline: false }],
  ]);
  const probe: SystemProbe = { cpuTimes: () => cpu.times, memoryUsed: () => 4096, diskUsedPercent: () => Promise.resolve(42.5) };
  const sources: MetricsSources = {
    nodeId: 1,
    clusterId: 'cluster-x',
    dataDir: 'unused',
    traffic,
    topics: { list: () => [...topics], get: (name) => topics.find((t) => t.name === name) },
    partitions: { get: (topic, p) => logs.get(`${topic}/${p}`) as PartitionLog | undefined },
    offsets: { groupIds: () => [], all: () => new Map() },
    connectionCount: () => 7,
  };
  const metrics = new BrokerMetrics(sources, { now: () => clock.now, probe, windowMs: 60_000, sampleIntervalMs: 5_000 });
  return { metrics, traffic, clock, cpu, topics, logs };
}

test('PerSec values are counter deltas over the window; totals are the raw counters', async () => {
  const { metrics, traffic, clock } = fixture();
  metrics.sample();
  traffic.appended('a', 1000, 10);
  traffic.appended('a', 500, 5);
  traffic.fetched('a', 300);
  clock.now += 10_000;
  const s = await metrics.snapshot();
  assert.equal(s.rateWindowSeconds, 10);
  assert.deepEqual([s.broker.BytesInPerSec, s.broker.MessagesInPerSec, s.broker.BytesOutPerSec], [150, 1.5, 30]);
  assert.deepEqual(s.topics, [{ topic: 'a', BytesInPerSec: 150, BytesOutPerSec: 30, MessagesInPerSec: 1.5, totals: { bytesIn: 1500, bytesOut: 300, messagesIn: 15 } }]);
  assert.deepEqual([s.totals.bytesIn, s.totals.bytesOut, s.totals.messagesIn], [1500, 300, 15]);
  assert.equal(s.broker.ConnectionCount, 7);
  assert.deepEqual([s.broker.MemoryUsed, s.broker.KafkaDataLogsDiskUsed], [4096, 42.5]);
});

test('the window slides: a rate covers only the samples of the last 60 s', async () => {
  const { metrics, traffic, clock } = fixture();
  const t0 = clock.now;
  metrics.sample();
  clock.now = t0 + 1_000;
  traffic.appended('a', 600, 6);
  for (let t = 5_000; t <= 60_000; t += 5_000) {
    clock.now = t0 + t;
    metrics.sample();
  }
  // At 60 s the sample taken at 0 is still inside the window.
  let s = await metrics.snapshot();
  assert.equal(s.rateWindowSeconds, 60);
  assert.equal(s.broker.BytesInPerSec, 10);
  // At 62 s the base is the sample at 5 s, taken after the append: nothing new since.
  clock.now = t0 + 62_000;
  s = await metrics.snapshot();
  assert.equal(s.rateWindowSeconds, 57);
  assert.equal(s.broker.BytesInPerSec, 0);
  assert.equal(s.topics[0]?.MessagesInPerSec, 0);
  assert.equal(s.totals.bytesIn, 600, 'the counter keeps everything');
  traffic.appended('a', 5_700, 1);
  s = await metrics.snapshot();
  assert.equal(s.broker.BytesInPerSec, 100);
});

test('Mean values are means over the window; 0 when nothing happened in it', async () => {
  const { metrics, traffic, clock } = fixture();
  traffic.produceCompleted(4);
  traffic.requestReceived(1_000);
  metrics.sample();
  traffic.produceCompleted(10);
  traffic.produceCompleted(30);
  traffic.requestReceived(100);
  traffic.requestReceived(300);
  traffic.requestReceived(200);
  clock.now += 5_000;
  let s = await metrics.snapshot();
  assert.equal(s.broker.ProduceTotalTimeMsMean, 20);
  assert.equal(s.broker.RequestBytesMean, 200);
  assert.deepEqual([s.totals.produceRequests, s.totals.produceTimeMs, s.totals.requests, s.totals.requestBytes], [3, 44, 4, 1_600]);
  // A minute of samples later, the requests have left the window.
  for (let i = 0; i < 13; i++) {
    clock.now += 5_000;
    metrics.sample();
  }
  s = await metrics.snapshot();
  assert.deepEqual([s.broker.ProduceTotalTimeMsMean, s.broker.RequestBytesMean], [0, 0]);
  assert.equal(s.totals.produceRequests, 3);
});

test('CPU percentages split the CPU time spent between the window base and now', async () => {
  const { metrics, cpu, clock } = fixture();
  cpu.times = { user: 100, system: 50, idle: 850, total: 1000 };
  metrics.sample();
  cpu.times = { user: 400, system: 150, idle: 1450, total: 2000 };
  clock.now += 5_000;
  const s = await metrics.snapshot();
  assert.deepEqual([s.broker.CpuUser, s.broker.CpuSystem, s.broker.CpuIdle], [30, 10, 60]);
});

test('a topic deleted and created again starts its counters from zero', async () => {
  const { metrics, traffic, clock, topics } = fixture();
  traffic.appended('a', 10_000, 100);
  metrics.sample();
  topics.length = 0;
  clock.now += 5_000;
  metrics.sample();
  assert.deepEqual((await metrics.snapshot()).topics, []);
  topics.push({ name: 'a', topicId: 'id-a2', partitions: 1, configs: {} });
  traffic.appended('a', 50, 1);
  clock.now += 5_000;
  const s = await metrics.snapshot();
  assert.deepEqual(s.topics[0]?.totals, { bytesIn: 50, bytesOut: 0, messagesIn: 1 });
  // The base (10 s ago) counted 10000 bytes for the old topic; the new one's 50 are all new.
  assert.equal(s.topics[0]?.BytesInPerSec, 5);
});

test('cluster counts: a partition without an open log, or with an offline one, is offline', async () => {
  const { metrics, topics, logs } = fixture();
  topics.push({ name: 'b', topicId: 'id-b', partitions: 3, configs: {} });
  logs.set('b/0', { offline: false });
  logs.set('b/1', { offline: true });
  const s = await metrics.snapshot();
  assert.deepEqual(s.cluster, { GlobalTopicCount: 2, GlobalPartitionCount: 5, OfflinePartitionsCount: 2, UnderReplicatedPartitions: 0, ActiveControllerCount: 1 });
  assert.deepEqual([s.broker.PartitionCount, s.broker.LeaderCount], [5, 3]);
});
