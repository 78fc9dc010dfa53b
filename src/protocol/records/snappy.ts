import { compress as snappyCompress, uncompress as snappyUncompress } from 'snappy';
import { CompressionCodec } from './compression-codec.ts';
import { checkOutputSize, corruptPayload, describe } from './codec-errors.ts';
import { isXerialFramed, readXerialChunks, writeXerialFrame } from './xerial-snappy.ts';

/**
 * Raw snappy is what librdkafka and franz-go send and what every client reads (snappy-java
 * falls back to raw when the Xerial magic is absent); Xerial is what the Java producer sends.
 */
export type SnappyFraming = 'raw' | 'xerial';

/** snappy-java's default block size; smaller blocks would only cost ratio. */
const XERIAL_BLOCK_SIZE = 32 * 1024;

export async function compressSnappy(data: Uint8Array, framing: SnappyFraming = 'raw'): Promise<Buffer> {
  if (framing === 'raw') return snappyCompress(data);
  const chunks: Buffer[] = [];
  for (let pos = 0; pos < data.length; pos += XERIAL_BLOCK_SIZE) {
    chunks.push(await snappyCompress(data.subarray(pos, pos + XERIAL_BLOCK_SIZE)));
  }
  return writeXerialFrame(chunks);
}

/** Decodes raw snappy or a Xerial stream; sizes are checked from the preambles before decoding. */
export async function decompressSnappy(data: Buffer, maxOutputBytes: number): Promise<Buffer> {
  const chunks = isXerialFramed(data) ? readXerialChunks(data) : [data];
  let declared = 0;
  for (const chunk of chunks) declared += declaredLength(chunk);
  checkOutputSize(CompressionCodec.Snappy, declared, maxOutputBytes, 'declares');

  const parts: Buffer[] = [];
  for (const chunk of chunks) {
    let part: string | Buffer;
    try {
      part = await snappyUncompress(chunk, { asBuffer: true });
    } catch (err) {
      throw corruptPayload(CompressionCodec.Snappy, describe(err), err);
    }
    if (typeof part === 'string') part = Buffer.from(part, 'utf8');
    parts.push(part);
  }
  const out = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
  checkOutputSize(CompressionCodec.Snappy, out.length, maxOutputBytes, 'decompressed to');
  return out;
}

/** A raw snappy block starts with its uncompressed length as an unsigned LEB128 varint (<= 2^32-1). */
export function declaredLength(chunk: Uint8Array): number {
  let value = 0;
  for (let i = 0; i < 5 && i < chunk.length; i++) {
    const b = chunk[i] as number;
    value += (b & 0x7f) * 2 ** (7 * i);
    if ((b & 0x80) === 0) {
      if (value > 0xffffffff) break;
      return value;
    }
  }
  throw corruptPayload(CompressionCodec.Snappy, 'invalid uncompressed-length preamble');
}
