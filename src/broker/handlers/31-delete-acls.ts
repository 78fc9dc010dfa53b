/**
 * DeleteAcls: v1-3 (as Kafka 4.1).
 * Behaviour: deletes every ACL each filter matches (filter semantics as DescribeAcls), answered
 * per filter with the ACLs it matched, once the change is on disk. An ACL two filters match is
 * listed under both. A filter whose resource type or pattern type is out of range is refused
 * with INVALID_REQUEST "Unknown patternFilter.", one whose operation or permission is, with
 * "Unknown entryFilter." (Kafka's AclControlManager.validateFilter).
 * Errors: ALTER on the cluster is required (CLUSTER_AUTHORIZATION_FAILED on every filter);
 * without an authorizer SECURITY_DISABLED. A field set to UNKNOWN (0) fails Kafka's request
 * parsing, so the connection is closed.
 */
import { CloseConnection, defineHandler } from './types.ts';
import { ErrorCode } from '../../protocol/error-codes.ts';
import type { DeleteAclsResponse } from '../../protocol/generated/delete-acls.ts';
import type { Loose } from '../../protocol/primitives/loose.ts';
import { explicitUnknownField, filterFromWire, operationCode, patternTypeCode, permissionTypeCode, resourceTypeCode, wireFilterCodes } from '../security/acl-model.ts';
import { clusterAllowed } from '../security/authorize.ts';

export const deleteAclsHandler = defineHandler({
  apiKey: 31,
  minVersion: 1,
  maxVersion: 3,
  async handle(request, ctx): Promise<Loose<DeleteAclsResponse>> {
    for (const f of request.filters) {
      const unknown = explicitUnknownField(wireFilterCodes(f));
      if (unknown !== undefined) throw new CloseConnection(`DeleteAcls filter with an UNKNOWN ${unknown}`);
    }
    const everyOne = (errorCode: number, errorMessage: string): Loose<DeleteAclsResponse> => ({
      throttleTimeMs: 0,
      filterResults: request.filters.map(() => ({ errorCode, errorMessage, matchingAcls: [] })),
    });
    if (!clusterAllowed(ctx, 'ALTER')) return everyOne(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, `Principal ${ctx.session.principal} is not authorized to ALTER the cluster.`);
    const authorizer = ctx.broker.security.authorizer;
    if (!authorizer.enabled) return everyOne(ErrorCode.SECURITY_DISABLED, 'No Authorizer is configured.');
    const results = await authorizer.delete(request.filters.map(filterFromWire));
    return {
      throttleTimeMs: 0,
      filterResults: results.map((r) => ({
        errorCode: r.errorCode,
        errorMessage: r.errorMessage,
        matchingAcls: r.deleted.map((acl) => ({
          errorCode: ErrorCode.NONE,
          errorMessage: null,
          resourceType: resourceTypeCode(acl.resourceType),
          resourceName: acl.resourceName,
          patternType: patternTypeCode(acl.patternType),
          principal: acl.principal,
          host: acl.host,
          operation: operationCode(acl.operation),
          permissionType: permissionTypeCode(acl.permissionType),
        })),
      })),
    };
  },
});
