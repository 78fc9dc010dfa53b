import { promisify } from 'node:util';
import { gunzip, gzip, type InputType, type ZlibOptions } from 'node:zlib';
import { CompressionCodec } from './compression-codec.ts';
import { checkOutputSize, corruptPayload, describe, tooLarge } from './codec-errors.ts';

const gzipAsync = promisify<InputType, Buffer>(gzip);
const gunzipAsync = promisify<InputType, ZlibOptions, Buffer>(gunzip);

export function compressGzip(data: Uint8Array): Promise<Buffer> {
  return gzipAsync(data);
}

/** zlib stops inflating at maxOutputLength, so a gzip bomb never reaches memory. */
export async function decompressGzip(data: Uint8Array, maxOutputBytes: number): Promise<Buffer> {
  let out: Buffer;
  try {
    // zlib refuses a limit of 0; the size check below covers that case.
    out = await gunzipAsync(data, { maxOutputLength: Math.max(1, maxOutputBytes) });
  } catch (err) {
    if (isBufferTooLarge(err)) throw tooLarge(CompressionCodec.Gzip, maxOutputBytes, err);
    throw corruptPayload(CompressionCodec.Gzip, describe(err), err);
  }
  checkOutputSize(CompressionCodec.Gzip, out.length, maxOutputBytes, 'decompressed to');
  return out;
}

function isBufferTooLarge(err: unknown): boolean {
  return err instanceof RangeError && (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
}
