/**
 * Authorization checks for handlers, as Kafka's AuthHelper makes them. Without an authorizer
 * every check is one property read and allows.
 */
import type { RequestContext } from '../handlers/types.ts';
import { ErrorCode, errorInfo } from '../../protocol/error-codes.ts';
import { CLUSTER_NAME, SUPPORTED_OPERATIONS, operationsBitfield } from './acl-model.ts';
import type { AclOperation, ResourceType } from './types.ts';

export { CLUSTER_NAME };

/** Kafka's value of an authorized-operations field the request did not ask for. */
export const OPERATIONS_NOT_REQUESTED = -2147483648;

/** May the request's principal perform the operation on the resource? */
export function allowed(ctx: RequestContext, operation: AclOperation, resourceType: ResourceType, resourceName: string): boolean {
  const authorizer = ctx.broker.security.authorizer;
  if (!authorizer.enabled) return true;
  const ok = authorizer.authorize(ctx.session, operation, resourceType, resourceName);
  // Kafka logs denials to its authorizer log; here at debug, built only when debug is on.
  if (!ok && ctx.logger.isLevelEnabled('debug')) ctx.logger.debug({ principal: ctx.session.principal, host: ctx.session.clientHost, operation, resourceType, resourceName }, 'denied');
  return ok;
}

/** The operation on the cluster resource. */
export function clusterAllowed(ctx: RequestContext, operation: AclOperation): boolean {
  return allowed(ctx, operation, 'CLUSTER', CLUSTER_NAME);
}

/** On at least one resource of the type (Kafka's authorizeByResourceType). */
export function allowedOnAny(ctx: RequestContext, operation: AclOperation, resourceType: ResourceType): boolean {
  const authorizer = ctx.broker.security.authorizer;
  return !authorizer.enabled || authorizer.authorizeAny(ctx.session, operation, resourceType);
}

/** Whether the authorizer is on: handlers skip per-resource work (filters, caches) without it. */
export function enforcing(ctx: RequestContext): boolean {
  return ctx.broker.security.authorizer.enabled;
}

/**
 * A check of one operation on resources of one type that remembers each name's answer for
 * the request, as Kafka's filterByAuthorized asks once per distinct name.
 */
export function checker(ctx: RequestContext, operation: AclOperation, resourceType: ResourceType): (resourceName: string) => boolean {
  if (!enforcing(ctx)) return () => true;
  const answers = new Map<string, boolean>();
  return (name) => {
    let ok = answers.get(name);
    if (ok === undefined) {
      ok = allowed(ctx, operation, resourceType, name);
      answers.set(name, ok);
    }
    return ok;
  };
}

/** Kafka's authorized-operations bitfield of a resource for the request's principal. */
export function authorizedOperations(ctx: RequestContext, resourceType: ResourceType, resourceName: string): number {
  const authorizer = ctx.broker.security.authorizer;
  if (!authorizer.enabled) return operationsBitfield(SUPPORTED_OPERATIONS[resourceType]);
  return authorizer.authorizedOperations(ctx.session, resourceType, resourceName);
}

/** The message of a Kafka error code, for answers that carry one. */
export function errorMessage(errorCode: number): string {
  return errorInfo(errorCode)?.message ?? 'Authorization failed.';
}

/** DescribeConfigs / AlterConfigs resource types. */
const CONFIG_TOPIC = 2;
const CONFIG_BROKER = 4;
const CONFIG_BROKER_LOGGER = 8;
const CONFIG_CLIENT_METRICS = 16;
const CONFIG_GROUP = 32;

/**
 * The authorization error of a config resource, or undefined when allowed (or of a type Kafka
 * does not authorize, left to the resource checks). As Kafka's ConfigHelper and ControllerApis:
 * topics and groups by name, broker-wide resources on the cluster; altering broker loggers needs
 * CLUSTER_ACTION.
 */
export function configResourceDenied(ctx: RequestContext, operation: 'DESCRIBE_CONFIGS' | 'ALTER_CONFIGS', resourceType: number, resourceName: string): number | undefined {
  if (!enforcing(ctx)) return undefined;
  switch (resourceType) {
    case CONFIG_TOPIC:
      return allowed(ctx, operation, 'TOPIC', resourceName) ? undefined : ErrorCode.TOPIC_AUTHORIZATION_FAILED;
    case CONFIG_GROUP:
      return allowed(ctx, operation, 'GROUP', resourceName) ? undefined : ErrorCode.GROUP_AUTHORIZATION_FAILED;
    case CONFIG_BROKER:
    case CONFIG_CLIENT_METRICS:
      return clusterAllowed(ctx, operation) ? undefined : ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
    case CONFIG_BROKER_LOGGER:
      return clusterAllowed(ctx, operation === 'ALTER_CONFIGS' ? 'CLUSTER_ACTION' : operation) ? undefined : ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
    default:
      return undefined;
  }
}

interface ConfigResult {
  resourceType: number;
  resourceName: string;
  errorCode: number;
  errorMessage: string | null;
}

/**
 * Runs `alter` on the config resources the principal may ALTER_CONFIGS, and answers the others
 * with their authorization error, all in request order. `skip` names resource types left to
 * `alter` whatever the principal (Kafka refuses them before authorizing).
 */
export async function alterAuthorized<R extends { resourceType: number; resourceName: string }>(
  ctx: RequestContext,
  resources: readonly R[],
  alter: (permitted: R[]) => Promise<ConfigResult[]>,
  skip: readonly number[] = [],
): Promise<ConfigResult[]> {
  if (!enforcing(ctx)) return alter([...resources]);
  const denied = resources.map((r) => (skip.includes(r.resourceType) ? undefined : configResourceDenied(ctx, 'ALTER_CONFIGS', r.resourceType, r.resourceName)));
  const done = await alter(resources.filter((_, i) => denied[i] === undefined));
  let next = 0;
  return resources.map((r, i) => {
    const code = denied[i];
    if (code === undefined) return done[next++] as ConfigResult;
    return { resourceType: r.resourceType, resourceName: r.resourceName, errorCode: code, errorMessage: errorMessage(code) };
  });
}
