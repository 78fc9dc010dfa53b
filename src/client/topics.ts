/**
 * Topic administration against any Kafka: what `sds topics` does, usable without the CLI.
 * Each call takes an open Admin client; errors are the client's (wrap calls with clients.call).
 */
import type { Admin } from '@platformatic/kafka';
import { ConfigResourceTypes, ConfigSources, IncrementalAlterConfigOperationTypes } from '@platformatic/kafka';
import { SdsError } from '../errors.ts';

export interface PartitionDescription {
  readonly partition: number;
  readonly leader: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
}

export interface TopicDescription {
  readonly name: string;
  readonly id: string;
  readonly partitions: readonly PartitionDescription[];
  readonly replicationFactor: number;
  /** Settings that differ from the broker's defaults (topic-level overrides). */
  readonly configs: Readonly<Record<string, string>>;
}

export class TopicError extends SdsError {}

/** Kafka error names carried by the client's errors, for the "already exists" / "not found" cases. */
function kafkaErrorNames(error: unknown, out: string[] = [], depth = 0): string[] {
  if (depth > 8 || typeof error !== 'object' || error === null) return out;
  const e = error as { apiId?: unknown; errors?: unknown; cause?: unknown };
  if (typeof e.apiId === 'string') out.push(e.apiId);
  if (Array.isArray(e.errors)) for (const inner of e.errors) kafkaErrorNames(inner, out, depth + 1);
  if (e.cause !== undefined) kafkaErrorNames(e.cause, out, depth + 1);
  return out;
}

export function hasKafkaError(error: unknown, name: string): boolean {
  return kafkaErrorNames(error).includes(name);
}

export interface CreateTopicInput {
  readonly topic: string;
  readonly partitions?: number;
  readonly replicationFactor?: number;
  readonly configs?: Readonly<Record<string, string>>;
  readonly ifNotExists?: boolean;
}

/** Creates a topic; resolves false when it existed and ifNotExists was given. */
export async function createTopic(admin: Admin, input: CreateTopicInput): Promise<boolean> {
  try {
    await admin.createTopics({
      topics: [input.topic],
      // -1 lets the broker apply num.partitions / default.replication.factor, as kafka-topics does.
      partitions: input.partitions ?? -1,
      replicas: input.replicationFactor ?? -1,
      configs: Object.entries(input.configs ?? {}).map(([name, value]) => ({ name, value })),
    });
    return true;
  } catch (error: unknown) {
    if (input.ifNotExists === true && hasKafkaError(error, 'TOPIC_ALREADY_EXISTS')) return false;
    if (hasKafkaError(error, 'TOPIC_ALREADY_EXISTS')) {
      throw new TopicError('SDS_ERR_TOPIC_EXISTS', `topic ${input.topic} already exists (add --if-not-exists to accept that)`, { cause: error });
    }
    throw error;
  }
}

export async function listTopics(admin: Admin, includeInternal: boolean): Promise<string[]> {
  return (await admin.listTopics({ includeInternals: includeInternal })).sort();
}

export function topicNotFound(topic: string, error?: unknown): TopicError {
  return new TopicError('SDS_ERR_TOPIC_NOT_FOUND', `topic ${topic} does not exist, or you may not describe it (sds topics list shows the topics you can see)`, { cause: error });
}

/** Describes `topics` (all topics when empty). */
export async function describeTopics(admin: Admin, topics: readonly string[]): Promise<TopicDescription[]> {
  const names = topics.length > 0 ? [...topics] : await listTopics(admin, false);
  if (names.length === 0) return [];
  const existing = new Set(await admin.listTopics({ includeInternals: true }));
  const missing = names.find((n) => !existing.has(n));
  if (missing !== undefined) throw topicNotFound(missing);
  const metadata = await admin.metadata({ topics: names, forceUpdate: true });
  const configs = await admin.describeConfigs({ resources: names.map((name) => ({ resourceType: ConfigResourceTypes.TOPIC, resourceName: name })) });
  return names.map((name) => {
    const t = metadata.topics.get(name);
    if (t === undefined) throw topicNotFound(name);
    const overrides: Record<string, string> = {};
    for (const c of configs.find((r) => r.resourceName === name)?.configs ?? []) {
      if (c.configSource === ConfigSources.TOPIC_CONFIG && typeof c.value === 'string') overrides[c.name] = c.isSensitive ? '(sensitive)' : c.value;
    }
    const partitions: PartitionDescription[] = t.partitions.map((p, partition) => ({ partition, leader: p.leader, replicas: p.replicas, isr: p.isr }));
    return { name, id: t.id, partitions, replicationFactor: partitions[0]?.replicas.length ?? 0, configs: overrides };
  });
}

export async function deleteTopic(admin: Admin, topic: string, ifExists: boolean): Promise<boolean> {
  try {
    await admin.deleteTopics({ topics: [topic] });
    return true;
  } catch (error: unknown) {
    if (!hasKafkaError(error, 'UNKNOWN_TOPIC_OR_PARTITION') && !hasKafkaError(error, 'UNKNOWN_TOPIC_ID')) throw error;
    if (ifExists) return false;
    throw topicNotFound(topic, error);
  }
}

export interface AlterTopicInput {
  readonly topic: string;
  /** The new, larger partition count. */
  readonly partitions?: number;
  readonly setConfigs?: Readonly<Record<string, string>>;
  readonly deleteConfigs?: readonly string[];
  readonly ifExists?: boolean;
}

/** Adds partitions and changes topic configs; resolves false when the topic is missing and ifExists was given. */
export async function alterTopic(admin: Admin, input: AlterTopicInput): Promise<boolean> {
  const existing = new Set(await admin.listTopics({ includeInternals: true }));
  if (!existing.has(input.topic)) {
    if (input.ifExists === true) return false;
    throw topicNotFound(input.topic);
  }
  if (input.partitions !== undefined) {
    // No assignments (null): the broker places the new partitions, as kafka-topics --alter does.
    await admin.createPartitions({ topics: [{ name: input.topic, count: input.partitions, assignments: null }] });
  }
  const set = Object.entries(input.setConfigs ?? {});
  const remove = input.deleteConfigs ?? [];
  if (set.length + remove.length > 0) {
    await admin.incrementalAlterConfigs({
      resources: [
        {
          resourceType: ConfigResourceTypes.TOPIC,
          resourceName: input.topic,
          configs: [
            ...set.map(([name, value]) => ({ name, value, configOperation: IncrementalAlterConfigOperationTypes.SET })),
            ...remove.map((name) => ({ name, value: null, configOperation: IncrementalAlterConfigOperationTypes.DELETE })),
          ],
        },
      ],
    });
  }
  return true;
}
