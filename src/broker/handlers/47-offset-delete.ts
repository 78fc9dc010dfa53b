/**
 * OffsetDelete: v0.
 * Behaviour: deletes a group's committed offsets for some partitions (durably, before
 * answering). An unknown group is GROUP_ID_NOT_FOUND; a group with members that is not a
 * "consumer" protocol group is NON_EMPTY_GROUP; a partition of a topic the group's consumers
 * subscribe to (read from their ConsumerProtocolSubscription) is GROUP_SUBSCRIBED_TO_TOPIC;
 * an unknown topic or partition is UNKNOWN_TOPIC_OR_PARTITION.
 * Authorization (with an authorizer, as KafkaApis, before all of the above): DELETE on the group,
 * else the top-level error GROUP_AUTHORIZATION_FAILED; READ on each topic, else its partitions
 * answer TOPIC_AUTHORIZATION_FAILED (whether or not it exists) and are not passed to the group.
 * Known gaps: none known.
 */
import { defineHandler } from './types.ts';
import { ErrorCode } from '../../protocol/error-codes.ts';
import type { OffsetDeleteResponse } from '../../protocol/generated/offset-delete.ts';
import type { Loose } from '../../protocol/primitives/loose.ts';
import { allowed, checker } from '../security/authorize.ts';

export const offsetDeleteHandler = defineHandler({
  apiKey: 47,
  minVersion: 0,
  maxVersion: 0,
  async handle(request, ctx): Promise<Loose<OffsetDeleteResponse>> {
    if (!allowed(ctx, 'DELETE', 'GROUP', request.groupId)) return { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, throttleTimeMs: 0, topics: [] };
    if (request.groupId === '') return { errorCode: ErrorCode.INVALID_GROUP_ID, throttleTimeMs: 0, topics: [] };
    const mayRead = checker(ctx, 'READ', 'TOPIC');
    const exists = (topic: string, partition: number): boolean => {
      const t = ctx.broker.topics.get(topic);
      return t !== undefined && partition >= 0 && partition < t.partitions;
    };
    const known = (topic: string, partition: number): boolean => mayRead(topic) && exists(topic, partition);
    const wanted = request.topics.flatMap((t) => t.partitions.filter((p) => known(t.name, p.partitionIndex)).map((p) => ({ topic: t.name, partition: p.partitionIndex })));
    const result = await ctx.broker.groups.deleteOffsets(request.groupId, wanted);
    if (result.errorCode !== ErrorCode.NONE) return { errorCode: result.errorCode, throttleTimeMs: 0, topics: [] };
    let i = 0;
    const topics = request.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({
        partitionIndex: p.partitionIndex,
        errorCode: !mayRead(t.name)
          ? ErrorCode.TOPIC_AUTHORIZATION_FAILED
          : known(t.name, p.partitionIndex)
            ? (result.partitions[i++] ?? ErrorCode.NONE)
            : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      })),
    }));
    return { errorCode: ErrorCode.NONE, throttleTimeMs: 0, topics };
  },
});
