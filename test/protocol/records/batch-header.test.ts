import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProtocolError } from '../../../src/protocol/errors.ts';
import { readBatchHeader } from '../../../src/protocol/records/batch-header.ts';
import { encodeBatch } from '../../../src/protocol/records/batch-encode.ts';
import { CompressionCodec } from '../../../src/protocol/records/compression-codec.ts';
import { BASE_TIME, rawBatch, sampleRecords } from './helpers.ts';

describe('readBatchHeader', () => {
  it('reads every field of the 61-byte header', async () => {
    const batch = await encodeBatch({
      baseOffset: 0x1_0000_0000n,
      partitionLeaderEpoch: 12,
      codec: CompressionCodec.Zstd,
      transactional: true,
      producerId: 123456789012n,
      producerEpoch: 4,
      baseSequence: 77,
      records: sampleRecords(),
    });
    const h = readBatchHeader(batch, 0);
    assert.equal(h.baseOffset, 0x1_0000_0000n);
    assert.equal(h.length, batch.length - 12);
    assert.equal(h.partitionLeaderEpoch, 12);
    assert.equal(h.magic, 2);
    assert.equal(h.crc, batch.readUInt32BE(17));
    assert.equal(h.attributes, 0x14);
    assert.equal(h.codec, CompressionCodec.Zstd);
    assert.equal(h.timestampType, 'CreateTime');
    assert.equal(h.transactional, true);
    assert.equal(h.control, false);
    assert.equal(h.deleteHorizon, false);
    assert.equal(h.lastOffsetDelta, 4);
    assert.equal(h.baseTimestamp, BASE_TIME);
    assert.equal(h.maxTimestamp, BASE_TIME + 9n);
    assert.equal(h.producerId, 123456789012n);
    assert.equal(h.producerEpoch, 4);
    assert.equal(h.baseSequence, 77);
    assert.equal(h.recordsCount, 5);
  });

  it('reads a header at an offset, from a buffer holding only the header', async () => {
    const batch = await encodeBatch({ baseOffset: 9n, records: sampleRecords() });
    const shifted = Buffer.concat([Buffer.alloc(3), batch.subarray(0, 61)]);
    assert.equal(readBatchHeader(shifted, 3).baseOffset, 9n);
  });

  it('does not touch the records: a garbage payload is fine', () => {
    const batch = rawBatch({ attributes: CompressionCodec.Gzip, recordsCount: 3, payload: Buffer.from('garbage') });
    assert.equal(readBatchHeader(batch).codec, CompressionCodec.Gzip);
  });

  it('reports a short buffer as truncated', () => {
    assert.throws(
      () => readBatchHeader(Buffer.alloc(60)),
      (err: unknown) => err instanceof ProtocolError && err.code === 'SDS_ERR_PROTOCOL_TRUNCATED',
    );
    assert.throws(() => readBatchHeader(Buffer.alloc(100), 50), ProtocolError);
    assert.throws(() => readBatchHeader(Buffer.alloc(100), -1), ProtocolError);
  });

  it('names the magic of a legacy message set', () => {
    for (const magic of [0, 1]) {
      assert.throws(
        () => readBatchHeader(rawBatch({ magic, payload: Buffer.alloc(0) })),
        (err: unknown) =>
          err instanceof ProtocolError &&
          err.code === 'SDS_ERR_PROTOCOL_CORRUPT_BATCH' &&
          err.message.includes(`magic ${magic}`) &&
          err.message.includes('legacy') &&
          err.message.includes('only magic 2'),
      );
    }
    assert.throws(() => readBatchHeader(rawBatch({ magic: 3, payload: Buffer.alloc(0) })), /magic 3/);
  });

  it('refuses an unknown codec id', () => {
    assert.throws(() => readBatchHeader(rawBatch({ attributes: 5, payload: Buffer.alloc(0) })), /codec id 5/);
  });
});
