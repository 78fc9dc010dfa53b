import { compressFrame, decompressFrame } from 'lz4-napi';
import { CompressionCodec } from './compression-codec.ts';
import { checkOutputBound, checkOutputSize, corruptPayload, describe } from './codec-errors.ts';
import { inspectLz4Frame } from './lz4-frame.ts';

/** Kafka (magic 2) uses the standard LZ4 frame format. */
export function compressLz4(data: Uint8Array): Promise<Buffer> {
  return compressFrame(data);
}

/**
 * The frame's structure, declared content size and block-by-block output bound are checked
 * before decoding; Kafka's Java producer declares no size, so the actual size is checked
 * afterwards as well.
 */
export async function decompressLz4(data: Buffer, maxOutputBytes: number): Promise<Buffer> {
  const frame = inspectLz4Frame(data);
  if (frame.contentSize !== undefined) checkOutputSize(CompressionCodec.Lz4, frame.contentSize, maxOutputBytes, 'declares');
  checkOutputBound(CompressionCodec.Lz4, frame.outputBound, frame.blockMax, maxOutputBytes);
  let out: Buffer;
  try {
    out = await decompressFrame(data.subarray(0, frame.frameSize));
  } catch (err) {
    throw corruptPayload(CompressionCodec.Lz4, describe(err), err);
  }
  checkOutputSize(CompressionCodec.Lz4, out.length, maxOutputBytes, 'decompressed to');
  return out;
}
