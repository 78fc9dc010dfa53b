/**
 * OffsetForLeaderEpoch: v2-4.
 * Behaviour: this broker has only ever had leader epoch 0 (as its metadata and batches
 * say), so epoch 0 ends at the log's durable end; a later epoch is unknown (-1, -1).
 * Consumers use this to validate their position after a leader change; with one epoch
 * their position is always valid.
 * Errors: unknown partitions UNKNOWN_TOPIC_OR_PARTITION; a current leader epoch newer than
 * ours UNKNOWN_LEADER_EPOCH. With an authorizer, CLUSTER_ACTION on the cluster allows every
 * topic, otherwise each topic needs DESCRIBE, else its partitions answer
 * TOPIC_AUTHORIZATION_FAILED (as KafkaApis since KIP-320).
 */
import { defineHandler, type RequestContext } from './types.ts';
import { ErrorCode } from '../../protocol/error-codes.ts';
import type {
  OffsetForLeaderEpochRequestOffsetForLeaderTopic,
  OffsetForLeaderEpochResponse,
  OffsetForLeaderEpochResponseOffsetForLeaderTopicResult,
} from '../../protocol/generated/offset-for-leader-epoch.ts';
import type { Loose } from '../../protocol/primitives/loose.ts';
import { allowed, clusterAllowed, enforcing } from '../security/authorize.ts';

export const offsetForLeaderEpochHandler = defineHandler({
  apiKey: 23,
  minVersion: 2,
  maxVersion: 4,
  handle(request, ctx): Loose<OffsetForLeaderEpochResponse> {
    const everyTopic = !enforcing(ctx) || clusterAllowed(ctx, 'CLUSTER_ACTION');
    const topics = request.topics.map((t) => {
      if (!everyTopic && !allowed(ctx, 'DESCRIBE', 'TOPIC', t.topic)) {
        return { topic: t.topic, partitions: t.partitions.map((p) => ({ partition: p.partition, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, leaderEpoch: -1, endOffset: -1n })) };
      }
      return answerTopic(t, ctx);
    });
    return { throttleTimeMs: 0, topics };
  },
});

function answerTopic(t: OffsetForLeaderEpochRequestOffsetForLeaderTopic, ctx: RequestContext): Loose<OffsetForLeaderEpochResponseOffsetForLeaderTopicResult> {
  return {
    topic: t.topic,
    partitions: t.partitions.map((p) => {
      const log = ctx.broker.partitions.get(t.topic, p.partition);
      const base = { partition: p.partition, leaderEpoch: -1, endOffset: -1n };
      if (!log) return { ...base, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
      if (p.currentLeaderEpoch > 0) return { ...base, errorCode: ErrorCode.UNKNOWN_LEADER_EPOCH };
      if (p.leaderEpoch > 0) return { ...base, errorCode: ErrorCode.NONE };
      return { partition: p.partition, errorCode: ErrorCode.NONE, leaderEpoch: 0, endOffset: log.highWatermark };
    }),
  };
}
