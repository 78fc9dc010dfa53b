import { ProtocolError } from '../errors.ts';
import type { Reader } from '../primitives/reader.ts';
import { MIN_HEADER_SIZE } from './batch-layout.ts';
import type { DecodedRecord, RecordHeader } from './record-types.ts';

/** What a record needs from its batch to report absolute values. */
export interface RecordContext {
  baseOffset: bigint;
  baseTimestamp: bigint;
  /** Set under LogAppendTime: every record then reports the batch MaxTimestamp. */
  logAppendTime: bigint | undefined;
}

/**
 * Reads one record (Kafka DefaultRecord) at the reader's position. Every length is
 * checked against the bytes left in the record before anything is sliced, and the
 * record must use exactly the bytes its Length declares.
 */
export function readRecord(r: Reader, ctx: RecordContext): DecodedRecord {
  const size = r.varint();
  if (size < 1 || size > r.remaining) {
    throw corrupt(`Length ${size} does not fit the ${r.remaining} bytes left`);
  }
  const outerEnd = r.end;
  r.end = r.pos + size;

  const attributes = r.int8();
  const timestampDelta = r.varlong();
  const offsetDelta = r.varint();
  const key = nullableBytes(r, 'key');
  const value = nullableBytes(r, 'value');
  const headers = readHeaders(r);
  if (r.remaining !== 0) throw corrupt(`${r.remaining} bytes left inside the record after its headers`);
  r.end = outerEnd;

  return {
    offset: ctx.baseOffset + BigInt(offsetDelta),
    timestamp: ctx.logAppendTime ?? ctx.baseTimestamp + timestampDelta,
    offsetDelta,
    timestampDelta,
    attributes,
    key,
    value,
    headers,
  };
}

function readHeaders(r: Reader): RecordHeader[] {
  const count = r.varint();
  if (count < 0 || count > r.remaining / MIN_HEADER_SIZE) {
    throw corrupt(`header count ${count} does not fit the ${r.remaining} bytes left`);
  }
  const headers: RecordHeader[] = [];
  for (let i = 0; i < count; i++) {
    const keyLength = r.varint();
    if (keyLength < 0 || keyLength > r.remaining) {
      throw corrupt(`header ${i} key length ${keyLength} is invalid (${r.remaining} bytes left)`);
    }
    const key = r.buf.toString('utf8', r.pos, r.pos + keyLength);
    r.skip(keyLength);
    headers.push({ key, value: nullableBytes(r, `header ${i} value`) });
  }
  return headers;
}

/** Zig-zag varint length, -1 for null, then the bytes as a view. */
function nullableBytes(r: Reader, what: string): Buffer | null {
  const n = r.varint();
  if (n === -1) return null;
  if (n < -1 || n > r.remaining) throw corrupt(`${what} length ${n} is invalid (${r.remaining} bytes left)`);
  const v = r.buf.subarray(r.pos, r.pos + n);
  r.skip(n);
  return v;
}

function corrupt(detail: string): ProtocolError {
  return new ProtocolError('SDS_ERR_PROTOCOL_CORRUPT_BATCH', detail);
}
