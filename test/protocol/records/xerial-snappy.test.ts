import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compress as snappyRaw } from 'snappy';
import { ProtocolError } from '../../../src/protocol/errors.ts';
import { CompressionCodec } from '../../../src/protocol/records/compression-codec.ts';
import { compress, decompress } from '../../../src/protocol/records/compression.ts';
import { isXerialFramed, readXerialChunks, writeXerialFrame } from '../../../src/protocol/records/xerial-snappy.ts';

/** The stream header snappy-java writes: magic, version 1, minimum compatible version 1. */
const HEADER = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1]);

function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}

/** A raw snappy block built by hand: length preamble, then one literal (tag = (len-1) << 2). */
function literalBlock(text: string): Buffer {
  const bytes = Buffer.from(text);
  assert.ok(bytes.length > 0 && bytes.length <= 60);
  return Buffer.concat([Buffer.from([bytes.length, (bytes.length - 1) << 2]), bytes]);
}

const MAX = 1 << 20;

describe('Xerial snappy framing', () => {
  it('decodes a stream built byte by byte from the format, with no help from the snappy library', async () => {
    const stream = Buffer.concat([
      HEADER,
      int32(literalBlock('hello, ').length),
      literalBlock('hello, '),
      int32(literalBlock('xerial').length),
      literalBlock('xerial'),
    ]);
    assert.equal((await decompress(CompressionCodec.Snappy, stream, MAX)).toString(), 'hello, xerial');
  });

  it('decodes a stream whose blocks hold snappy-compressed data, as snappy-java writes them', async () => {
    const a = Buffer.from('a'.repeat(40_000));
    const b = Buffer.from('b'.repeat(10) + 'c'.repeat(10));
    const stream = Buffer.concat([HEADER, int32((await snappyRaw(a)).length), await snappyRaw(a), int32((await snappyRaw(b)).length), await snappyRaw(b)]);
    assert.ok((await decompress(CompressionCodec.Snappy, stream, MAX)).equals(Buffer.concat([a, b])));
  });

  it('decodes a header-only stream as empty, and concatenated streams as one', async () => {
    assert.equal((await decompress(CompressionCodec.Snappy, HEADER, MAX)).length, 0);
    const one = Buffer.concat([HEADER, int32(literalBlock('one').length), literalBlock('one')]);
    const two = Buffer.concat([HEADER, int32(literalBlock('two').length), literalBlock('two')]);
    assert.equal((await decompress(CompressionCodec.Snappy, Buffer.concat([one, two]), MAX)).toString(), 'onetwo');
  });

  it('writes what it reads: our framing has the snappy-java header and 32 KiB blocks', async () => {
    const data = Buffer.from('0123456789abcdef'.repeat(5000)); // 80000 bytes: three blocks
    const framed = await compress(CompressionCodec.Snappy, data, { snappyFraming: 'xerial' });
    assert.ok(framed.subarray(0, 16).equals(HEADER));
    assert.equal(readXerialChunks(framed).length, 3);
    assert.ok((await decompress(CompressionCodec.Snappy, framed, MAX)).equals(data));
  });

  it('tells raw snappy from Xerial by the magic', async () => {
    assert.ok(!isXerialFramed(await snappyRaw(Buffer.from('raw'))));
    assert.ok(isXerialFramed(writeXerialFrame([])));
  });

  it('checks the declared sizes of all blocks against the limit before inflating', async () => {
    const block = await snappyRaw(Buffer.alloc(1000));
    const stream = writeXerialFrame([block, block, block]);
    await assert.rejects(decompress(CompressionCodec.Snappy, stream, 2999), /declares 3000 bytes/);
    assert.equal((await decompress(CompressionCodec.Snappy, stream, 3000)).length, 3000);
  });

  it('rejects malformed framing with a ProtocolError', async () => {
    const good = literalBlock('x');
    const cases: [string, Buffer][] = [
      ['truncated header', HEADER.subarray(0, 12)],
      ['truncated block length', Buffer.concat([HEADER, Buffer.from([0, 0])])],
      ['block longer than the stream', Buffer.concat([HEADER, int32(100), good])],
      ['negative block length', Buffer.concat([HEADER, int32(-1), good])],
      ['zero block length', Buffer.concat([HEADER, int32(0)])],
      ['corrupt block', Buffer.concat([HEADER, int32(3), Buffer.from([5, 0xff, 0xff])])],
    ];
    for (const [name, stream] of cases) {
      await assert.rejects(
        decompress(CompressionCodec.Snappy, stream, MAX),
        (err: unknown) => err instanceof ProtocolError && err.code === 'SDS_ERR_PROTOCOL_COMPRESSION',
        name,
      );
    }
  });
});
