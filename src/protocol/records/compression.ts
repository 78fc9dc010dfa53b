import { ProtocolError } from '../errors.ts';
import { CompressionCodec } from './compression-codec.ts';
import { checkOutputSize, compressFailure, corruptPayload, describe } from './codec-errors.ts';
import { compressGzip, decompressGzip } from './gzip.ts';
import { compressLz4, decompressLz4 } from './lz4.ts';
import { compressSnappy, decompressSnappy, type SnappyFraming } from './snappy.ts';
import { compressZstd, decompressZstd } from './zstd.ts';

export interface CompressOptions {
  /** Snappy only: 'raw' (default, readable by every client) or 'xerial' (what Java producers send). */
  snappyFraming?: SnappyFraming;
}

/** Compresses a record batch's records section with the codec named in its attributes. */
export async function compress(codec: CompressionCodec, data: Uint8Array, options: CompressOptions = {}): Promise<Buffer> {
  try {
    switch (codec) {
      case CompressionCodec.None:
        return toBuffer(data);
      case CompressionCodec.Gzip:
        return await compressGzip(data);
      case CompressionCodec.Snappy:
        return await compressSnappy(data, options.snappyFraming);
      case CompressionCodec.Lz4:
        return await compressLz4(data);
      case CompressionCodec.Zstd:
        return await compressZstd(data);
      default:
        return unknownCodec(codec);
    }
  } catch (err) {
    if (err instanceof ProtocolError) throw err;
    throw compressFailure(codec, err);
  }
}

/**
 * Decompresses a records section, refusing output above maxOutputBytes. Every failure,
 * whatever the codec library throws, becomes a ProtocolError SDS_ERR_PROTOCOL_COMPRESSION.
 */
export async function decompress(codec: CompressionCodec, data: Uint8Array, maxOutputBytes: number): Promise<Buffer> {
  if (!Number.isSafeInteger(maxOutputBytes) || maxOutputBytes < 0) {
    throw new ProtocolError('SDS_ERR_PROTOCOL_VALUE_OUT_OF_RANGE', `decompression limit ${maxOutputBytes} is not a byte count`);
  }
  const input = toBuffer(data);
  try {
    switch (codec) {
      case CompressionCodec.None:
        checkOutputSize(codec, input.length, maxOutputBytes, 'is');
        return input;
      case CompressionCodec.Gzip:
        return await decompressGzip(input, maxOutputBytes);
      case CompressionCodec.Snappy:
        return await decompressSnappy(input, maxOutputBytes);
      case CompressionCodec.Lz4:
        return await decompressLz4(input, maxOutputBytes);
      case CompressionCodec.Zstd:
        return await decompressZstd(input, maxOutputBytes);
      default:
        return unknownCodec(codec);
    }
  } catch (err) {
    if (err instanceof ProtocolError) throw err;
    // Codec modules wrap what they expect; this catches what they did not foresee.
    throw corruptPayload(codec, describe(err), err);
  }
}

function unknownCodec(codec: never): never {
  throw new ProtocolError('SDS_ERR_PROTOCOL_COMPRESSION', `unknown compression codec id ${String(codec)}`);
}

function toBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.length);
}
