/**
 * DescribeGroups: v0-5.
 * Behaviour: state, protocol type, chosen protocol and members (member id, instance id v4+,
 * client id, client host). Member metadata and assignments are shown only in the Stable
 * state, as Kafka does. An unknown group is answered as state "Dead" with no error (Kafka's
 * answer before v6); an empty group id is INVALID_GROUP_ID.
 * Authorization (with an authorizer, as KafkaApis): DESCRIBE on each group, else that group
 * answers GROUP_AUTHORIZATION_FAILED with nothing else. v3+ fill authorized_operations when
 * asked, for groups answered without error (-2147483648 otherwise).
 */
import { defineHandler } from './types.ts';
import { ErrorCode } from '../../protocol/error-codes.ts';
import type { DescribeGroupsResponse } from '../../protocol/generated/describe-groups.ts';
import type { Loose } from '../../protocol/primitives/loose.ts';
import { OPERATIONS_NOT_REQUESTED, allowed, authorizedOperations } from '../security/authorize.ts';

export const describeGroupsHandler = defineHandler({
  apiKey: 15,
  minVersion: 0,
  maxVersion: 5,
  handle(request, ctx): Loose<DescribeGroupsResponse> {
    return {
      throttleTimeMs: 0,
      groups: request.groups.map((groupId) => {
        if (!allowed(ctx, 'DESCRIBE', 'GROUP', groupId)) {
          return { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, groupId, groupState: '', protocolType: '', protocolData: '', members: [], authorizedOperations: OPERATIONS_NOT_REQUESTED };
        }
        if (groupId === '') return { errorCode: ErrorCode.INVALID_GROUP_ID, groupId, groupState: '', protocolType: '', protocolData: '', members: [] };
        const g = ctx.broker.groups.describe(groupId);
        return {
          errorCode: g.errorCode,
          groupId,
          groupState: g.state,
          protocolType: g.protocolType,
          protocolData: g.protocolData,
          members: g.members.map((m) => ({
            memberId: m.memberId,
            groupInstanceId: ctx.version >= 4 ? m.groupInstanceId : null,
            clientId: m.clientId,
            clientHost: m.clientHost,
            memberMetadata: m.metadata,
            memberAssignment: m.assignment,
          })),
          authorizedOperations:
            ctx.version >= 3 && request.includeAuthorizedOperations && g.errorCode === ErrorCode.NONE ? authorizedOperations(ctx, 'GROUP', groupId) : OPERATIONS_NOT_REQUESTED,
        };
      }),
    };
  },
});
