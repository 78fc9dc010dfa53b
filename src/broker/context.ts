import type { TopicInfo, TopicStore } from './metadata/topic-store.ts';
import type { PartitionLog } from './log/index.ts';
import type { BrokerConfig } from './config.ts';
import type { HandlerRegistry } from './handlers/registry.ts';
import type { GroupCoordinator } from './groups/index.ts';
import type { ProducerStateManager } from './producers/index.ts';
import type { TrafficCounters } from './metrics/traffic.ts';
import type { BrokerSecurity } from './security/index.ts';

/** What every handler may use: the broker's identity, its topics and its settings. */
export interface BrokerContext {
  readonly nodeId: number;
  readonly clusterId: string;
  readonly dataDir: string;
  readonly topics: TopicStore;
  readonly config: BrokerConfig;
  readonly registry: HandlerRegistry;
  readonly partitions: PartitionManager;
  /** Producer ids and idempotent-producer sequence state. */
  readonly producers: ProducerStateManager;
  /** Consumer groups and their committed offsets. */
  readonly groups: GroupCoordinator;
  /** Counters for the broker's metrics: bytes, messages, request sizes and times. */
  readonly metrics: TrafficCounters;
  /** The ACL authorizer and the SCRAM credentials. */
  readonly security: BrokerSecurity;
}

/** Opens, grows and removes the partition logs of topics. */
export interface PartitionManager {
  openTopic(topic: TopicInfo): Promise<void>;
  addPartitions(topic: TopicInfo, previousCount: number): Promise<void>;
  deleteTopic(topic: TopicInfo): Promise<void>;
  dropPartitions(topicName: string, from: number, to: number): Promise<void>;
  /** Applies changed topic configs (retention, segment sizes) to open logs. */
  updateConfigs(topic: TopicInfo): void;
  get(topic: string, partition: number): PartitionLog | undefined;
  /** Resolves when any partition's durable end moves, or after `timeoutMs`. */
  waitForAppend(timeoutMs: number): Promise<void>;
  /** Wakes the fetches waiting in waitForAppend. */
  notifyAppend(): void;
  /** True once the broker is stopping: long polls answer at once. */
  isClosing(): boolean;
}
