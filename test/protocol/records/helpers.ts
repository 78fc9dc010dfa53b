/** Shared test helpers: a seeded PRNG and sample batches. Not a test file itself. */
import { CompressionCodec } from '../../../src/protocol/records/compression-codec.ts';
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
