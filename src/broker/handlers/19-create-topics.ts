/**
 * CreateTopics: v2-7.
 * Behaviour: Kafka's checks in Kafka's words: legal names, TOPIC_ALREADY_EXISTS, names that
 * clash on '.' versus '_', partitions and replication factor (-1 means the broker default;
 * above 1 is INVALID_REPLICATION_FACTOR, this is a single broker), manual assignments only to
 * ourselves, known config names with valid values (INVALID_CONFIG), one entry per name.
 * validate_only checks without creating. v5+ reports partitions, replication and configs.
 * Authorization (with an authorizer, as Kafka's ControllerApis): CREATE on the cluster, or else
 * on each topic (TOPIC_AUTHORIZATION_FAILED "Authorization failed." before any other check but
 * duplicates); the v5+ configs are returned only with DESCRIBE_CONFIGS on the topic, otherwise
 * topic_config_error_code is TOPIC_AUTHORIZATION_FAILED.
 * More than 10,000 partitions in one request fail every topic with POLICY_VIOLATION, as Kafka's
 * controller does; so does passing the broker's max.partitions (ours; Kafka has none).
 * A creation the disk refuses (full, I/O error) is taken back and answers KAFKA_STORAGE_ERROR.
 * Known gaps: timeout_ms is ignored (creation is immediate).
 */
import { defineHandler, type RequestContext } from './types.ts';
import { ErrorCode } from '../../protocol/error-codes.ts';
import type { CreateTopicsRequestCreatableTopic, CreateTopicsResponse, CreateTopicsResponseCreatableTopicResult } from '../../protocol/generated/create-topics.ts';
import type { Loose } from '../../protocol/primitives/loose.ts';
import { checkNewTopic, createTopic, describeTopicConfigs, requestTooLarge, storageProblem, type TopicProblem } from '../metadata/create-topic.ts';
import { isStorageFailure } from '../log/index.ts';
import { allowed, checker, clusterAllowed, enforcing } from '../security/authorize.ts';

export const createTopicsHandler = defineHandler({
  apiKey: 19,
  minVersion: 2,
  maxVersion: 7,
  async handle(request, ctx): Promise<Loose<CreateTopicsResponse>> {
    const counts = new Map<string, number>();
    for (const t of request.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
    const results: Loose<CreateTopicsResponseCreatableTopicResult>[] = [];
    const mayCreate = enforcing(ctx) && !clusterAllowed(ctx, 'CREATE') ? checker(ctx, 'CREATE', 'TOPIC') : () => true;
    const refusal = (t: CreateTopicsRequestCreatableTopic): TopicProblem | undefined => {
      if ((counts.get(t.name) ?? 0) > 1) return { errorCode: ErrorCode.INVALID_REQUEST, message: `Create topics request contains multiple entries for the topic ${t.name}.` };
      if (!mayCreate(t.name)) return { errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, message: 'Authorization failed.' };
      return undefined;
    };
    const refusals = request.topics.map(refusal);
    const requested = request.topics.reduce((sum, t, i) => (refusals[i] ? sum : sum + partitionsAsked(t, ctx.broker.config.defaultPartitions)), 0);
    const tooLarge = requestTooLarge(requested);
    for (const [i, t] of request.topics.entries()) {
      const problem = refusals[i] ?? tooLarge;
      results.push(problem ? failed(t.name, problem) : await createOne(t, request.validateOnly, ctx));
    }
    return { throttleTimeMs: 0, topics: results };
  },
});

async function createOne(t: CreateTopicsRequestCreatableTopic, validateOnly: boolean, ctx: RequestContext): Promise<Loose<CreateTopicsResponseCreatableTopicResult>> {
  const { broker } = ctx;
  let partitions = t.numPartitions;
  let replication = t.replicationFactor;
  if (t.assignments.length > 0) {
    if (partitions !== -1 || replication !== -1) {
      return failed(t.name, {
        errorCode: ErrorCode.INVALID_REQUEST,
        message: 'Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.',
      });
    }
    const problem = checkAssignments(t, broker.nodeId);
    if (problem) return failed(t.name, problem);
    partitions = t.assignments.length;
    replication = t.assignments[0]?.brokerIds.length ?? 1;
  }
  if (partitions === -1) partitions = broker.config.defaultPartitions;
  if (replication === -1) replication = 1;
  const problem = checkNewTopic(broker, t.name, partitions, replication, t.configs);
  if (problem) return failed(t.name, problem);
  const overrides: Record<string, string> = {};
  for (const c of t.configs) if (c.value !== null) overrides[c.name] = c.value;
  const describable = allowed(ctx, 'DESCRIBE_CONFIGS', 'TOPIC', t.name);
  const result = {
    name: t.name,
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    numPartitions: partitions,
    replicationFactor: replication,
    configs: describable ? describeTopicConfigs(overrides) : [],
    topicConfigErrorCode: describable ? ErrorCode.NONE : ErrorCode.TOPIC_AUTHORIZATION_FAILED,
  };
  if (validateOnly) return result;
  let topic;
  try {
    topic = await createTopic(broker, t.name, partitions, overrides);
  } catch (e: unknown) {
    if (!isStorageFailure(e)) throw e;
    ctx.logger.warn({ topic: t.name, err: e }, 'topic not created: storage failure');
    return failed(t.name, storageProblem(t.name, e));
  }
  ctx.logger.info({ topic: t.name, partitions }, 'created topic');
  return { ...result, topicId: ctx.version >= 7 ? topic.topicId : undefined };
}

/** The partitions a topic entry asks for, counted as Kafka's controller counts them for its request limit. */
function partitionsAsked(t: CreateTopicsRequestCreatableTopic, defaultPartitions: number): number {
  if (t.assignments.length > 0) return t.assignments.length;
  if (t.numPartitions === -1) return defaultPartitions;
  return Math.max(t.numPartitions, 0);
}

function checkAssignments(t: CreateTopicsRequestCreatableTopic, nodeId: number): TopicProblem | undefined {
  const indexes = t.assignments.map((a) => a.partitionIndex).sort((a, b) => a - b);
  if (indexes.some((p, i) => p !== i)) {
    return { errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, message: 'Partitions should be a consecutive 0-based integer sequence.' };
  }
  for (const a of t.assignments) {
    const unknown = a.brokerIds.filter((b) => b !== nodeId);
    if (unknown.length > 0 || a.brokerIds.length === 0) {
      return { errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, message: `Replica assignment for partition ${a.partitionIndex} names unknown brokers ${unknown.join(', ')}; the only broker is ${nodeId}.` };
    }
    if (a.brokerIds.length > 1) {
      return {
        errorCode: ErrorCode.INVALID_REPLICATION_FACTOR,
        message: `Unable to replicate the partition ${a.brokerIds.length} time(s): The target replication factor of ${a.brokerIds.length} cannot be reached because only 1 broker(s) are registered.`,
      };
    }
  }
  return undefined;
}

function failed(name: string, problem: TopicProblem): Loose<CreateTopicsResponseCreatableTopicResult> {
  return { name, errorCode: problem.errorCode, errorMessage: problem.message, numPartitions: -1, replicationFactor: -1, configs: null };
}
