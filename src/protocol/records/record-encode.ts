import type { Writer } from '../primitives/writer.ts';
import type { RecordHeaderInput } from './record-types.ts';
import { sizeOfVarint, sizeOfVarlong } from './varint-size.ts';

/** A record with its deltas resolved against the batch. */
export interface ResolvedRecord {
  attributes: number;
  timestampDelta: bigint;
  offsetDelta: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: readonly RecordHeaderInput[];
}

/**
 * Writes one record (Kafka DefaultRecord): Length varint, then attributes int8,
 * timestamp delta varlong, offset delta varint, key, value and headers, with zig-zag
 * varint lengths where -1 means null.
 */
export function writeRecord(w: Writer, r: ResolvedRecord): void {
  const headerKeys = r.headers.map((h) => Buffer.from(h.key, 'utf8'));
  let bodySize =
    1 + sizeOfVarlong(r.timestampDelta) + sizeOfVarint(r.offsetDelta) + sizeOfBytes(r.key) + sizeOfBytes(r.value);
  bodySize += sizeOfVarint(r.headers.length);
  r.headers.forEach((h, i) => {
    bodySize += sizeOfBytes(headerKeys[i] as Buffer) + sizeOfBytes(h.value);
  });

  w.varint(bodySize);
  w.int8(r.attributes);
  w.varlong(r.timestampDelta);
  w.varint(r.offsetDelta);
  writeBytes(w, r.key);
  writeBytes(w, r.value);
  w.varint(r.headers.length);
  r.headers.forEach((h, i) => {
    writeBytes(w, headerKeys[i] as Buffer);
    writeBytes(w, h.value);
  });
}

function sizeOfBytes(b: Uint8Array | null): number {
  return b === null ? 1 : sizeOfVarint(b.length) + b.length;
}

function writeBytes(w: Writer, b: Uint8Array | null): void {
  if (b === null) {
    w.varint(-1);
    return;
  }
  w.varint(b.length);
  w.raw(b);
}
