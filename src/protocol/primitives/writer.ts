import { ProtocolError } from '../errors.ts';

/** Byte fields at least this long are referenced, not copied, in the output. */
const ZERO_COPY_THRESHOLD = 4096;

/**
 * Appends Kafka primitives to a growing buffer. Large byte fields (record batches) are
 * kept by reference, so encoding a Fetch response does not copy the records: the result
 * is a list of chunks ready for a vectored socket write.
 */
export class Writer {
  private chunks: Buffer[] = [];
  private buf: Buffer;
  private pos = 0;
  private flushedBytes = 0;

  constructor(initialSize = 256) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.flushedBytes + this.pos;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  int8(v: number): void {
    checkInt(v, -128, 127, 'int8');
    this.ensure(1);
    this.buf.writeInt8(v, this.pos++);
  }

  bool(v: boolean): void {
    this.ensure(1);
    this.buf[this.pos++] = v ? 1 : 0;
  }

  int16(v: number): void {
    checkInt(v, -32768, 32767, 'int16');
    this.ensure(2);
    this.buf.writeInt16BE(v, this.pos);
    this.pos += 2;
  }

  uint16(v: number): void {
    checkInt(v, 0, 65535, 'uint16');
    this.ensure(2);
    this.buf.writeUInt16BE(v, this.pos);
    this.pos += 2;
  }

  int32(v: number): void {
    checkInt(v, -2147483648, 2147483647, 'int32');
    this.ensure(4);
    this.buf.writeInt32BE(v, this.pos);
    this.pos += 4;
  }

  uint32(v: number): void {
    checkInt(v, 0, 4294967295, 'uint32');
    this.ensure(4);
    this.buf.writeUInt32BE(v, this.pos);
    this.pos += 4;
  }

  int64(v: bigint): void {
    if (v < -9223372036854775808n || v > 9223372036854775807n) {
      throw new ProtocolError('SDS_ERR_PROTOCOL_VALUE_OUT_OF_RANGE', `int64 value ${v} is out of range`);
    }
    this.ensure(8);
    this.buf.writeBigInt64BE(v, this.pos);
    this.pos += 8;
  }

  float64(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleBE(v, this.pos);
    this.pos += 8;
  }

  uuid(v: string): void {
    const bytes = Buffer.from(v, 'base64url');
    if (bytes.length !== 16 || bytes.toString('base64url') !== v) {
      throw new ProtocolError('SDS_ERR_PROTOCOL_VALUE_OUT_OF_RANGE', `"${v}" is not a UUID in Kafka's base64 form`);
    }
    this.raw(bytes);
  }

  uvarint(v: number): void {
    checkInt(v, 0, 4294967295, 'unsigned varint');
    this.ensure(5);
    while (v >= 0x80) {
      this.buf[this.pos++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.pos++] = v;
  }

  varint(v: number): void {
    checkInt(v, -2147483648, 2147483647, 'varint');
    this.uvarint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  varlong(v: bigint): void {
    if (v < -9223372036854775808n || v > 9223372036854775807n) {
      throw new ProtocolError('SDS_ERR_PROTOCOL_VALUE_OUT_OF_RANGE', `varlong value ${v} is out of range`);
    }
    let u = v >= 0n ? v << 1n : (-v << 1n) - 1n;
    this.ensure(10);
    while (u >= 0x80n) {
      this.buf[this.pos++] = Number(u & 0x7fn) | 0x80;
      u >>= 7n;
    }
    this.buf[this.pos++] = Number(u);
  }

  private writeLength(n: number, flexible: boolean, wide: boolean): void {
    if (flexible) this.uvarint(n + 1);
    else if (wide) this.int32(n);
    else this.int16(n);
  }

  nullableString(v: string | null, flexible: boolean): void {
    if (v === null) {
      this.writeLength(-1, flexible, false);
      return;
    }
    const n = Buffer.byteLength(v, 'utf8');
    if (!flexible && n > 32767) {
      throw new ProtocolError('SDS_ERR_PROTOCOL_VALUE_OUT_OF_RANGE', `string of ${n} bytes exceeds 32767`);
    }
    this.writeLength(n, flexible, false);
    this.ensure(n);
    this.pos += this.buf.write(v, this.pos, n, 'utf8');
  }

  string(v: string | null, flexible: boolean): void {
    if (v === null) throw unexpectedNull('string');
    this.nullableString(v, flexible);
  }

  nullableBytes(v: Uint8Array | null, flexible: boolean): void {
    if (v === null) {
      this.writeLength(-1, flexible, true);
      return;
    }
    this.writeLength(v.length, flexible, true);
    this.raw(v);
  }

  bytes(v: Uint8Array | null, flexible: boolean): void {
    if (v === null) throw unexpectedNull('bytes');
    this.nullableBytes(v, flexible);
  }

  nullableArrayLength(n: number | null, flexible: boolean): void {
    this.writeLength(n === null ? -1 : n, flexible, true);
  }

  arrayLength(n: number | null, flexible: boolean): void {
    if (n === null) throw unexpectedNull('array');
    this.writeLength(n, flexible, true);
  }

  /** Appends bytes as they are; large ones by reference. */
  raw(v: Uint8Array): void {
    if (v.length >= ZERO_COPY_THRESHOLD) {
      this.flushScratch();
      this.chunks.push(Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.length));
      this.flushedBytes += v.length;
      return;
    }
    this.ensure(v.length);
    this.buf.set(v, this.pos);
    this.pos += v.length;
  }

  /** Writes one tagged field: tag, size, then what `body` writes. */
  tagged(tag: number, body: (w: Writer) => void): void {
    const inner = new Writer(64);
    body(inner);
    this.uvarint(tag);
    this.uvarint(inner.length);
    for (const chunk of inner.toChunks()) this.raw(chunk);
  }

  private flushScratch(): void {
    if (this.pos === 0) return;
    this.chunks.push(this.buf.subarray(0, this.pos));
    this.flushedBytes += this.pos;
    this.buf = this.buf.subarray(this.pos);
    this.pos = 0;
    if (this.buf.length < 64) this.buf = Buffer.allocUnsafe(256);
  }

  /** The output as chunks, for a vectored write. The writer must not be used after. */
  toChunks(): Buffer[] {
    this.flushScratch();
    return this.chunks;
  }

  /** The output as one contiguous buffer (copies if there are several chunks). */
  toBuffer(): Buffer {
    const chunks = this.toChunks();
    if (chunks.length === 1) return chunks[0] as Buffer;
    return Buffer.concat(chunks, this.flushedBytes);
  }
}

function checkInt(v: number, min: number, max: number, type: string): void {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new ProtocolError('SDS_ERR_PROTOCOL_VALUE_OUT_OF_RANGE', `${type} value ${v} is out of range [${min}, ${max}]`);
  }
}

function unexpectedNull(what: string): ProtocolError {
  return new ProtocolError('SDS_ERR_PROTOCOL_UNEXPECTED_NULL', `null given for a non-nullable ${what} in this version`);
}
