/**
 * DescribeCluster: v0-1.
 * Behaviour: the cluster id and ourselves as the only broker and the controller. v1 asks for
 * an endpoint type: brokers (1) are answered; controllers (2) are refused with
 * UNSUPPORTED_ENDPOINT_TYPE, as a Kafka broker does.
 * Authorization (with an authorizer): as Kafka's AuthHelper.computeDescribeClusterResponse, the
 * request itself needs no permission; cluster_authorized_operations is filled when asked (0
 * without DESCRIBE on the cluster) and is -2147483648 when not asked.
 */
import { defineHandler } from './types.ts';
import { ErrorCode } from '../../protocol/error-codes.ts';
import type { DescribeClusterResponse } from '../../protocol/generated/describe-cluster.ts';
import type { Loose } from '../../protocol/primitives/loose.ts';
import { CLUSTER_NAME, OPERATIONS_NOT_REQUESTED, authorizedOperations, clusterAllowed } from '../security/authorize.ts';

export const describeClusterHandler = defineHandler({
  apiKey: 60,
  minVersion: 0,
  maxVersion: 1,
  handle(request, ctx): Loose<DescribeClusterResponse> {
    const { broker } = ctx;
    if (ctx.version >= 1 && request.endpointType !== 1) {
      return { errorCode: ErrorCode.UNSUPPORTED_ENDPOINT_TYPE, errorMessage: 'The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type CONTROLLER', endpointType: request.endpointType };
    }
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      endpointType: 1,
      clusterId: broker.clusterId,
      controllerId: broker.nodeId,
      brokers: [{ brokerId: broker.nodeId, host: ctx.endpoint.host, port: ctx.endpoint.port, rack: null }],
      clusterAuthorizedOperations: !request.includeClusterAuthorizedOperations
        ? OPERATIONS_NOT_REQUESTED
        : clusterAllowed(ctx, 'DESCRIBE')
          ? authorizedOperations(ctx, 'CLUSTER', CLUSTER_NAME)
          : 0,
    };
  },
});
