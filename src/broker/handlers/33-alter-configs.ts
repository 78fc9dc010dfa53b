/**
 * AlterConfigs: v0-2.
 * Behaviour: replaces all of a topic's overrides with the given set (configs left out go
 * back to their defaults), after checking names and values (INVALID_CONFIG); validate_only
 * checks without storing. Broker configs are static here: INVALID_REQUEST.
 * Authorization (with an authorizer, as Kafka's ControllerApis, before the resource checks):
 * ALTER_CONFIGS on the topic (TOPIC_AUTHORIZATION_FAILED) or, for the broker, on the cluster
 * (CLUSTER_AUTHORIZATION_FAILED). Broker loggers are refused before authorizing, as in Kafka.
 */
import { defineHandler } from './types.ts';
import type { AlterConfigsResponse } from '../../protocol/generated/alter-configs.ts';
import type { Loose } from '../../protocol/primitives/loose.ts';
import { alterTopicResources } from '../metadata/config-resources.ts';
import { alterAuthorized } from '../security/authorize.ts';

/** The broker-logger config resource type, which legacy AlterConfigs does not accept. */
const BROKER_LOGGER = 8;

export const alterConfigsHandler = defineHandler({
  apiKey: 33,
  minVersion: 0,
  maxVersion: 2,
  async handle(request, ctx): Promise<Loose<AlterConfigsResponse>> {
    const alter = (resources: typeof request.resources) =>
      alterTopicResources(ctx.broker, resources, request.validateOnly, (r) => {
        const overrides: Record<string, string> = {};
        for (const c of r.configs) if (c.value !== null) overrides[c.name] = c.value;
        return overrides;
      });
    const responses = await alterAuthorized(ctx, request.resources, alter, [BROKER_LOGGER]);
    return { throttleTimeMs: 0, responses };
  },
});
