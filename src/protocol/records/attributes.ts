import { ProtocolError } from '../errors.ts';
import { isCompressionCodec, type CompressionCodec } from './compression-codec.ts';

export type TimestampType = 'CreateTime' | 'LogAppendTime';

/** The meaningful bits of a batch's int16 attributes; bits 7-15 are unused by Kafka. */
export interface BatchAttributes {
  codec: CompressionCodec;
  timestampType: TimestampType;
  transactional: boolean;
  /** A control batch (transaction markers, leader change). */
  control: boolean;
  /** Set by compaction: baseTimestamp then holds the delete horizon. */
  deleteHorizon: boolean;
}

const CODEC_MASK = 0x07;
const LOG_APPEND_TIME = 0x08;
const TRANSACTIONAL = 0x10;
const CONTROL = 0x20;
const DELETE_HORIZON = 0x40;

export function decodeAttributes(attributes: number): BatchAttributes {
  const codec = attributes & CODEC_MASK;
  if (!isCompressionCodec(codec)) {
    throw new ProtocolError(
      'SDS_ERR_PROTOCOL_CORRUPT_BATCH',
      `record batch names unknown compression codec id ${codec} (known: 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd)`,
    );
  }
  return {
    codec,
    timestampType: attributes & LOG_APPEND_TIME ? 'LogAppendTime' : 'CreateTime',
    transactional: (attributes & TRANSACTIONAL) !== 0,
    control: (attributes & CONTROL) !== 0,
    deleteHorizon: (attributes & DELETE_HORIZON) !== 0,
  };
}

export function encodeAttributes(a: Partial<BatchAttributes>): number {
  return (
    ((a.codec ?? 0) & CODEC_MASK) |
    (a.timestampType === 'LogAppendTime' ? LOG_APPEND_TIME : 0) |
    (a.transactional ? TRANSACTIONAL : 0) |
    (a.control ? CONTROL : 0) |
    (a.deleteHorizon ? DELETE_HORIZON : 0)
  );
}

export { LOG_APPEND_TIME as LOG_APPEND_TIME_FLAG };
