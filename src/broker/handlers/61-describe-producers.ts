/**
 * DescribeProducers: v0.
 * Behaviour: the idempotent producers a partition remembers (those with a batch in the log
 * and not expired by producer.id.expiration.ms): id, epoch, last sequence and the newest
 * batch's timestamp. coordinatorEpoch and currentTxnStartOffset are -1 (no transactions).
 * Errors: unknown topics or partitions UNKNOWN_TOPIC_OR_PARTITION. With an authorizer, each topic
 * needs READ, else its partitions answer TOPIC_AUTHORIZATION_FAILED (before, and whether or not,
 * it exists), as KafkaApis.
 */
import { defineHandler } from './types.ts';
import { ErrorCode } from '../../protocol/error-codes.ts';
import type { DescribeProducersResponse, DescribeProducersResponsePartitionResponse } from '../../protocol/generated/describe-producers.ts';
import type { Loose } from '../../protocol/primitives/loose.ts';
import { allowed, errorMessage } from '../security/authorize.ts';

type PartitionAnswer = Loose<DescribeProducersResponsePartitionResponse>;

export const describeProducersHandler = defineHandler({
  apiKey: 61,
  minVersion: 0,
  maxVersion: 0,
  async handle(request, ctx): Promise<Loose<DescribeProducersResponse>> {
    const topics = [];
    for (const t of request.topics) {
      const partitions: PartitionAnswer[] = [];
      if (!allowed(ctx, 'READ', 'TOPIC', t.name)) {
        const errorCode = ErrorCode.TOPIC_AUTHORIZATION_FAILED;
        for (const index of t.partitionIndexes) partitions.push({ partitionIndex: index, errorCode, errorMessage: errorMessage(errorCode), activeProducers: [] });
        topics.push({ name: t.name, partitions });
        continue;
      }
      for (const index of t.partitionIndexes) {
        const log = ctx.broker.topics.get(t.name) !== undefined ? ctx.broker.partitions.get(t.name, index) : undefined;
        if (log === undefined) {
          partitions.push({ partitionIndex: index, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: 'This server does not host this topic-partition.', activeProducers: [] });
          continue;
        }
        const state = ctx.broker.producers.stateFor(t.name, index, log) ?? (await ctx.broker.producers.load(t.name, index, log));
        const activeProducers = state.producers().map((e) => ({
          producerId: e.producerId,
          producerEpoch: e.epoch,
          lastSequence: e.batches[e.batches.length - 1]?.lastSeq ?? -1,
          lastTimestamp: e.lastTimestamp,
          coordinatorEpoch: -1,
          currentTxnStartOffset: -1n,
        }));
        partitions.push({ partitionIndex: index, errorCode: ErrorCode.NONE, errorMessage: null, activeProducers });
      }
      topics.push({ name: t.name, partitions });
    }
    return { throttleTimeMs: 0, topics };
  },
});
