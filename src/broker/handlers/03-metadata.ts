/**
 * Metadata: v0-12.
 * Behaviour: one broker (ourselves) which is also the controller; every partition led by us
 * with leader epoch 0 and ourselves as the only replica and ISR. A null topic list (v1+), or
 * an empty one in v0, means every topic. Topics are looked up by name, or by id in v10+.
 * Unknown topics answer UNKNOWN_TOPIC_OR_PARTITION, unless the request allows auto-creation
 * (v4+, always in v0-3) and the broker's auto.create.topics.enable is on (off by default, as
 * on Amazon MSK). Invalid names answer INVALID_TOPIC_EXCEPTION.
 * Known gaps: authorized operations are not computed (reported as "not requested").
 */
import { defineHandler, type RequestContext } from './types.ts';
import { ErrorCode } from '../../protocol/error-codes.ts';
import type { MetadataResponse, MetadataResponseTopic } from '../../protocol/generated/metadata.ts';
import type { Loose } from '../../protocol/primitives/loose.ts';
import { ZERO_UUID } from '../../protocol/primitives/loose.ts';
import type { TopicInfo } from '../metadata/topic-store.ts';
import { topicNameProblem } from '../metadata/topic-names.ts';
import { createTopic } from '../metadata/create-topic.ts';

export const metadataHandler = defineHandler({
  apiKey: 3,
  minVersion: 0,
  maxVersion: 12,
  async handle(request, ctx): Promise<Loose<MetadataResponse>> {
    const { broker } = ctx;
    const wantsAll = request.topics === null || (ctx.version === 0 && request.topics.length === 0);
    const topics: Loose<MetadataResponseTopic>[] = [];
    if (wantsAll) {
      for (const t of broker.topics.list()) topics.push(describeTopic(t, ctx));
    } else {
      const autoCreate = broker.config.autoCreateTopics && (ctx.version < 4 || request.allowAutoTopicCreation);
      for (const wanted of request.topics ?? []) {
        topics.push(await lookup(wanted.name, wanted.topicId, autoCreate, ctx));
      }
    }
    return {
      throttleTimeMs: 0,
      brokers: [{ nodeId: broker.nodeId, host: broker.advertisedHost, port: broker.advertisedPort, rack: null }],
      clusterId: broker.clusterId,
      controllerId: broker.nodeId,
      topics,
    };
  },
});

async function lookup(name: string | null, topicId: string, autoCreate: boolean, ctx: RequestContext): Promise<Loose<MetadataResponseTopic>> {
  const { topics } = ctx.broker;
  if (name === null) {
    const byId = topicId === ZERO_UUID ? undefined : topics.getById(topicId);
    return byId ? describeTopic(byId, ctx) : { errorCode: ErrorCode.UNKNOWN_TOPIC_ID, name: null, topicId, partitions: [] };
  }
  const existing = topics.get(name);
  if (existing) return describeTopic(existing, ctx);
  if (topicNameProblem(name) !== undefined) return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, name, partitions: [] };
  if (autoCreate) {
    const created = await createTopic(ctx.broker, name, ctx.broker.config.defaultPartitions, {});
    ctx.logger.info({ topic: name }, 'auto-created topic');
    // Kafka reports a just-created topic as LEADER_NOT_AVAILABLE until its leader is known;
    // ours is known at once, so the topic is returned ready.
    return describeTopic(created, ctx);
  }
  return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, name, partitions: [] };
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
