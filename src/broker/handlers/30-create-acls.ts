/**
 * CreateAcls: v1-3 (as Kafka 4.1).
 * Behaviour: creates each binding that passes Kafka's checks, answered per binding in request
 * order once the ACLs are on disk (`<dataDir>/security/acls.json`). An ACL that exists already
 * succeeds without a second copy. Refused with INVALID_REQUEST and Kafka's message: a CLUSTER
 * resource not named kafka-cluster, an empty name, resource type ANY or out of range, pattern
 * type other than LITERAL/PREFIXED, operation ANY or out of range, permission other than
 * ALLOW/DENY, a principal without `:`.
 * Errors: ALTER on the cluster is required (CLUSTER_AUTHORIZATION_FAILED on every binding);
 * without an authorizer SECURITY_DISABLED. A field set to UNKNOWN (0) fails Kafka's request
 * parsing, so the connection is closed.
 * Known gap: Kafka fails a whole request containing resource type ANY or pattern type
 * ANY/MATCH with UNKNOWN_SERVER_ERROR (its ResourcePattern constructor throws); here only those
 * bindings fail, with INVALID_REQUEST.
 */
import { CloseConnection, defineHandler } from './types.ts';
import { ErrorCode } from '../../protocol/error-codes.ts';
import type { CreateAclsRequestAclCreation, CreateAclsResponse } from '../../protocol/generated/create-acls.ts';
import type { Loose } from '../../protocol/primitives/loose.ts';
import { explicitUnknownField, operationName, patternTypeName, permissionTypeName, resourceTypeName, type AclBindingInput } from '../security/acl-model.ts';
import { clusterAllowed } from '../security/authorize.ts';

export const createAclsHandler = defineHandler({
  apiKey: 30,
  minVersion: 1,
  maxVersion: 3,
  async handle(request, ctx): Promise<Loose<CreateAclsResponse>> {
    for (const c of request.creations) {
      const unknown = explicitUnknownField({ resourceType: c.resourceType, patternType: c.resourcePatternType, operation: c.operation, permissionType: c.permissionType });
      if (unknown !== undefined) throw new CloseConnection(`CreateAcls creation with an UNKNOWN ${unknown}`);
    }
    const everyOne = (errorCode: number, errorMessage: string): Loose<CreateAclsResponse> => ({
      throttleTimeMs: 0,
      results: request.creations.map(() => ({ errorCode, errorMessage })),
    });
    if (!clusterAllowed(ctx, 'ALTER')) return everyOne(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, `Principal ${ctx.session.principal} is not authorized to ALTER the cluster.`);
    const authorizer = ctx.broker.security.authorizer;
    if (!authorizer.enabled) return everyOne(ErrorCode.SECURITY_DISABLED, 'No Authorizer is configured.');
    const results = await authorizer.create(request.creations.map(toInput));
    return { throttleTimeMs: 0, results };
  },
});

function toInput(c: CreateAclsRequestAclCreation): AclBindingInput {
  return {
    resourceType: resourceTypeName(c.resourceType),
    resourceName: c.resourceName,
    patternType: patternTypeName(c.resourcePatternType),
    principal: c.principal,
    host: c.host,
    operation: operationName(c.operation),
    permissionType: permissionTypeName(c.permissionType),
  };
}
