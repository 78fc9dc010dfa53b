/**
 * AlterConfigs: v0-2.
 * Behaviour: replaces all of a topic's overrides with the given set (configs left out go
 * back to their defaults), after checking names and values (INVALID_CONFIG); validate_only
 * checks without storing. Broker configs are static here: INVALID_REQUEST.
 */
import { defineHandler } from './types.ts';
import { ErrorCode } from '../../protocol/error-codes.ts';
import type { AlterConfigsResponse } from '../../protocol/generated/alter-configs.ts';
import type { Loose } from '../../protocol/primitives/loose.ts';
import { BROKER_CONFIGS_READ_ONLY, RESOURCE_TYPE, checkResource, replaceTopicConfigs } from '../metadata/config-resources.ts';

export const alterConfigsHandler = defineHandler({
  apiKey: 33,
  minVersion: 0,
  maxVersion: 2,
  async handle(request, ctx): Promise<Loose<AlterConfigsResponse>> {
    const responses = [];
    for (const r of request.resources) {
      const base = { resourceType: r.resourceType, resourceName: r.resourceName };
      let problem = checkResource(ctx.broker, r.resourceType, r.resourceName);
      if (!problem && r.resourceType === RESOURCE_TYPE.BROKER) problem = BROKER_CONFIGS_READ_ONLY;
      if (!problem) {
        const overrides: Record<string, string> = {};
        for (const c of r.configs) if (c.value !== null) overrides[c.name] = c.value;
        problem = await replaceTopicConfigs(ctx.broker, r.resourceName, overrides, request.validateOnly);
      }
      responses.push({ ...base, errorCode: problem?.errorCode ?? ErrorCode.NONE, errorMessage: problem?.message ?? null });
    }
    return { throttleTimeMs: 0, responses };
  },
});
