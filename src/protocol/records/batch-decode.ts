import { ProtocolError } from '../errors.ts';
import { Reader } from '../primitives/reader.ts';
import type { BatchHeader } from './batch-header.ts';
import * as L from './batch-layout.ts';
import { validateBatch, type ValidateOptions } from './batch-validate.ts';
import { CompressionCodec } from './compression-codec.ts';
import { decompress } from './compression.ts';
import { readRecord, type RecordContext } from './record-decode.ts';
import type { DecodedRecord } from './record-types.ts';

export interface DecodeOptions extends ValidateOptions {
  /** Refuse compressed records that would inflate beyond this many bytes. */
  maxDecompressedBytes: number;
  /** Byte position of the batch in buf (default 0). */
  position?: number;
}

export interface DecodedBatch {
  header: BatchHeader;
  /** Whole batch in bytes, so callers can step to the next one. */
  size: number;
  records: DecodedRecord[];
}

/**
 * Validates and decodes the batch at options.position: decompresses its records (within
 * the limit) and resolves absolute offsets and timestamps. Errors are ProtocolErrors:
 * CORRUPT_BATCH for structure, COMPRESSION for the codec or the limit.
 */
export async function decodeBatch(buf: Buffer, options: DecodeOptions): Promise<DecodedBatch> {
  const position = options.position ?? 0;
  const { header, size } = validateBatch(buf, position, options);
  const payload = buf.subarray(position + L.RECORDS, position + size);

  let records: Buffer = payload;
  if (header.codec !== CompressionCodec.None) {
    // Each record takes at least MIN_RECORD_SIZE bytes once inflated; refuse before inflating.
    if (header.recordsCount > options.maxDecompressedBytes / L.MIN_RECORD_SIZE) {
      throw new ProtocolError(
        'SDS_ERR_PROTOCOL_COMPRESSION',
        `record batch at byte ${position}: ${header.recordsCount} records need more than the decompression limit of ${options.maxDecompressedBytes} bytes`,
      );
    }
    records = await decompress(header.codec, payload, options.maxDecompressedBytes);
  }
  return { header, size, records: readRecords(records, header, position) };
}

function readRecords(buf: Buffer, header: BatchHeader, position: number): DecodedRecord[] {
  const count = header.recordsCount;
  if (count > buf.length / L.MIN_RECORD_SIZE) {
    throw corrupt(position, `RecordsCount ${count} cannot fit in ${buf.length} bytes of records`);
  }
  const ctx: RecordContext = {
    baseOffset: header.baseOffset,
    baseTimestamp: header.baseTimestamp,
    logAppendTime: header.timestampType === 'LogAppendTime' ? header.maxTimestamp : undefined,
  };
  const r = new Reader(buf);
  const records: DecodedRecord[] = [];
  try {
    while (records.length < count) records.push(readRecord(r, ctx));
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err;
    throw corrupt(position, `record ${records.length} of ${count}: ${err.message}`, err);
  }
  if (r.remaining !== 0) {
    throw corrupt(position, `${r.remaining} bytes follow the last of ${count} records`);
  }
  return records;
}

function corrupt(position: number, detail: string, cause?: ProtocolError): ProtocolError {
  return new ProtocolError('SDS_ERR_PROTOCOL_CORRUPT_BATCH', `record batch at byte ${position}: ${detail}`, { cause });
}
