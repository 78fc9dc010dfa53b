import { ProtocolError } from '../errors.ts';
import { readBatchHeader, checkMagic, type BatchHeader } from './batch-header.ts';
import * as L from './batch-layout.ts';
import { CompressionCodec } from './compression-codec.ts';
import { crc32c } from './crc32c.ts';

/** A batch that passed validation, located in the buffer it was read from. */
export interface BatchInfo {
  /** Byte position of the batch in the buffer. */
  position: number;
  /** Whole batch in bytes: header.length + 12. */
  size: number;
  header: BatchHeader;
}

export interface ValidateOptions {
  /** Default true. Turn off only for bytes already checked (e.g. read back from our own log). */
  verifyCrc?: boolean;
}

export interface IterateOptions extends ValidateOptions {
  /**
   * Stop quietly at a batch cut short by the end of the buffer instead of failing: fetch
   * responses may end that way, and so may a log after a crash (Kafka FileLogInputStream).
   */
  allowPartialTail?: boolean;
}

const INT64_MAX = 0x7fffffffffffffffn;

/**
 * Checks the batch at `position` without decompressing it: size bounds, magic 2, Length
 * against the bytes present, CRC-32C over attributes..end, codec id, and a record count
 * that fits the offset range (and, uncompressed, the bytes). Trailing bytes after the
 * batch are left to the caller (see validateBatches).
 */
export function validateBatch(buf: Buffer, position = 0, options: ValidateOptions = {}): BatchInfo {
  if (!Number.isSafeInteger(position) || position < 0 || position > buf.length) {
    throw new ProtocolError('SDS_ERR_PROTOCOL_VALUE_OUT_OF_RANGE', `batch position ${position} is outside the ${buf.length}-byte buffer`);
  }
  const remaining = buf.length - position;
  if (remaining < L.MAGIC_PREFIX_SIZE) {
    throw corrupt(position, `truncated: ${remaining} bytes, a batch needs at least ${L.BATCH_HEADER_SIZE}`);
  }
  checkMagic(buf.readInt8(position + L.MAGIC));
  const length = buf.readInt32BE(position + L.LENGTH);
  if (length < L.MIN_BATCH_LENGTH) {
    throw corrupt(position, `Length ${length} is below the minimum ${L.MIN_BATCH_LENGTH}`);
  }
  if (length > remaining - L.LOG_OVERHEAD) {
    throw corrupt(position, `truncated: Length says ${length} bytes follow, ${remaining - L.LOG_OVERHEAD} do`);
  }
  const end = position + L.LOG_OVERHEAD + length;
  if (options.verifyCrc !== false) {
    const stored = buf.readUInt32BE(position + L.CRC);
    const computed = crc32c(buf, position + L.ATTRIBUTES, end);
    if (stored !== computed) {
      throw corrupt(position, `CRC-32C mismatch: stored 0x${hex(stored)}, computed 0x${hex(computed)}`);
    }
  }
  const header = readBatchHeader(buf, position);
  checkCounts(header, position, length - L.MIN_BATCH_LENGTH);
  return { position, size: L.LOG_OVERHEAD + length, header };
}

function checkCounts(h: BatchHeader, position: number, recordsBytes: number): void {
  if (h.recordsCount < 0) throw corrupt(position, `RecordsCount ${h.recordsCount} is negative`);
  if (h.lastOffsetDelta < 0) throw corrupt(position, `LastOffsetDelta ${h.lastOffsetDelta} is negative`);
  // Compaction may leave fewer records than offsets, never more.
  if (h.recordsCount > h.lastOffsetDelta + 1) {
    throw corrupt(position, `RecordsCount ${h.recordsCount} exceeds the ${h.lastOffsetDelta + 1} offsets the batch spans`);
  }
  if (h.baseOffset + BigInt(h.lastOffsetDelta) > INT64_MAX) {
    throw corrupt(position, `BaseOffset ${h.baseOffset} + LastOffsetDelta ${h.lastOffsetDelta} overflows int64`);
  }
  if (h.codec === CompressionCodec.None && h.recordsCount > recordsBytes / L.MIN_RECORD_SIZE) {
    throw corrupt(position, `RecordsCount ${h.recordsCount} cannot fit in ${recordsBytes} bytes of records`);
  }
}

/**
 * Walks the batches concatenated in a records field (a produce request, a fetch
 * response, a log segment), validating each. Without allowPartialTail every byte must
 * belong to a complete batch.
 */
export function* iterateBatches(buf: Buffer, options: IterateOptions = {}): Generator<BatchInfo> {
  let position = 0;
  while (position < buf.length) {
    if (options.allowPartialTail && isPartial(buf, position)) return;
    const info = validateBatch(buf, position, options);
    yield info;
    position += info.size;
  }
}

/** Every batch of a records field, strictly: no partial tail, no trailing bytes. */
export function validateBatches(buf: Buffer, options: ValidateOptions = {}): BatchInfo[] {
  return Array.from(iterateBatches(buf, { ...options, allowPartialTail: false }));
}

function isPartial(buf: Buffer, position: number): boolean {
  const remaining = buf.length - position;
  if (remaining < L.MAGIC_PREFIX_SIZE) return true;
  return buf.readInt32BE(position + L.LENGTH) > remaining - L.LOG_OVERHEAD;
}

function corrupt(position: number, detail: string): ProtocolError {
  return new ProtocolError('SDS_ERR_PROTOCOL_CORRUPT_BATCH', `record batch at byte ${position}: ${detail}`);
}

function hex(n: number): string {
  return n.toString(16).padStart(8, '0');
}
