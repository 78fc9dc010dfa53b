/**
 * The compression of the objects the local Firehose writes (CompressionFormat), and the
 * reverse for `sds bucket cat`. Pure: bytes in, bytes out, no I/O. Each format is written so
 * that the standard tool for it reads it back (gzip -dc, unzip -p, any snappy framing reader,
 * Hadoop's SnappyCodec):
 *
 * - UNCOMPRESSED: the bytes as they are.
 * - GZIP: one gzip member (node:zlib, default level).
 * - ZIP: an archive holding one deflated file. Firehose does not document its entry's name;
 *   ours is the one the caller gives, by convention the object key's last segment without
 *   `.zip` (`<stream>-1-2026-...-<uuid>`), so `unzip` extracts a file named after the object.
 *   Plain ZIP, no ZIP64: an object holds at most 128 MiB (SizeInMBs 1-128) and deflate grows
 *   data by a few bytes per 16 KiB at worst, far below ZIP's 4 GiB size and offset fields.
 *   The entry's time is in DOS format (no time zone, 2 s steps), written as UTC.
 * - Snappy: the snappy framing format (google/snappy framing_format.txt): the stream
 *   identifier, then one chunk per 64 KiB of input, compressed (type 0x00) or stored (0x01)
 *   when snappy saves less than 1/8 (the rule of Go's and Rust's framing encoders), each with
 *   the masked CRC-32C of its uncompressed bytes.
 * - HADOOP_SNAPPY: Hadoop's BlockCompressorStream as SnappyCodec sets it up (buffer
 *   256 KiB, overhead 256 KiB / 6 + 32, so at most 218,422 input bytes per block): blocks of a
 *   big-endian int32 uncompressed length followed by big-endian int32 length-prefixed raw
 *   snappy chunks. We write one chunk per block, as Hadoop does for a stream of small
 *   writes; the reader also takes Hadoop's several-chunks-per-block form (one large write).
 *   Empty input is the 4 zero bytes Hadoop writes when nothing was written.
 *
 * decompress refuses output above a limit before allocating it wherever the format declares
 * sizes (ZIP central directory, snappy chunk preambles, Hadoop block headers); for gzip zlib
 * stops inflating at the limit. Corrupt input, and output over the limit, is an SdsError
 * SDS_ERR_OBJECT_CORRUPT. Zero bytes read as an empty Snappy or HADOOP_SNAPPY stream (other
 * framing encoders write nothing for no input; Hadoop reads an empty file as empty).
 *
 * zlib work runs on the thread pool; snappy work runs on the loop in slices of about 2 MiB
 * (see snappyCompressBlock for why). 128 MiB of JSON lines, 2-core dev machine: GZIP/ZIP
 * about 0.5 s to write, Snappy 85 ms, HADOOP_SNAPPY 45 ms.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { compressSync as snappyCompressSync, uncompressSync as snappyUncompressSync } from 'snappy';
import { SdsError } from '../../errors.ts';
import { crc32c } from '../../protocol/records/crc32c.ts';

export const COMPRESSION_FORMATS = ['UNCOMPRESSED', 'GZIP', 'ZIP', 'Snappy', 'HADOOP_SNAPPY'] as const;
export type CompressionFormat = (typeof COMPRESSION_FORMATS)[number];

/**
 * decompress's default output limit: four times the largest object Firehose buffers
 * (128 MiB), room for delimiters and for objects that other writers put in the bucket.
 */
export const DEFAULT_MAX_OUTPUT_BYTES = 512 * 1024 * 1024;

export interface CompressOptions {
  /** ZIP only: the entry's modification time; default now. */
  readonly modified?: Date;
}

const gzipAsync = promisify<zlib.InputType, Buffer>(zlib.gzip);
const gunzipAsync = promisify<zlib.InputType, zlib.ZlibOptions, Buffer>(zlib.gunzip);
const deflateRawAsync = promisify<zlib.InputType, Buffer>(zlib.deflateRaw);
const inflateRawAsync = promisify<zlib.InputType, zlib.ZlibOptions, Buffer>(zlib.inflateRaw);

/**
 * The object's body in the format. entryName is used by ZIP only (the file inside the
 * archive) and must be 1-65535 bytes of UTF-8.
 */
export async function compress(format: CompressionFormat, data: Buffer, entryName: string, options: CompressOptions = {}): Promise<Buffer> {
  switch (format) {
    case 'UNCOMPRESSED':
      return data;
    case 'GZIP':
      return gzipAsync(data);
    case 'ZIP':
      return writeZip(data, entryName, options.modified ?? new Date());
    case 'Snappy':
      return writeSnappyFramed(data);
    case 'HADOOP_SNAPPY':
      return writeHadoopSnappy(data);
  }
}

/** The bytes that compress wrote (or a standard tool); refuses output above maxOutputBytes. */
export async function decompress(format: CompressionFormat, data: Buffer, maxOutputBytes = DEFAULT_MAX_OUTPUT_BYTES): Promise<Buffer> {
  switch (format) {
    case 'UNCOMPRESSED':
      checkLimit(format, data.length, maxOutputBytes);
      return data;
    case 'GZIP':
      return readGzip(data, maxOutputBytes);
    case 'ZIP':
      return readZip(data, maxOutputBytes);
    case 'Snappy':
      return readSnappyFramed(data, maxOutputBytes);
    case 'HADOOP_SNAPPY':
      return readHadoopSnappy(data, maxOutputBytes);
  }
}

// ---------------------------------------------------------------------------------------
// errors

function corrupt(format: CompressionFormat, detail: string, cause?: unknown): SdsError {
  return new SdsError(
    'SDS_ERR_OBJECT_CORRUPT',
    `the object is not valid ${format} data (${detail}): check that it was written with CompressionFormat ${format} and is complete`,
    { cause },
  );
}

function checkLimit(format: CompressionFormat, size: number, maxOutputBytes: number): void {
  if (size > maxOutputBytes) throw overLimit(format, maxOutputBytes, size);
}

/** size: what the object declares or decoded to, when known. */
function overLimit(format: CompressionFormat, maxOutputBytes: number, size?: number, cause?: unknown): SdsError {
  const what = size === undefined ? 'more than' : `${size} bytes, above`;
  return new SdsError(
    'SDS_ERR_OBJECT_CORRUPT',
    `the ${format} object decompresses to ${what} the limit of ${maxOutputBytes} bytes: raise the limit if the object is legitimately that large`,
    { cause },
  );
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function isBufferTooLarge(err: unknown): boolean {
  return err instanceof RangeError && (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
}

// ---------------------------------------------------------------------------------------
// GZIP

async function readGzip(data: Buffer, maxOutputBytes: number): Promise<Buffer> {
  let out: Buffer;
  try {
    // zlib refuses a limit of 0; the check below covers it. Several members are read as one.
    out = await gunzipAsync(data, { maxOutputLength: Math.max(1, maxOutputBytes) });
  } catch (err) {
    if (isBufferTooLarge(err)) throw overLimit('GZIP', maxOutputBytes, undefined, err);
    throw corrupt('GZIP', describe(err), err);
  }
  checkLimit('GZIP', out.length, maxOutputBytes);
  return out;
}

// ---------------------------------------------------------------------------------------
// ZIP (APPNOTE.TXT 4.3: local file header, data, central directory, end of central directory)

const LOCAL_SIG = 0x04034b50;
const CENTRAL_SIG = 0x02014b50;
const END_SIG = 0x06054b50;
const LOCAL_SIZE = 30;
const CENTRAL_SIZE = 46;
const END_SIZE = 22;
/** 2.0: deflate. */
const VERSION_NEEDED = 20;
/** Made by Unix (3) so the external attributes carry a mode: unzip then creates the file 0644. */
const VERSION_MADE_BY = (3 << 8) | VERSION_NEEDED;
const UNIX_FILE_0644 = (0o100644 << 16) >>> 0;
const FLAG_ENCRYPTED = 0x0001;
const FLAG_UTF8 = 0x0800;
const METHOD_STORED = 0;
const METHOD_DEFLATED = 8;
const ZIP32_MAX = 0xffffffff;

interface EntryFields {
  readonly flags: number;
  readonly time: number;
  readonly date: number;
  readonly crc: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly nameLength: number;
}

/** The fields the local file header and the central directory header share, in their order. */
function writeEntryFields(out: Buffer, at: number, e: EntryFields): number {
  let p = out.writeUInt16LE(VERSION_NEEDED, at);
  p = out.writeUInt16LE(e.flags, p);
  p = out.writeUInt16LE(METHOD_DEFLATED, p);
  p = out.writeUInt16LE(e.time, p);
  p = out.writeUInt16LE(e.date, p);
  p = out.writeUInt32LE(e.crc, p);
  p = out.writeUInt32LE(e.compressedSize, p);
  p = out.writeUInt32LE(e.size, p);
  p = out.writeUInt16LE(e.nameLength, p);
  return out.writeUInt16LE(0, p); // extra field length
}

async function writeZip(data: Buffer, entryName: string, modified: Date): Promise<Buffer> {
  const name = Buffer.from(entryName, 'utf8');
  if (name.length === 0 || name.length > 0xffff) throw new RangeError(`a ZIP entry name is 1-65535 bytes, got ${name.length}`);
  const deflated = await deflateRawAsync(data);
  const crc = crc32(data);
  const flags = /^[\x20-\x7e]*$/.test(entryName) ? 0 : FLAG_UTF8;
  const { time, date } = dosDateTime(modified);
  const centralOffset = LOCAL_SIZE + name.length + deflated.length;
  if (data.length >= ZIP32_MAX || centralOffset >= ZIP32_MAX) {
    throw new RangeError(`${data.length} bytes need ZIP64, which this writer does not do (Firehose objects are at most 128 MiB)`);
  }

  const entry: EntryFields = { flags, time, date, crc, compressedSize: deflated.length, size: data.length, nameLength: name.length };
  const out = Buffer.alloc(centralOffset + CENTRAL_SIZE + name.length + END_SIZE);
  let p = 0;
  p = out.writeUInt32LE(LOCAL_SIG, p);
  p = writeEntryFields(out, p, entry);
  p += name.copy(out, p);
  p += deflated.copy(out, p);

  p = out.writeUInt32LE(CENTRAL_SIG, p);
  p = out.writeUInt16LE(VERSION_MADE_BY, p);
  p = writeEntryFields(out, p, entry);
  p = out.writeUInt16LE(0, p); // comment length
  p = out.writeUInt16LE(0, p); // disk number start
  p = out.writeUInt16LE(0, p); // internal attributes
  p = out.writeUInt32LE(UNIX_FILE_0644, p);
  p = out.writeUInt32LE(0, p); // local header offset
  p += name.copy(out, p);

  p = out.writeUInt32LE(END_SIG, p);
  p = out.writeUInt16LE(0, p); // this disk
  p = out.writeUInt16LE(0, p); // disk with the central directory
  p = out.writeUInt16LE(1, p); // entries on this disk
  p = out.writeUInt16LE(1, p); // entries
  p = out.writeUInt32LE(CENTRAL_SIZE + name.length, p);
  p = out.writeUInt32LE(centralOffset, p);
  out.writeUInt16LE(0, p); // comment length
  return out;
}

/** MS-DOS date and time fields, in UTC, clamped to the years DOS dates can hold (1980-2107). */
export function dosDateTime(when: Date): { time: number; date: number } {
  const ms = Math.min(Math.max(when.getTime(), Date.UTC(1980, 0, 1)), Date.UTC(2107, 11, 31, 23, 59, 58));
  const d = new Date(Number.isNaN(ms) ? Date.UTC(1980, 0, 1) : ms);
  return {
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | (d.getUTCSeconds() >> 1),
    date: ((d.getUTCFullYear() - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
  };
}

interface ZipEntry {
  readonly name: string;
  readonly method: number;
  readonly flags: number;
  readonly crc: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly localOffset: number;
}

/** Every file of the archive, concatenated in central-directory order (what `unzip -p` prints). */
async function readZip(data: Buffer, maxOutputBytes: number): Promise<Buffer> {
  const entries = readCentralDirectory(data).filter((e) => !e.name.endsWith('/'));
  const total = entries.reduce((n, e) => n + e.size, 0);
  checkLimit('ZIP', total, maxOutputBytes);
  const parts: Buffer[] = [];
  for (const e of entries) parts.push(await readZipEntry(data, e));
  return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, total);
}

function readCentralDirectory(data: Buffer): ZipEntry[] {
  const end = findEndRecord(data);
  const count = data.readUInt16LE(end + 10);
  const cdSize = data.readUInt32LE(end + 12);
  const cdOffset = data.readUInt32LE(end + 16);
  if (data.readUInt16LE(end + 4) !== 0 || data.readUInt16LE(end + 6) !== 0 || data.readUInt16LE(end + 8) !== count) {
    throw corrupt('ZIP', 'a multi-disk archive');
  }
  if (count === 0xffff || cdSize === ZIP32_MAX || cdOffset === ZIP32_MAX) throw corrupt('ZIP', 'a ZIP64 archive, which is not read here');
  if (cdOffset + cdSize > end) throw corrupt('ZIP', `the central directory (${cdSize} bytes at ${cdOffset}) runs past the end record at ${end}`);

  const entries: ZipEntry[] = [];
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    if (p + CENTRAL_SIZE > cdOffset + cdSize || data.readUInt32LE(p) !== CENTRAL_SIG) throw corrupt('ZIP', `central directory entry ${i} is missing at byte ${p}`);
    const nameLength = data.readUInt16LE(p + 28);
    const extraLength = data.readUInt16LE(p + 30);
    const commentLength = data.readUInt16LE(p + 32);
    const next = p + CENTRAL_SIZE + nameLength + extraLength + commentLength;
    if (next > cdOffset + cdSize) throw corrupt('ZIP', `central directory entry ${i} runs past the directory`);
    const entry: ZipEntry = {
      flags: data.readUInt16LE(p + 8),
      method: data.readUInt16LE(p + 10),
      crc: data.readUInt32LE(p + 16),
      compressedSize: data.readUInt32LE(p + 20),
      size: data.readUInt32LE(p + 24),
      localOffset: data.readUInt32LE(p + 42),
      name: data.toString('utf8', p + CENTRAL_SIZE, p + CENTRAL_SIZE + nameLength),
    };
    if (entry.compressedSize === ZIP32_MAX || entry.size === ZIP32_MAX || entry.localOffset === ZIP32_MAX) {
      throw corrupt('ZIP', `entry ${JSON.stringify(entry.name)} uses ZIP64 sizes, which are not read here`);
    }
    entries.push(entry);
    p = next;
  }
  return entries;
}

/** The end-of-central-directory record: the last signature whose comment ends the data. */
function findEndRecord(data: Buffer): number {
  const lowest = Math.max(0, data.length - END_SIZE - 0xffff);
  for (let p = data.length - END_SIZE; p >= lowest; p--) {
    if (data.readUInt32LE(p) === END_SIG && p + END_SIZE + data.readUInt16LE(p + 20) === data.length) return p;
  }
  throw corrupt('ZIP', 'no end-of-central-directory record');
}

async function readZipEntry(data: Buffer, e: ZipEntry): Promise<Buffer> {
  const what = `entry ${JSON.stringify(e.name)}`;
  if ((e.flags & FLAG_ENCRYPTED) !== 0) throw corrupt('ZIP', `${what} is encrypted`);
  const p = e.localOffset;
  if (p + LOCAL_SIZE > data.length || data.readUInt32LE(p) !== LOCAL_SIG) throw corrupt('ZIP', `${what}: no local header at byte ${p}`);
  const start = p + LOCAL_SIZE + data.readUInt16LE(p + 26) + data.readUInt16LE(p + 28);
  if (start + e.compressedSize > data.length) throw corrupt('ZIP', `${what}: its ${e.compressedSize} bytes run past the archive`);
  const stored = data.subarray(start, start + e.compressedSize);

  let out: Buffer;
  if (e.method === METHOD_STORED) {
    if (e.compressedSize !== e.size) throw corrupt('ZIP', `${what}: stored with ${e.compressedSize} bytes but declares ${e.size}`);
    out = stored;
  } else if (e.method === METHOD_DEFLATED) {
    try {
      // Inflating stops at the declared size (zlib refuses a limit of 0), so a lying header costs nothing.
      out = await inflateRawAsync(stored, { maxOutputLength: Math.max(1, e.size) });
    } catch (err) {
      const detail = isBufferTooLarge(err) ? `inflates to more than the ${e.size} bytes it declares` : describe(err);
      throw corrupt('ZIP', `${what}: ${detail}`, err);
    }
  } else {
    throw corrupt('ZIP', `${what} uses compression method ${e.method}; only stored (0) and deflated (8) are read`);
  }
  if (out.length !== e.size) throw corrupt('ZIP', `${what}: ${out.length} bytes, its header declares ${e.size}`);
  if (crc32(out) !== e.crc) throw corrupt('ZIP', `${what}: CRC-32 mismatch`);
  return out;
}

// ---------------------------------------------------------------------------------------
// CRC-32 (ZIP's): zlib.crc32 from Node 20.15 / 22.2, a table otherwise.

type Crc32 = (data: Uint8Array) => number;
const zlibCrc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;
let crcTable: Uint32Array | undefined;

/** Bitwise-table CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), for Node without zlib.crc32. */
export function crc32Software(data: Uint8Array): number {
  if (crcTable === undefined) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  const table = crcTable;
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = (table[(crc ^ (data[i] as number)) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

const crc32: Crc32 = zlibCrc32 === undefined ? crc32Software : (d) => zlibCrc32(d) >>> 0;

// ---------------------------------------------------------------------------------------
// raw snappy helpers

/** The uncompressed length a raw snappy block declares (an unsigned LEB128 varint of up to 32 bits). */
function snappyDeclaredLength(format: CompressionFormat, block: Uint8Array): number {
  let value = 0;
  for (let i = 0; i < 5 && i < block.length; i++) {
    const b = block[i] as number;
    value += (b & 0x7f) * 2 ** (7 * i);
    if ((b & 0x80) === 0) {
      if (value > 0xffffffff) break;
      return value;
    }
  }
  throw corrupt(format, 'a snappy block with an invalid length preamble');
}

function snappyBlock(format: CompressionFormat, block: Buffer, expected: number): Buffer {
  let out: string | Buffer;
  try {
    out = snappyUncompressSync(block, { asBuffer: true, copyOutputData: true });
  } catch (err) {
    throw corrupt(format, `a snappy block does not decode: ${describe(err)}`, err);
  }
  if (typeof out === 'string') out = Buffer.from(out, 'utf8');
  if (out.length !== expected) throw corrupt(format, `a snappy block decodes to ${out.length} bytes, it declares ${expected}`);
  return out;
}

/**
 * Raw snappy of one block. Synchronous with copyOutputData: per 64 KiB block the binding's
 * external output buffers and its thread-pool hop cost far more than the compression itself
 * (128 MiB of JSON lines in 64 KiB blocks: 48 ms this way, about 870 ms with external buffers,
 * 230-350 ms awaiting the async call; measured on the 2-core dev machine).
 */
function snappyCompressBlock(block: Buffer): Buffer {
  return snappyCompressSync(block, { copyOutputData: true });
}

/** Between slices of synchronous snappy work the event loop runs: about 1 ms of work per slice. */
const SLICE_BYTES = 2 * 1024 * 1024;

/** Calls work(i) for i in [0, count) whose sizes add up to SLICE_BYTES, then yields to the loop. */
async function sliced(count: number, sizeOf: (i: number) => number, work: (i: number) => void): Promise<void> {
  let since = 0;
  for (let i = 0; i < count; i++) {
    work(i);
    since += sizeOf(i);
    if (since >= SLICE_BYTES && i + 1 < count) {
      since = 0;
      await nextTurn();
    }
  }
}

// ---------------------------------------------------------------------------------------
// Snappy framing format

const STREAM_IDENTIFIER = Buffer.from([0xff, 0x06, 0x00, 0x00, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x59]);
const CHUNK_COMPRESSED = 0x00;
const CHUNK_UNCOMPRESSED = 0x01;
const CHUNK_STREAM_IDENTIFIER = 0xff;
/** The most uncompressed bytes one chunk may hold. */
const FRAME_MAX_BLOCK = 65536;

/** The framing format's checksum: CRC-32C rotated right by 15 bits plus a constant. */
export function maskedCrc32c(data: Uint8Array): number {
  const crc = crc32c(data);
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

async function writeSnappyFramed(data: Buffer): Promise<Buffer> {
  const parts: Buffer[] = [STREAM_IDENTIFIER];
  await sliced(Math.ceil(data.length / FRAME_MAX_BLOCK), () => FRAME_MAX_BLOCK, (i) => {
    const block = data.subarray(i * FRAME_MAX_BLOCK, (i + 1) * FRAME_MAX_BLOCK);
    const compressed = snappyCompressBlock(block);
    const useCompressed = compressed.length < block.length - (block.length >> 3);
    const body = useCompressed ? compressed : block;
    const header = Buffer.allocUnsafe(8);
    header.writeUInt32LE(((body.length + 4) << 8) | (useCompressed ? CHUNK_COMPRESSED : CHUNK_UNCOMPRESSED), 0);
    header.writeUInt32LE(maskedCrc32c(block), 4);
    parts.push(header, body);
  });
  return Buffer.concat(parts);
}

interface FrameChunk {
  readonly compressed: boolean;
  readonly body: Buffer;
  readonly crc: number;
  readonly size: number;
}

async function readSnappyFramed(data: Buffer, maxOutputBytes: number): Promise<Buffer> {
  const chunks = scanFrames(data);
  const total = chunks.reduce((n, c) => n + c.size, 0);
  checkLimit('Snappy', total, maxOutputBytes);
  const out = Buffer.allocUnsafe(total);
  let pos = 0;
  await sliced(chunks.length, (i) => chunks[i]?.size ?? 0, (i) => {
    const c = chunks[i] as FrameChunk;
    const block = c.compressed ? snappyBlock('Snappy', c.body, c.size) : c.body;
    if (maskedCrc32c(block) !== c.crc) throw corrupt('Snappy', `CRC-32C mismatch in the chunk for output bytes ${pos}-${pos + c.size}`);
    pos += block.copy(out, pos);
  });
  return out;
}

/** The data chunks with their sizes, before anything is decoded. */
function scanFrames(data: Buffer): FrameChunk[] {
  // Zero bytes are an empty stream: what the Rust and Go framing encoders write for no input.
  if (data.length === 0) return [];
  if (data.length < STREAM_IDENTIFIER.length || !data.subarray(0, STREAM_IDENTIFIER.length).equals(STREAM_IDENTIFIER)) {
    throw corrupt('Snappy', 'it does not start with the stream identifier chunk');
  }
  const chunks: FrameChunk[] = [];
  let p = 0;
  while (p < data.length) {
    if (p + 4 > data.length) throw corrupt('Snappy', `a chunk header is cut short at byte ${p}`);
    const type = data[p] as number;
    const length = data.readUIntLE(p + 1, 3);
    const start = p + 4;
    const end = start + length;
    if (end > data.length) throw corrupt('Snappy', `the chunk at byte ${p} declares ${length} bytes, ${data.length - start} remain`);
    const body = data.subarray(start, end);
    if (type === CHUNK_STREAM_IDENTIFIER) {
      // Concatenated streams repeat the identifier.
      if (!data.subarray(p, end).equals(STREAM_IDENTIFIER)) throw corrupt('Snappy', `a bad stream identifier at byte ${p}`);
    } else if (type === CHUNK_COMPRESSED || type === CHUNK_UNCOMPRESSED) {
      if (length < 4) throw corrupt('Snappy', `the data chunk at byte ${p} is too short for its checksum`);
      const payload = body.subarray(4);
      const size = type === CHUNK_COMPRESSED ? snappyDeclaredLength('Snappy', payload) : payload.length;
      if (size > FRAME_MAX_BLOCK) throw corrupt('Snappy', `the chunk at byte ${p} holds ${size} bytes, more than 65536`);
      chunks.push({ compressed: type === CHUNK_COMPRESSED, body: payload, crc: body.readUInt32LE(0), size });
    } else if (type < 0x80) {
      throw corrupt('Snappy', `a reserved unskippable chunk type 0x${type.toString(16)} at byte ${p}`);
    }
    // Padding (0xfe) and reserved skippable chunks (0x80-0xfd) are skipped.
    p = end;
  }
  return chunks;
}

// ---------------------------------------------------------------------------------------
// HADOOP_SNAPPY (org.apache.hadoop.io.compress.BlockCompressorStream with SnappyCodec)

/** io.compression.codec.snappy.buffersize's default, less SnappyCodec's compression overhead. */
const HADOOP_BUFFER_SIZE = 256 * 1024;
export const HADOOP_MAX_INPUT_SIZE = HADOOP_BUFFER_SIZE - (Math.floor(HADOOP_BUFFER_SIZE / 6) + 32);

async function writeHadoopSnappy(data: Buffer): Promise<Buffer> {
  if (data.length === 0) return Buffer.alloc(4);
  const parts: Buffer[] = [];
  await sliced(Math.ceil(data.length / HADOOP_MAX_INPUT_SIZE), () => HADOOP_MAX_INPUT_SIZE, (i) => {
    const block = data.subarray(i * HADOOP_MAX_INPUT_SIZE, (i + 1) * HADOOP_MAX_INPUT_SIZE);
    const compressed = snappyCompressBlock(block);
    const header = Buffer.allocUnsafe(8);
    header.writeUInt32BE(block.length, 0);
    header.writeUInt32BE(compressed.length, 4);
    parts.push(header, compressed);
  });
  return Buffer.concat(parts);
}

interface HadoopChunk {
  readonly body: Buffer;
  readonly size: number;
}

interface HadoopBlock {
  readonly size: number;
  readonly chunks: HadoopChunk[];
}

async function readHadoopSnappy(data: Buffer, maxOutputBytes: number): Promise<Buffer> {
  const chunks = scanHadoopBlocks(data).flatMap((b) => b.chunks);
  const total = chunks.reduce((n, c) => n + c.size, 0);
  checkLimit('HADOOP_SNAPPY', total, maxOutputBytes);
  const out = Buffer.allocUnsafe(total);
  let pos = 0;
  await sliced(chunks.length, (i) => chunks[i]?.size ?? 0, (i) => {
    const c = chunks[i] as HadoopChunk;
    pos += snappyBlock('HADOOP_SNAPPY', c.body, c.size).copy(out, pos);
  });
  return out;
}

/**
 * Blocks and their chunks, sized from the headers and preambles before anything is decoded.
 * Zero bytes are an empty stream, as Hadoop's BlockDecompressorStream reads them.
 */
function scanHadoopBlocks(data: Buffer): HadoopBlock[] {
  const blocks: HadoopBlock[] = [];
  let p = 0;
  while (p < data.length) {
    if (p + 4 > data.length) throw corrupt('HADOOP_SNAPPY', `a block length is cut short at byte ${p}`);
    const size = data.readUInt32BE(p);
    const blockAt = p;
    p += 4;
    if (size > 0x7fffffff) throw corrupt('HADOOP_SNAPPY', `the block at byte ${blockAt} declares ${size} bytes (a Java int cannot)`);
    const chunks: HadoopChunk[] = [];
    let filled = 0;
    while (filled < size) {
      if (p + 4 > data.length) throw corrupt('HADOOP_SNAPPY', `the block at byte ${blockAt} ends after ${filled} of its ${size} bytes`);
      const length = data.readUInt32BE(p);
      p += 4;
      if (length === 0 || length > data.length - p) {
        throw corrupt('HADOOP_SNAPPY', `the chunk at byte ${p - 4} declares ${length} bytes, ${data.length - p} remain`);
      }
      const body = data.subarray(p, p + length);
      const chunkSize = snappyDeclaredLength('HADOOP_SNAPPY', body);
      if (chunkSize === 0 || filled + chunkSize > size) {
        throw corrupt('HADOOP_SNAPPY', `the chunk at byte ${p - 4} holds ${chunkSize} bytes, its block has ${size - filled} left`);
      }
      chunks.push({ body, size: chunkSize });
      filled += chunkSize;
      p += length;
    }
    blocks.push({ size, chunks });
  }
  return blocks;
}
