/** The collector's protocol source against the embedded broker over TCP, with known traffic. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Admin } from '@platformatic/kafka';
import { startBroker } from '../../src/broker/broker.ts';
import { resolveConnection } from '../../src/client/connection.ts';
import { Collector } from '../../src/dashboard/collector.ts';
import { History } from '../../src/dashboard/history.ts';
import { ClusterSource } from '../../src/dashboard/sources/cluster.ts';
import { createTopic, produce } from '../support/topic-data.ts';

test('cluster source: counts, partitions by broker, disk used, and lag of a group with known commits', async () => {
  const broker = await startBroker({ port: 0 });
  const source = new ClusterSource(resolveConnection({ bootstrap: broker.bootstrap, clientId: 'dashboard-test' }));
  const admin = new Admin({ clientId: 'dashboard-test', bootstrapBrokers: [broker.bootstrap] });
  try {
    await createTopic(broker.bootstrap, 'orders', 2);
    await createTopic(broker.bootstrap, 'audit', 1);
    await produce(broker.bootstrap, 'orders', [...Array.from({ length: 7 }, (_, i) => ({ partition: 0, value: `a${i}` })), ...Array.from({ length: 5 }, (_, i) => ({ partition: 1, value: `b${i}` }))]);
    await admin.alterConsumerGroupOffsets({ groupId: 'billing', topics: [{ name: 'orders', partitionOffsets: [{ partition: 0, offset: 3n }, { partition: 1, offset: 5n }] }] });

    const reading = await source.read();
    const g = (id: string): number | undefined => reading.gauges.get(id);
    assert.equal(g('GlobalTopicCount'), 2);
    assert.equal(g('GlobalPartitionCount'), 3);
    assert.equal(g('OfflinePartitionsCount'), 0);
    assert.equal(g('UnderReplicatedPartitions'), 0);
    assert.equal(g('ActiveControllerCount'), 1);
    assert.equal(g('PartitionCount{broker="1"}'), 3);
    assert.equal(g('LeaderCount{broker="1"}'), 3);
    // Partition 0: 7 - 3; partition 1: 5 - 5.
    assert.equal(g('MaxOffsetLag{consumer_group="billing",topic="orders"}'), 4);
    assert.equal(g('SumOffsetLag{consumer_group="billing",topic="orders"}'), 4);
    const disk = g('KafkaDataLogsDiskUsed{broker="1"}');
    assert.ok(disk !== undefined && disk > 0 && disk <= 100, `disk used ${disk}`);
    assert.equal(reading.counters.get('MessagesInPerSec{broker="1"}'), 12);
    assert.equal(reading.counters.get('MessagesInPerSec{topic="orders"}'), 12);
    assert.equal(reading.counters.get('MessagesInPerSec{topic="audit"}'), 0);
  } finally {
    await admin.close();
    await source.close();
    await broker.stop();
  }
});

test('collector: counters become per-second rates between collections; a cluster that goes away is reported and recovers', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sds-dashboard-'));
  const broker = await startBroker({ port: 0, dataDir });
  let now = 1_000_000;
  const connection = resolveConnection({ bootstrap: broker.bootstrap, clientId: 'dashboard-test' });
  const collector = new Collector({ sources: [new ClusterSource(connection)], intervalMs: 5000, now: () => now });
  try {
    await createTopic(broker.bootstrap, 'orders', 1);
    const first = await collector.collect();
    assert.equal(first.sources['cluster']?.ok, true);
    assert.equal(first.values['MessagesInPerSec{broker="1"}'], undefined, 'no rate from a single reading');
    await produce(broker.bootstrap, 'orders', Array.from({ length: 50 }, (_, i) => ({ partition: 0, value: `r${i}` })));
    now += 5000;
    const second = await collector.collect();
    assert.equal(second.values['MessagesInPerSec{broker="1"}'], 10);
    assert.equal(second.values['GlobalTopicCount'], 1);

    const events: string[] = [];
    const unsubscribe = collector.subscribe((e) => events.push(e.sources['cluster']?.ok === true ? 'up' : 'down'));
    const port = broker.port;
    await broker.stop();
    now += 5000;
    const down = await collector.collect();
    assert.equal(down.sources['cluster']?.ok, false);
    assert.match(down.sources['cluster']?.error ?? '', /.+/);
    assert.equal(down.values['GlobalTopicCount'], undefined);

    const again = await startBroker({ port, dataDir });
    try {
      now += 5000;
      const back = await collector.collect();
      assert.equal(back.sources['cluster']?.ok, true);
      assert.equal(back.values['GlobalTopicCount'], 1);
      assert.deepEqual(events, ['down', 'up']);
      unsubscribe();
      const history = collector.historySince(0);
      assert.deepEqual(history.t, [1_000_000, 1_005_000, 1_010_000, 1_015_000]);
      assert.deepEqual(history.series['GlobalTopicCount'], [1, 1, null, 1]);
    } finally {
      await again.stop();
    }
  } finally {
    await collector.stop();
    await broker.stop().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('history: bounded, oldest dropped first, series with no value in the whole window dropped', () => {
  const h = new History(3);
  h.add({ t: 1, values: new Map([['a', 1], ['gone', 9]]) });
  h.add({ t: 2, values: new Map([['a', 2]]) });
  h.add({ t: 3, values: new Map([['a', 3], ['b', 30]]) });
  assert.deepEqual(h.toJson(), { t: [1, 2, 3], series: { a: [1, 2, 3], gone: [9, null, null], b: [null, null, 30] } });
  h.add({ t: 4, values: new Map([['a', 4]]) });
  h.add({ t: 5, values: new Map([['b', 50]]) });
  assert.deepEqual(h.toJson(), { t: [3, 4, 5], series: { a: [3, 4, null], b: [30, null, 50] } });
  assert.deepEqual(h.toJson(4), { t: [4, 5], series: { a: [4, null], b: [null, 50] } });
  assert.throws(() => new History(1), /at least 2/);
});
