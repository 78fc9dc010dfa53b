/**
 * Walks the frames and block headers of a zstd payload (RFC 8878) without decoding it, to
 * bound its output before anything is allocated: the zstd library inflates a frame that
 * declares no content size (as streaming encoders write them) to whatever it holds, and a
 * 4-byte RLE block stands for 128 KiB.
 */
import type { ProtocolError } from '../errors.ts';
import { CompressionCodec } from './compression-codec.ts';
import { corruptPayload } from './codec-errors.ts';

const FRAME_MAGIC = 0xfd2fb528;
/** Skippable frames: magic 0x184D2A50 to 0x184D2A5F, then a 4-byte size. */
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
const MAX_BLOCK = 128 * 1024;

export interface ZstdOutputBound {
  /** No frame can decode to more than its content size or, block by block, its blocks allow. */
  bound: number;
  /** The largest block size of any frame: a compressed block counts as this much. */
  largestBlock: number;
}

export function zstdOutputBound(data: Buffer): ZstdOutputBound {
  let pos = 0;
  let bound = 0;
  let largestBlock = 0;
  if (data.length < 4) throw bad('no zstd frame header');
  while (pos < data.length) {
    need(data, pos, 4, 'magic number');
    const magic = data.readUInt32LE(pos);
    if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      need(data, pos, 8, 'skippable frame size');
      pos += 8 + data.readUInt32LE(pos + 4);
      need(data, pos, 0, 'skippable frame');
      continue;
    }
    if (magic !== FRAME_MAGIC) throw bad(`no zstd frame magic at byte ${pos}`);
    const frame = readFrame(data, pos + 4);
    pos = frame.end;
    bound += frame.bound;
    largestBlock = Math.max(largestBlock, frame.blockMax);
  }
  return { bound, largestBlock };
}

function readFrame(data: Buffer, start: number): { end: number; bound: number; blockMax: number } {
  let pos = start;
  need(data, pos, 1, 'frame header');
  const descriptor = data[pos++] as number;
  if (descriptor & 0x08) throw bad('reserved bit set in the frame header');
  const singleSegment = (descriptor & 0x20) !== 0;
  const checksum = (descriptor & 0x04) !== 0;
  const dictIdSize = [0, 1, 2, 4][descriptor & 0x03] as number;
  const fcsSize = [singleSegment ? 1 : 0, 2, 4, 8][descriptor >>> 6] as number;
  let windowSize = 0;
  if (!singleSegment) {
    need(data, pos, 1, 'window descriptor');
    const wd = data[pos++] as number;
    const base = 2 ** (10 + (wd >>> 3));
    windowSize = base + (base / 8) * (wd & 0x07);
  }
  pos += dictIdSize;
  need(data, pos, fcsSize, 'frame header');
  let contentSize: number | undefined;
  if (fcsSize === 1) contentSize = data.readUInt8(pos);
  else if (fcsSize === 2) contentSize = data.readUInt16LE(pos) + 256;
  else if (fcsSize === 4) contentSize = data.readUInt32LE(pos);
  else if (fcsSize === 8) contentSize = Number(data.readBigUInt64LE(pos));
  pos += fcsSize;
  // A single-segment frame's window is its content size.
  const blockMax = Math.min(MAX_BLOCK, singleSegment ? (contentSize ?? 0) : windowSize);
  let bound = 0;
  for (;;) {
    need(data, pos, 3, 'block header');
    const header = data.readUIntLE(pos, 3);
    pos += 3;
    const type = (header >>> 1) & 0x03;
    const size = header >>> 3;
    if (type === 3) throw bad('reserved block type');
    // Raw and RLE blocks give `size` bytes (RLE from one byte); a compressed one at most a block.
    const stored = type === 1 ? 1 : size;
    need(data, pos, stored, 'block');
    pos += stored;
    bound += type === 2 ? blockMax : size;
    if (header & 1) break;
  }
  if (checksum) {
    need(data, pos, 4, 'content checksum');
    pos += 4;
  }
  return { end: pos, bound: contentSize === undefined ? bound : Math.min(bound, contentSize), blockMax };
}

function need(data: Buffer, pos: number, n: number, what: string): void {
  if (pos + n > data.length) throw bad(`zstd frame truncated in its ${what}`);
}

function bad(detail: string): ProtocolError {
  return corruptPayload(CompressionCodec.Zstd, detail);
}
