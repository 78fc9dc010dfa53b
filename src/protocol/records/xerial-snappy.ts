/**
 * The Xerial snappy-java stream framing that Java producers put around snappy data
 * (org.xerial.snappy.SnappyOutputStream): an 8-byte magic (0x82 "SNAPPY" 0x00), two
 * big-endian int32s (version, minimum compatible version), then blocks of a big-endian
 * int32 length followed by that many bytes of raw snappy. Only the framing lives here;
 * the raw snappy chunks are handled by snappy.ts.
 */
import { CompressionCodec } from './compression-codec.ts';
import { corruptPayload } from './codec-errors.ts';

const MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const HEADER_SIZE = MAGIC.length + 8;
/** What snappy-java writes and what every reader accepts. */
const VERSION = 1;
const MIN_COMPATIBLE_VERSION = 1;

/** True when data starts with the Xerial magic (raw snappy never decodes from these bytes). */
export function isXerialFramed(data: Uint8Array): boolean {
  return data.length >= MAGIC.length && MAGIC.equals(data.subarray(0, MAGIC.length));
}

/**
 * The raw snappy chunks of a Xerial stream, as views into data. A header that appears
 * again at a block boundary is skipped: snappy-java reads concatenated streams that way.
 */
export function readXerialChunks(data: Buffer): Buffer[] {
  if (data.length < HEADER_SIZE || !isXerialFramed(data)) {
    throw corruptPayload(CompressionCodec.Snappy, 'Xerial header is missing or truncated');
  }
  const chunks: Buffer[] = [];
  let pos = HEADER_SIZE;
  while (pos < data.length) {
    if (isXerialFramed(data.subarray(pos))) {
      if (data.length - pos < HEADER_SIZE) throw corruptPayload(CompressionCodec.Snappy, 'Xerial header truncated');
      pos += HEADER_SIZE;
      continue;
    }
    if (data.length - pos < 4) {
      throw corruptPayload(CompressionCodec.Snappy, `Xerial block length truncated at byte ${pos}`);
    }
    const size = data.readInt32BE(pos);
    pos += 4;
    if (size <= 0 || size > data.length - pos) {
      throw corruptPayload(
        CompressionCodec.Snappy,
        `Xerial block at byte ${pos - 4} declares ${size} bytes, ${data.length - pos} remain`,
      );
    }
    chunks.push(data.subarray(pos, pos + size));
    pos += size;
  }
  return chunks;
}

/** Frames already-compressed raw snappy chunks the way snappy-java does. */
export function writeXerialFrame(chunks: readonly Uint8Array[]): Buffer {
  let total = HEADER_SIZE;
  for (const c of chunks) total += 4 + c.length;
  const out = Buffer.allocUnsafe(total);
  MAGIC.copy(out, 0);
  out.writeInt32BE(VERSION, MAGIC.length);
  out.writeInt32BE(MIN_COMPATIBLE_VERSION, MAGIC.length + 4);
  let pos = HEADER_SIZE;
  for (const c of chunks) {
    out.writeInt32BE(c.length, pos);
    out.set(c, pos + 4);
    pos += 4 + c.length;
  }
  return out;
}
