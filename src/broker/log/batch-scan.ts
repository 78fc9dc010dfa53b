import { BATCH_HEADER_SIZE, LOG_OVERHEAD, readBatchHeader, type BatchHeader } from '../../protocol/records/index.ts';
import { ProtocolError } from '../../protocol/errors.ts';
import { LogError } from './errors.ts';
import type { IndexedBatch } from './segment.ts';

/** A batch found by walking headers: where it is, and its header. */
export interface ScannedBatch extends IndexedBatch {
  header: BatchHeader;
}

/** What the scanner needs from a segment. */
export interface BatchSource {
  readonly baseOffset: bigint;
  readAt(position: number, length: number): Promise<Buffer>;
}

/** Headers of small batches come in one read of this size; a large batch is skipped over. */
const CHUNK_BYTES = 16 * 1024;
const MIN_LENGTH = BATCH_HEADER_SIZE - LOG_OVERHEAD;

/**
 * Walks the batch headers in [from, to) of bytes this log wrote and already checked, without
 * reading the records. Anything that does not parse is corruption (LogError), never skipped.
 */
export async function* scanBatches(source: BatchSource, from: number, to: number): AsyncGenerator<ScannedBatch> {
  let chunk: Buffer = Buffer.alloc(0);
  let chunkStart = from;
  let position = from;
  while (position < to) {
    const at = position - chunkStart;
    if (chunk.length - at < BATCH_HEADER_SIZE) {
      if (to - position < BATCH_HEADER_SIZE) throw corrupt(source, position, `${to - position} bytes left, less than a batch header`);
      chunk = await source.readAt(position, Math.min(CHUNK_BYTES, to - position));
      chunkStart = position;
      continue;
    }
    const header = parseHeader(source, chunk, at, position);
    const size = LOG_OVERHEAD + header.length;
    if (header.length < MIN_LENGTH || position + size > to) {
      throw corrupt(source, position, `Length ${header.length} does not fit between ${position} and ${to}`);
    }
    yield {
      position,
      size,
      baseOffset: header.baseOffset,
      lastOffset: header.baseOffset + BigInt(header.lastOffsetDelta),
      maxTimestamp: header.maxTimestamp,
      header,
    };
    position += size;
  }
}

/** The first batch in [from, to) whose last offset is at or past `target`, if any. */
export async function findBatch(source: BatchSource, target: bigint, from: number, to: number): Promise<ScannedBatch | undefined> {
  for await (const batch of scanBatches(source, from, to)) {
    if (batch.lastOffset >= target) return batch;
  }
  return undefined;
}

function parseHeader(source: BatchSource, chunk: Buffer, at: number, position: number): BatchHeader {
  try {
    return readBatchHeader(chunk, at);
  } catch (err) {
    if (err instanceof ProtocolError) throw corrupt(source, position, err.message, err);
    throw err;
  }
}

function corrupt(source: BatchSource, position: number, detail: string, cause?: Error): LogError {
  return new LogError(
    'SDS_ERR_LOG_CORRUPT',
    `segment ${source.baseOffset}, byte ${position}: ${detail}; restart the broker so that recovery checks the log`,
    { cause },
  );
}
