import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeBatch } from '../../../src/protocol/records/batch-decode.ts';
import { encodeBatch } from '../../../src/protocol/records/batch-encode.ts';
import { validateBatch } from '../../../src/protocol/records/batch-validate.ts';
import { CompressionCodec, codecName } from '../../../src/protocol/records/compression-codec.ts';
import type { RecordInput } from '../../../src/protocol/records/record-types.ts';
import { ALL_CODECS, BASE_TIME, manyRecords, prng, sampleRecords } from './helpers.ts';
import { kafkajsDecode, kafkajsEncode, registerOurCodecs, useXerialSnappy, type KafkajsRecordInput } from './kafkajs-peer.ts';

registerOurCodecs();

const LIMIT = { maxDecompressedBytes: 64 * 1024 * 1024 };

type HeaderObject = Record<string, Buffer | null | (Buffer | null)[]>;

/** kafkajs folds headers into an object; repeated keys become arrays. */
function asKafkajsHeaders(headers: RecordInput['headers']): HeaderObject {
  const out: HeaderObject = {};
  for (const h of headers ?? []) {
    const value = h.value === null ? null : Buffer.from(h.value);
    const prev = out[h.key];
    if (prev === undefined) out[h.key] = value;
    else out[h.key] = Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return out;
}

describe('kafkajs 2.2.4 reads batches we encode', () => {
  for (const codec of ALL_CODECS) {
    it(`with ${codecName(codec)}`, async () => {
      const records = [...sampleRecords(), ...manyRecords(200, prng(codec))];
      const batch = await encodeBatch({
        codec,
        baseOffset: 1000n,
        partitionLeaderEpoch: 3,
        producerId: 99n,
        producerEpoch: 2,
        baseSequence: 17,
        transactional: true,
        records,
      });
      const theirs = await kafkajsDecode(batch);
      assert.equal(theirs.firstOffset, '1000');
      assert.equal(theirs.partitionLeaderEpoch, 3);
      assert.equal(theirs.firstTimestamp, String(BASE_TIME));
      assert.equal(theirs.maxTimestamp, String(BASE_TIME + 199n));
      assert.equal(theirs.lastOffsetDelta, records.length - 1);
      assert.equal(theirs.producerId, '99');
      assert.equal(theirs.producerEpoch, 2);
      assert.equal(theirs.firstSequence, 17);
      assert.equal(theirs.inTransaction, true);
      assert.equal(theirs.isControlBatch, false);
      assert.equal(theirs.records.length, records.length);
      records.forEach((want, i) => {
        const got = theirs.records[i];
        assert.ok(got);
        assert.equal(got.offset, String(1000 + i));
        assert.equal(got.timestamp, String(want.timestamp));
        assert.deepEqual(got.key, want.key === null ? null : Buffer.from(want.key));
        assert.deepEqual(got.value, want.value === null ? null : Buffer.from(want.value));
        assert.deepEqual(got.headers, asKafkajsHeaders(want.headers));
      });
    });
  }

  it('with LogAppendTime: kafkajs also reports MaxTimestamp for every record', async () => {
    const batch = await encodeBatch({ timestampType: 'LogAppendTime', logAppendTime: 123n, records: sampleRecords() });
    const theirs = await kafkajsDecode(batch);
    assert.equal(theirs.timestampType, 1);
    for (const r of theirs.records) assert.equal(r.timestamp, '123');
  });
});

describe('we read batches kafkajs 2.2.4 encodes', () => {
  const kafkajsRecords: KafkajsRecordInput[] = [
    { offsetDelta: 0, timestampDelta: 0, key: Buffer.from('k0'), value: Buffer.from('v0') },
    { offsetDelta: 1, timestampDelta: 7, key: null, value: Buffer.from('no key'), headers: { a: Buffer.from('1') } },
    { offsetDelta: 2, timestampDelta: -2, key: Buffer.from('tomb'), value: null },
    { offsetDelta: 3, timestampDelta: 3, key: Buffer.alloc(0), value: Buffer.alloc(0), headers: { rep: [Buffer.from('x'), Buffer.from('y')] } },
    ...Array.from({ length: 300 }, (_, i) => ({
      offsetDelta: 4 + i,
      timestampDelta: 10 + i,
      key: Buffer.from(`key-${i}`),
      value: Buffer.from(`value ${i} `.repeat(i % 40)),
    })),
  ];

  for (const codec of ALL_CODECS) {
    it(`with ${codecName(codec)}`, async () => {
      const batch = await kafkajsEncode({
        compression: codec,
        firstOffset: 0n,
        firstTimestamp: Number(BASE_TIME),
        maxTimestamp: Number(BASE_TIME) + 309,
        lastOffsetDelta: kafkajsRecords.length - 1,
        producerId: 4242n,
        producerEpoch: 1,
        firstSequence: 5,
        records: kafkajsRecords,
      });
      // Their CRC-32C must agree with ours: validation recomputes it.
      const info = validateBatch(batch);
      assert.equal(info.size, batch.length);
      assert.equal(info.header.codec, codec);
      assert.equal(info.header.producerId, 4242n);
      assert.equal(info.header.baseSequence, 5);

      const { header, records } = await decodeBatch(batch, LIMIT);
      assert.equal(header.maxTimestamp, BASE_TIME + 309n);
      assert.equal(records.length, kafkajsRecords.length);
      kafkajsRecords.forEach((want, i) => {
        const got = records[i];
        assert.ok(got);
        assert.equal(got.offset, BigInt(i));
        assert.equal(got.timestamp, BASE_TIME + BigInt(want.timestampDelta ?? 0));
        assert.deepEqual(got.key, want.key);
        assert.deepEqual(got.value, want.value);
        const headers = Object.entries(want.headers ?? {}).flatMap(([key, v]) =>
          (Array.isArray(v) ? v : [v]).map((value) => ({ key, value })),
        );
        assert.deepEqual(got.headers, headers);
      });
    });
  }

  it('with snappy in the Xerial framing, as a Java-style codec plugged into kafkajs would write it', async () => {
    const undo = useXerialSnappy();
    try {
      const batch = await kafkajsEncode({
        compression: CompressionCodec.Snappy,
        firstTimestamp: 1,
        maxTimestamp: 1,
        lastOffsetDelta: kafkajsRecords.length - 1,
        records: kafkajsRecords,
      });
      assert.equal(batch.subarray(61, 69).toString('latin1'), '\x82SNAPPY\x00');
      const { records } = await decodeBatch(batch, LIMIT);
      assert.equal(records.length, kafkajsRecords.length);
      assert.deepEqual(records[1]?.value, Buffer.from('no key'));
    } finally {
      undo();
    }
  });
});
