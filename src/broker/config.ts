/** Broker-wide settings, with Kafka's names where Kafka has one. */
export interface BrokerConfig {
  /** auto.create.topics.enable: false, as on Amazon MSK. */
  readonly autoCreateTopics: boolean;
  /** num.partitions: partitions of a topic created without a count. */
  readonly defaultPartitions: number;
  /** socket.request.max.bytes: the largest request frame accepted. */
  readonly maxRequestBytes: number;
  /** max.connections */
  readonly maxConnections: number;
  /** Requests read from one connection before the broker stops reading it until answers go out. */
  readonly maxInFlightPerConnection: number;
  /** connections.max.idle.ms */
  readonly idleTimeoutMs: number;
  /** message.max.bytes: the default of the topic config max.message.bytes. */
  readonly messageMaxBytes: number;
}

export const DEFAULT_BROKER_CONFIG: BrokerConfig = {
  autoCreateTopics: false,
  defaultPartitions: 1,
  maxRequestBytes: 104_857_600,
  maxConnections: 1000,
  maxInFlightPerConnection: 100,
  idleTimeoutMs: 600_000,
  messageMaxBytes: 1_048_588,
};
