/** Shared test helpers: a seeded PRNG and sample batches. Not a test file itself. */
import { CompressionCodec } from '../../../src/protocol/records/compression-codec.ts';
import { crc32cSoftware } from '../../../src/protocol/records/crc32c-software.ts';
import type { RecordInput } from '../../../src/protocol/records/record-types.ts';

export const ALL_CODECS: readonly CompressionCodec[] = [
  CompressionCodec.None,
  CompressionCodec.Gzip,
  CompressionCodec.Snappy,
  CompressionCodec.Lz4,
  CompressionCodec.Zstd,
];

/** mulberry32: small, seeded, good enough to make failures reproducible. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomBytes(rand: () => number, n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rand() * 256);
  return b;
}

export const BASE_TIME = 1_700_000_000_000n;

/** A mix of what matters: null keys and values, empty values, headers with null values, UTF-8. */
export function sampleRecords(): RecordInput[] {
  return [
    { timestamp: BASE_TIME, key: Buffer.from('k0'), value: Buffer.from('v0') },
    { timestamp: BASE_TIME + 5n, key: null, value: Buffer.from('no key') },
    { timestamp: BASE_TIME + 2n, key: Buffer.from('tombstone'), value: null },
    { timestamp: BASE_TIME + 9n, key: Buffer.from(''), value: Buffer.alloc(0) },
    {
      timestamp: BASE_TIME - 3n,
      key: Buffer.from('h'),
      value: Buffer.from('with headers'),
      headers: [
        { key: 'trace-id', value: Buffer.from('abc') },
        { key: 'null-header', value: null },
        { key: 'empty', value: Buffer.alloc(0) },
        { key: 'trace-id', value: Buffer.from('duplicate key') },
        { key: 'ключ-ü', value: Buffer.from('utf8 key') },
      ],
    },
  ];
}

/** n records with compressible values of varying sizes. */
export function manyRecords(n: number, rand: () => number): RecordInput[] {
  const out: RecordInput[] = [];
  for (let i = 0; i < n; i++) {
    const size = Math.floor(rand() * 300);
    out.push({
      timestamp: BASE_TIME + BigInt(i),
      key: i % 7 === 0 ? null : Buffer.from(`key-${i}`),
      value: Buffer.from(`value-${i}-`.repeat(Math.ceil(size / 10)).slice(0, size)),
      headers: i % 3 === 0 ? [{ key: 'n', value: Buffer.from(String(i)) }] : [],
    });
  }
  return out;
}

export interface RawBatchFields {
  baseOffset?: bigint;
  /** Default: what the payload implies. */
  length?: number;
  magic?: number;
  attributes?: number;
  lastOffsetDelta?: number;
  baseTimestamp?: bigint;
  recordsCount?: number;
  payload: Buffer;
}

/** A batch assembled field by field, with a valid CRC unless fixCrc is skipped by the caller. */
export function rawBatch(f: RawBatchFields): Buffer {
  const b = Buffer.alloc(61 + f.payload.length);
  b.writeBigInt64BE(f.baseOffset ?? 0n, 0);
  b.writeInt32BE(f.length ?? 49 + f.payload.length, 8);
  b.writeInt32BE(-1, 12);
  b.writeInt8(f.magic ?? 2, 16);
  b.writeInt16BE(f.attributes ?? 0, 21);
  b.writeInt32BE(f.lastOffsetDelta ?? Math.max(0, (f.recordsCount ?? 0) - 1), 23);
  b.writeBigInt64BE(f.baseTimestamp ?? BASE_TIME, 27);
  b.writeBigInt64BE(f.baseTimestamp ?? BASE_TIME, 35);
  b.writeBigInt64BE(-1n, 43);
  b.writeInt16BE(-1, 51);
  b.writeInt32BE(-1, 53);
  b.writeInt32BE(f.recordsCount ?? 0, 57);
  f.payload.copy(b, 61);
  return fixCrc(b);
}

/** Recomputes the CRC of the batch at `position` over what its Length covers (clamped to the buffer). */
export function fixCrc(b: Buffer, position = 0): Buffer {
  if (b.length - position < 61) return b;
  const end = Math.min(b.length, position + 12 + Math.max(49, b.readInt32BE(position + 8)));
  b.writeUInt32BE(crc32cSoftware(b, position + 21, end), position + 17);
  return b;
}
