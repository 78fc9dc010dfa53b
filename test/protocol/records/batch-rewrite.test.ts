import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProtocolError } from '../../../src/protocol/errors.ts';
import { decodeBatch } from '../../../src/protocol/records/batch-decode.ts';
import { encodeBatch } from '../../../src/protocol/records/batch-encode.ts';
import { rewriteBatchOffsets, setLogAppendTime } from '../../../src/protocol/records/batch-rewrite.ts';
import { validateBatch } from '../../../src/protocol/records/batch-validate.ts';
import { CompressionCodec } from '../../../src/protocol/records/compression-codec.ts';
import { sampleRecords } from './helpers.ts';

const LIMIT = { maxDecompressedBytes: 1 << 20 };

describe('rewriting a batch in place', () => {
  it('sets base offset and leader epoch without touching the CRC', async () => {
    const batch = await encodeBatch({ codec: CompressionCodec.Lz4, records: sampleRecords() });
    const crcBefore = batch.readUInt32BE(17);
    const copy = Buffer.concat([Buffer.alloc(5), batch]);
    rewriteBatchOffsets(copy, 5, 1234n, 7);
    assert.equal(copy.readUInt32BE(5 + 17), crcBefore);
    const { header } = validateBatch(copy, 5);
    assert.equal(header.baseOffset, 1234n);
    assert.equal(header.partitionLeaderEpoch, 7);
    const { records } = await decodeBatch(copy, { ...LIMIT, position: 5 });
    assert.deepEqual(
      records.map((r) => r.offset),
      [1234n, 1235n, 1236n, 1237n, 1238n],
    );
    assert.ok(copy.subarray(5 + 21).equals(batch.subarray(21)), 'CRC-covered bytes unchanged');
  });

  it('refuses out-of-range values and a missing header', () => {
    const b = Buffer.alloc(61);
    assert.throws(() => rewriteBatchOffsets(b, 0, -1n, 0), ProtocolError);
    assert.throws(() => rewriteBatchOffsets(b, 0, 1n << 63n, 0), ProtocolError);
    assert.throws(() => rewriteBatchOffsets(b, 0, 0n, -2), ProtocolError);
    assert.throws(() => rewriteBatchOffsets(b, 0, 0n, 2 ** 31), ProtocolError);
    assert.throws(() => rewriteBatchOffsets(b, 1, 0n, 0), ProtocolError);
  });

  it('sets LogAppendTime and recomputes the CRC', async () => {
    const batch = await encodeBatch({ codec: CompressionCodec.Gzip, records: sampleRecords() });
    setLogAppendTime(batch, 0, 42n);
    const { header, records } = await decodeBatch(batch, LIMIT);
    assert.equal(header.timestampType, 'LogAppendTime');
    assert.equal(header.maxTimestamp, 42n);
    assert.equal(header.codec, CompressionCodec.Gzip);
    for (const r of records) assert.equal(r.timestamp, 42n);
  });

  it('refuses to set LogAppendTime on a batch whose Length does not fit', async () => {
    const batch = await encodeBatch({ records: sampleRecords() });
    assert.throws(() => setLogAppendTime(batch.subarray(0, batch.length - 1), 0, 1n), ProtocolError);
    assert.throws(() => setLogAppendTime(batch, 0, 1n << 64n), ProtocolError);
  });
});
