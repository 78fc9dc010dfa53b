/**
 * Kafka record batches (RecordBatch v2, magic 2 only), their CRC-32C and compression
 * codecs. Sans-I/O: bytes in, typed values out.
 */
export { crc32c, crc32cSoftware, crc32cNative } from './crc32c.ts';
export { CompressionCodec, codecName, isCompressionCodec } from './compression-codec.ts';
export { compress, decompress, type CompressOptions } from './compression.ts';
export type { SnappyFraming } from './snappy.ts';
export { isXerialFramed, readXerialChunks, writeXerialFrame } from './xerial-snappy.ts';
export { decodeAttributes, encodeAttributes, type BatchAttributes, type TimestampType } from './attributes.ts';
export {
  BATCH_HEADER_SIZE,
  LOG_OVERHEAD,
  NO_PARTITION_LEADER_EPOCH,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  NO_SEQUENCE,
  NO_TIMESTAMP,
} from './batch-layout.ts';
export { readBatchHeader, type BatchHeader } from './batch-header.ts';
export {
  validateBatch,
  validateBatches,
  iterateBatches,
  type BatchInfo,
  type ValidateOptions,
  type IterateOptions,
} from './batch-validate.ts';
export { rewriteBatchOffsets, setLogAppendTime } from './batch-rewrite.ts';
export { encodeBatch, type EncodeBatchInput } from './batch-encode.ts';
export { decodeBatch, type DecodeOptions, type DecodedBatch } from './batch-decode.ts';
export type { DecodedRecord, RecordHeader, RecordHeaderInput, RecordInput } from './record-types.ts';
