import { ProtocolError } from '../errors.ts';
import { decodeAttributes, type BatchAttributes } from './attributes.ts';
import * as L from './batch-layout.ts';

/** The 61-byte header of a RecordBatch v2, field by field. */
export interface BatchHeader extends BatchAttributes {
  baseOffset: bigint;
  /** Bytes after the Length field: the whole batch is length + 12 bytes. */
  length: number;
  partitionLeaderEpoch: number;
  magic: 2;
  /** CRC-32C as stored (unsigned). */
  crc: number;
  /** The raw int16, including bits this version does not interpret. */
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: bigint;
  maxTimestamp: bigint;
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  recordsCount: number;
}

/**
 * Parses the header of the batch at `offset`, copying nothing and leaving the records
 * (compressed or not) untouched. It checks only what it needs to read the fields:
 * 61 bytes present, magic 2 and a known codec. validateBatch does the rest.
 */
export function readBatchHeader(buf: Buffer, offset = 0): BatchHeader {
  if (!Number.isInteger(offset) || offset < 0 || buf.length - offset < L.BATCH_HEADER_SIZE) {
    throw new ProtocolError(
      'SDS_ERR_PROTOCOL_TRUNCATED',
      `record batch header needs ${L.BATCH_HEADER_SIZE} bytes at offset ${offset}, ${Math.max(0, buf.length - offset)} available`,
    );
  }
  checkMagic(buf.readInt8(offset + L.MAGIC));
  const attributes = buf.readInt16BE(offset + L.ATTRIBUTES);
  return {
    baseOffset: buf.readBigInt64BE(offset + L.BASE_OFFSET),
    length: buf.readInt32BE(offset + L.LENGTH),
    partitionLeaderEpoch: buf.readInt32BE(offset + L.PARTITION_LEADER_EPOCH),
    magic: L.CURRENT_MAGIC,
    crc: buf.readUInt32BE(offset + L.CRC),
    attributes,
    ...decodeAttributes(attributes),
    lastOffsetDelta: buf.readInt32BE(offset + L.LAST_OFFSET_DELTA),
    baseTimestamp: buf.readBigInt64BE(offset + L.BASE_TIMESTAMP),
    maxTimestamp: buf.readBigInt64BE(offset + L.MAX_TIMESTAMP),
    producerId: buf.readBigInt64BE(offset + L.PRODUCER_ID),
    producerEpoch: buf.readInt16BE(offset + L.PRODUCER_EPOCH),
    baseSequence: buf.readInt32BE(offset + L.BASE_SEQUENCE),
    recordsCount: buf.readInt32BE(offset + L.RECORDS_COUNT),
  };
}

/** Magic sits at byte 16 in every format, so legacy message sets are recognised and named. */
export function checkMagic(magic: number): void {
  if (magic === L.CURRENT_MAGIC) return;
  const legacy = magic === 0 || magic === 1 ? ` (a legacy v${magic} message set)` : '';
  throw new ProtocolError(
    'SDS_ERR_PROTOCOL_CORRUPT_BATCH',
    `record batch has magic ${magic}${legacy}; only magic 2 (the RecordBatch format of Kafka 0.11 and later) ` +
      'is supported: use a client that writes Kafka 0.11+ record batches',
  );
}
