/**
 * SyncGroup: v0-5.
 * Behaviour: the leader's assignments are stored and every member of the generation gets its
 * own (followers that sync first wait for the leader). UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION,
 * FENCED_INSTANCE_ID (v3+ static members), REBALANCE_IN_PROGRESS when a new join phase began;
 * v5+ protocol type and name must match the group's (INCONSISTENT_GROUP_PROTOCOL) and are returned.
 * Authorization (with an authorizer): READ on the group, else GROUP_AUTHORIZATION_FAILED, as KafkaApis.
 * Known gaps: assignments are not validated against the consumer protocol's format.
 */
import { defineHandler } from './types.ts';
import type { SyncGroupResponse } from '../../protocol/generated/sync-group.ts';
import type { Loose } from '../../protocol/primitives/loose.ts';
import { ErrorCode } from '../../protocol/error-codes.ts';
import { EMPTY_BYTES } from '../../protocol/primitives/index.ts';
import { allowed } from '../security/authorize.ts';

export const syncGroupHandler = defineHandler({
  apiKey: 14,
  minVersion: 0,
  maxVersion: 5,
  async handle(request, ctx): Promise<Loose<SyncGroupResponse>> {
    if (!allowed(ctx, 'READ', 'GROUP', request.groupId)) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, protocolType: null, protocolName: null, assignment: EMPTY_BYTES };
    }
    const assignments = new Map<string, Buffer>();
    for (const a of request.assignments) assignments.set(a.memberId, a.assignment);
    const result = await ctx.broker.groups.membership.sync({
      groupId: request.groupId,
      generationId: request.generationId,
      memberId: request.memberId,
      groupInstanceId: ctx.version >= 3 ? request.groupInstanceId : null,
      protocolType: ctx.version >= 5 ? request.protocolType : null,
      protocolName: ctx.version >= 5 ? request.protocolName : null,
      assignments,
    });
    return {
      throttleTimeMs: 0,
      errorCode: result.errorCode,
      protocolType: ctx.version >= 5 ? result.protocolType : null,
      protocolName: ctx.version >= 5 ? result.protocolName : null,
      assignment: result.assignment,
    };
  },
});
