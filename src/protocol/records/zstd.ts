import { compress as zstdCompress, decompress as zstdDecompress } from '@mongodb-js/zstd';
import { CompressionCodec } from './compression-codec.ts';
import { checkOutputBound, checkOutputSize, corruptPayload, describe } from './codec-errors.ts';
import { zstdOutputBound } from './zstd-frame.ts';

const FRAME_MAGIC = 0xfd2fb528;
/** zstd's own default level, which is also what Kafka's Java producer uses. */
const LEVEL = 3;

export function compressZstd(data: Uint8Array): Promise<Buffer> {
  return zstdCompress(toBuffer(data), LEVEL);
}

/**
 * Frames may declare their content size (Frame_Content_Size); streaming encoders such as
 * zstd-jni omit it, and the library then inflates whatever the frame holds, so the block
 * headers bound the output before decoding, and the actual size is checked afterwards.
 */
export async function decompressZstd(data: Buffer, maxOutputBytes: number): Promise<Buffer> {
  const declared = declaredContentSize(data);
  if (declared !== undefined) checkOutputSize(CompressionCodec.Zstd, declared, maxOutputBytes, 'declares');
  const { bound, largestBlock } = zstdOutputBound(data);
  checkOutputBound(CompressionCodec.Zstd, bound, largestBlock, maxOutputBytes);
  let out: Buffer;
  try {
    out = await zstdDecompress(data);
  } catch (err) {
    throw corruptPayload(CompressionCodec.Zstd, describe(err), err);
  }
  checkOutputSize(CompressionCodec.Zstd, out.length, maxOutputBytes, 'decompressed to');
  return out;
}

/** Frame_Content_Size of the first frame (RFC 8878 section 3.1.1.1), or undefined when absent. */
export function declaredContentSize(data: Buffer): number | undefined {
  if (data.length < 5 || data.readUInt32LE(0) !== FRAME_MAGIC) return undefined;
  const descriptor = data[4] as number;
  const fcsFlag = descriptor >>> 6;
  const singleSegment = (descriptor & 0x20) !== 0;
  const dictIdSize = [0, 1, 2, 4][descriptor & 0x03] as number;
  const fcsSize = [singleSegment ? 1 : 0, 2, 4, 8][fcsFlag] as number;
  if (fcsSize === 0) return undefined;
  const at = 5 + (singleSegment ? 0 : 1) + dictIdSize;
  if (data.length < at + fcsSize) return undefined;
  switch (fcsSize) {
    case 1:
      return data.readUInt8(at);
    case 2:
      return data.readUInt16LE(at) + 256;
    case 4:
      return data.readUInt32LE(at);
    default:
      return Number(data.readBigUInt64LE(at));
  }
}

function toBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.length);
}
