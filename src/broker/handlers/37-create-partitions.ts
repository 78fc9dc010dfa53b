/**
 * CreatePartitions: v0-3.
 * Behaviour: raises a topic's partition count (never lowers it: INVALID_PARTITIONS), with
 * manual assignments only to ourselves; validate_only checks without changing anything.
 * Passing the broker's max.partitions answers POLICY_VIOLATION; a disk that refuses the new
 * partitions KAFKA_STORAGE_ERROR, with none added.
 * Duplicate topics in one request answer INVALID_REQUEST. With an authorizer, each topic then
 * needs ALTER, else TOPIC_AUTHORIZATION_FAILED (whether or not it exists), as Kafka's ControllerApis.
 */
import { defineHandler } from './types.ts';
import { ErrorCode } from '../../protocol/error-codes.ts';
import type { CreatePartitionsResponse, CreatePartitionsResponseCreatePartitionsTopicResult } from '../../protocol/generated/create-partitions.ts';
import type { Loose } from '../../protocol/primitives/loose.ts';
import { allowed } from '../security/authorize.ts';
import { growTopic, partitionLimitProblem, type TopicProblem } from '../metadata/create-topic.ts';
import { isStorageFailure, storageFailureDetail } from '../log/index.ts';

export const createPartitionsHandler = defineHandler({
  apiKey: 37,
  minVersion: 0,
  maxVersion: 3,
  async handle(request, ctx): Promise<Loose<CreatePartitionsResponse>> {
    const { topics, nodeId } = ctx.broker;
    const counts = new Map<string, number>();
    for (const t of request.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
    const results: Loose<CreatePartitionsResponseCreatePartitionsTopicResult>[] = [];
    const fail = (name: string, errorCode: number, errorMessage: string): void => {
      results.push({ name, errorCode, errorMessage });
    };
    let overLimit: TopicProblem | undefined;
    for (const t of request.topics) {
      const topic = topics.get(t.name);
      if ((counts.get(t.name) ?? 0) > 1) fail(t.name, ErrorCode.INVALID_REQUEST, `Duplicate topic in request: ${t.name}`);
      else if (!allowed(ctx, 'ALTER', 'TOPIC', t.name)) results.push({ name: t.name, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: null });
      else if (!topic) fail(t.name, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'This server does not host this topic-partition.');
      else if (t.count <= topic.partitions) {
        const msg = t.count === topic.partitions ? `Topic already has ${topic.partitions} partitions.` : `Topic currently has ${topic.partitions} partitions, which is higher than the requested ${t.count}.`;
        fail(t.name, ErrorCode.INVALID_PARTITIONS, msg);
      } else if (t.assignments !== null && t.assignments.length !== t.count - topic.partitions) {
        fail(t.name, ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Increasing the number of partitions by ${t.count - topic.partitions} but ${t.assignments.length} assignments provided.`);
      } else if (t.assignments?.some((a) => a.brokerIds.length !== 1 || a.brokerIds[0] !== nodeId)) {
        fail(t.name, ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Assignments may only name broker ${nodeId}, once per partition.`);
      } else if ((overLimit = partitionLimitProblem(ctx.broker, t.count - topic.partitions))) {
        fail(t.name, overLimit.errorCode, overLimit.message);
      } else {
        if (!request.validateOnly) {
          const previous = topic.partitions;
          try {
            await growTopic(ctx.broker, t.name, t.count);
          } catch (e: unknown) {
            if (!isStorageFailure(e)) throw e;
            ctx.logger.warn({ topic: t.name, err: e }, 'partitions not added: storage failure');
            fail(t.name, ErrorCode.KAFKA_STORAGE_ERROR, `No partitions were added to ${t.name}: the broker could not write to its data directory (${storageFailureDetail(e)}). Free disk space, then retry.`);
            continue;
          }
          ctx.logger.info({ topic: t.name, from: previous, to: t.count }, 'added partitions');
        }
        results.push({ name: t.name, errorCode: ErrorCode.NONE, errorMessage: null });
      }
    }
    return { throttleTimeMs: 0, results };
  },
});
