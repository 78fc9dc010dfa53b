/**
 * OffsetFetch: v1-9.
 * Behaviour: committed offsets of one group (v1-7) or several (v8+). Null topics (v2+) mean
 * every partition the group has an offset for. A partition without a committed offset
 * answers offset -1, leader epoch -1, metadata "" and no error, as Kafka does; so does an
 * unknown group. An empty group id is INVALID_GROUP_ID. require_stable (v7+) never has to
 * wait: there are no transactional offsets.
 * Known gaps: v9 member id / epoch are not checked (they concern KIP-848 groups only).
 */
import { defineHandler } from './types.ts';
import { ErrorCode } from '../../protocol/error-codes.ts';
import type { OffsetFetchResponse, OffsetFetchResponsePartitions } from '../../protocol/generated/offset-fetch.ts';
import type { Loose } from '../../protocol/primitives/loose.ts';
import type { GroupCoordinator } from '../groups/index.ts';

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
    const { groups } = ctx.broker;
    if (ctx.version >= 8) {
      return {
        throttleTimeMs: 0,
        groups: request.groups.map((g) => ({ groupId: g.groupId, ...fetchGroup(groups, g.groupId, g.topics) })),
      };
    }
    const one = fetchGroup(groups, request.groupId, request.topics);
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

function fetchGroup(groups: GroupCoordinator, groupId: string, wanted: readonly WantedTopic[] | null): GroupOffsets {
  if (groupId === '') {
    return { errorCode: ErrorCode.INVALID_GROUP_ID, topics: (wanted ?? []).map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((p) => none(p, ErrorCode.INVALID_GROUP_ID)) })) };
  }
  if (wanted === null) {
    const topics = [...groups.offsets.all(groupId)].map(([name, partitions]) => ({
      name,
      partitions: [...partitions].map(([partitionIndex, o]) => ({ partitionIndex, committedOffset: o.offset, committedLeaderEpoch: o.leaderEpoch, metadata: o.metadata, errorCode: ErrorCode.NONE })),
    }));
    return { errorCode: ErrorCode.NONE, topics };
  }
  const topics = wanted.map((t) => ({
    name: t.name,
    partitions: t.partitionIndexes.map((partitionIndex) => {
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
