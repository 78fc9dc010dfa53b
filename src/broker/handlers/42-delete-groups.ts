/**
 * DeleteGroups: v0-2.
 * Behaviour: deletes empty groups and their committed offsets (durably, before answering).
 * A group with members is NON_EMPTY_GROUP; an unknown one GROUP_ID_NOT_FOUND; an empty group
 * id INVALID_GROUP_ID.
 * Authorization (with an authorizer, as KafkaApis): DELETE on each group, else
 * GROUP_AUTHORIZATION_FAILED for it.
 * Known gaps: none known.
 */
import { defineHandler } from './types.ts';
import { ErrorCode } from '../../protocol/error-codes.ts';
import type { DeleteGroupsResponse } from '../../protocol/generated/delete-groups.ts';
import type { Loose } from '../../protocol/primitives/loose.ts';
import { allowed } from '../security/authorize.ts';

export const deleteGroupsHandler = defineHandler({
  apiKey: 42,
  minVersion: 0,
  maxVersion: 2,
  async handle(request, ctx): Promise<Loose<DeleteGroupsResponse>> {
    const results = [];
    for (const groupId of request.groupsNames) {
      const errorCode = !allowed(ctx, 'DELETE', 'GROUP', groupId)
        ? ErrorCode.GROUP_AUTHORIZATION_FAILED
        : groupId === ''
          ? ErrorCode.INVALID_GROUP_ID
          : await ctx.broker.groups.deleteGroup(groupId);
      results.push({ groupId, errorCode });
    }
    return { throttleTimeMs: 0, results };
  },
});
