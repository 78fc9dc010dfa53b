/**
 * DeleteTopics: v1-6.
 * Behaviour: deletes by name (v0-5 topic_names, v6 topics[].name) or by topic id (v6+);
 * the topic disappears from metadata at once and its partition directories are removed.
 * Unknown names answer UNKNOWN_TOPIC_OR_PARTITION, unknown ids UNKNOWN_TOPIC_ID. A disk that
 * refuses the new topic list answers KAFKA_STORAGE_ERROR and the topic stays.
 * Authorization (with an authorizer, in the order of Kafka's ControllerApis): DELETE on the
 * cluster allows every topic; otherwise by name, a topic the principal may not DESCRIBE answers
 * TOPIC_AUTHORIZATION_FAILED whether or not it exists, then an unknown one
 * UNKNOWN_TOPIC_OR_PARTITION, then one it may not DELETE TOPIC_AUTHORIZATION_FAILED; by id, an
 * unknown id answers UNKNOWN_TOPIC_ID, one it may not DELETE TOPIC_AUTHORIZATION_FAILED, naming
 * the topic only if the principal may DESCRIBE it.
 */
import { defineHandler } from './types.ts';
import { ErrorCode } from '../../protocol/error-codes.ts';
import type { DeleteTopicsResponse, DeleteTopicsResponseDeletableTopicResult } from '../../protocol/generated/delete-topics.ts';
import type { Loose } from '../../protocol/primitives/loose.ts';
import { ZERO_UUID } from '../../protocol/primitives/loose.ts';
import { allowed, clusterAllowed, enforcing, errorMessage } from '../security/authorize.ts';
import { isStorageFailure, storageFailureDetail } from '../log/index.ts';

export const deleteTopicsHandler = defineHandler({
  apiKey: 20,
  minVersion: 1,
  maxVersion: 6,
  async handle(request, ctx): Promise<Loose<DeleteTopicsResponse>> {
    const { topics, partitions } = ctx.broker;
    const wanted = ctx.version >= 6 ? request.topics : request.topicNames.map((name) => ({ name, topicId: ZERO_UUID }));
    const responses: Loose<DeleteTopicsResponseDeletableTopicResult>[] = [];
    const everyTopic = !enforcing(ctx) || clusterAllowed(ctx, 'DELETE');
    const may = (operation: 'DESCRIBE' | 'DELETE', name: string): boolean => everyTopic || allowed(ctx, operation, 'TOPIC', name);
    for (const w of wanted) {
      if (w.name !== null && !may('DESCRIBE', w.name)) {
        responses.push({ name: w.name, topicId: ZERO_UUID, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: errorMessage(ErrorCode.TOPIC_AUTHORIZATION_FAILED) });
        continue;
      }
      const topic = w.name !== null ? topics.get(w.name) : topics.getById(w.topicId);
      if (topic && !may('DELETE', topic.name)) {
        const named = w.name !== null || may('DESCRIBE', topic.name);
        responses.push({ name: named ? topic.name : null, topicId: w.name === null ? w.topicId : ZERO_UUID, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: errorMessage(ErrorCode.TOPIC_AUTHORIZATION_FAILED) });
        continue;
      }
      if (!topic) {
        const byId = w.name === null;
        responses.push({
          name: w.name,
          topicId: w.topicId,
          errorCode: byId ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
          errorMessage: byId ? `Topic id ${w.topicId} does not exist.` : 'This server does not host this topic-partition.',
        });
        continue;
      }
      try {
        await topics.delete(topic.name);
      } catch (e: unknown) {
        if (!isStorageFailure(e)) throw e;
        ctx.logger.warn({ topic: topic.name, err: e }, 'topic not deleted: storage failure');
        responses.push({ name: topic.name, topicId: ctx.version >= 6 ? topic.topicId : undefined, errorCode: ErrorCode.KAFKA_STORAGE_ERROR, errorMessage: `Topic '${topic.name}' was not deleted: the broker could not write to its data directory (${storageFailureDetail(e)}). Free disk space, then retry.` });
        continue;
      }
      await partitions.deleteTopic(topic);
      ctx.logger.info({ topic: topic.name }, 'deleted topic');
      responses.push({ name: topic.name, topicId: ctx.version >= 6 ? topic.topicId : undefined, errorCode: ErrorCode.NONE, errorMessage: null });
    }
    return { throttleTimeMs: 0, responses };
  },
});
