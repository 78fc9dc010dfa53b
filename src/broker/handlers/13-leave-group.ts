/**
 * LeaveGroup: v0-5.
 * Behaviour: removes members and starts a rebalance of the rest. v0-2 name one member and
 * carry its error at the top level; v3+ batch members, by member id and/or group instance id
 * (an empty member id with an instance id removes whoever holds that instance id; another
 * member id is FENCED_INSTANCE_ID). Unknown members get UNKNOWN_MEMBER_ID. v5+ reasons are logged.
 * Authorization (with an authorizer): READ on the group, else GROUP_AUTHORIZATION_FAILED (top
 * level, no members), as KafkaApis.
 * Known gaps: none known.
 */
import { defineHandler } from './types.ts';
import { ErrorCode } from '../../protocol/error-codes.ts';
import type { LeaveGroupResponse } from '../../protocol/generated/leave-group.ts';
import type { Loose } from '../../protocol/primitives/loose.ts';
import { allowed } from '../security/authorize.ts';

export const leaveGroupHandler = defineHandler({
  apiKey: 13,
  minVersion: 0,
  maxVersion: 5,
  handle(request, ctx): Loose<LeaveGroupResponse> {
    if (!allowed(ctx, 'READ', 'GROUP', request.groupId)) return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, members: [] };
    const leaving = ctx.version >= 3 ? request.members : [{ memberId: request.memberId, groupInstanceId: null, reason: null }];
    for (const m of leaving) if (m.reason !== null) ctx.logger.debug({ group: request.groupId, member: m.memberId, reason: m.reason }, 'LeaveGroup reason');
    const result = ctx.broker.groups.membership.leave(request.groupId, leaving);
    if (ctx.version < 3) {
      const single = result.members[0]?.errorCode ?? ErrorCode.NONE;
      return { throttleTimeMs: 0, errorCode: result.errorCode !== ErrorCode.NONE ? result.errorCode : single };
    }
    return { throttleTimeMs: 0, errorCode: result.errorCode, members: result.members };
  },
});
