/**
 * FindCoordinator: v0-4.
 * Behaviour: this single broker coordinates every group: key type 0 (GROUP) is answered with
 * ourselves. Key type 1 (TRANSACTION) gets COORDINATOR_NOT_AVAILABLE with a message saying
 * transactions are not supported; any other key type (2 SHARE, unknown) gets INVALID_REQUEST.
 * v0-3 carry one key; v4+ a batch (coordinator_keys), answered one entry per key.
 * Authorization (with an authorizer, as KafkaApis): DESCRIBE on the group, else
 * GROUP_AUTHORIZATION_FAILED; DESCRIBE on the transactional id, else
 * TRANSACTIONAL_ID_AUTHORIZATION_FAILED; checked per key, before anything else.
 * Known gaps: no transaction or share-group coordinator.
 */
import { defineHandler, type RequestContext } from './types.ts';
import { ErrorCode } from '../../protocol/error-codes.ts';
import type { FindCoordinatorResponse, FindCoordinatorResponseCoordinator } from '../../protocol/generated/find-coordinator.ts';
import type { Loose } from '../../protocol/primitives/loose.ts';
import { allowed, errorMessage } from '../security/authorize.ts';

const GROUP = 0;
const TRANSACTION = 1;

export const findCoordinatorHandler = defineHandler({
  apiKey: 10,
  minVersion: 0,
  maxVersion: 4,
  handle(request, ctx): Loose<FindCoordinatorResponse> {
    if (ctx.version >= 4) {
      return { throttleTimeMs: 0, coordinators: request.coordinatorKeys.map((key) => find(key, request.keyType, ctx)) };
    }
    const c = find(request.key, request.keyType, ctx);
    return { throttleTimeMs: 0, errorCode: c.errorCode, errorMessage: c.errorMessage, nodeId: c.nodeId, host: c.host, port: c.port };
  },
});

function find(key: string, keyType: number, ctx: RequestContext): Loose<FindCoordinatorResponseCoordinator> {
  const { broker } = ctx;
  if (keyType === GROUP && !allowed(ctx, 'DESCRIBE', 'GROUP', key)) {
    return failed(key, ErrorCode.GROUP_AUTHORIZATION_FAILED, errorMessage(ErrorCode.GROUP_AUTHORIZATION_FAILED));
  }
  if (keyType === TRANSACTION && !allowed(ctx, 'DESCRIBE', 'TRANSACTIONAL_ID', key)) {
    return failed(key, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, errorMessage(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED));
  }
  if (keyType === GROUP) {
    return { key, nodeId: broker.nodeId, host: ctx.endpoint.host, port: ctx.endpoint.port, errorCode: ErrorCode.NONE, errorMessage: null };
  }
  if (keyType === TRANSACTION) {
    return failed(key, ErrorCode.COORDINATOR_NOT_AVAILABLE, 'The embedded broker does not support transactions: there is no transaction coordinator.');
  }
  return failed(key, ErrorCode.INVALID_REQUEST, `Unknown or unsupported coordinator key type ${keyType}.`);
}

function failed(key: string, errorCode: number, errorMessage: string): Loose<FindCoordinatorResponseCoordinator> {
  return { key, nodeId: -1, host: '', port: -1, errorCode, errorMessage };
}
