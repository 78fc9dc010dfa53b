/**
 * Heartbeat: v0-4.
 * Behaviour: keeps a member's session alive. REBALANCE_IN_PROGRESS while the group is in a
 * join phase (the member must rejoin), UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION, FENCED_INSTANCE_ID
 * (v3+ static members), INVALID_GROUP_ID for an empty group id.
 * Authorization (with an authorizer): READ on the group, else GROUP_AUTHORIZATION_FAILED, as KafkaApis.
 * Known gaps: none known.
 */
import { defineHandler } from './types.ts';
import type { HeartbeatResponse } from '../../protocol/generated/heartbeat.ts';
import type { Loose } from '../../protocol/primitives/loose.ts';
import { ErrorCode } from '../../protocol/error-codes.ts';
import { allowed } from '../security/authorize.ts';

export const heartbeatHandler = defineHandler({
  apiKey: 12,
  minVersion: 0,
  maxVersion: 4,
  handle(request, ctx): Loose<HeartbeatResponse> {
    if (!allowed(ctx, 'READ', 'GROUP', request.groupId)) return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED };
    const instanceId = ctx.version >= 3 ? request.groupInstanceId : null;
    const errorCode = ctx.broker.groups.membership.heartbeat(request.groupId, request.generationId, request.memberId, instanceId);
    return { throttleTimeMs: 0, errorCode };
  },
});
