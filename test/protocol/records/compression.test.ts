import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { compress as snappyRaw } from 'snappy';
import { compressFrame } from 'lz4-napi';
import { ProtocolError } from '../../../src/protocol/errors.ts';
import { CompressionCodec, codecName } from '../../../src/protocol/records/compression-codec.ts';
import { compress, decompress } from '../../../src/protocol/records/compression.ts';
import { ALL_CODECS, prng, randomBytes } from './helpers.ts';
import { kafkajsGzip } from './kafkajs-peer.ts';

const MiB = 1024 * 1024;

function isCompressionError(err: unknown): boolean {
  return err instanceof ProtocolError && err.code === 'SDS_ERR_PROTOCOL_COMPRESSION';
}

const rand = prng(10);
const inputs: [string, Buffer][] = [
  ['empty', Buffer.alloc(0)],
  ['one byte', Buffer.from([42])],
  ['text', Buffer.from('the quick brown fox jumps over the lazy dog '.repeat(100))],
  ['random 100 KiB', randomBytes(rand, 100 * 1024)],
  ['zeros 1 MiB', Buffer.alloc(MiB)],
];

describe('compression codecs', () => {
  for (const codec of ALL_CODECS) {
    for (const [name, data] of inputs) {
      it(`${codecName(codec)} round-trips ${name}`, async () => {
        const packed = await compress(codec, data);
        const out = await decompress(codec, packed, data.length);
        assert.ok(out.equals(data));
      });
    }

    if (codec === CompressionCodec.None) continue;

    it(`${codecName(codec)} refuses output above the limit`, async () => {
      const data = Buffer.alloc(64 * 1024, 7);
      const packed = await compress(codec, data);
      await assert.rejects(decompress(codec, packed, data.length - 1), (err: unknown) => {
        assert.ok(isCompressionError(err));
        assert.match((err as Error).message, /limit/);
        return true;
      });
    });

    it(`${codecName(codec)} turns garbage into a ProtocolError with the cause attached`, async () => {
      for (const garbage of [Buffer.from('definitely not compressed data'), Buffer.alloc(0), Buffer.from([0xff])]) {
        await assert.rejects(decompress(codec, garbage, MiB), (err: unknown) => {
          assert.ok(isCompressionError(err), String(err));
          return true;
        });
      }
    });
  }

  it('refuses a snappy payload whose preamble declares more than the limit, without inflating it', async () => {
    // Preamble 0xffffffff (4 GiB) followed by nothing useful.
    const bomb = Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00]);
    await assert.rejects(decompress(CompressionCodec.Snappy, bomb, MiB), /declares 4294967295 bytes/);
  });

  it('refuses an lz4 frame whose declared content size is above the limit', async () => {
    const frame = await compressFrame(Buffer.alloc(10));
    // Rewrite the header to declare a content size: FLG bit 3, 8 bytes, new header checksum
    // is not needed because the size check happens before decoding.
    const withSize = Buffer.concat([frame.subarray(0, 4), Buffer.from([(frame[4] as number) | 0x08, frame[5] as number]), Buffer.alloc(8), frame.subarray(6)]);
    withSize.writeBigUInt64LE(10n * BigInt(MiB), 6);
    await assert.rejects(decompress(CompressionCodec.Lz4, withSize, MiB), /declares 10485760 bytes/);
  });

  it('rejects an lz4 frame cut at a block boundary, which lz4-napi alone would accept', async () => {
    const frame = await compress(CompressionCodec.Lz4, Buffer.from('hello hello hello hello'));
    for (const cut of [7, frame.length - 4, frame.length - 1]) {
      await assert.rejects(decompress(CompressionCodec.Lz4, frame.subarray(0, cut), MiB), /truncated/, `cut ${cut}`);
    }
  });

  it('refuses a zstd frame whose declared content size is above the limit', async () => {
    // Single-segment frame, 4-byte Frame_Content_Size = 2^31, then an empty raw last block.
    const frame = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0xa0, 0x00, 0x00, 0x00, 0x80, 0x01, 0x00, 0x00]);
    await assert.rejects(decompress(CompressionCodec.Zstd, frame, MiB), /declares 2147483648 bytes/);
  });

  it('refuses a gzip bomb while inflating, not after', async () => {
    const bomb = gzipSync(Buffer.alloc(64 * MiB));
    await assert.rejects(decompress(CompressionCodec.Gzip, bomb, MiB), (err: unknown) => isCompressionError(err));
  });

  it('accepts a limit of exactly the output size and a limit of 0 for empty output', async () => {
    const data = Buffer.from('exact');
    for (const codec of ALL_CODECS) {
      assert.ok((await decompress(codec, await compress(codec, data), 5)).equals(data));
      assert.equal((await decompress(codec, await compress(codec, Buffer.alloc(0)), 0)).length, 0);
    }
  });

  it('rejects a limit that is not a byte count', async () => {
    await assert.rejects(decompress(CompressionCodec.Gzip, Buffer.alloc(0), -1), ProtocolError);
    await assert.rejects(decompress(CompressionCodec.Gzip, Buffer.alloc(0), Number.NaN), ProtocolError);
  });

  it('decodes raw snappy produced directly by the snappy library', async () => {
    const data = Buffer.from('raw snappy as librdkafka sends it '.repeat(50));
    assert.ok((await decompress(CompressionCodec.Snappy, await snappyRaw(data), MiB)).equals(data));
  });

  it('decodes gzip produced by kafkajs, and kafkajs decodes ours', async () => {
    const data = Buffer.from('kafkajs gzip interop '.repeat(100));
    const theirs = await kafkajsGzip.compress({ buffer: data });
    assert.ok((await decompress(CompressionCodec.Gzip, theirs, MiB)).equals(data));
    const ours = await compress(CompressionCodec.Gzip, data);
    assert.ok((await kafkajsGzip.decompress(ours)).equals(data));
  });

  it('decodes multi-member gzip (concatenated streams)', async () => {
    const joined = Buffer.concat([gzipSync(Buffer.from('one ')), gzipSync(Buffer.from('two'))]);
    assert.equal((await decompress(CompressionCodec.Gzip, joined, 100)).toString(), 'one two');
  });

  it('names the codec in its errors', async () => {
    await assert.rejects(decompress(CompressionCodec.Lz4, Buffer.from('nope'), 100), /lz4/);
    await assert.rejects(decompress(CompressionCodec.Zstd, Buffer.from('nope'), 100), /zstd/);
  });
});
