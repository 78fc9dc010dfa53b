/**
 * ListGroups: v0-5.
 * Behaviour: every group that is not Dead, with its protocol type; v4+ its state, filtered by
 * states_filter (case-insensitive; empty = all); v5+ its type ("classic", the only type here),
 * filtered by types_filter.
 * Authorization (with an authorizer, as KafkaApis): with DESCRIBE on the cluster every group is
 * listed, otherwise only the groups the principal may DESCRIBE.
 * Known gaps: none known.
 */
import { defineHandler } from './types.ts';
import { ErrorCode } from '../../protocol/error-codes.ts';
import type { ListGroupsResponse } from '../../protocol/generated/list-groups.ts';
import type { Loose } from '../../protocol/primitives/loose.ts';
import { allowed, clusterAllowed, enforcing } from '../security/authorize.ts';

const GROUP_TYPE = 'classic';

export const listGroupsHandler = defineHandler({
  apiKey: 16,
  minVersion: 0,
  maxVersion: 5,
  handle(request, ctx): Loose<ListGroupsResponse> {
    const states = new Set((ctx.version >= 4 ? request.statesFilter : []).map((s) => s.toLowerCase()));
    const types = new Set((ctx.version >= 5 ? request.typesFilter : []).map((s) => s.toLowerCase()));
    const everyGroup = !enforcing(ctx) || clusterAllowed(ctx, 'DESCRIBE');
    const groups = ctx.broker.groups
      .list()
      .filter((g) => everyGroup || allowed(ctx, 'DESCRIBE', 'GROUP', g.groupId))
      .filter((g) => (states.size === 0 || states.has(g.state.toLowerCase())) && (types.size === 0 || types.has(GROUP_TYPE)))
      .map((g) => ({ groupId: g.groupId, protocolType: g.protocolType, groupState: ctx.version >= 4 ? g.state : '', groupType: ctx.version >= 5 ? GROUP_TYPE : '' }));
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, groups };
  },
});
