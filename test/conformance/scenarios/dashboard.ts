// The dashboard's protocol source (src/dashboard/sources/cluster.ts) against both servers: every
// widget that comes from the Kafka protocol works without the embedded broker's Prometheus
// endpoint. The cluster is shared with other scenarios, so only this scenario's topic and group
// are compared exactly; the cluster-wide values are checked for sense.
import { Admin, Producer } from '@platformatic/kafka';
import { resolveConnection } from '../../../src/client/connection.ts';
import { Collector } from '../../../src/dashboard/collector.ts';
import { ClusterSource } from '../../../src/dashboard/sources/cluster.ts';
import { expect, expectEqual, setup } from '../scenario.ts';
import type { Scenario } from '../scenario.ts';

export const dashboardScenarios: readonly Scenario[] = [
  {
    name: 'dashboard collector: topic, partition, disk and lag widgets from the Kafka protocol alone',
    client: 'sds dashboard',
    async run(bootstrap, ctx) {
      const topic = ctx.topic('dashboard');
      const group = ctx.topic('dashboard-group');
      await ctx.createTopic(topic, 2);
      await setup('produce 7 + 5 records and commit offsets 3 and 5 for a group', async () => {
        const producer = new Producer({ clientId: 'conformance-dashboard', bootstrapBrokers: [bootstrap], retries: 5, retryDelay: 200 });
        const admin = new Admin({ clientId: 'conformance-dashboard', bootstrapBrokers: [bootstrap] });
        try {
          const records = (partition: number, n: number) => Array.from({ length: n }, (_, i) => ({ topic, partition, value: Buffer.from(`r${partition}-${i}`) }));
          await producer.send({ acks: -1, messages: [...records(0, 7), ...records(1, 5)] });
          await admin.alterConsumerGroupOffsets({ groupId: group, topics: [{ name: topic, partitionOffsets: [{ partition: 0, offset: 3n }, { partition: 1, offset: 5n }] }] });
        } finally {
          await producer.close();
          await admin.close();
        }
      });

      let now = Date.now();
      const source = new ClusterSource(resolveConnection({ bootstrap, clientId: 'conformance-dashboard' }));
      const collector = new Collector({ sources: [source], intervalMs: 5000, now: () => now });
      try {
        const first = await collector.collect();
        expect(first.sources['cluster']?.ok === true, `the cluster source failed: ${first.sources['cluster']?.error ?? ''}`);
        const v = first.values;
        const lag = (metric: string): number | undefined => v[`${metric}{consumer_group="${group}",topic="${topic}"}`];
        ctx.observe('MaxOffsetLag', lag('MaxOffsetLag') ?? -1);
        ctx.observe('SumOffsetLag', lag('SumOffsetLag') ?? -1);
        expectEqual([lag('MaxOffsetLag'), lag('SumOffsetLag')], [4, 4], 'MaxOffsetLag and SumOffsetLag');
        expect((v['GlobalTopicCount'] ?? 0) >= 1 && (v['GlobalPartitionCount'] ?? 0) >= 2, `topic and partition counts: ${v['GlobalTopicCount']} / ${v['GlobalPartitionCount']}`);
        expectEqual([v['OfflinePartitionsCount'], v['UnderReplicatedPartitions'], v['ActiveControllerCount']], [0, 0, 1], 'offline, under-replicated, controllers');
        const brokers = Object.keys(v).filter((k) => k.startsWith('PartitionCount{broker='));
        ctx.observe('brokers', brokers.length);
        expectEqual(brokers.length, 1, 'brokers with a PartitionCount');
        const disk = Object.entries(v).find(([k]) => k.startsWith('KafkaDataLogsDiskUsed{broker='))?.[1];
        expect(disk !== undefined && disk > 0 && disk <= 100, `KafkaDataLogsDiskUsed: ${disk}`);

        await setup('produce 10 more records', async () => {
          const producer = new Producer({ clientId: 'conformance-dashboard', bootstrapBrokers: [bootstrap], retries: 5, retryDelay: 200 });
          try {
            await producer.send({ acks: -1, messages: Array.from({ length: 10 }, (_, i) => ({ topic, partition: i % 2, value: Buffer.from(`more-${i}`) })) });
          } finally {
            await producer.close();
          }
        });
        now += 5000;
        const second = await collector.collect();
        const rate = second.values[`MessagesInPerSec{topic="${topic}"}`];
        ctx.observe('MessagesInPerSec', rate ?? -1);
        expectEqual(rate, 2, 'MessagesInPerSec of the topic (10 records in 5 s)');
      } finally {
        await collector.stop();
      }
    },
  },
];
