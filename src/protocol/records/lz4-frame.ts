/**
 * Walks the structure of an LZ4 frame (lz4 frame format 1.6) without decoding it. lz4-napi
 * accepts a frame cut at a block boundary as complete, so the walk is what notices a
 * missing end mark; it also reads the declared content size and bounds the output by the
 * block sizes, since lz4-napi inflates a frame without a content size to whatever it holds.
 */
import type { ProtocolError } from '../errors.ts';
import { CompressionCodec } from './compression-codec.ts';
import { corruptPayload } from './codec-errors.ts';

export const LZ4_FRAME_MAGIC = 0x184d2204;

const FLG_VERSION_MASK = 0xc0;
const FLG_VERSION_1 = 0x40;
const FLG_BLOCK_CHECKSUM = 0x10;
const FLG_CONTENT_SIZE = 0x08;
const FLG_CONTENT_CHECKSUM = 0x04;
const FLG_DICT_ID = 0x01;
const BLOCK_UNCOMPRESSED = 0x80000000;

export interface Lz4FrameInfo {
  /** From the header when the producer declared it (Kafka's Java producer does not). */
  contentSize: number | undefined;
  /** Bytes the frame occupies; anything after it is ignored, as Kafka's Java reader does. */
  frameSize: number;
  /** The most the frame can decode to: stored blocks as they are, compressed ones as full blocks. */
  outputBound: number;
  /** The frame's block maximum size. */
  blockMax: number;
}

export function inspectLz4Frame(data: Buffer): Lz4FrameInfo {
  if (data.length < 7 || data.readUInt32LE(0) !== LZ4_FRAME_MAGIC) {
    throw bad('no LZ4 frame header (magic 0x184D2204)');
  }
  const flg = data[4] as number;
  const bd = data[5] as number;
  if ((flg & FLG_VERSION_MASK) !== FLG_VERSION_1) throw bad(`unsupported LZ4 frame version bits in FLG 0x${flg.toString(16)}`);
  const blockMax = blockMaxSize(bd);

  let pos = 6;
  let contentSize: number | undefined;
  if (flg & FLG_CONTENT_SIZE) {
    need(data, pos, 8, 'content size');
    // Beyond 2^53 precision no longer matters: it is above any limit.
    contentSize = Number(data.readBigUInt64LE(pos));
    pos += 8;
  }
  if (flg & FLG_DICT_ID) pos += 4;
  pos += 1; // header checksum, verified by the decoder
  need(data, pos, 0, 'header');

  const checksumSize = flg & FLG_BLOCK_CHECKSUM ? 4 : 0;
  let outputBound = 0;
  for (;;) {
    need(data, pos, 4, 'block size');
    const word = data.readUInt32LE(pos);
    pos += 4;
    if (word === 0) break; // end mark
    const size = (word & ~BLOCK_UNCOMPRESSED) >>> 0;
    if (size > blockMax) throw bad(`block of ${size} bytes exceeds the frame's ${blockMax}-byte block size`);
    need(data, pos, size + checksumSize, 'block');
    pos += size + checksumSize;
    outputBound += word & BLOCK_UNCOMPRESSED ? size : blockMax;
  }
  if (flg & FLG_CONTENT_CHECKSUM) {
    need(data, pos, 4, 'content checksum');
    pos += 4;
  }
  if (contentSize !== undefined) outputBound = Math.min(outputBound, contentSize);
  return { contentSize, frameSize: pos, outputBound, blockMax };
}

function blockMaxSize(bd: number): number {
  const id = (bd >> 4) & 0x07;
  if (id < 4) throw bad(`invalid LZ4 block maximum size id ${id}`);
  return 1 << (8 + 2 * id);
}

function need(data: Buffer, pos: number, n: number, what: string): void {
  if (pos + n > data.length) throw bad(`LZ4 frame truncated in its ${what}`);
}

function bad(detail: string): ProtocolError {
  return corruptPayload(CompressionCodec.Lz4, detail);
}
