/**
 * OffsetFetch: v1-9.
 * Behaviour: committed offsets of one group (v1-7) or several (v8+). Null topics (v2+) mean
 * every partition the group has an offset for. A partition without a committed offset
 * answers offset -1, leader epoch -1, metadata "" and no error, as Kafka does; so does an
 * unknown group. An empty group id is INVALID_GROUP_ID. require_stable (v7+) never has to
 * wait: there are no transactional offsets.
 * Authorization (with an authorizer, as KafkaApis): DESCRIBE on each group, else the group
 * answers GROUP_AUTHORIZATION_FAILED; DESCRIBE on each topic, else its partitions answer
 * TOPIC_AUTHORIZATION_FAILED, or, when fetching every partition, the topic is left out.
 * Known gaps: v9 member id / epoch are not checked (they concern KIP-848 groups only).
 */
import { defineHandler, type RequestContext } from './types.ts';
import { ErrorCode } from '../../protocol/error-codes.ts';
import type { OffsetFetchResponse, OffsetFetchResponsePartitions } from '../../protocol/generated/offset-fetch.ts';
import type { Loose } from '../../protocol/primitives/loose.ts';
import { allowed, checker } from '../security/authorize.ts';

interface WantedTopic {
  readonly name: string;
  readonly partitionIndexes: readonly number[];
}

interface GroupOffsets {
  readonly errorCode: number;
  readonly topics: { name: string; partitions: Loose<OffsetFetchResponsePartitions>[] }[];
}

export const offsetFetchHandler = defineHandler({
  apiKey: 9,
  minVersion: 1,
  maxVersion: 9,
  handle(request, ctx): Loose<OffsetFetchResponse> {
    if (ctx.version >= 8) {
      return {
        throttleTimeMs: 0,
        groups: request.groups.map((g) => ({ groupId: g.groupId, ...fetchGroup(ctx, g.groupId, g.topics) })),
      };
    }
    const one = fetchGroup(ctx, request.groupId, request.topics);
    return {
      throttleTimeMs: 0,
      errorCode: ctx.version >= 2 ? one.errorCode : ErrorCode.NONE,
      topics: one.topics.map((t) => ({
        name: t.name,
        // v1 has no top-level error: the group error goes on every partition.
        partitions: t.partitions.map((p) => ({ ...p, errorCode: ctx.version < 2 && one.errorCode !== ErrorCode.NONE ? one.errorCode : p.errorCode })),
      })),
    };
  },
});

function fetchGroup(ctx: RequestContext, groupId: string, wanted: readonly WantedTopic[] | null): GroupOffsets {
  const { groups } = ctx.broker;
  const failed = (errorCode: number): GroupOffsets => ({ errorCode, topics: (wanted ?? []).map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((p) => none(p, errorCode)) })) });
  if (!allowed(ctx, 'DESCRIBE', 'GROUP', groupId)) return failed(ErrorCode.GROUP_AUTHORIZATION_FAILED);
  if (groupId === '') return failed(ErrorCode.INVALID_GROUP_ID);
  const mayDescribe = checker(ctx, 'DESCRIBE', 'TOPIC');
  if (wanted === null) {
    const topics = [...groups.offsets.all(groupId)].filter(([name]) => mayDescribe(name)).map(([name, partitions]) => ({
      name,
      partitions: [...partitions].map(([partitionIndex, o]) => ({ partitionIndex, committedOffset: o.offset, committedLeaderEpoch: o.leaderEpoch, metadata: o.metadata, errorCode: ErrorCode.NONE })),
    }));
    return { errorCode: ErrorCode.NONE, topics };
  }
  const topics = wanted.map((t) => ({
    name: t.name,
    partitions: t.partitionIndexes.map((partitionIndex) => {
      if (!mayDescribe(t.name)) return none(partitionIndex, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
      const o = groups.offsets.get(groupId, t.name, partitionIndex);
      if (o === undefined) return none(partitionIndex, ErrorCode.NONE);
      return { partitionIndex, committedOffset: o.offset, committedLeaderEpoch: o.leaderEpoch, metadata: o.metadata, errorCode: ErrorCode.NONE };
    }),
  }));
  return { errorCode: ErrorCode.NONE, topics };
}

function none(partitionIndex: number, errorCode: number): Loose<OffsetFetchResponsePartitions> {
  return { partitionIndex, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode };
}
