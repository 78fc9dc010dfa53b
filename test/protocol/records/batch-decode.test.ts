import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProtocolError } from '../../../src/protocol/errors.ts';
import { decodeBatch } from '../../../src/protocol/records/batch-decode.ts';
import { encodeBatch } from '../../../src/protocol/records/batch-encode.ts';
import { CompressionCodec, codecName } from '../../../src/protocol/records/compression-codec.ts';
import type { DecodedRecord, RecordInput } from '../../../src/protocol/records/record-types.ts';
import { ALL_CODECS, BASE_TIME, manyRecords, prng, sampleRecords } from './helpers.ts';

const LIMIT = { maxDecompressedBytes: 64 * 1024 * 1024 };

function assertRecordsMatch(decoded: DecodedRecord[], input: RecordInput[], baseOffset: bigint): void {
  assert.equal(decoded.length, input.length);
  input.forEach((want, i) => {
    const got = decoded[i] as DecodedRecord;
    assert.equal(got.offsetDelta, want.offsetDelta ?? i);
    assert.equal(got.offset, baseOffset + BigInt(want.offsetDelta ?? i));
    if (want.timestamp !== undefined) assert.equal(got.timestamp, BigInt(want.timestamp));
    assert.deepEqual(got.key, want.key === null ? null : Buffer.from(want.key));
    assert.deepEqual(got.value, want.value === null ? null : Buffer.from(want.value));
    assert.deepEqual(
      got.headers,
      (want.headers ?? []).map((h) => ({ key: h.key, value: h.value === null ? null : Buffer.from(h.value) })),
    );
  });
}

describe('encodeBatch / decodeBatch', () => {
  for (const codec of ALL_CODECS) {
    it(`round-trips nulls, empties and headers with ${codecName(codec)}`, async () => {
      const records = sampleRecords();
      const batch = await encodeBatch({ codec, baseOffset: 42n, producerId: 7n, producerEpoch: 3, baseSequence: 11, records });
      const { header, size, records: decoded } = await decodeBatch(batch, LIMIT);
      assert.equal(size, batch.length);
      assert.equal(header.codec, codec);
      assert.equal(header.baseOffset, 42n);
      assert.equal(header.recordsCount, records.length);
      assert.equal(header.lastOffsetDelta, records.length - 1);
      assert.equal(header.baseTimestamp, BASE_TIME);
      assert.equal(header.maxTimestamp, BASE_TIME + 9n);
      assert.equal(header.producerId, 7n);
      assert.equal(header.producerEpoch, 3);
      assert.equal(header.baseSequence, 11);
      assert.equal(header.partitionLeaderEpoch, -1);
      assert.equal(header.timestampType, 'CreateTime');
      assertRecordsMatch(decoded, records, 42n);
    });

    it(`round-trips a large batch (5000 records) with ${codecName(codec)}`, async () => {
      const records = manyRecords(5000, prng(codec + 100));
      const batch = await encodeBatch({ codec, records });
      const { records: decoded } = await decodeBatch(batch, LIMIT);
      assertRecordsMatch(decoded, records, 0n);
    });

    it(`round-trips records with large keys and values (1 MiB) with ${codecName(codec)}`, async () => {
      const big = Buffer.alloc(1 << 20, 0x61);
      const records: RecordInput[] = [
        { timestamp: BASE_TIME, key: big, value: big },
        { timestamp: BASE_TIME, key: null, value: Buffer.alloc(300_000, 1), headers: [{ key: 'k', value: big }] },
      ];
      const { records: decoded } = await decodeBatch(await encodeBatch({ codec, records }), LIMIT);
      assertRecordsMatch(decoded, records, 0n);
    });
  }

  it('writes snappy in the Xerial framing when asked, and reads it back', async () => {
    const batch = await encodeBatch({ codec: CompressionCodec.Snappy, snappyFraming: 'xerial', records: sampleRecords() });
    assert.equal(batch.subarray(61, 69).toString('latin1'), '\x82SNAPPY\x00');
    assertRecordsMatch((await decodeBatch(batch, LIMIT)).records, sampleRecords(), 0n);
  });

  it('encodes and decodes an empty batch', async () => {
    const batch = await encodeBatch({ records: [] });
    const { header, records } = await decodeBatch(batch, LIMIT);
    assert.equal(header.recordsCount, 0);
    assert.equal(header.lastOffsetDelta, 0);
    assert.equal(header.baseTimestamp, -1n);
    assert.equal(header.maxTimestamp, -1n);
    assert.equal(records.length, 0);
    assert.equal(batch.length, 61);
  });

  it('resolves timestampDelta against baseTimestamp, and keeps negative deltas', async () => {
    const batch = await encodeBatch({
      baseTimestamp: 1000,
      records: [
        { timestampDelta: 5, key: null, value: null },
        { timestampDelta: -10, key: null, value: null },
        { key: null, value: null },
      ],
    });
    const { header, records } = await decodeBatch(batch, LIMIT);
    assert.deepEqual(
      records.map((r) => [r.timestampDelta, r.timestamp]),
      [
        [5n, 1005n],
        [-10n, 990n],
        [0n, 1000n],
      ],
    );
    assert.equal(header.maxTimestamp, 1005n);
  });

  it('reports MaxTimestamp for every record under LogAppendTime', async () => {
    const batch = await encodeBatch({
      timestampType: 'LogAppendTime',
      logAppendTime: 9_999_999n,
      records: sampleRecords(),
    });
    const { header, records } = await decodeBatch(batch, LIMIT);
    assert.equal(header.timestampType, 'LogAppendTime');
    assert.equal(header.maxTimestamp, 9_999_999n);
    for (const r of records) assert.equal(r.timestamp, 9_999_999n);
    assert.notEqual(records[1]?.timestampDelta, 0n, 'the deltas themselves survive');
  });

  it('keeps explicit offset deltas and a compacted offset range', async () => {
    const batch = await encodeBatch({
      baseOffset: 100n,
      lastOffsetDelta: 9,
      records: [
        { timestamp: 1, offsetDelta: 2, key: null, value: Buffer.from('a') },
        { timestamp: 1, offsetDelta: 7, key: null, value: Buffer.from('b') },
      ],
    });
    const { header, records } = await decodeBatch(batch, LIMIT);
    assert.equal(header.lastOffsetDelta, 9);
    assert.deepEqual(
      records.map((r) => r.offset),
      [102n, 107n],
    );
  });

  it('encodes transactional, control and delete-horizon flags and record attributes', async () => {
    const batch = await encodeBatch({
      transactional: true,
      control: true,
      deleteHorizon: true,
      producerId: 5n,
      producerEpoch: 0,
      records: [{ timestamp: 1, attributes: 0, key: Buffer.from([0, 0, 0, 1]), value: Buffer.from([0, 0, 0, 0, 0, 0]) }],
    });
    const { header } = await decodeBatch(batch, LIMIT);
    assert.equal(header.transactional, true);
    assert.equal(header.control, true);
    assert.equal(header.deleteHorizon, true);
    assert.equal(header.attributes, 0x70);
  });

  it('accepts plain Uint8Arrays and number timestamps as input', async () => {
    const batch = await encodeBatch({
      records: [{ timestamp: 1_700_000_000_123, key: new Uint8Array([1, 2]), value: new Uint8Array([3]) }],
    });
    const { records } = await decodeBatch(batch, LIMIT);
    assert.equal(records[0]?.timestamp, 1_700_000_000_123n);
    assert.deepEqual(records[0]?.key, Buffer.from([1, 2]));
  });

  it('returns key and value as views into the batch when uncompressed (no copy)', async () => {
    const batch = await encodeBatch({ records: [{ timestamp: 1, key: Buffer.from('kk'), value: Buffer.from('vv') }] });
    const { records } = await decodeBatch(batch, LIMIT);
    assert.equal(records[0]?.value?.buffer, batch.buffer);
  });

  it('decodes a batch at a position inside a larger buffer', async () => {
    const a = await encodeBatch({ records: sampleRecords() });
    const b = await encodeBatch({ baseOffset: 5n, records: sampleRecords() });
    const both = Buffer.concat([a, b]);
    const second = await decodeBatch(both, { ...LIMIT, position: a.length });
    assert.equal(second.header.baseOffset, 5n);
    assert.equal(second.records[0]?.offset, 5n);
  });

  it('refuses invalid encode input with a ProtocolError', async () => {
    const bad: Parameters<typeof encodeBatch>[0][] = [
      { records: [{ timestampDelta: 1, key: null, value: null }] },
      { timestampType: 'LogAppendTime', baseTimestamp: 0, records: [] },
      { baseTimestamp: 0.5, records: [] },
      { baseTimestamp: 0, lastOffsetDelta: 0, records: [{ offsetDelta: 3, key: null, value: null }] },
      { baseTimestamp: 0, producerEpoch: 70000, records: [] },
      { baseTimestamp: 0, records: [{ offsetDelta: 2 ** 31, key: null, value: null }] },
      { baseTimestamp: 0, records: [{ attributes: 300, key: null, value: null }] },
    ];
    for (const input of bad) await assert.rejects(encodeBatch(input), ProtocolError);
  });

  it('enforces the decompression limit in decodeBatch', async () => {
    for (const codec of ALL_CODECS.slice(1)) {
      const batch = await encodeBatch({ codec, records: [{ timestamp: 1, key: null, value: Buffer.alloc(100_000) }] });
      await assert.rejects(decodeBatch(batch, { maxDecompressedBytes: 50_000 }), (err: unknown) => {
        return err instanceof ProtocolError && err.code === 'SDS_ERR_PROTOCOL_COMPRESSION';
      });
    }
  });
});
