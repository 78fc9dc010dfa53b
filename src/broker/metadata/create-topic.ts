import type { BrokerContext } from '../context.ts';
import type { TopicInfo } from './topic-store.ts';
import { TOPIC_CONFIGS, checkTopicConfig } from './topic-configs.ts';
import { topicNameProblem } from './topic-names.ts';
import { ErrorCode } from '../../protocol/error-codes.ts';
import { storageFailureDetail } from '../log/index.ts';

/** Why a topic cannot be created: a Kafka error code and Kafka's message. */
export interface TopicProblem {
  readonly errorCode: number;
  readonly message: string;
}

/** Checks a creation request against Kafka's rules; undefined when it may go ahead. */
export function checkNewTopic(
  broker: BrokerContext,
  name: string,
  partitions: number,
  replicationFactor: number,
  configs: ReadonlyArray<{ name: string; value: string | null }>,
): TopicProblem | undefined {
  const nameProblem = topicNameProblem(name);
  if (nameProblem) return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, message: nameProblem };
  if (broker.topics.get(name)) return { errorCode: ErrorCode.TOPIC_ALREADY_EXISTS, message: `Topic '${name}' already exists.` };
  const collision = collidingTopic(broker, name);
  if (collision) {
    return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, message: `Topic '${name}' collides with existing topic: ${collision}` };
  }
  if (partitions <= 0) {
    return { errorCode: ErrorCode.INVALID_PARTITIONS, message: 'Number of partitions was set to an invalid non-positive value.' };
  }
  if (replicationFactor <= 0) {
    return { errorCode: ErrorCode.INVALID_REPLICATION_FACTOR, message: 'Replication factor must be larger than 0, or -1 to use the default value.' };
  }
  if (replicationFactor > 1) {
    return {
      errorCode: ErrorCode.INVALID_REPLICATION_FACTOR,
      message: `Unable to replicate the partition ${replicationFactor} time(s): The target replication factor of ${replicationFactor} cannot be reached because only 1 broker(s) are registered.`,
    };
  }
  for (const c of configs) {
    const problem = checkTopicConfig(c.name, c.value);
    if (problem) return { errorCode: ErrorCode.INVALID_CONFIG, message: problem };
  }
  return partitionLimitProblem(broker, partitions);
}

/**
 * Raises a checked topic's partition count: stores the count, then opens the new partitions.
 * If the disk refuses either, the new partitions and the count are taken back, as far as the
 * disk lets; a count left raised is completed by the next start, which opens what is missing.
 */
export async function growTopic(broker: BrokerContext, name: string, count: number): Promise<void> {
  const previous = broker.topics.get(name)?.partitions ?? 0;
  const grown = await broker.topics.update(name, { partitions: count });
  try {
    await broker.partitions.addPartitions(grown, previous);
  } catch (e: unknown) {
    await broker.partitions.dropPartitions(name, previous, count).catch(() => undefined);
    await broker.topics.update(name, { partitions: previous }).catch(() => undefined);
    throw e;
  }
}

/** Kafka's controller refuses a CreateTopics request that would add more partitions than this. */
export const MAX_PARTITIONS_PER_REQUEST = 10_000;

/** The request-wide check of Kafka's controller, which fails every topic of the request alike. */
export function requestTooLarge(partitionsRequested: number): TopicProblem | undefined {
  if (partitionsRequested <= MAX_PARTITIONS_PER_REQUEST) return undefined;
  return { errorCode: ErrorCode.POLICY_VIOLATION, message: 'Excessively large number of partitions per request.' };
}

/** Refuses adding partitions past the broker's max.partitions (ours: Kafka has no such limit). */
export function partitionLimitProblem(broker: BrokerContext, adding: number): TopicProblem | undefined {
  const held = broker.topics.list().reduce((sum, t) => sum + t.partitions, 0);
  const limit = broker.config.maxPartitions;
  if (held + adding <= limit) return undefined;
  return {
    errorCode: ErrorCode.POLICY_VIOLATION,
    message: `The broker holds ${held} partitions; ${adding} more would pass its limit of ${limit} (sds broker start --max-partitions). Delete unused topics or raise the limit.`,
  };
}

/** Kafka refuses names that differ only by '.' versus '_' (they clash in metric names). */
function collidingTopic(broker: BrokerContext, name: string): string | undefined {
  const key = name.replace(/\./g, '_');
  return broker.topics.list().find((t) => t.name !== name && t.name.replace(/\./g, '_') === key)?.name;
}

/**
 * Creates a checked topic: stores it, then opens its partitions. If the disk refuses either
 * step (full, I/O error), what was done is taken back as far as the disk allows and the error
 * is thrown: the topic is then not created (isStorageFailure tells such errors apart).
 */
export async function createTopic(broker: BrokerContext, name: string, partitions: number, configs: Record<string, string>): Promise<TopicInfo> {
  const topic = await broker.topics.create(name, partitions, configs);
  try {
    await broker.partitions.openTopic(topic);
  } catch (e: unknown) {
    // The partitions opened so far go; the topic leaves the list. If that write fails too, the
    // next start opens (creates) the missing partitions, which is the state a crash here leaves.
    await broker.partitions.deleteTopic(topic).catch(() => undefined);
    await broker.topics.delete(name).catch(() => undefined);
    throw e;
  }
  return topic;
}

/** The answer to a creation the disk refused: Kafka's error for a storage failure, with the reason. */
export function storageProblem(name: string, e: unknown): TopicProblem {
  return {
    errorCode: ErrorCode.KAFKA_STORAGE_ERROR,
    message: `Topic '${name}' was not created: the broker could not write to its data directory (${storageFailureDetail(e)}). Free disk space, then retry.`,
  };
}

/** Every topic config with its effective value and source, as CreateTopics v5+ reports it. */
export function describeTopicConfigs(overrides: Readonly<Record<string, string>>) {
  return TOPIC_CONFIGS.map((def) => {
    const override = overrides[def.name];
    return {
      name: def.name,
      value: override ?? def.default,
      readOnly: false,
      configSource: override === undefined ? CONFIG_SOURCE.DEFAULT_CONFIG : CONFIG_SOURCE.TOPIC_CONFIG,
      isSensitive: false,
    };
  });
}

/** DescribeConfigs' ConfigSource values. */
export const CONFIG_SOURCE = {
  UNKNOWN: 0,
  TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
} as const;
