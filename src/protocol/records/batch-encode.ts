import { ProtocolError } from '../errors.ts';
import { Writer } from '../primitives/writer.ts';
import { encodeAttributes, type TimestampType } from './attributes.ts';
import * as L from './batch-layout.ts';
import { CompressionCodec } from './compression-codec.ts';
import { compress } from './compression.ts';
import { crc32c } from './crc32c.ts';
import { writeRecord, type ResolvedRecord } from './record-encode.ts';
import type { RecordInput } from './record-types.ts';
import type { SnappyFraming } from './snappy.ts';

export interface EncodeBatchInput {
  /** Default 0: clients always send 0 and the broker assigns the real offset. */
  baseOffset?: bigint;
  /** Default -1 (no epoch), as clients send it. */
  partitionLeaderEpoch?: number;
  codec?: CompressionCodec;
  snappyFraming?: SnappyFraming;
  timestampType?: TimestampType;
  /** Required with LogAppendTime: becomes MaxTimestamp, which every record then reports. */
  logAppendTime?: bigint | number;
  transactional?: boolean;
  control?: boolean;
  deleteHorizon?: boolean;
  /** Default: the first record's `timestamp`, as the Java producer does; -1 for an empty batch. */
  baseTimestamp?: bigint | number;
  /** Defaults -1, -1, -1: not an idempotent producer. */
  producerId?: bigint;
  producerEpoch?: number;
  baseSequence?: number;
  /** Default: the largest offsetDelta. Larger only for batches that compaction thinned out. */
  lastOffsetDelta?: number;
  records: readonly RecordInput[];
}

/**
 * Encodes one RecordBatch v2: records, then compression of the records section, then
 * the header with lastOffsetDelta, maxTimestamp and the CRC-32C computed here.
 */
export async function encodeBatch(input: EncodeBatchInput): Promise<Buffer> {
  const codec = input.codec ?? CompressionCodec.None;
  const baseTimestamp = resolveBaseTimestamp(input);
  const records = input.records.map((r, i) => resolveRecord(r, i, baseTimestamp));

  const body = new Writer(1024);
  for (const r of records) writeRecord(body, r);
  const payload = await compress(codec, body.toBuffer(), { snappyFraming: input.snappyFraming ?? 'raw' });

  const w = new Writer(L.BATCH_HEADER_SIZE);
  w.int64(input.baseOffset ?? 0n);
  w.int32(L.MIN_BATCH_LENGTH + payload.length);
  w.int32(input.partitionLeaderEpoch ?? L.NO_PARTITION_LEADER_EPOCH);
  w.int8(L.CURRENT_MAGIC);
  w.uint32(0); // CRC, filled in below once every covered byte is in place
  w.int16(
    encodeAttributes({
      codec,
      timestampType: input.timestampType,
      transactional: input.transactional,
      control: input.control,
      deleteHorizon: input.deleteHorizon,
    }),
  );
  w.int32(lastOffsetDelta(input, records));
  w.int64(baseTimestamp);
  w.int64(maxTimestamp(input, records, baseTimestamp));
  w.int64(input.producerId ?? L.NO_PRODUCER_ID);
  w.int16(input.producerEpoch ?? L.NO_PRODUCER_EPOCH);
  w.int32(input.baseSequence ?? L.NO_SEQUENCE);
  w.int32(records.length);
  w.raw(payload);

  const batch = w.toBuffer();
  batch.writeUInt32BE(crc32c(batch, L.ATTRIBUTES), L.CRC);
  return batch;
}

function resolveBaseTimestamp(input: EncodeBatchInput): bigint {
  if (input.baseTimestamp !== undefined) return toBigInt(input.baseTimestamp, 'baseTimestamp');
  const first = input.records[0];
  if (first === undefined) return L.NO_TIMESTAMP;
  if (first.timestamp !== undefined) return toBigInt(first.timestamp, 'record 0 timestamp');
  throw invalid('give baseTimestamp, or an absolute timestamp on the first record');
}

function resolveRecord(r: RecordInput, index: number, baseTimestamp: bigint): ResolvedRecord {
  return {
    attributes: r.attributes ?? 0,
    timestampDelta:
      r.timestamp !== undefined
        ? toBigInt(r.timestamp, `record ${index} timestamp`) - baseTimestamp
        : toBigInt(r.timestampDelta ?? 0, `record ${index} timestampDelta`),
    offsetDelta: r.offsetDelta ?? index,
    key: r.key,
    value: r.value,
    headers: r.headers ?? [],
  };
}

function lastOffsetDelta(input: EncodeBatchInput, records: readonly ResolvedRecord[]): number {
  let max = 0;
  for (const r of records) max = Math.max(max, r.offsetDelta);
  if (input.lastOffsetDelta === undefined) return max;
  if (input.lastOffsetDelta < max) {
    throw invalid(`lastOffsetDelta ${input.lastOffsetDelta} is below the largest record offsetDelta ${max}`);
  }
  return input.lastOffsetDelta;
}

function maxTimestamp(input: EncodeBatchInput, records: readonly ResolvedRecord[], baseTimestamp: bigint): bigint {
  if (input.timestampType === 'LogAppendTime') {
    if (input.logAppendTime === undefined) throw invalid('a LogAppendTime batch needs logAppendTime');
    return toBigInt(input.logAppendTime, 'logAppendTime');
  }
  if (records.length === 0) return L.NO_TIMESTAMP;
  let max: bigint | undefined;
  for (const r of records) {
    const t = baseTimestamp + r.timestampDelta;
    if (max === undefined || t > max) max = t;
  }
  return max ?? L.NO_TIMESTAMP;
}

/** Numbers must be safe integers: a fractional or rounded millisecond count is a caller bug. */
function toBigInt(v: bigint | number, what: string): bigint {
  if (typeof v === 'bigint') return v;
  if (!Number.isSafeInteger(v)) throw invalid(`${what} ${v} is not a safe integer`);
  return BigInt(v);
}

function invalid(detail: string): ProtocolError {
  return new ProtocolError('SDS_ERR_PROTOCOL_VALUE_OUT_OF_RANGE', `cannot encode record batch: ${detail}`);
}
