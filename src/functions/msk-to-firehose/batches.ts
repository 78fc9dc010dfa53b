/**
 * Splits the records of an invocation into PutRecordBatch calls that Firehose accepts: at most
 * 500 records and 4 MiB of record data (before base64) per call, at most 1,000 KiB per record.
 * Pure: no I/O. Records keep their order; each call is filled greedily.
 */
import { RecordTooLargeError } from './errors.ts';

export interface OutgoingRecord {
  readonly data: Uint8Array;
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

export interface BatchLimits {
  readonly maxRecordsPerCall: number;
  readonly maxBytesPerCall: number;
  readonly maxRecordBytes: number;
}

/** Firehose's fixed limits (they cannot be raised). */
export const FIREHOSE_LIMITS: BatchLimits = {
  maxRecordsPerCall: 500,
  maxBytesPerCall: 4 * 1024 * 1024,
  maxRecordBytes: 1000 * 1024,
};

/**
 * The calls to make, in order. Throws RecordTooLargeError (naming the record's topic, partition
 * and offset) before anything is planned when one record is above maxRecordBytes: the whole
 * invocation fails rather than the record being dropped.
 */
export function planBatches<R extends OutgoingRecord>(records: readonly R[], limits: BatchLimits = FIREHOSE_LIMITS): R[][] {
  for (const record of records) {
    if (record.data.length > limits.maxRecordBytes) throw new RecordTooLargeError(record, record.data.length, limits.maxRecordBytes);
  }
  const batches: R[][] = [];
  let current: R[] = [];
  let bytes = 0;
  for (const record of records) {
    const size = record.data.length;
    if (current.length > 0 && (current.length >= limits.maxRecordsPerCall || bytes + size > limits.maxBytesPerCall)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(record);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
