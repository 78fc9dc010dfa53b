/**
 * DescribeConfigs: v1-4.
 * Behaviour: topics list every topic config with its effective value and source (override
 * or default), broker "1" (or "") lists the broker's settings as static and read-only.
 * configuration_keys narrows the list; synonyms (v1+) and documentation (v3+) on request.
 * Authorization (with an authorizer, as Kafka's ConfigHelper, before the resource checks):
 * DESCRIBE_CONFIGS on the topic (TOPIC_AUTHORIZATION_FAILED) or, for the broker, on the
 * cluster (CLUSTER_AUTHORIZATION_FAILED).
 * Known gaps: broker loggers (type 8) are not supported (INVALID_REQUEST).
 */
import { defineHandler } from './types.ts';
import { ErrorCode } from '../../protocol/error-codes.ts';
import type { DescribeConfigsResponse } from '../../protocol/generated/describe-configs.ts';
import type { Loose } from '../../protocol/primitives/loose.ts';
import { RESOURCE_TYPE, brokerConfigEntries, checkResource, topicConfigEntries } from '../metadata/config-resources.ts';
import { configResourceDenied, errorMessage } from '../security/authorize.ts';

export const describeConfigsHandler = defineHandler({
  apiKey: 32,
  minVersion: 1,
  maxVersion: 4,
  handle(request, ctx): Loose<DescribeConfigsResponse> {
    const { broker } = ctx;
    const results = request.resources.map((r) => {
      const base = { resourceType: r.resourceType, resourceName: r.resourceName };
      const denied = configResourceDenied(ctx, 'DESCRIBE_CONFIGS', r.resourceType, r.resourceName);
      if (denied !== undefined) return { ...base, errorCode: denied, errorMessage: errorMessage(denied), configs: [] };
      const problem = checkResource(broker, r.resourceType, r.resourceName);
      if (problem) return { ...base, errorCode: problem.errorCode, errorMessage: problem.message, configs: [] };
      const all =
        r.resourceType === RESOURCE_TYPE.TOPIC
          ? topicConfigEntries(broker.topics.get(r.resourceName)?.configs ?? {}, request.includeSynonyms, request.includeDocumentation)
          : brokerConfigEntries(broker, request.includeDocumentation);
      const keys = r.configurationKeys;
      const configs = keys === null || keys.length === 0 ? all : all.filter((c) => keys.includes(c.name));
      return { ...base, errorCode: ErrorCode.NONE, errorMessage: null, configs };
    });
    return { throttleTimeMs: 0, results };
  },
});
