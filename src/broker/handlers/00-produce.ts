/**
 * Produce: advertised v0-11, served v3-11 (v0-2 carry message formats 0/1, removed in Kafka
 * 4.0; the minimum of 0 is advertised as Kafka 4.x does, because librdkafka only compresses
 * when it sees it, KAFKA-18659). v12+ (transactions v2, topic ids) is not advertised.
 * Behaviour: each partition's single batch is checked (validate-records.ts), appended with
 * offsets assigned by rewriting its header, and answered only once it is on disk (the log's
 * group commit makes one fsync cover every batch that arrived meanwhile). Partitions of one
 * request are appended concurrently. LogAppendTime topics stamp the batch with the broker's
 * time. acks=0 sends no response; an error then closes the connection, as Kafka does.
 * Known gaps: idempotent and transactional producer state (sequence checks, fencing) comes
 * with InitProducerId; CreateTime bounds use the batch's base and max timestamps rather than
 * every record's.
 */
import { CloseConnection, defineHandler, type RequestContext } from './types.ts';
import { ErrorCode } from '../../protocol/error-codes.ts';
import type { ProduceRequestPartitionProduceData, ProduceResponse, ProduceResponsePartitionProduceResponse } from '../../protocol/generated/produce.ts';
import type { Loose } from '../../protocol/primitives/loose.ts';
import { checkRecords } from '../produce/validate-records.ts';
import { effectiveConfig } from '../metadata/topic-configs.ts';
import type { TopicInfo } from '../metadata/topic-store.ts';

type PartitionAnswer = Loose<ProduceResponsePartitionProduceResponse>;

export const produceHandler = defineHandler({
  apiKey: 0,
  minVersion: 0,
  maxVersion: 11,
  async handle(request, ctx): Promise<Loose<ProduceResponse> | null> {
    const validAcks = request.acks === 0 || request.acks === 1 || request.acks === -1;
    const responses = await Promise.all(
      request.topicData.map(async (t) => {
        const topic = ctx.broker.topics.get(t.name);
        const partitionResponses = await Promise.all(
          t.partitionData.map(async (p): Promise<PartitionAnswer> =>
            !validAcks ? failure(p.index, ErrorCode.INVALID_REQUIRED_ACKS, `acks must be 0, 1 or -1, not ${request.acks}`) : appendPartition(topic, p, ctx),
          ),
        );
        return { name: t.name, partitionResponses };
      }),
    );
    if (request.acks === 0) {
      const failed = responses.flatMap((r) => r.partitionResponses).find((p) => p.errorCode !== ErrorCode.NONE);
      if (failed) throw new CloseConnection(`acks=0 produce failed with error ${String(failed.errorCode)}: ${String(failed.errorMessage)}`);
      return null;
    }
    return { responses, throttleTimeMs: 0 };
  },
});

async function appendPartition(topic: TopicInfo | undefined, p: ProduceRequestPartitionProduceData, ctx: RequestContext): Promise<PartitionAnswer> {
  const log = topic ? ctx.broker.partitions.get(topic.name, p.index) : undefined;
  if (!topic || !log) return failure(p.index, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'This server does not host this topic-partition.');
  const now = Date.now();
  const logAppendTime = effectiveConfig(topic.configs, 'message.timestamp.type') === 'LogAppendTime';
  const maxMessageBytes = topic.configs['max.message.bytes'] !== undefined ? Number(topic.configs['max.message.bytes']) : ctx.broker.config.messageMaxBytes;
  const check = checkRecords(p.records, {
    produceVersion: ctx.version,
    maxMessageBytes,
    logAppendTime,
    now,
    timestampBeforeMaxMs: BigInt(effectiveConfig(topic.configs, 'message.timestamp.before.max.ms')),
    timestampAfterMaxMs: BigInt(effectiveConfig(topic.configs, 'message.timestamp.after.max.ms')),
  });
  if (!check.ok) {
    ctx.logger.debug({ topic: topic.name, partition: p.index, errorCode: check.errorCode }, check.message);
    return failure(p.index, check.errorCode, check.message);
  }
  const result = await log.append(p.records as Buffer, { leaderEpoch: 0, ...(logAppendTime ? { logAppendTime: BigInt(now) } : {}) });
  ctx.broker.partitions.notifyAppend();
  return {
    index: p.index,
    errorCode: ErrorCode.NONE,
    baseOffset: result.baseOffset,
    logAppendTimeMs: result.logAppendTime,
    logStartOffset: result.logStartOffset,
    errorMessage: null,
  };
}

function failure(index: number, errorCode: number, message: string): PartitionAnswer {
  return { index, errorCode, baseOffset: -1n, logAppendTimeMs: -1n, logStartOffset: -1n, errorMessage: message };
}
