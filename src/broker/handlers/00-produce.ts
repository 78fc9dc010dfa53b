/**
 * Produce: advertised v0-11, served v3-11 (v0-2 carry message formats 0/1, removed in Kafka
 * 4.0; the minimum of 0 is advertised as Kafka 4.x does, because librdkafka only compresses
 * when it sees it, KAFKA-18659). v12+ (transactions v2, topic ids) is not advertised.
 * Behaviour: each partition's single batch is checked (validate-records.ts), appended with
 * offsets assigned by rewriting its header, and answered only once it is on disk (the log's
 * group commit makes one fsync cover every batch that arrived meanwhile). Partitions of one
 * request are appended concurrently. LogAppendTime topics stamp the batch with the broker's
 * time. acks=0 sends no response; an error then closes the connection, as Kafka does.
 * Idempotent batches (producer id >= 0) are checked against the partition's producer state
 * (producers/, kafka-storage.md §5): a retry of one of the producer's last five batches is
 * not appended and gets success with its original offset (once that append settles); a
 * stale epoch INVALID_PRODUCER_EPOCH; a gap, or a new epoch not starting at sequence 0,
 * OUT_OF_ORDER_SEQUENCE_NUMBER. The check and the log's enqueue run without yielding in
 * between, so batches of one partition are checked in the order their offsets are assigned.
 * Storage failures (disk full, I/O errors): the partition answers KAFKA_STORAGE_ERROR with the
 * file system's reason, as Kafka does for an offline log directory; other partitions and
 * connections carry on. The log repairs itself on a later append once the disk is usable
 * (log/log-repair.ts), so a client's retry succeeds then.
 * Metrics: each appended batch adds its bytes and record count to the topic's BytesIn and
 * MessagesIn (duplicates and refused batches add nothing); each request adds its time.
 * Authorization (with an authorizer, as KafkaApis): a request carrying transactional batches
 * needs WRITE on its transactional id, else every partition answers
 * TRANSACTIONAL_ID_AUTHORIZATION_FAILED; each topic needs WRITE, else its partitions answer
 * TOPIC_AUTHORIZATION_FAILED (before, and whether or not, the topic exists).
 * Known gaps: transactional batches are treated as idempotent ones (no transactions yet);
 * CreateTime bounds use the batch's base and max timestamps rather than every record's.
 */
import { CloseConnection, defineHandler, type RequestContext } from './types.ts';
import { ErrorCode } from '../../protocol/error-codes.ts';
import type { ProduceRequestPartitionProduceData, ProduceResponse, ProduceResponsePartitionProduceResponse } from '../../protocol/generated/produce.ts';
import type { Loose } from '../../protocol/primitives/loose.ts';
import { checkRecords } from '../produce/validate-records.ts';
import { effectiveConfig } from '../metadata/topic-configs.ts';
import type { TopicInfo } from '../metadata/topic-store.ts';
import { isStorageFailure, storageFailureDetail, type AppendOptions, type AppendResult, type PartitionLog } from '../log/index.ts';
import { batchOf, type Placement } from '../producers/index.ts';
import type { BatchHeader } from '../../protocol/records/index.ts';
import { allowed, enforcing } from '../security/authorize.ts';

type PartitionAnswer = Loose<ProduceResponsePartitionProduceResponse>;

export const produceHandler = defineHandler({
  apiKey: 0,
  minVersion: 0,
  maxVersion: 11,
  async handle(request, ctx): Promise<Loose<ProduceResponse> | null> {
    const started = performance.now();
    const validAcks = request.acks === 0 || request.acks === 1 || request.acks === -1;
    const transactionalDenied = enforcing(ctx) && hasTransactionalBatch(request.topicData) && (request.transactionalId === null || !allowed(ctx, 'WRITE', 'TRANSACTIONAL_ID', request.transactionalId));
    const responses = await Promise.all(
      request.topicData.map(async (t) => {
        const denied = transactionalDenied ? ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED : allowed(ctx, 'WRITE', 'TOPIC', t.name) ? undefined : ErrorCode.TOPIC_AUTHORIZATION_FAILED;
        const topic = ctx.broker.topics.get(t.name);
        const partitionResponses = await Promise.all(
          t.partitionData.map(async (p): Promise<PartitionAnswer> => {
            if (denied !== undefined) return failure(p.index, denied, null);
            return !validAcks ? failure(p.index, ErrorCode.INVALID_REQUIRED_ACKS, `acks must be 0, 1 or -1, not ${request.acks}`) : appendPartition(topic, p, ctx);
          }),
        );
        return { name: t.name, partitionResponses };
      }),
    );
    ctx.broker.metrics.produceCompleted(performance.now() - started);
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
  const options: AppendOptions = { leaderEpoch: 0, ...(logAppendTime ? { logAppendTime: BigInt(now) } : {}) };
  const h = check.batch.header;
  try {
    if (h.producerId >= 0n) return await appendIdempotent(topic, p, log, h, options, ctx);
    const result = await log.append(p.records as Buffer, options);
    ctx.broker.partitions.notifyAppend();
    ctx.broker.metrics.appended(topic.name, check.batch.size, h.recordsCount);
    return success(p.index, result);
  } catch (e: unknown) {
    if (!isStorageFailure(e)) throw e;
    // The log itself warns once when it goes offline; each refused batch is only a debug line.
    ctx.logger.debug({ topic: topic.name, partition: p.index, err: e }, 'produce refused: storage failure');
    return failure(p.index, ErrorCode.KAFKA_STORAGE_ERROR, storageErrorMessage(topic.name, p.index, e));
  }
}

function storageErrorMessage(topic: string, partition: number, e: unknown): string {
  return `The broker could not write to the log of ${topic}-${partition} (${storageFailureDetail(e)}). The batch was not acknowledged; retry it: writes resume by themselves once the disk has room or works again.`;
}

/** Sequence check, then append; nothing yields between the two (see the header). */
async function appendIdempotent(topic: TopicInfo, p: ProduceRequestPartitionProduceData, log: PartitionLog, h: BatchHeader, options: AppendOptions, ctx: RequestContext): Promise<PartitionAnswer> {
  const producers = ctx.broker.producers.stateFor(topic.name, p.index, log) ?? (await ctx.broker.producers.load(topic.name, p.index, log));
  const batch = batchOf(h, options.logAppendTime ?? h.maxTimestamp);
  const verdict = producers.check(batch, log.logStartOffset);
  if (verdict.kind === 'reject') {
    ctx.logger.debug({ topic: topic.name, partition: p.index, producerId: h.producerId, errorCode: verdict.errorCode }, verdict.message);
    return failure(p.index, verdict.errorCode, verdict.message);
  }
  if (verdict.kind === 'duplicate') {
    const placed = await verdict.batch.placed;
    ctx.logger.debug({ topic: topic.name, partition: p.index, producerId: h.producerId, baseOffset: placed.baseOffset }, 'duplicate batch not appended');
    return success(p.index, { ...placed, logStartOffset: log.logStartOffset });
  }
  const appended = log.append(p.records as Buffer, options);
  const retained = producers.record(batch, appended.then(placementOf));
  let result: AppendResult;
  try {
    result = await appended;
  } catch (e: unknown) {
    producers.forget(h.producerId, retained);
    throw e;
  }
  ctx.broker.partitions.notifyAppend();
  ctx.broker.metrics.appended(topic.name, (p.records as Buffer).length, h.recordsCount);
  return success(p.index, result);
}

function success(index: number, r: AppendResult): PartitionAnswer {
  return { index, errorCode: ErrorCode.NONE, baseOffset: r.baseOffset, logAppendTimeMs: r.logAppendTime, logStartOffset: r.logStartOffset, errorMessage: null };
}

function placementOf(r: AppendResult): Placement {
  return { baseOffset: r.baseOffset, lastOffset: r.lastOffset, logAppendTime: r.logAppendTime };
}

/** Kafka's RequestUtils.hasTransactionalRecords: the first batch of some partition is transactional. */
function hasTransactionalBatch(topics: readonly { partitionData: readonly ProduceRequestPartitionProduceData[] }[]): boolean {
  for (const t of topics) {
    for (const p of t.partitionData) {
      const records = p.records;
      // RecordBatch v2: magic at byte 16, attributes (int16) at 21, bit 4 = transactional.
      if (records !== null && records.length >= 23 && records[16] === 2 && ((records.readInt16BE(21) >> 4) & 1) === 1) return true;
    }
  }
  return false;
}

function failure(index: number, errorCode: number, message: string | null): PartitionAnswer {
  return { index, errorCode, baseOffset: -1n, logAppendTimeMs: -1n, logStartOffset: -1n, errorMessage: message };
}
