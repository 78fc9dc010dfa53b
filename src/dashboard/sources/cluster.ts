/**
 * What the Kafka protocol tells about any cluster (the embedded broker, Apache Kafka, Amazon
 * MSK), under MSK's metric names:
 *
 * - Metadata: GlobalTopicCount, GlobalPartitionCount, OfflinePartitionsCount (no leader),
 *   UnderReplicatedPartitions (ISR smaller than the replica set), PartitionCount and LeaderCount
 *   per broker (replicas hosted, partitions led).
 * - ListOffsets (latest) of every partition: MessagesInPerSec per broker and per topic, as the
 *   growth of the log end offsets of the partitions each broker leads (a counter; the collector
 *   turns it into a rate).
 * - DescribeLogDirs: KafkaDataLogsDiskUsed per broker (percent of the log directories' file
 *   systems in use; Kafka 3.3+ reports their total and usable bytes).
 * - ListGroups + OffsetFetch: MaxOffsetLag and SumOffsetLag per consumer group and topic, over
 *   the partitions the group has committed offsets for.
 */
import type { Admin } from '@platformatic/kafka';
import { createAdmin } from '../../client/clients.ts';
import type { Connection } from '../../client/connection.ts';
import { committedOffsets, listGroups, partitionKey } from '../../client/groups.ts';
import { ReadingBuilder, type Reading } from '../series.ts';

const LATEST = -1n;

export class ClusterSource {
  readonly name = 'cluster';
  private admin: Admin | undefined;

  constructor(private readonly connection: Connection) {}

  async read(): Promise<Reading> {
    this.admin ??= createAdmin(this.connection, { connectTimeoutMs: 3000, requestTimeoutMs: 4000, retries: 0, retryDelayMs: 0 });
    const admin = this.admin;
    try {
      const out = new ReadingBuilder();
      const topics = await admin.listTopics({ includeInternals: true });
      const metadata = await admin.metadata({ topics, forceUpdate: true });
      const leaders = new Map<string, number>();
      const hosted = new Map<number, number>();
      const led = new Map<number, number>();
      let partitions = 0;
      let offline = 0;
      let underReplicated = 0;
      for (const id of metadata.brokers.keys()) {
        hosted.set(id, 0);
        led.set(id, 0);
      }
      for (const [topic, t] of metadata.topics) {
        if (t === undefined || t === null) continue;
        t.partitions.forEach((p, index) => {
          partitions++;
          if (p.leader < 0) offline++;
          else {
            leaders.set(partitionKey(topic, index), p.leader);
            led.set(p.leader, (led.get(p.leader) ?? 0) + 1);
          }
          if (p.isr.length < p.replicas.length) underReplicated++;
          for (const r of p.replicas) hosted.set(r, (hosted.get(r) ?? 0) + 1);
        });
      }
      out.gauge('GlobalTopicCount', {}, metadata.topics.size);
      out.gauge('GlobalPartitionCount', {}, partitions);
      out.gauge('OfflinePartitionsCount', {}, offline);
      out.gauge('UnderReplicatedPartitions', {}, underReplicated);
      out.gauge('ActiveControllerCount', {}, metadata.controllerId >= 0 ? 1 : 0);
      for (const [broker, n] of hosted) out.gauge('PartitionCount', { broker }, n);
      for (const [broker, n] of led) out.gauge('LeaderCount', { broker }, n);

      const logEnd = await this.logEndOffsets(admin, metadata.topics);
      const inByBroker = new Map<number, number>([...metadata.brokers.keys()].map((b) => [b, 0]));
      const inByTopic = new Map<string, number>();
      for (const [key, end] of logEnd) {
        const topic = key.slice(0, key.lastIndexOf(':'));
        inByTopic.set(topic, (inByTopic.get(topic) ?? 0) + Number(end));
        const leader = leaders.get(key);
        if (leader !== undefined) inByBroker.set(leader, (inByBroker.get(leader) ?? 0) + Number(end));
      }
      for (const [broker, n] of inByBroker) out.counter('MessagesInPerSec', { broker }, n);
      for (const [topic, n] of inByTopic) if (!topic.startsWith('__')) out.counter('MessagesInPerSec', { topic }, n);

      await this.diskUsed(admin, out);
      await this.lag(admin, logEnd, out);
      return out.build();
    } catch (error: unknown) {
      // A fresh client next time: the cluster may have moved or restarted.
      this.admin = undefined;
      await admin.close().catch(() => undefined);
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.admin?.close().catch(() => undefined);
    this.admin = undefined;
  }

  private async logEndOffsets(admin: Admin, topics: ReadonlyMap<string, { partitionsCount: number } | undefined | null>): Promise<Map<string, bigint>> {
    const request = [...topics]
      .filter((entry): entry is [string, { partitionsCount: number }] => entry[1] !== undefined && entry[1] !== null && entry[1].partitionsCount > 0)
      .map(([name, t]) => ({ name, partitions: Array.from({ length: t.partitionsCount }, (_, partitionIndex) => ({ partitionIndex, timestamp: LATEST })) }));
    const out = new Map<string, bigint>();
    if (request.length === 0) return out;
    for (const t of await admin.listOffsets({ topics: request })) {
      for (const p of t.partitions) if (p.offset >= 0n) out.set(partitionKey(t.name, p.partitionIndex), p.offset);
    }
    return out;
  }

  private async diskUsed(admin: Admin, out: ReadingBuilder): Promise<void> {
    for (const broker of await admin.describeLogDirs({ topics: [] })) {
      let total = 0n;
      let usable = 0n;
      for (const dir of broker.results) {
        // -1: a broker older than Kafka 3.3 does not report sizes.
        if (dir.totalBytes > 0n && dir.usableBytes >= 0n) {
          total += dir.totalBytes;
          usable += dir.usableBytes;
        }
      }
      if (total > 0n) out.gauge('KafkaDataLogsDiskUsed', { broker: broker.broker }, (Number(total - usable) / Number(total)) * 100);
    }
  }

  private async lag(admin: Admin, logEnd: ReadonlyMap<string, bigint>, out: ReadingBuilder): Promise<void> {
    for (const group of await listGroups(admin)) {
      const committed = await committedOffsets(admin, group.group);
      for (const [topic, partitions] of committed) {
        let max = 0;
        let sum = 0;
        for (const [partition, offset] of partitions) {
          const end = logEnd.get(partitionKey(topic, partition));
          if (end === undefined) continue;
          const lag = Math.max(0, Number(end - offset));
          max = Math.max(max, lag);
          sum += lag;
        }
        out.gauge('MaxOffsetLag', { consumer_group: group.group, topic }, max);
        out.gauge('SumOffsetLag', { consumer_group: group.group, topic }, sum);
      }
    }
  }
}
