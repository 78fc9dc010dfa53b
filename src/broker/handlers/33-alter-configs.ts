/**
 * AlterConfigs: v0-2.
 * Behaviour: replaces all of a topic's overrides with the given set (configs left out go
 * back to their defaults), after checking names and values (INVALID_CONFIG); validate_only
 * checks without storing. Broker configs are static here: INVALID_REQUEST.
 */
import { defineHandler } from './types.ts';
import type { AlterConfigsResponse } from '../../protocol/generated/alter-configs.ts';
import type { Loose } from '../../protocol/primitives/loose.ts';
import { alterTopicResources } from '../metadata/config-resources.ts';

export const alterConfigsHandler = defineHandler({
  apiKey: 33,
  minVersion: 0,
  maxVersion: 2,
  async handle(request, ctx): Promise<Loose<AlterConfigsResponse>> {
    const responses = await alterTopicResources(ctx.broker, request.resources, request.validateOnly, (r) => {
      const overrides: Record<string, string> = {};
      for (const c of r.configs) if (c.value !== null) overrides[c.name] = c.value;
      return overrides;
    });
    return { throttleTimeMs: 0, responses };
  },
});
