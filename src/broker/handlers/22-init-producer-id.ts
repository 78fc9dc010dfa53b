/**
 * InitProducerId: v0-5 (v6, two-phase commit, is not advertised).
 * Behaviour: as Kafka's TransactionCoordinator for a null transactional id: every request gets
 * a new producer id with epoch 0, whatever producer id and epoch it carries (idempotent
 * producers bump their epoch locally, KIP-360; the broker only accepts the bump on produce).
 * Ids are never reused, across restarts too (producers/id-allocator.ts); when the disk refuses
 * the write that reserves a new block of ids, COORDINATOR_NOT_AVAILABLE (retriable). A producer id
 * without an epoch, or the reverse, is INVALID_REQUEST, as in KafkaApis.
 * Authorization (with an authorizer, as KafkaApis, before the checks above): a transactional id
 * needs WRITE on it, else TRANSACTIONAL_ID_AUTHORIZATION_FAILED; an idempotent producer needs
 * IDEMPOTENT_WRITE on the cluster or WRITE on at least one topic, else CLUSTER_AUTHORIZATION_FAILED.
 * Known gap: transactions. A transactional id gets TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
 * which every client treats as fatal at once (Java: TransactionalIdAuthorizationException from
 * initTransactions) instead of retrying COORDINATOR_NOT_AVAILABLE until max.block.ms; an
 * empty transactional id is INVALID_REQUEST, as in Kafka.
 */
import { defineHandler } from './types.ts';
import { ErrorCode } from '../../protocol/error-codes.ts';
import type { InitProducerIdResponse } from '../../protocol/generated/init-producer-id.ts';
import type { Loose } from '../../protocol/primitives/loose.ts';
import { allowed, allowedOnAny, clusterAllowed } from '../security/authorize.ts';
import { isStorageFailure } from '../log/index.ts';

export const initProducerIdHandler = defineHandler({
  apiKey: 22,
  minVersion: 0,
  maxVersion: 5,
  async handle(request, ctx): Promise<Loose<InitProducerIdResponse>> {
    if (request.transactionalId !== null) {
      if (!allowed(ctx, 'WRITE', 'TRANSACTIONAL_ID', request.transactionalId)) return failure(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    } else if (!clusterAllowed(ctx, 'IDEMPOTENT_WRITE') && !allowedOnAny(ctx, 'WRITE', 'TOPIC')) {
      return failure(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    }
    if (request.transactionalId === '') return failure(ErrorCode.INVALID_REQUEST);
    if (request.transactionalId !== null) {
      ctx.logger.info({ transactionalId: request.transactionalId }, 'transactional producer refused: the embedded broker does not support transactions');
      return failure(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    }
    if ((request.producerId === -1n) !== (request.producerEpoch === -1)) return failure(ErrorCode.INVALID_REQUEST);
    let producerId: bigint;
    try {
      producerId = await ctx.broker.producers.ids.allocate();
    } catch (e: unknown) {
      if (!isStorageFailure(e)) throw e;
      ctx.logger.warn({ err: e }, 'no producer id: storage failure');
      return failure(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId, producerEpoch: 0 };
  },
});

function failure(errorCode: number): Loose<InitProducerIdResponse> {
  return { throttleTimeMs: 0, errorCode, producerId: -1n, producerEpoch: -1 };
}
