import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProtocolError } from '../../../src/protocol/errors.ts';
import { decodeBatch } from '../../../src/protocol/records/batch-decode.ts';
import { encodeBatch } from '../../../src/protocol/records/batch-encode.ts';
import { iterateBatches, validateBatch, validateBatches } from '../../../src/protocol/records/batch-validate.ts';
import { CompressionCodec } from '../../../src/protocol/records/compression-codec.ts';
import { compress } from '../../../src/protocol/records/compression.ts';
import { fixCrc, rawBatch, sampleRecords } from './helpers.ts';

const LIMIT = { maxDecompressedBytes: 1 << 20 };

function isCorrupt(pattern?: RegExp) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof ProtocolError, `expected a ProtocolError, got ${String(err)}`);
    assert.equal(err.code, 'SDS_ERR_PROTOCOL_CORRUPT_BATCH', err.message);
    if (pattern) assert.match(err.message, pattern);
    return true;
  };
}

/** Zig-zag varint bytes, for building records by hand. */
function zz(n: number): number[] {
  let u = n >= 0 ? n * 2 : -n * 2 - 1;
  const out: number[] = [];
  while (u >= 0x80) {
    out.push((u & 0x7f) | 0x80);
    u = Math.floor(u / 128);
  }
  out.push(u);
  return out;
}

/** One record with the given body bytes (after the Length varint). */
function record(body: number[]): number[] {
  return [...zz(body.length), ...body];
}

/** attributes, timestampDelta 0, offsetDelta 0, key null, value "v", no headers. */
const GOOD_BODY = [0, ...zz(0), ...zz(0), ...zz(-1), ...zz(1), 0x76, ...zz(0)];

describe('validateBatch', () => {
  it('accepts what encodeBatch produces, for every codec, and returns header info', async () => {
    for (const codec of [0, 1, 2, 3, 4] as const) {
      const batch = await encodeBatch({ codec, records: sampleRecords() });
      const info = validateBatch(batch);
      assert.equal(info.position, 0);
      assert.equal(info.size, batch.length);
      assert.equal(info.header.codec, codec);
      assert.equal(info.header.recordsCount, 5);
    }
  });

  it('validates header and CRC of a compressed batch without decompressing: garbage payload passes', async () => {
    const batch = rawBatch({ attributes: CompressionCodec.Zstd, recordsCount: 3, payload: Buffer.from('not zstd at all') });
    const info = validateBatch(batch);
    assert.equal(info.header.codec, CompressionCodec.Zstd);
    await assert.rejects(
      decodeBatch(batch, LIMIT),
      (err: unknown) => err instanceof ProtocolError && err.code === 'SDS_ERR_PROTOCOL_COMPRESSION',
    );
  });

  it('rejects a bad CRC, naming both values', async () => {
    const batch = await encodeBatch({ records: sampleRecords() });
    const last = batch.length - 1;
    batch[last] = (batch[last] as number) ^ 1;
    assert.throws(() => validateBatch(batch), isCorrupt(/CRC-32C mismatch: stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}/));
    assert.doesNotThrow(() => validateBatch(batch, 0, { verifyCrc: false }));
  });

  it('catches a change to any CRC-covered byte, and ignores changes before it', async () => {
    const batch = await encodeBatch({ codec: CompressionCodec.Snappy, records: sampleRecords() });
    for (let i = 21; i < batch.length; i++) {
      const copy = Buffer.from(batch);
      copy[i] = (copy[i] as number) ^ 0x40;
      assert.throws(() => validateBatch(copy), ProtocolError, `byte ${i}`);
    }
    const copy = Buffer.from(batch);
    copy.writeBigInt64BE(99n, 0);
    copy.writeInt32BE(5, 12);
    assert.doesNotThrow(() => validateBatch(copy));
  });

  it('rejects truncated batches at every length', async () => {
    const batch = await encodeBatch({ records: sampleRecords() });
    for (let n = 0; n < batch.length; n++) {
      assert.throws(() => validateBatch(batch.subarray(0, n)), isCorrupt(/truncated/), `length ${n}`);
    }
  });

  it('rejects a wrong magic, naming it', () => {
    for (const magic of [0, 1, 3, -1]) {
      assert.throws(() => validateBatch(rawBatch({ magic, payload: Buffer.alloc(0) })), isCorrupt(new RegExp(`magic ${magic}`)));
    }
  });

  it('rejects negative, small and huge Length values', () => {
    for (const length of [-1, -2147483648, 0, 48, 2147483647]) {
      assert.throws(() => validateBatch(rawBatch({ length, payload: Buffer.alloc(10) })), isCorrupt(/Length|truncated/), `${length}`);
    }
  });

  it('rejects counts that are negative, beyond the offset range or beyond the bytes', () => {
    const cases: [Parameters<typeof rawBatch>[0], RegExp][] = [
      [{ recordsCount: -1, lastOffsetDelta: 0, payload: Buffer.alloc(0) }, /negative/],
      [{ recordsCount: 0, lastOffsetDelta: -5, payload: Buffer.alloc(0) }, /LastOffsetDelta -5/],
      [{ recordsCount: 3, lastOffsetDelta: 1, payload: Buffer.alloc(30) }, /exceeds the 2 offsets/],
      [{ recordsCount: 2147483647, lastOffsetDelta: 2147483646, payload: Buffer.alloc(30) }, /cannot fit in 30 bytes/],
      [{ baseOffset: 0x7fffffffffffffffn, recordsCount: 2, payload: Buffer.alloc(30) }, /overflows/],
    ];
    for (const [fields, pattern] of cases) assert.throws(() => validateBatch(rawBatch(fields)), isCorrupt(pattern));
  });

  it('rejects a position outside the buffer with a ProtocolError', () => {
    const b = rawBatch({ payload: Buffer.alloc(0) });
    for (const position of [-1, 0.5, b.length + 1, Number.NaN]) assert.throws(() => validateBatch(b, position), ProtocolError);
    assert.throws(() => validateBatch(b, b.length), isCorrupt(/truncated/));
  });

  it('rejects an unknown codec id', () => {
    assert.throws(() => validateBatch(rawBatch({ attributes: 7, payload: Buffer.alloc(0) })), isCorrupt(/codec id 7/));
  });
});

describe('iterateBatches / validateBatches', () => {
  it('walks concatenated batches and reports their positions', async () => {
    const a = await encodeBatch({ records: sampleRecords() });
    const b = await encodeBatch({ codec: CompressionCodec.Gzip, baseOffset: 5n, records: sampleRecords() });
    const c = await encodeBatch({ records: [] });
    const all = validateBatches(Buffer.concat([a, b, c]));
    assert.deepEqual(
      all.map((x) => [x.position, x.size, x.header.baseOffset]),
      [
        [0, a.length, 0n],
        [a.length, b.length, 5n],
        [a.length + b.length, c.length, 0n],
      ],
    );
    assert.deepEqual(validateBatches(Buffer.alloc(0)), []);
  });

  it('fails on trailing bytes unless a partial tail is allowed', async () => {
    const a = await encodeBatch({ records: sampleRecords() });
    const b = await encodeBatch({ records: sampleRecords() });
    for (const cut of [1, 16, 17, 60, b.length - 1]) {
      const buf = Buffer.concat([a, b.subarray(0, cut)]);
      assert.throws(() => validateBatches(buf), isCorrupt(new RegExp(`byte ${a.length}`)));
      assert.equal(Array.from(iterateBatches(buf, { allowPartialTail: true })).length, 1, `cut ${cut}`);
    }
  });

  it('still rejects a corrupt (not partial) batch when a partial tail is allowed', async () => {
    const a = await encodeBatch({ records: sampleRecords() });
    const bad = Buffer.from(a);
    bad[bad.length - 1] = (bad[bad.length - 1] as number) ^ 1;
    assert.throws(() => Array.from(iterateBatches(Buffer.concat([a, bad]), { allowPartialTail: true })), isCorrupt(/CRC/));
  });
});

describe('decodeBatch on corrupt records (CRC valid)', () => {
  const cases: [string, number[], number, RegExp][] = [
    ['overlong Length varint', [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], 1, /record 0 of 1: invalid unsigned varint/],
    ['negative Length', [...zz(-1), ...GOOD_BODY], 1, /Length -1/],
    ['Length beyond the bytes', [...zz(100), ...GOOD_BODY], 1, /Length 100/],
    ['key length -2', record([0, 0, 0, ...zz(-2), ...zz(-1), 0]), 1, /key length -2/],
    ['key length huge', record([0, 0, 0, ...zz(1_000_000_000), ...zz(-1), 0]), 1, /key length 1000000000/],
    ['value length beyond the record', record([0, 0, 0, ...zz(-1), ...zz(5), 0x61, 0]), 1, /value length 5/],
    ['negative header count', record([0, 0, 0, ...zz(-1), ...zz(-1), ...zz(-3)]), 1, /header count -3/],
    ['huge header count', record([0, 0, 0, ...zz(-1), ...zz(-1), ...zz(1_000_000)]), 1, /header count 1000000/],
    ['null header key', record([0, 0, 0, ...zz(-1), ...zz(-1), ...zz(1), ...zz(-1), ...zz(-1)]), 1, /header 0 key length -1/],
    ['header value beyond the record', record([0, 0, 0, ...zz(-1), ...zz(-1), ...zz(1), ...zz(1), 0x6b, ...zz(9)]), 1, /header 0 value length 9/],
    ['bytes left inside the record', record([...GOOD_BODY, 0, 0]), 1, /left inside the record/],
    ['record cut short of its headers', [...zz(5), 0, 0, 0, ...zz(-1), ...zz(-1), 0, 0], 1, /record 0 of 1: message truncated/],
    ['overlong timestamp varlong', record([0, ...Array<number>(10).fill(0xff), 0x01, 0, 0x01, 0x01, 0]), 1, /record 0 of 1/],
    ['fewer records than RecordsCount', [...record(GOOD_BODY), ...record(GOOD_BODY)], 3, /cannot fit|record 2 of 3/],
    ['bytes after the last record', [...record(GOOD_BODY), 0, 0, 0, 0, 0, 0, 0, 0], 1, /follow the last/],
  ];

  for (const [name, payload, count, pattern] of cases) {
    it(`rejects ${name}`, async () => {
      const batch = rawBatch({ recordsCount: count, payload: Buffer.from(payload) });
      await assert.rejects(decodeBatch(batch, LIMIT), isCorrupt(pattern));
    });
  }

  it('accepts the hand-built good record, so the cases above fail for their own reason', async () => {
    const { records } = await decodeBatch(rawBatch({ recordsCount: 1, payload: Buffer.from(record(GOOD_BODY)) }), LIMIT);
    assert.equal(records[0]?.value?.toString(), 'v');
  });

  it('rejects a compressed batch whose records do not match RecordsCount', async () => {
    const payload = await compress(CompressionCodec.Gzip, Buffer.from(record(GOOD_BODY)));
    const batch = rawBatch({ attributes: CompressionCodec.Gzip, recordsCount: 2, payload });
    await assert.rejects(decodeBatch(batch, LIMIT), isCorrupt(/RecordsCount 2 cannot fit in 8 bytes/));
  });

  it('refuses a compressed batch whose count alone needs more than the limit, before inflating', async () => {
    const batch = rawBatch({ attributes: CompressionCodec.Lz4, recordsCount: 1_000_000, lastOffsetDelta: 999_999, payload: Buffer.from('x') });
    await assert.rejects(decodeBatch(batch, LIMIT), /1000000 records need more than the decompression limit/);
  });

  it('fixCrc helper keeps the cases honest', () => {
    const b = rawBatch({ payload: Buffer.alloc(0) });
    assert.equal(fixCrc(Buffer.from(b)).readUInt32BE(17), b.readUInt32BE(17));
  });
});
