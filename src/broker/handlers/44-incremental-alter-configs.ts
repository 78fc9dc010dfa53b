/**
 * IncrementalAlterConfigs: v0-1.
 * Behaviour: per config SET (0), DELETE (1: back to the default), APPEND (2) and SUBTRACT (3)
 * for list configs (cleanup.policy), applied to the topic's current overrides, then checked
 * as a whole (INVALID_CONFIG) and stored unless validate_only. Broker configs are static.
 * Authorization (with an authorizer, as Kafka's ControllerApis, before the resource checks):
 * ALTER_CONFIGS on the topic (TOPIC_AUTHORIZATION_FAILED), on the cluster for the broker, and
 * CLUSTER_ACTION on the cluster for broker loggers (CLUSTER_AUTHORIZATION_FAILED).
 */
import { defineHandler } from './types.ts';
import { ErrorCode } from '../../protocol/error-codes.ts';
import type { IncrementalAlterConfigsResponse } from '../../protocol/generated/incremental-alter-configs.ts';
import type { Loose } from '../../protocol/primitives/loose.ts';
import { alterTopicResources, type ResourceProblem } from '../metadata/config-resources.ts';
import { effectiveConfig, topicConfigDef } from '../metadata/topic-configs.ts';
import { alterAuthorized } from '../security/authorize.ts';

const OP = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const;

export const incrementalAlterConfigsHandler = defineHandler({
  apiKey: 44,
  minVersion: 0,
  maxVersion: 1,
  async handle(request, ctx): Promise<Loose<IncrementalAlterConfigsResponse>> {
    const alter = (resources: typeof request.resources) =>
      alterTopicResources(ctx.broker, resources, request.validateOnly, (r, current) => {
        const next: Record<string, string> = { ...current };
        return applyOperations(next, r.configs) ?? next;
      });
    const responses = await alterAuthorized(ctx, request.resources, alter);
    return { throttleTimeMs: 0, responses };
  },
});

function applyOperations(next: Record<string, string>, ops: ReadonlyArray<{ name: string; configOperation: number; value: string | null }>): ResourceProblem | undefined {
  const seen = new Set<string>();
  for (const op of ops) {
    if (seen.has(op.name)) return { errorCode: ErrorCode.INVALID_REQUEST, message: `Error due to duplicate config keys: ${op.name}` };
    seen.add(op.name);
    const def = topicConfigDef(op.name);
    if (!def) return { errorCode: ErrorCode.INVALID_CONFIG, message: `Unknown topic config name: ${op.name}` };
    switch (op.configOperation) {
      case OP.SET:
        if (op.value === null) return { errorCode: ErrorCode.INVALID_REQUEST, message: `Null value not supported for : ${op.name}` };
        next[op.name] = op.value;
        break;
      case OP.DELETE:
        delete next[op.name];
        break;
      case OP.APPEND:
      case OP.SUBTRACT: {
        if (def.type !== 'list') return { errorCode: ErrorCode.INVALID_CONFIG, message: `Config value append is not allowed for config key: ${op.name}` };
        const items = effectiveConfig(next, op.name).split(',').map((s) => s.trim()).filter((s) => s !== '');
        const given = (op.value ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
        const result = op.configOperation === OP.APPEND ? [...items, ...given.filter((g) => !items.includes(g))] : items.filter((i) => !given.includes(i));
        next[op.name] = result.join(',');
        break;
      }
      default:
        return { errorCode: ErrorCode.INVALID_REQUEST, message: `Unknown config operation ${op.configOperation} for ${op.name}` };
    }
  }
  return undefined;
}
