import { ProtocolError } from '../errors.ts';

const ZERO_UUID_BYTES = 16;

/**
 * A bounds-checked cursor over one frame. Every read checks the bytes that remain
 * before it allocates anything, so a hostile length can never make us allocate more
 * than the frame itself. Byte fields are views into the frame (no copy).
 */
export class Reader {
  readonly buf: Buffer;
  pos: number;
  /** Reads stop here; narrowed while a tagged field is being decoded. */
  end: number;

  constructor(buf: Buffer, start = 0, end = buf.length) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number): void {
    if (n > this.end - this.pos) {
      throw new ProtocolError(
        'SDS_ERR_PROTOCOL_TRUNCATED',
        `message truncated: needed ${n} bytes at offset ${this.pos}, ${this.end - this.pos} left`,
      );
    }
  }

  int8(): number {
    this.need(1);
    return this.buf.readInt8(this.pos++);
  }

  bool(): boolean {
    return this.int8() !== 0;
  }

  int16(): number {
    this.need(2);
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  uint16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  int32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  uint32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  int64(): bigint {
    this.need(8);
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return v;
  }

  float64(): number {
    this.need(8);
    const v = this.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }

  /** A UUID in Kafka's text form: 22 characters of URL-safe base64. */
  uuid(): string {
    this.need(ZERO_UUID_BYTES);
    const v = this.buf.toString('base64url', this.pos, this.pos + ZERO_UUID_BYTES);
    this.pos += ZERO_UUID_BYTES;
    return v;
  }

  /** Unsigned LEB128 varint of at most 5 bytes (a uint32). */
  uvarint(): number {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      this.need(1);
      const b = this.buf[this.pos++] as number;
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) {
        if (result > 0xffffffff) break;
        return result;
      }
    }
    throw new ProtocolError('SDS_ERR_PROTOCOL_BAD_LENGTH', `invalid unsigned varint at offset ${this.pos}`);
  }

  /** Zig-zag varint of at most 5 bytes (an int32). */
  varint(): number {
    const u = this.uvarint();
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }

  /** Zig-zag varint of at most 10 bytes (an int64). */
  varlong(): bigint {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      this.need(1);
      const b = this.buf[this.pos++] as number;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) {
        if (result >= 1n << 64n) break;
        return (result >> 1n) ^ -(result & 1n);
      }
    }
    throw new ProtocolError('SDS_ERR_PROTOCOL_BAD_LENGTH', `invalid varlong at offset ${this.pos}`);
  }

  /** Length of a string, bytes or array: -1 means null. Checked against what remains. */
  private length(flexible: boolean, wide: boolean, what: string): number {
    let n: number;
    if (flexible) n = this.uvarint() - 1;
    else n = wide ? this.int32() : this.int16();
    if (n < -1 || n > this.end - this.pos) {
      throw new ProtocolError(
        'SDS_ERR_PROTOCOL_BAD_LENGTH',
        `${what} length ${n} at offset ${this.pos} exceeds the ${this.end - this.pos} bytes left`,
      );
    }
    return n;
  }

  nullableString(flexible: boolean): string | null {
    const n = this.length(flexible, false, 'string');
    if (n < 0) return null;
    const v = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  string(flexible: boolean): string {
    const v = this.nullableString(flexible);
    if (v === null) throw unexpectedNull('string', this.pos);
    return v;
  }

  nullableBytes(flexible: boolean): Buffer | null {
    const n = this.length(flexible, true, 'bytes');
    if (n < 0) return null;
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  bytes(flexible: boolean): Buffer {
    const v = this.nullableBytes(flexible);
    if (v === null) throw unexpectedNull('bytes', this.pos);
    return v;
  }

  /**
   * Element count of an array, or -1 for null. Every element takes at least one byte
   * on the wire except in degenerate schemas, so a count above the bytes left is refused.
   */
  nullableArrayLength(flexible: boolean): number {
    return this.length(flexible, true, 'array');
  }

  arrayLength(flexible: boolean): number {
    const n = this.nullableArrayLength(flexible);
    if (n < 0) throw unexpectedNull('array', this.pos);
    return n;
  }

  /** Marker byte of a nullable struct: -1 null, 1 present. */
  structPresent(): boolean {
    const b = this.int8();
    if (b === -1) return false;
    if (b === 1) return true;
    throw new ProtocolError('SDS_ERR_PROTOCOL_BAD_LENGTH', `invalid nullable struct marker ${b}`);
  }

  /** Narrows reading to one tagged field of `size` bytes; returns the previous end. */
  enterTagged(size: number): number {
    this.need(size);
    const previous = this.end;
    this.end = this.pos + size;
    return previous;
  }

  /** Skips whatever the tagged field left unread and restores the previous end. */
  leaveTagged(previousEnd: number): void {
    this.pos = this.end;
    this.end = previousEnd;
  }

  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }
}

function unexpectedNull(what: string, pos: number): ProtocolError {
  return new ProtocolError('SDS_ERR_PROTOCOL_UNEXPECTED_NULL', `null ${what} at offset ${pos} in a non-nullable field`);
}
