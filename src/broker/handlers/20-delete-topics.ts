/**
 * DeleteTopics: v1-6.
 * Behaviour: deletes by name (v0-5 topic_names, v6 topics[].name) or by topic id (v6+);
 * the topic disappears from metadata at once and its partition directories are removed.
 * Unknown names answer UNKNOWN_TOPIC_OR_PARTITION, unknown ids UNKNOWN_TOPIC_ID.
 */
import { defineHandler } from './types.ts';
import { ErrorCode } from '../../protocol/error-codes.ts';
import type { DeleteTopicsResponse, DeleteTopicsResponseDeletableTopicResult } from '../../protocol/generated/delete-topics.ts';
import type { Loose } from '../../protocol/primitives/loose.ts';
import { ZERO_UUID } from '../../protocol/primitives/loose.ts';

export const deleteTopicsHandler = defineHandler({
  apiKey: 20,
  minVersion: 1,
  maxVersion: 6,
  async handle(request, ctx): Promise<Loose<DeleteTopicsResponse>> {
    const { topics, partitions } = ctx.broker;
    const wanted = ctx.version >= 6 ? request.topics : request.topicNames.map((name) => ({ name, topicId: ZERO_UUID }));
    const responses: Loose<DeleteTopicsResponseDeletableTopicResult>[] = [];
    for (const w of wanted) {
      const topic = w.name !== null ? topics.get(w.name) : topics.getById(w.topicId);
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
      await topics.delete(topic.name);
      await partitions.deleteTopic(topic);
      ctx.logger.info({ topic: topic.name }, 'deleted topic');
      responses.push({ name: topic.name, topicId: ctx.version >= 6 ? topic.topicId : undefined, errorCode: ErrorCode.NONE, errorMessage: null });
    }
    return { throttleTimeMs: 0, responses };
  },
});
