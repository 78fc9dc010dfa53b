/**
 * A small DER encoder (ITU-T X.690, distinguished encoding rules): the universal types an
 * X.509 v3 certificate needs, context-specific tags, and a reader of single TLVs for picking
 * fields out of DER that Node produced (the public key inside a SubjectPublicKeyInfo).
 * Every function returns one complete TLV; values DER cannot represent are refused, not bent.
 */
import { SdsError } from '../errors.ts';

/** A value the encoder cannot represent, or bytes the reader cannot parse: a caller bug. */
export class DerError extends SdsError {
  constructor(message: string) {
    super('SDS_ERR_CERTS_DER', message);
  }
}

/** Universal tags (X.680 8.4), with the constructed bit set for SEQUENCE and SET. */
export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  OBJECT_IDENTIFIER: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

const CONSTRUCTED = 0x20;
const CONTEXT = 0x80;
/** Tag numbers 0-30 fit in one identifier octet; certificates never need the multi-octet form. */
const MAX_LOW_TAG = 30;

/** Definite length: short form below 128, otherwise 0x80|n followed by n big-endian octets (X.690 8.1.3). */
export function encodeLength(length: number): Buffer {
  if (!Number.isSafeInteger(length) || length < 0) throw new DerError(`cannot encode the length ${length}`);
  if (length < 0x80) return Buffer.from([length]);
  const octets: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) octets.unshift(n % 256);
  return Buffer.from([0x80 | octets.length, ...octets]);
}

/** One TLV from an identifier octet and contents. */
export function tlv(tag: number, content: Uint8Array): Buffer {
  if (!Number.isInteger(tag) || tag < 0 || tag > 0xff || (tag & 0x1f) === 0x1f) {
    throw new DerError(`tag ${tag} is not a single-octet identifier`);
  }
  return Buffer.concat([Buffer.from([tag]), encodeLength(content.length), content]);
}

export function sequence(...items: readonly Uint8Array[]): Buffer {
  return tlv(TAG.SEQUENCE, Buffer.concat(items));
}

/**
 * SET OF: DER orders the elements by their encodings compared as octet strings, the shorter
 * one padded with zero octets at its end (X.690 11.6).
 */
export function setOf(...items: readonly Uint8Array[]): Buffer {
  const sorted = [...items].sort(compareForSet);
  return tlv(TAG.SET, Buffer.concat(sorted));
}

function compareForSet(a: Uint8Array, b: Uint8Array): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * A non-negative INTEGER, two's complement in the fewest octets: leading zero octets are
 * dropped, and one 0x00 is put back when the first octet's high bit is set, so the value stays
 * positive (X.690 8.3.2). Bytes are read as an unsigned big-endian magnitude (a serial number).
 */
export function integer(value: number | bigint | Uint8Array): Buffer {
  let magnitude: Buffer;
  if (value instanceof Uint8Array) {
    if (value.length === 0) throw new DerError('an INTEGER needs at least one octet');
    magnitude = Buffer.from(value);
  } else {
    if (typeof value === 'number' && !Number.isSafeInteger(value)) throw new DerError(`${value} is not a whole number that can be encoded exactly`);
    const big = BigInt(value);
    if (big < 0n) throw new DerError(`negative INTEGER ${big} is not supported: certificates use non-negative values only`);
    const hex = big.toString(16);
    magnitude = Buffer.from(hex.length % 2 === 0 ? hex : `0${hex}`, 'hex');
  }
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const minimal = magnitude.subarray(start);
  const content = ((minimal[0] ?? 0) & 0x80) !== 0 ? Buffer.concat([Buffer.from([0]), minimal]) : minimal;
  return tlv(TAG.INTEGER, content);
}

const OID_TEXT = /^(0|[1-9]\d*)(\.(0|[1-9]\d*))+$/;

/**
 * OBJECT IDENTIFIER: the first two arcs share one subidentifier (40*X+Y), each subidentifier
 * is base 128, most significant group first, with the high bit set on all but the last
 * (X.690 8.19). Arcs are bigints so that large ones (UUID arcs under 2.25) encode exactly.
 */
export function oid(dotted: string): Buffer {
  if (!OID_TEXT.test(dotted)) throw new DerError(`${JSON.stringify(dotted)} is not an object identifier (at least two dot-separated decimal arcs)`);
  const arcs = dotted.split('.').map((a) => BigInt(a));
  const [first, second] = arcs as [bigint, bigint];
  if (first > 2n) throw new DerError(`object identifier ${dotted}: the first arc must be 0, 1 or 2`);
  if (first < 2n && second > 39n) throw new DerError(`object identifier ${dotted}: under arc ${first} the second arc must be below 40`);
  const subidentifiers = [first * 40n + second, ...arcs.slice(2)];
  const octets: number[] = [];
  for (const sub of subidentifiers) {
    const groups: number[] = [Number(sub & 0x7fn)];
    for (let rest = sub >> 7n; rest > 0n; rest >>= 7n) groups.unshift(Number(rest & 0x7fn) | 0x80);
    octets.push(...groups);
  }
  return tlv(TAG.OBJECT_IDENTIFIER, Buffer.from(octets));
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;
// eslint-disable-next-line no-control-regex -- IA5 is exactly the 7-bit range, controls included
const IA5 = /^[\x00-\x7f]*$/;

export function utf8String(text: string): Buffer {
  // Buffer.from would silently turn a lone surrogate into U+FFFD: a different name than asked for.
  if (LONE_SURROGATE.test(text)) throw new DerError('a UTF8String cannot hold a lone UTF-16 surrogate');
  return tlv(TAG.UTF8_STRING, Buffer.from(text, 'utf8'));
}

/** PrintableString allows only A-Z a-z 0-9 space ' ( ) + , - . / : = ? (X.680 41.4). */
export function printableString(text: string): Buffer {
  if (!PRINTABLE.test(text)) throw new DerError(`${JSON.stringify(text)} has characters a PrintableString cannot hold`);
  return tlv(TAG.PRINTABLE_STRING, Buffer.from(text, 'latin1'));
}

/** IA5String: 7-bit ASCII, as DNS names in subjectAltName are written. */
export function ia5String(text: string): Buffer {
  if (!IA5.test(text)) throw new DerError(`${JSON.stringify(text)} is not 7-bit ASCII (IA5String)`);
  return tlv(TAG.IA5_STRING, Buffer.from(text, 'latin1'));
}

function checkedDate(date: Date): Date {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) throw new DerError('not a valid date');
  return date;
}

function two(n: number): string {
  return String(n).padStart(2, '0');
}

function monthToSeconds(d: Date): string {
  return `${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}${two(d.getUTCHours())}${two(d.getUTCMinutes())}${two(d.getUTCSeconds())}Z`;
}

/** UTCTime YYMMDDHHMMSSZ, for years 1950-2049 (RFC 5280 4.1.2.5.1); milliseconds are dropped. */
export function utcTime(date: Date): Buffer {
  const d = checkedDate(date);
  const year = d.getUTCFullYear();
  if (year < 1950 || year > 2049) throw new DerError(`UTCTime covers 1950-2049; ${d.toISOString()} needs GeneralizedTime`);
  return tlv(TAG.UTC_TIME, Buffer.from(`${two(year % 100)}${monthToSeconds(d)}`, 'latin1'));
}

/** GeneralizedTime YYYYMMDDHHMMSSZ without fractional seconds (RFC 5280 4.1.2.5.2). */
export function generalizedTime(date: Date): Buffer {
  const d = checkedDate(date);
  const year = d.getUTCFullYear();
  if (year < 0 || year > 9999) throw new DerError(`GeneralizedTime covers years 0000-9999, not ${year}`);
  return tlv(TAG.GENERALIZED_TIME, Buffer.from(`${String(year).padStart(4, '0')}${monthToSeconds(d)}`, 'latin1'));
}

/** X.509's Time: UTCTime for 1950 through 2049, GeneralizedTime otherwise (RFC 5280 4.1.2.5). */
export function time(date: Date): Buffer {
  const year = checkedDate(date).getUTCFullYear();
  return year >= 1950 && year <= 2049 ? utcTime(date) : generalizedTime(date);
}

/**
 * BIT STRING: a first octet counting the unused bits at the end, then the bits. DER requires
 * those unused bits to be zero (X.690 11.2.1), so bytes that set them are refused.
 */
export function bitString(bytes: Uint8Array, unusedBits = 0): Buffer {
  if (!Number.isInteger(unusedBits) || unusedBits < 0 || unusedBits > 7) throw new DerError(`unused bits must be 0-7, not ${unusedBits}`);
  if (bytes.length === 0 && unusedBits !== 0) throw new DerError('an empty BIT STRING has no unused bits');
  const last = bytes[bytes.length - 1] ?? 0;
  if ((last & ((1 << unusedBits) - 1)) !== 0) throw new DerError('the unused bits of a BIT STRING must be zero in DER');
  return tlv(TAG.BIT_STRING, Buffer.concat([Buffer.from([unusedBits]), bytes]));
}

/**
 * A named-bit BIT STRING (keyUsage): bit 0 is the high bit of the first octet, and DER drops
 * trailing zero bits (X.690 11.2.2), so the encoding ends at the highest bit set.
 */
export function namedBits(bits: readonly number[]): Buffer {
  for (const b of bits) if (!Number.isInteger(b) || b < 0 || b > 255) throw new DerError(`named bit ${b} is outside 0-255`);
  if (bits.length === 0) return bitString(Buffer.alloc(0));
  const highest = Math.max(...bits);
  const bytes = Buffer.alloc(Math.floor(highest / 8) + 1);
  for (const b of bits) bytes[b >> 3] = (bytes[b >> 3] ?? 0) | (0x80 >> (b & 7));
  return bitString(bytes, 7 - (highest % 8));
}

export function octetString(bytes: Uint8Array): Buffer {
  return tlv(TAG.OCTET_STRING, bytes);
}

/** DER writes TRUE as 0xFF (X.690 11.1). */
export function boolean(value: boolean): Buffer {
  return tlv(TAG.BOOLEAN, Buffer.from([value ? 0xff : 0x00]));
}

function checkTagNumber(n: number): void {
  if (!Number.isInteger(n) || n < 0 || n > MAX_LOW_TAG) throw new DerError(`context tag [${n}] is outside 0-${MAX_LOW_TAG}`);
}

/** [n] EXPLICIT: a constructed context-specific TLV wrapping the whole inner encoding. */
export function explicit(n: number, inner: Uint8Array): Buffer {
  checkTagNumber(n);
  return tlv(CONTEXT | CONSTRUCTED | n, inner);
}

/**
 * [n] IMPLICIT: the inner TLV's identifier is replaced by the context-specific one; its
 * contents, and whether it is constructed, stay.
 */
export function implicit(n: number, encoded: Uint8Array): Buffer {
  checkTagNumber(n);
  const inner = readTlv(encoded);
  if (inner.end !== encoded.length) throw new DerError('[IMPLICIT] takes exactly one encoded element');
  return tlv(CONTEXT | (inner.tag & CONSTRUCTED) | n, inner.content);
}

export interface Tlv {
  readonly tag: number;
  readonly content: Buffer;
  /** The offset just past this element in the buffer it was read from. */
  readonly end: number;
}

/** Reads the DER element that starts at `offset`; definite lengths only, as DER requires. */
export function readTlv(bytes: Uint8Array, offset = 0): Tlv {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (offset + 2 > buf.length) throw new DerError(`truncated DER: no element header at offset ${offset}`);
  const tag = buf[offset] as number;
  if ((tag & 0x1f) === 0x1f) throw new DerError(`multi-octet tag at offset ${offset} is not supported`);
  const first = buf[offset + 1] as number;
  let length = first;
  let start = offset + 2;
  if (first & 0x80) {
    const count = first & 0x7f;
    if (count === 0) throw new DerError(`indefinite length at offset ${offset} is not DER`);
    if (count > 4) throw new DerError(`length of ${count} octets at offset ${offset} is too large`);
    if (start + count > buf.length) throw new DerError(`truncated DER: length octets at offset ${offset}`);
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (buf[start + i] as number);
    start += count;
  }
  if (start + length > buf.length) throw new DerError(`truncated DER: element at offset ${offset} needs ${length} octets, ${buf.length - start} remain`);
  return { tag, content: buf.subarray(start, start + length), end: start + length };
}

/** The elements inside a constructed element's contents, in order. */
export function readChildren(content: Uint8Array): Tlv[] {
  const children: Tlv[] = [];
  for (let offset = 0; offset < content.length; ) {
    const child = readTlv(content, offset);
    children.push(child);
    offset = child.end;
  }
  return children;
}
