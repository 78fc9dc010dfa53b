/**
 * Byte layout of a RecordBatch v2 header (Kafka DefaultRecordBatch), all big-endian.
 * Only magic 2 is supported: Kafka 3.0+ brokers reject older formats on produce
 * (Produce v3+ requires magic 2) and no client we serve writes them.
 */
export const BASE_OFFSET = 0;
export const LENGTH = 8;
export const PARTITION_LEADER_EPOCH = 12;
export const MAGIC = 16;
export const CRC = 17;
export const ATTRIBUTES = 21;
export const LAST_OFFSET_DELTA = 23;
export const BASE_TIMESTAMP = 27;
export const MAX_TIMESTAMP = 35;
export const PRODUCER_ID = 43;
export const PRODUCER_EPOCH = 51;
export const BASE_SEQUENCE = 53;
export const RECORDS_COUNT = 57;
export const RECORDS = 61;

/** The fixed header; the smallest possible batch (no records). */
export const BATCH_HEADER_SIZE = 61;
/** BaseOffset + Length: the bytes in front of what Length counts. */
export const LOG_OVERHEAD = 12;
/** Smallest valid value of the Length field. */
export const MIN_BATCH_LENGTH = BATCH_HEADER_SIZE - LOG_OVERHEAD;
/** Bytes needed to read the magic, which sits at the same place in every message format. */
export const MAGIC_PREFIX_SIZE = MAGIC + 1;

export const CURRENT_MAGIC = 2;

/**
 * Smallest encoded record: length varint, attributes, timestamp delta, offset delta,
 * key length, value length and header count, one byte each.
 */
export const MIN_RECORD_SIZE = 7;
/** Smallest encoded header: key length and value length, one byte each. */
export const MIN_HEADER_SIZE = 2;

/** Kafka's "no value" markers (RecordBatch.NO_*). */
export const NO_PRODUCER_ID = -1n;
export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;
export const NO_PARTITION_LEADER_EPOCH = -1;
export const NO_TIMESTAMP = -1n;
