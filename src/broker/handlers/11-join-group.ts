/**
 * JoinGroup: v0-9.
 * Behaviour: Kafka's classic protocol (see src/broker/groups/coordinator.ts): v4+ new dynamic
 * members get MEMBER_ID_REQUIRED with their member id and must join again with it; static
 * members (v5+ group_instance_id) join at once and replace an earlier instance; the protocol
 * is the one common to all members that most prefer; the first member to join leads; the
 * answer waits for the join phase (group.initial.rebalance.delay.ms for an empty group, else
 * until all members rejoined or the rebalance timeout). Session timeouts outside
 * group.min/max.session.timeout.ms get INVALID_SESSION_TIMEOUT. v0 has no rebalance timeout:
 * the session timeout is used, as Kafka does. v7+ return the protocol type; v8+ reasons are logged.
 * Authorization (with an authorizer): READ on the group, else GROUP_AUTHORIZATION_FAILED, as KafkaApis.
 * Known gaps: group.max.size is not enforced.
 */
import { defineHandler } from './types.ts';
import type { JoinGroupResponse } from '../../protocol/generated/join-group.ts';
import type { Loose } from '../../protocol/primitives/loose.ts';
import { clientHost } from '../groups/index.ts';
import { ErrorCode } from '../../protocol/error-codes.ts';
import { allowed } from '../security/authorize.ts';

export const joinGroupHandler = defineHandler({
  apiKey: 11,
  minVersion: 0,
  maxVersion: 9,
  async handle(request, ctx): Promise<Loose<JoinGroupResponse>> {
    if (!allowed(ctx, 'READ', 'GROUP', request.groupId)) {
      // JoinGroupRequest.getErrorResponse: no generation, member or protocol.
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED,
        generationId: -1,
        protocolType: null,
        protocolName: ctx.version >= 7 ? null : '',
        leader: '',
        skipAssignment: false,
        memberId: '',
        members: [],
      };
    }
    if (request.reason !== null) ctx.logger.debug({ group: request.groupId, reason: request.reason }, 'JoinGroup reason');
    const result = await ctx.broker.groups.membership.join({
      groupId: request.groupId,
      memberId: request.memberId,
      groupInstanceId: ctx.version >= 5 ? request.groupInstanceId : null,
      requireKnownMemberId: ctx.version >= 4,
      reason: request.reason,
      clientId: ctx.header.clientId ?? '',
      clientHost: clientHost(ctx.logger),
      sessionTimeoutMs: request.sessionTimeoutMs,
      rebalanceTimeoutMs: ctx.version >= 1 ? request.rebalanceTimeoutMs : request.sessionTimeoutMs,
      protocolType: request.protocolType,
      protocols: request.protocols,
    });
    return {
      throttleTimeMs: 0,
      errorCode: result.errorCode,
      generationId: result.generationId,
      protocolType: ctx.version >= 7 ? result.protocolType : null,
      // Before v7 the protocol name is not nullable.
      protocolName: ctx.version >= 7 ? result.protocolName : (result.protocolName ?? ''),
      leader: result.leader,
      skipAssignment: ctx.version >= 9 ? result.skipAssignment : false,
      memberId: result.memberId,
      members: result.members.map((m) => ({ memberId: m.memberId, groupInstanceId: ctx.version >= 5 ? m.groupInstanceId : null, metadata: m.metadata })),
    };
  },
});
