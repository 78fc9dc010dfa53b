/**
 * DeleteRecords: v0-2.
 * Behaviour: moves a partition's log start offset forward to the given offset (-1 means the
 * high watermark); records before it are no longer served and whole segments below it are
 * deleted. The new start offset is durable. Answers the new low watermark.
 * Errors: unknown partitions UNKNOWN_TOPIC_OR_PARTITION; an offset above the high watermark
 * or below -1 OFFSET_OUT_OF_RANGE; a disk that refuses the new start offset
 * KAFKA_STORAGE_ERROR. With an authorizer, each topic needs DELETE, else its partitions
 * answer TOPIC_AUTHORIZATION_FAILED (before, and whether or not, it exists), as KafkaApis.
 */
import { defineHandler } from './types.ts';
import { ErrorCode } from '../../protocol/error-codes.ts';
import type { DeleteRecordsResponse } from '../../protocol/generated/delete-records.ts';
import type { Loose } from '../../protocol/primitives/loose.ts';
import { allowed } from '../security/authorize.ts';
import { isStorageFailure } from '../log/index.ts';

export const deleteRecordsHandler = defineHandler({
  apiKey: 21,
  minVersion: 0,
  maxVersion: 2,
  async handle(request, ctx): Promise<Loose<DeleteRecordsResponse>> {
    const topics = [];
    for (const t of request.topics) {
      if (!allowed(ctx, 'DELETE', 'TOPIC', t.name)) {
        topics.push({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, lowWatermark: -1n, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED })) });
        continue;
      }
      const partitions = [];
      for (const p of t.partitions) {
        const log = ctx.broker.partitions.get(t.name, p.partitionIndex);
        if (!log) {
          partitions.push({ partitionIndex: p.partitionIndex, lowWatermark: -1n, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });
          continue;
        }
        const target = p.offset === -1n ? log.highWatermark : p.offset;
        if (target < 0n || target > log.highWatermark) {
          partitions.push({ partitionIndex: p.partitionIndex, lowWatermark: -1n, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE });
          continue;
        }
        let result;
        try {
          result = await log.deleteRecordsBefore(target);
        } catch (e: unknown) {
          if (!isStorageFailure(e)) throw e;
          ctx.logger.warn({ topic: t.name, partition: p.partitionIndex, err: e }, 'records not deleted: storage failure');
          partitions.push({ partitionIndex: p.partitionIndex, lowWatermark: -1n, errorCode: ErrorCode.KAFKA_STORAGE_ERROR });
          continue;
        }
        if (typeof result !== 'bigint') partitions.push({ partitionIndex: p.partitionIndex, lowWatermark: -1n, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE });
        else partitions.push({ partitionIndex: p.partitionIndex, lowWatermark: result, errorCode: ErrorCode.NONE });
      }
      topics.push({ name: t.name, partitions });
    }
    return { throttleTimeMs: 0, topics };
  },
});
