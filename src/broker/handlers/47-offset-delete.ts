/**
 * OffsetDelete: v0.
 * Behaviour: deletes a group's committed offsets for some partitions (durably, before
 * answering). An unknown group is GROUP_ID_NOT_FOUND; a group with members that is not a
 * "consumer" protocol group is NON_EMPTY_GROUP; a partition of a topic the group's consumers
 * subscribe to (read from their ConsumerProtocolSubscription) is GROUP_SUBSCRIBED_TO_TOPIC;
 * an unknown topic or partition is UNKNOWN_TOPIC_OR_PARTITION.
 * Known gaps: none known.
 */
import { defineHandler } from './types.ts';
import { ErrorCode } from '../../protocol/error-codes.ts';
import type { OffsetDeleteResponse } from '../../protocol/generated/offset-delete.ts';
import type { Loose } from '../../protocol/primitives/loose.ts';

export const offsetDeleteHandler = defineHandler({
  apiKey: 47,
  minVersion: 0,
  maxVersion: 0,
  async handle(request, ctx): Promise<Loose<OffsetDeleteResponse>> {
    if (request.groupId === '') return { errorCode: ErrorCode.INVALID_GROUP_ID, throttleTimeMs: 0, topics: [] };
    const known = (topic: string, partition: number): boolean => {
      const t = ctx.broker.topics.get(topic);
      return t !== undefined && partition >= 0 && partition < t.partitions;
    };
    const wanted = request.topics.flatMap((t) => t.partitions.filter((p) => known(t.name, p.partitionIndex)).map((p) => ({ topic: t.name, partition: p.partitionIndex })));
    const result = await ctx.broker.groups.deleteOffsets(request.groupId, wanted);
    if (result.errorCode !== ErrorCode.NONE) return { errorCode: result.errorCode, throttleTimeMs: 0, topics: [] };
    let i = 0;
    const topics = request.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({
        partitionIndex: p.partitionIndex,
        errorCode: known(t.name, p.partitionIndex) ? (result.partitions[i++] ?? ErrorCode.NONE) : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      })),
    }));
    return { errorCode: ErrorCode.NONE, throttleTimeMs: 0, topics };
  },
});
