/**
 * DescribeGroups: v0-5.
 * Behaviour: state, protocol type, chosen protocol and members (member id, instance id v4+,
 * client id, client host). Member metadata and assignments are shown only in the Stable
 * state, as Kafka does. An unknown group is answered as state "Dead" with no error (Kafka's
 * answer before v6); an empty group id is INVALID_GROUP_ID.
 * Known gaps: authorized operations are not computed (reported as "not requested").
 */
import { defineHandler } from './types.ts';
import { ErrorCode } from '../../protocol/error-codes.ts';
import type { DescribeGroupsResponse } from '../../protocol/generated/describe-groups.ts';
import type { Loose } from '../../protocol/primitives/loose.ts';

export const describeGroupsHandler = defineHandler({
  apiKey: 15,
  minVersion: 0,
  maxVersion: 5,
  handle(request, ctx): Loose<DescribeGroupsResponse> {
    return {
      throttleTimeMs: 0,
      groups: request.groups.map((groupId) => {
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
        };
      }),
    };
  },
});
