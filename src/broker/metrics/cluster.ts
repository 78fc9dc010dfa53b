/**
 * Cluster-level counts (MSK's default metrics with the Cluster Name dimension), from what
 * this single broker knows: the topic list and the partition logs it has open.
 */
import type { PartitionManager } from '../context.ts';
import type { TopicInfo } from '../metadata/topic-store.ts';

export interface ClusterMetrics {
  readonly GlobalTopicCount: number;
  readonly GlobalPartitionCount: number;
  /** Partitions whose log is not open, or stopped taking writes after an I/O failure. */
  readonly OfflinePartitionsCount: number;
  /** Always 0: every partition has one replica, which is the leader and so in sync. */
  readonly UnderReplicatedPartitions: number;
  /** Always 1: this broker is the controller. */
  readonly ActiveControllerCount: number;
}

export function clusterMetrics(topics: readonly TopicInfo[], partitions: Pick<PartitionManager, 'get'>): ClusterMetrics {
  let partitionCount = 0;
  let offline = 0;
  for (const t of topics) {
    partitionCount += t.partitions;
    for (let p = 0; p < t.partitions; p++) {
      const log = partitions.get(t.name, p);
      if (log === undefined || log.offline) offline++;
    }
  }
  return {
    GlobalTopicCount: topics.length,
    GlobalPartitionCount: partitionCount,
    OfflinePartitionsCount: offline,
    UnderReplicatedPartitions: 0,
    ActiveControllerCount: 1,
  };
}
