/**
 * OffsetCommit: v2-9.
 * Behaviour: Kafka's checks for classic groups, in Kafka's order: first per partition an
 * unknown topic or partition is UNKNOWN_TOPIC_OR_PARTITION (as KafkaApis answers it; when no
 * partition is left the group is not consulted, so no group is created); then for the group,
 * whose error goes on every remaining partition: generation -1 on an empty or unknown group is
 * a "simple" commit (consumers without group management, admin offset resets); otherwise
 * FENCED_INSTANCE_ID (v7+), UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION, REBALANCE_IN_PROGRESS while
 * the group syncs, and for an unknown group GROUP_ID_NOT_FOUND (v9+) or ILLEGAL_GENERATION;
 * last, metadata over 4096 characters is OFFSET_METADATA_TOO_LARGE.
 * Authorization (with an authorizer, as KafkaApis), before all of the above: READ on the group,
 * else every partition answers GROUP_AUTHORIZATION_FAILED; READ on each topic, else its
 * partitions answer TOPIC_AUTHORIZATION_FAILED (whether or not the topic exists).
 * A commit is answered only once it is fsynced (see src/broker/groups/offset-journal.ts);
 * all partitions of one request are written atomically. When the disk refuses the write, every
 * partition that would have been stored answers COORDINATOR_NOT_AVAILABLE (retriable).
 * Known gaps: v2-4 retention_time_ms is ignored (offsets.retention.minutes applies).
 */
import { defineHandler } from './types.ts';
import { ErrorCode } from '../../protocol/error-codes.ts';
import type { OffsetCommitResponse } from '../../protocol/generated/offset-commit.ts';
import type { Loose } from '../../protocol/primitives/loose.ts';
import type { JournalOffset } from '../groups/journal-format.ts';
import { allowed, checker } from '../security/authorize.ts';

/** offset.metadata.max.bytes (Kafka's default). */
const MAX_METADATA_LENGTH = 4096;

export const offsetCommitHandler = defineHandler({
  apiKey: 8,
  minVersion: 2,
  maxVersion: 9,
  async handle(request, ctx): Promise<Loose<OffsetCommitResponse>> {
    const { groups, topics } = ctx.broker;
    if (!allowed(ctx, 'READ', 'GROUP', request.groupId)) {
      return {
        throttleTimeMs: 0,
        topics: request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED })) })),
      };
    }
    const mayRead = checker(ctx, 'READ', 'TOPIC');
    const exists = (name: string, partition: number): boolean => {
      const topic = topics.get(name);
      return topic !== undefined && partition >= 0 && partition < topic.partitions;
    };
    // Kafka answers unauthorized and unknown partitions before the coordinator sees the request;
    // with none left it never does (a "simple" commit of only unknown partitions must not create the group).
    const anyKnown = request.topics.some((t) => mayRead(t.name) && t.partitions.some((p) => exists(t.name, p.partitionIndex)));
    let groupError: number = ErrorCode.NONE;
    if (request.groupId === '') groupError = ErrorCode.INVALID_GROUP_ID;
    else if (anyKnown) {
      groupError = groups.validateCommit({
        groupId: request.groupId,
        generationId: request.generationIdOrMemberEpoch,
        memberId: request.memberId,
        groupInstanceId: ctx.version >= 7 ? request.groupInstanceId : null,
        version: ctx.version,
      });
    }
    const now = Date.now();
    const accepted: JournalOffset[] = [];
    const answer = request.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => {
        let errorCode: number = groupError;
        if (!mayRead(t.name)) errorCode = ErrorCode.TOPIC_AUTHORIZATION_FAILED;
        else if (!exists(t.name, p.partitionIndex)) errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        // The group's verdict comes before the metadata size (OffsetMetadataManager.commitOffset).
        else if (errorCode === ErrorCode.NONE && (p.committedMetadata?.length ?? 0) > MAX_METADATA_LENGTH) errorCode = ErrorCode.OFFSET_METADATA_TOO_LARGE;
        if (errorCode === ErrorCode.NONE) {
          accepted.push({
            topic: t.name,
            partition: p.partitionIndex,
            offset: p.committedOffset,
            leaderEpoch: ctx.version >= 6 ? p.committedLeaderEpoch : -1,
            metadata: p.committedMetadata ?? '',
            timestamp: now,
          });
        }
        return { partitionIndex: p.partitionIndex, errorCode };
      }),
    }));
    const stored = await groups.commitOffsets(request.groupId, accepted);
    if (stored !== ErrorCode.NONE) for (const t of answer) for (const p of t.partitions) if (p.errorCode === ErrorCode.NONE) p.errorCode = stored;
    return { throttleTimeMs: 0, topics: answer };
  },
});
