/** Broker-wide settings, with Kafka's names where Kafka has one. */
export interface BrokerConfig {
  /** auto.create.topics.enable: false, as on Amazon MSK. */
  readonly autoCreateTopics: boolean;
  /** num.partitions: partitions of a topic created without a count. */
  readonly defaultPartitions: number;
  /**
   * The most partitions the broker holds (no Kafka equivalent): each one keeps at least one
   * segment file open, so this bounds the broker's file descriptors. Creations beyond it answer
   * POLICY_VIOLATION.
   */
  readonly maxPartitions: number;
  /** socket.request.max.bytes: the largest request frame accepted. */
  readonly maxRequestBytes: number;
  /** max.connections */
  readonly maxConnections: number;
  /** Requests read from one connection before the broker stops reading it until answers go out. */
  readonly maxInFlightPerConnection: number;
  /** connections.max.idle.ms */
  readonly idleTimeoutMs: number;
  /** fetch.max.bytes: the most record bytes one Fetch response carries, whatever the client asks. */
  readonly fetchMaxBytes: number;
  /** message.max.bytes: the default of the topic config max.message.bytes. */
  readonly messageMaxBytes: number;
  /** group.initial.rebalance.delay.ms: how long the first rebalance of an empty group waits for more members. */
  readonly groupInitialRebalanceDelayMs: number;
  /** group.min.session.timeout.ms: shorter session timeouts get INVALID_SESSION_TIMEOUT. */
  readonly groupMinSessionTimeoutMs: number;
  /** group.max.session.timeout.ms: longer session timeouts get INVALID_SESSION_TIMEOUT. */
  readonly groupMaxSessionTimeoutMs: number;
  /** offsets.retention.minutes: committed offsets of an empty group expire this long after it emptied. */
  readonly offsetsRetentionMinutes: number;
  /** offsets.retention.check.interval.ms: how often expired offsets are removed. */
  readonly offsetsRetentionCheckIntervalMs: number;
  /** producer.id.expiration.ms: an idempotent producer idle this long is forgotten (its sequence state dropped). */
  readonly producerIdExpirationMs: number;
  /** producer.id.expiration.check.interval.ms: how often idle producers are looked for. */
  readonly producerIdExpirationCheckIntervalMs: number;
}

export const DEFAULT_BROKER_CONFIG: BrokerConfig = {
  autoCreateTopics: false,
  defaultPartitions: 1,
  maxPartitions: 10_000,
  maxRequestBytes: 104_857_600,
  maxConnections: 1000,
  maxInFlightPerConnection: 100,
  idleTimeoutMs: 600_000,
  messageMaxBytes: 1_048_588,
  fetchMaxBytes: 57_671_680,
  groupInitialRebalanceDelayMs: 3000,
  groupMinSessionTimeoutMs: 6000,
  groupMaxSessionTimeoutMs: 1_800_000,
  offsetsRetentionMinutes: 10_080,
  offsetsRetentionCheckIntervalMs: 600_000,
  producerIdExpirationMs: 86_400_000,
  producerIdExpirationCheckIntervalMs: 600_000,
};
