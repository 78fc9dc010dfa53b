/** A record header as decoded: the key is UTF-8 text, the value raw bytes or null. */
export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

export interface RecordHeaderInput {
  key: string;
  value: Uint8Array | null;
}

/** One record to encode. Give `timestamp` (absolute) or `timestampDelta` (from the batch's base). */
export interface RecordInput {
  /** Record attributes: unused by Kafka, written as given (default 0). */
  attributes?: number;
  timestamp?: bigint | number;
  timestampDelta?: bigint | number;
  /** Default: the record's index in the batch. */
  offsetDelta?: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers?: readonly RecordHeaderInput[];
}

/**
 * One decoded record. key, value and header values are views into the batch (or its
 * decompressed records), not copies: copy them if the buffer will be reused.
 */
export interface DecodedRecord {
  /** BaseOffset + offsetDelta. */
  offset: bigint;
  /** BaseTimestamp + timestampDelta, or the batch MaxTimestamp under LogAppendTime. */
  timestamp: bigint;
  offsetDelta: number;
  timestampDelta: bigint;
  attributes: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}
