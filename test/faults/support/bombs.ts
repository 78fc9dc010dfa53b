/**
 * Decompression bombs: tiny compressed payloads that inflate enormously, built by hand from the
 * zstd and LZ4 frame formats, and wrapped in record batches a broker accepts (valid CRC, sizes,
 * offsets, timestamps), since it stores compressed batches without inflating them.
 */
import { crc32c, encodeBatch } from '../../../src/protocol/records/index.ts';

const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];
const ZSTD_MAX_BLOCK = 128 * 1024;

/**
 * A zstd frame without a declared content size (as streaming encoders write) made of RLE
 * blocks: 4 bytes for each 128 KiB of output.
 */
export function zstdBomb(outputBytes: number): Buffer {
  const blocks = Math.ceil(outputBytes / ZSTD_MAX_BLOCK);
  // Frame header: no content size, not single-segment, window 2^17 (descriptor exponent 7).
  const parts = [Buffer.from([...ZSTD_MAGIC, 0x00, 0x38])];
  for (let i = 0; i < blocks; i++) {
    const last = i === blocks - 1 ? 1 : 0;
    const header = last | (1 << 1) | (ZSTD_MAX_BLOCK << 3); // block type 1: RLE
    parts.push(Buffer.from([header & 0xff, (header >>> 8) & 0xff, (header >>> 16) & 0xff, 0x61]));
  }
  return Buffer.concat(parts);
}

const LZ4_BLOCK = 4 * 1024 * 1024;

/**
 * An LZ4 frame without a declared content size, of 4 MiB blocks that each hold one literal,
 * one match of offset 1 running almost the whole block, and the 5 final literals LZ4 requires.
 */
export function lz4Bomb(blocks: number): Buffer {
  const matchLength = LZ4_BLOCK - 6;
  let extra = matchLength - 4 - 15;
  const ext: number[] = [];
  while (extra >= 255) {
    ext.push(255);
    extra -= 255;
  }
  ext.push(extra);
  const block = Buffer.from([0x1f, 0x61, 0x01, 0x00, ...ext, 0x50, 0x61, 0x61, 0x61, 0x61, 0x61]);
  const size = Buffer.alloc(4);
  size.writeUInt32LE(block.length);
  // FLG: version 01, blocks independent; BD: 4 MiB blocks; header checksum byte (xxh32 >> 8 & 0xff of FLG, BD).
  const header = Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x60, 0x70, 0x73]);
  const parts: Buffer[] = [header];
  for (let i = 0; i < blocks; i++) parts.push(size, block);
  parts.push(Buffer.alloc(4)); // end mark
  return Buffer.concat(parts);
}

/** A batch of `recordsCount` records whose records section is `payload`, compressed with `codec`. */
export async function bombBatch(codec: number, payload: Buffer, recordsCount: number): Promise<Buffer> {
  const timestamp = Date.now();
  const template = await encodeBatch({ records: Array.from({ length: recordsCount }, () => ({ key: null, value: null, timestamp })) });
  const batch = Buffer.concat([template.subarray(0, 61), payload]);
  batch.writeInt32BE(batch.length - 12, 8);
  batch.writeInt16BE((batch.readInt16BE(21) & ~0x07) | codec, 21);
  batch.writeUInt32BE(crc32c(batch, 21), 17);
  return batch;
}
