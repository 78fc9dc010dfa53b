import { BATCH_HEADER_SIZE, LOG_OVERHEAD, readBatchHeader, validateBatch, type BatchHeader } from '../../protocol/records/index.ts';
import { ProtocolError } from '../../protocol/errors.ts';
import { crc32cUpdate } from './crc-stream.ts';
import type { Segment } from './segment.ts';

/** What recovery found: the bytes that hold whole, valid batches, and why it stopped early if it did. */
export interface RecoveryOutcome {
  validBytes: number;
  fileSize: number;
  /** Set when bytes after validBytes must go (torn write, CRC mismatch, offsets out of sequence). */
  problem?: string;
}

const MAGIC_AT = 16;
const LENGTH_AT = 8;
const CRC_AT = 17;
const ATTRIBUTES_AT = 21;
const CURRENT_MAGIC = 2;
const MIN_LENGTH = BATCH_HEADER_SIZE - LOG_OVERHEAD;
const INT32_MAX = 0x7fffffffn;
/** Read window; batches larger than this are CRC-checked piece by piece, so memory stays bounded. */
const CHUNK_BYTES = 1024 * 1024;

/**
 * Re-reads a segment from its first byte (Kafka LogSegment.recover): every batch must be whole,
 * magic 2, CRC-32C valid, with counts that fit and offsets that continue exactly where the
 * previous batch ended (our writer never leaves gaps inside a segment). The indexes are
 * rebuilt on the way. Stops at the first bad batch; the caller truncates there.
 */
export async function recoverSegment(segment: Segment, fileSize: number, indexIntervalBytes: number): Promise<RecoveryOutcome> {
  segment.resetIndexes();
  const window = new Window(segment, fileSize);
  let position = 0;
  let expected = segment.baseOffset;
  const stop = (problem: string): RecoveryOutcome => ({ validBytes: position, fileSize, problem: `byte ${position}: ${problem}` });

  while (position < fileSize) {
    const remaining = fileSize - position;
    if (remaining < BATCH_HEADER_SIZE) return stop(`torn tail: ${remaining} bytes, less than a batch header`);
    const head = await window.view(position, BATCH_HEADER_SIZE);
    const magic = head.readInt8(MAGIC_AT);
    if (magic !== CURRENT_MAGIC) return stop(`magic ${magic}, expected ${CURRENT_MAGIC}`);
    const length = head.readInt32BE(LENGTH_AT);
    if (length < MIN_LENGTH) return stop(`Length ${length} is below the minimum ${MIN_LENGTH}`);
    const size = LOG_OVERHEAD + length;
    if (size > remaining) return stop(`torn tail: Length says ${size} bytes, ${remaining} remain`);

    const checked = size <= CHUNK_BYTES ? await checkWhole(window, position, size) : await checkStreamed(window, position, size);
    if (typeof checked === 'string') return stop(checked);
    if (checked.baseOffset !== expected) return stop(`BaseOffset ${checked.baseOffset}, expected ${expected}`);
    const lastOffset = checked.baseOffset + BigInt(checked.lastOffsetDelta);
    if (lastOffset - segment.baseOffset > INT32_MAX) return stop(`offset ${lastOffset} is too far from the segment base`);

    segment.indexBatch({ position, size, baseOffset: checked.baseOffset, lastOffset, maxTimestamp: checked.maxTimestamp }, indexIntervalBytes);
    expected = lastOffset + 1n;
    position += size;
  }
  return { validBytes: position, fileSize };
}

async function checkWhole(window: Window, position: number, size: number): Promise<BatchHeader | string> {
  const bytes = await window.view(position, size);
  try {
    return validateBatch(bytes, 0).header;
  } catch (err) {
    if (err instanceof ProtocolError) return err.message;
    throw err;
  }
}

/** For a batch larger than the window: header checks, then the CRC over pieces. */
async function checkStreamed(window: Window, position: number, size: number): Promise<BatchHeader | string> {
  const head = await window.view(position, BATCH_HEADER_SIZE);
  let header: BatchHeader;
  try {
    header = readBatchHeader(head, 0);
  } catch (err) {
    if (err instanceof ProtocolError) return err.message;
    throw err;
  }
  if (header.recordsCount < 0 || header.lastOffsetDelta < 0 || header.recordsCount > header.lastOffsetDelta + 1) {
    return `RecordsCount ${header.recordsCount} and LastOffsetDelta ${header.lastOffsetDelta} do not agree`;
  }
  const stored = head.readUInt32BE(CRC_AT);
  let crc = 0;
  for (let at = position + ATTRIBUTES_AT; at < position + size; ) {
    const n = Math.min(CHUNK_BYTES, position + size - at);
    crc = crc32cUpdate(crc, await window.view(at, n));
    at += n;
  }
  return crc === stored ? header : `CRC-32C mismatch in a ${size}-byte batch`;
}

/** A reusable read buffer over the segment file: view(position, n) with n up to CHUNK_BYTES. */
class Window {
  private readonly buf: Buffer;
  private start = 0;
  private length = 0;

  constructor(
    private readonly segment: Segment,
    private readonly fileSize: number,
  ) {
    this.buf = Buffer.allocUnsafe(Math.max(BATCH_HEADER_SIZE, Math.min(CHUNK_BYTES, fileSize)));
  }

  async view(position: number, n: number): Promise<Buffer> {
    if (position < this.start || position + n > this.start + this.length) {
      const length = Math.min(this.buf.length, this.fileSize - position);
      await this.segment.readInto(this.buf, 0, length, position);
      this.start = position;
      this.length = length;
    }
    const at = position - this.start;
    return this.buf.subarray(at, at + n);
  }
}
