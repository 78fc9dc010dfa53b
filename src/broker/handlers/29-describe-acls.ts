/**
 * DescribeAcls: v1-3 (as Kafka 4.1; v0 predates pattern types).
 * Behaviour: the ACLs matching one filter, grouped by resource pattern. Null name, principal
 * and host match anything; ANY matches any type, operation or permission; pattern type MATCH
 * selects the LITERAL, wildcard and PREFIXED ACLs that would apply to the named resource. A
 * filter field outside Kafka's codes matches nothing, as in Kafka.
 * Errors: DESCRIBE on the cluster is required (CLUSTER_AUTHORIZATION_FAILED); without an
 * authorizer SECURITY_DISABLED. A field set to UNKNOWN (0) fails Kafka's request parsing, so
 * the connection is closed, as Kafka closes it.
 */
import { CloseConnection, defineHandler } from './types.ts';
import { ErrorCode } from '../../protocol/error-codes.ts';
import type { DescribeAclsResponse } from '../../protocol/generated/describe-acls.ts';
import type { Loose } from '../../protocol/primitives/loose.ts';
import {
  explicitUnknownField,
  filterFromWire,
  groupByResource,
  operationCode,
  patternTypeCode,
  permissionTypeCode,
  resourceTypeCode,
  wireFilterCodes,
} from '../security/acl-model.ts';
import { clusterAllowed } from '../security/authorize.ts';

export const describeAclsHandler = defineHandler({
  apiKey: 29,
  minVersion: 1,
  maxVersion: 3,
  handle(request, ctx): Loose<DescribeAclsResponse> {
    const unknown = explicitUnknownField(wireFilterCodes(request));
    if (unknown !== undefined) throw new CloseConnection(`DescribeAcls filter with an UNKNOWN ${unknown}`);
    const failed = (errorCode: number, errorMessage: string): Loose<DescribeAclsResponse> => ({ throttleTimeMs: 0, errorCode, errorMessage, resources: [] });
    if (!clusterAllowed(ctx, 'DESCRIBE')) return failed(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, `Principal ${ctx.session.principal} is not authorized to DESCRIBE the cluster.`);
    const authorizer = ctx.broker.security.authorizer;
    if (!authorizer.enabled) return failed(ErrorCode.SECURITY_DISABLED, 'No Authorizer is configured on the broker');
    const resources = groupByResource(authorizer.describe(filterFromWire(request))).map((g) => ({
      resourceType: resourceTypeCode(g.resourceType),
      resourceName: g.resourceName,
      patternType: patternTypeCode(g.patternType),
      acls: g.entries.map((e) => ({ principal: e.principal, host: e.host, operation: operationCode(e.operation), permissionType: permissionTypeCode(e.permissionType) })),
    }));
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, resources };
  },
});
