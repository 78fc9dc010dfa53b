/**
 * Metadata: v0-12.
 * Behaviour: one broker (ourselves) which is also the controller; every partition led by us
 * with leader epoch 0 and ourselves as the only replica and ISR. A null topic list (v1+), or
 * an empty one in v0, means every topic. Topics are looked up by name, or by id in v10+.
 * Unknown topics answer UNKNOWN_TOPIC_OR_PARTITION, unless the request allows auto-creation
 * (v4+, always in v0-3) and the broker's auto.create.topics.enable is on (off by default, as
 * on Amazon MSK). Invalid names answer INVALID_TOPIC_EXCEPTION. An auto-creation past the
 * broker's max.partitions answers POLICY_VIOLATION; one the disk refuses KAFKA_STORAGE_ERROR.
 * Authorization (with an authorizer, as KafkaApis): topics need DESCRIBE. Listing all topics
 * leaves the others out; a named one answers TOPIC_AUTHORIZATION_FAILED whether or not it
 * exists (by id: with its id, ids not being secret; an unknown id stays UNKNOWN_TOPIC_ID).
 * Auto-creation needs CREATE on the cluster or on the topic, else TOPIC_AUTHORIZATION_FAILED.
 * v8+ fill topic_authorized_operations on request (for the topics the principal may describe)
 * and v8-10 cluster_authorized_operations (0 without DESCRIBE on the cluster); fields not
 * requested hold -2147483648, as in Kafka.
 */
import { defineHandler, type RequestContext } from './types.ts';
import { ErrorCode } from '../../protocol/error-codes.ts';
import type { MetadataResponse, MetadataResponseTopic } from '../../protocol/generated/metadata.ts';
import type { Loose } from '../../protocol/primitives/loose.ts';
import { ZERO_UUID } from '../../protocol/primitives/loose.ts';
import type { TopicInfo } from '../metadata/topic-store.ts';
import { topicNameProblem } from '../metadata/topic-names.ts';
import { createTopic, partitionLimitProblem, storageProblem, type TopicProblem } from '../metadata/create-topic.ts';
import { isStorageFailure } from '../log/index.ts';
import { CLUSTER_NAME, OPERATIONS_NOT_REQUESTED, allowed, authorizedOperations, clusterAllowed, enforcing } from '../security/authorize.ts';

export const metadataHandler = defineHandler({
  apiKey: 3,
  minVersion: 0,
  maxVersion: 12,
  async handle(request, ctx): Promise<Loose<MetadataResponse>> {
    const { broker } = ctx;
    const wantsAll = request.topics === null || (ctx.version === 0 && request.topics.length === 0);
    const topics: Loose<MetadataResponseTopic>[] = [];
    if (wantsAll) {
      const filtering = enforcing(ctx);
      for (const t of broker.topics.list()) if (!filtering || allowed(ctx, 'DESCRIBE', 'TOPIC', t.name)) topics.push(describeTopic(t, ctx));
    } else {
      const autoCreate = broker.config.autoCreateTopics && (ctx.version < 4 || request.allowAutoTopicCreation);
      for (const wanted of request.topics ?? []) {
        topics.push(await lookup(wanted.name, wanted.topicId, autoCreate, ctx));
      }
    }
    if (ctx.version >= 8 && request.includeTopicAuthorizedOperations) {
      for (const t of topics) {
        if (typeof t.name === 'string' && t.errorCode !== ErrorCode.TOPIC_AUTHORIZATION_FAILED && t.errorCode !== ErrorCode.UNKNOWN_TOPIC_ID) t.topicAuthorizedOperations = authorizedOperations(ctx, 'TOPIC', t.name);
      }
    }
    let clusterAuthorizedOperations = OPERATIONS_NOT_REQUESTED;
    if (ctx.version >= 8 && ctx.version <= 10 && request.includeClusterAuthorizedOperations) {
      clusterAuthorizedOperations = clusterAllowed(ctx, 'DESCRIBE') ? authorizedOperations(ctx, 'CLUSTER', CLUSTER_NAME) : 0;
    }
    return {
      throttleTimeMs: 0,
      brokers: [{ nodeId: broker.nodeId, host: ctx.endpoint.host, port: ctx.endpoint.port, rack: null }],
      clusterId: broker.clusterId,
      controllerId: broker.nodeId,
      topics,
      clusterAuthorizedOperations,
    };
  },
});

async function lookup(name: string | null, topicId: string, autoCreate: boolean, ctx: RequestContext): Promise<Loose<MetadataResponseTopic>> {
  const { topics } = ctx.broker;
  if (name === null) {
    const byId = topicId === ZERO_UUID ? undefined : topics.getById(topicId);
    if (!byId) return { errorCode: ErrorCode.UNKNOWN_TOPIC_ID, name: null, topicId, partitions: [] };
    if (!allowed(ctx, 'DESCRIBE', 'TOPIC', byId.name)) return { errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, name: null, topicId, partitions: [] };
    return describeTopic(byId, ctx);
  }
  // Checked before existence, so the answer does not tell whether the topic exists.
  if (!allowed(ctx, 'DESCRIBE', 'TOPIC', name)) return { errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, name, partitions: [] };
  const existing = topics.get(name);
  if (existing) return describeTopic(existing, ctx);
  if (autoCreate && !clusterAllowed(ctx, 'CREATE') && !allowed(ctx, 'CREATE', 'TOPIC', name)) return { errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, name, partitions: [] };
  if (topicNameProblem(name) !== undefined) return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, name, partitions: [] };
  if (autoCreate) {
    const created = await autoCreateTopic(name, ctx);
    if ('errorCode' in created) return { errorCode: created.errorCode, name, partitions: [] };
    ctx.logger.info({ topic: name }, 'auto-created topic');
    // Kafka reports a just-created topic as LEADER_NOT_AVAILABLE until its leader is known;
    // ours is known at once, so the topic is returned ready.
    return describeTopic(created, ctx);
  }
  return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, name, partitions: [] };
}

/** Creates a topic asked for by name, or answers why not (the partition limit, a refusing disk). */
async function autoCreateTopic(name: string, ctx: RequestContext): Promise<TopicInfo | TopicProblem> {
  const { broker } = ctx;
  const overLimit = partitionLimitProblem(broker, broker.config.defaultPartitions);
  if (overLimit) {
    ctx.logger.warn({ topic: name }, overLimit.message);
    return overLimit;
  }
  try {
    return await createTopic(broker, name, broker.config.defaultPartitions, {});
  } catch (e: unknown) {
    if (!isStorageFailure(e)) throw e;
    ctx.logger.warn({ topic: name, err: e }, 'topic not auto-created: storage failure');
    return storageProblem(name, e);
  }
}

function describeTopic(t: TopicInfo, ctx: RequestContext): Loose<MetadataResponseTopic> {
  const node = ctx.broker.nodeId;
  return {
    errorCode: ErrorCode.NONE,
    name: t.name,
    topicId: t.topicId,
    isInternal: false,
    partitions: Array.from({ length: t.partitions }, (_, partitionIndex) => ({
      errorCode: ErrorCode.NONE,
      partitionIndex,
      leaderId: node,
      leaderEpoch: 0,
      replicaNodes: [node],
      isrNodes: [node],
      offlineReplicas: [],
    })),
  };
}
