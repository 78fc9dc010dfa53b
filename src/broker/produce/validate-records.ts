/**
 * What the broker checks in a partition's records before appending them, following
 * Kafka's ProduceRequest.validateRecords and LogValidator (see kafka-storage.md §4): one
 * v2 batch, intact (CRC), within max.message.bytes, offsets as clients write them, no
 * control batches, and CreateTime timestamps inside the topic's window.
 */
import { ProtocolError } from '../../protocol/errors.ts';
import { ErrorCode } from '../../protocol/error-codes.ts';
import { CompressionCodec, validateBatch, type BatchInfo } from '../../protocol/records/index.ts';

export interface RecordsPolicy {
  readonly produceVersion: number;
  readonly maxMessageBytes: number;
  readonly logAppendTime: boolean;
  readonly now: number;
  readonly timestampBeforeMaxMs: bigint;
  readonly timestampAfterMaxMs: bigint;
}

export type RecordsCheck = { ok: true; batch: BatchInfo } | { ok: false; errorCode: number; message: string };

const MAGIC_OFFSET = 16;
const LOG_OVERHEAD = 12;
const ZSTD_MIN_PRODUCE_VERSION = 7;

export function checkRecords(records: Buffer | null, policy: RecordsPolicy): RecordsCheck {
  if (records === null || records.length === 0) {
    return refuse(ErrorCode.INVALID_RECORD, 'Produce requests with version 3 and above must contain exactly one record batch per partition');
  }
  if (records.length > MAGIC_OFFSET) {
    const magic = records.readInt8(MAGIC_OFFSET);
    if (magic !== 2) {
      return refuse(ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT, `Produce requests with version 3 and above may only contain record batches with magic version 2, not ${magic}`);
    }
  }
  if (records.length >= LOG_OVERHEAD) {
    // The size check comes first: a batch too large must say so even if also truncated.
    const size = records.readInt32BE(8) + LOG_OVERHEAD;
    if (size > policy.maxMessageBytes) {
      return refuse(ErrorCode.MESSAGE_TOO_LARGE, `The record batch of ${size} bytes exceeds the maximum of ${policy.maxMessageBytes} bytes (max.message.bytes)`);
    }
  }
  let batch: BatchInfo;
  try {
    batch = validateBatch(records, 0);
  } catch (e: unknown) {
    if (e instanceof ProtocolError) return refuse(ErrorCode.CORRUPT_MESSAGE, e.message);
    throw e;
  }
  if (batch.size !== records.length) {
    return refuse(ErrorCode.INVALID_RECORD, 'Produce requests with version 3 and above must contain exactly one record batch per partition');
  }
  const h = batch.header;
  if (h.codec === CompressionCodec.Zstd && policy.produceVersion < ZSTD_MIN_PRODUCE_VERSION) {
    return refuse(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, 'Produce requests with ZStandard compression need Produce version 7 or above');
  }
  if (h.baseOffset !== 0n) return refuse(ErrorCode.INVALID_RECORD, `The base offset of a produced batch must be 0, not ${h.baseOffset}`);
  if (h.control) return refuse(ErrorCode.INVALID_RECORD, 'Clients may not produce control batches');
  if (h.recordsCount <= 0 || h.recordsCount !== h.lastOffsetDelta + 1) {
    return refuse(ErrorCode.INVALID_RECORD, `The batch holds ${h.recordsCount} records but spans ${h.lastOffsetDelta + 1} offsets`);
  }
  if (h.producerId >= 0n && h.baseSequence < 0) {
    return refuse(ErrorCode.INVALID_RECORD, `The batch of producer ${h.producerId} has the invalid base sequence ${h.baseSequence}`);
  }
  if (h.timestampType === 'LogAppendTime') {
    return refuse(ErrorCode.INVALID_TIMESTAMP, 'Clients may not set the LogAppendTime timestamp type on a batch');
  }
  if (!policy.logAppendTime) {
    const now = BigInt(policy.now);
    // Producers write the first record's timestamp as BaseTimestamp and the largest as
    // MaxTimestamp, so the two bound every record of the batch without decompressing it.
    if (h.maxTimestamp - now > policy.timestampAfterMaxMs) {
      return refuse(ErrorCode.INVALID_TIMESTAMP, `Timestamp ${h.maxTimestamp} of the batch is more than ${policy.timestampAfterMaxMs} ms ahead of the broker's time (message.timestamp.after.max.ms)`);
    }
    if (h.baseTimestamp >= 0n && now - h.baseTimestamp > policy.timestampBeforeMaxMs) {
      return refuse(ErrorCode.INVALID_TIMESTAMP, `Timestamp ${h.baseTimestamp} of the batch is more than ${policy.timestampBeforeMaxMs} ms behind the broker's time (message.timestamp.before.max.ms)`);
    }
  }
  return { ok: true, batch };
}

function refuse(errorCode: number, message: string): RecordsCheck {
  return { ok: false, errorCode, message };
}
