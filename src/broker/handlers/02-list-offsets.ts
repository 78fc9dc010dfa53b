/**
 * ListOffsets: v1-9.
 * Behaviour: timestamp -1 (latest) answers the high watermark, -2 (earliest) and -4
 * (earliest local) the log start offset, -3 (max timestamp, v7+) the record with the
 * largest timestamp, -5 (earliest pending upload, v9+) -1 as there is no tiered storage;
 * any other timestamp the first offset whose timestamp is at or after it, through the time
 * index, or offset -1 when there is none. Leader epoch is always 0 (v4+).
 * Errors: unknown partitions UNKNOWN_TOPIC_OR_PARTITION; a leader epoch newer than ours
 * UNKNOWN_LEADER_EPOCH; a partition listed twice INVALID_REQUEST; a timestamp lookup that
 * meets a batch on disk that does not decode CORRUPT_MESSAGE, one the disk fails
 * KAFKA_STORAGE_ERROR. With an authorizer, each topic needs DESCRIBE, else its partitions
 * answer TOPIC_AUTHORIZATION_FAILED (as KafkaApis).
 */
import { defineHandler, type RequestContext } from './types.ts';
import { ErrorCode } from '../../protocol/error-codes.ts';
import type { ListOffsetsRequestListOffsetsPartition, ListOffsetsResponse, ListOffsetsResponseListOffsetsPartitionResponse } from '../../protocol/generated/list-offsets.ts';
import type { Loose } from '../../protocol/primitives/loose.ts';
import { allowed } from '../security/authorize.ts';
import { ProtocolError } from '../../protocol/errors.ts';
import { isStorageFailure } from '../log/index.ts';

const LATEST = -1n;
const EARLIEST = -2n;
const MAX_TIMESTAMP = -3n;
const EARLIEST_LOCAL = -4n;
const EARLIEST_PENDING_UPLOAD = -5n;

type Answer = Loose<ListOffsetsResponseListOffsetsPartitionResponse>;

export const listOffsetsHandler = defineHandler({
  apiKey: 2,
  minVersion: 1,
  maxVersion: 9,
  async handle(request, ctx): Promise<Loose<ListOffsetsResponse>> {
    const topics = [];
    for (const t of request.topics) {
      if (!allowed(ctx, 'DESCRIBE', 'TOPIC', t.name)) {
        topics.push({ name: t.name, partitions: t.partitions.map((p) => answer(p.partitionIndex, ErrorCode.TOPIC_AUTHORIZATION_FAILED)) });
        continue;
      }
      const seen = new Set<number>();
      const partitions: Answer[] = [];
      for (const p of t.partitions) {
        const duplicate = seen.has(p.partitionIndex);
        seen.add(p.partitionIndex);
        partitions.push(duplicate ? answer(p.partitionIndex, ErrorCode.INVALID_REQUEST) : await lookup(t.name, p, ctx));
      }
      topics.push({ name: t.name, partitions });
    }
    return { throttleTimeMs: 0, topics };
  },
});

async function lookup(topic: string, p: ListOffsetsRequestListOffsetsPartition, ctx: RequestContext): Promise<Answer> {
  const log = ctx.broker.partitions.get(topic, p.partitionIndex);
  if (!log) return answer(p.partitionIndex, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  if (p.currentLeaderEpoch > 0) return answer(p.partitionIndex, ErrorCode.UNKNOWN_LEADER_EPOCH);
  // Leader epoch exists from v4; older versions may only carry its default.
  const epoch = ctx.version >= 4 ? 0 : -1;
  const found = (offset: bigint, timestamp = -1n): Answer => ({ partitionIndex: p.partitionIndex, errorCode: ErrorCode.NONE, timestamp, offset, leaderEpoch: epoch });
  switch (p.timestamp) {
    case LATEST:
      return found(log.highWatermark);
    case EARLIEST:
    case EARLIEST_LOCAL:
      return found(log.logStartOffset);
    case EARLIEST_PENDING_UPLOAD:
      return { ...found(-1n), leaderEpoch: -1 };
    default: {
      if (p.timestamp < 0n && p.timestamp !== MAX_TIMESTAMP) return answer(p.partitionIndex, ErrorCode.INVALID_REQUEST);
      let hit;
      try {
        hit = p.timestamp === MAX_TIMESTAMP ? await log.maxTimestamp() : await log.offsetForTimestamp(p.timestamp);
      } catch (e: unknown) {
        return answer(p.partitionIndex, unreadable(e, topic, p.partitionIndex, ctx));
      }
      return hit ? found(hit.offset, hit.timestamp) : { ...found(-1n), leaderEpoch: -1 };
    }
  }
}

/**
 * A timestamp lookup that had to read a batch from disk and could not: the partition answers
 * as Kafka's per-partition catch does (CORRUPT_MESSAGE for a batch that does not decode,
 * KAFKA_STORAGE_ERROR for the disk), and the connection stays open.
 */
function unreadable(e: unknown, topic: string, partition: number, ctx: RequestContext): number {
  if (e instanceof ProtocolError) {
    ctx.logger.warn({ topic, partition, err: e }, 'timestamp lookup met a batch that does not decode');
    return ErrorCode.CORRUPT_MESSAGE;
  }
  if (isStorageFailure(e)) {
    ctx.logger.warn({ topic, partition, err: e }, 'timestamp lookup failed: storage failure');
    return ErrorCode.KAFKA_STORAGE_ERROR;
  }
  throw e;
}

function answer(partitionIndex: number, errorCode: number): Answer {
  return { partitionIndex, errorCode, timestamp: -1n, offset: -1n, leaderEpoch: -1 };
}
