/**
 * The broker's metrics at one moment, as a typed object (RunningBroker.metrics()); the
 * Prometheus endpoint renders the same object. Fields named like MSK's CloudWatch metrics
 * hold what CloudWatch would show; `totals` holds the counters the rates come from.
 */
import type { ClusterMetrics } from './cluster.ts';
import type { ConsumerLag } from './consumer-lag.ts';

export type { ClusterMetrics } from './cluster.ts';
export type { ConsumerLag, PartitionLag } from './consumer-lag.ts';

/** Counters since the broker started. */
export interface BrokerTotals {
  /** Record batch bytes appended to partition logs (whole batches as produced). */
  readonly bytesIn: number;
  /** Record batch bytes sent in Fetch responses. */
  readonly bytesOut: number;
  /** Records appended. */
  readonly messagesIn: number;
  /** Kafka requests received, of every API. */
  readonly requests: number;
  /** Their sizes (header and body, without the 4-byte size prefix). */
  readonly requestBytes: number;
  readonly produceRequests: number;
  /** Sum of the Produce requests' handling times. */
  readonly produceTimeMs: number;
}

export interface TopicTotals {
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly messagesIn: number;
}

/** Per-broker metrics (Cluster Name, Broker ID dimensions). */
export interface BrokerLevelMetrics {
  readonly BytesInPerSec: number;
  readonly BytesOutPerSec: number;
  readonly MessagesInPerSec: number;
  /** Open client connections. */
  readonly ConnectionCount: number;
  /** Partitions on this broker (all of them: it is the only one). */
  readonly PartitionCount: number;
  /** Partitions this broker leads (all of them). */
  readonly LeaderCount: number;
  /** Mean Produce handling time over the rate window, in ms (0 without produce requests). */
  readonly ProduceTotalTimeMsMean: number;
  /** Mean request size over the rate window, in bytes (0 without requests). */
  readonly RequestBytesMean: number;
  /** Percent of the machine's CPU time over the rate window, per state. */
  readonly CpuUser: number;
  readonly CpuSystem: number;
  readonly CpuIdle: number;
  /** Bytes of machine memory in use (total minus available). */
  readonly MemoryUsed: number;
  /** Percent used of the file system holding the data directory (NaN if it cannot be read). */
  readonly KafkaDataLogsDiskUsed: number;
}

/** Per-topic metrics on this broker (Cluster Name, Broker ID, Topic dimensions). */
export interface TopicMetrics {
  readonly topic: string;
  readonly BytesInPerSec: number;
  readonly BytesOutPerSec: number;
  readonly MessagesInPerSec: number;
  readonly totals: TopicTotals;
}

export interface BrokerMetricsSnapshot {
  /** Epoch ms the snapshot was taken. */
  readonly timestamp: number;
  readonly brokerId: number;
  readonly clusterId: string;
  /** Seconds the rates, means and CPU percentages cover (up to the window, 60 s by default). */
  readonly rateWindowSeconds: number;
  readonly broker: BrokerLevelMetrics;
  readonly totals: BrokerTotals;
  /** Every topic, sorted by name. */
  readonly topics: readonly TopicMetrics[];
  readonly cluster: ClusterMetrics;
  /** Every group with committed offsets, per topic, sorted by group then topic. */
  readonly consumerLag: readonly ConsumerLag[];
}
