import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  bitString,
  boolean,
  DerError,
  encodeLength,
  explicit,
  generalizedTime,
  ia5String,
  implicit,
  integer,
  namedBits,
  octetString,
  oid,
  printableString,
  readChildren,
  readTlv,
  sequence,
  setOf,
  time,
  tlv,
  utcTime,
  utf8String,
} from '../../src/certs/der.ts';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const isDerError = (e: unknown): boolean => e instanceof DerError && e.code === 'SDS_ERR_CERTS_DER';

test('lengths: short form up to 127, long form from 128 in the fewest octets', () => {
  assert.equal(hex(encodeLength(0)), '00');
  assert.equal(hex(encodeLength(127)), '7f');
  assert.equal(hex(encodeLength(128)), '8180');
  assert.equal(hex(encodeLength(255)), '81ff');
  assert.equal(hex(encodeLength(256)), '820100');
  assert.equal(hex(encodeLength(65535)), '82ffff');
  assert.equal(hex(encodeLength(65536)), '83010000');
  assert.equal(hex(octetString(Buffer.alloc(127)).subarray(0, 2)), '047f');
  assert.equal(hex(octetString(Buffer.alloc(128)).subarray(0, 3)), '048180');
  const big = octetString(Buffer.alloc(300, 7));
  assert.equal(hex(big.subarray(0, 4)), '0482012c');
  assert.equal(big.length, 304);
  for (const bad of [-1, 1.5, Number.NaN, Number.MAX_SAFE_INTEGER + 2]) assert.throws(() => encodeLength(bad), isDerError, String(bad));
});

test('tlv refuses identifiers that need more than one octet', () => {
  assert.equal(hex(tlv(0x04, Buffer.from([1]))), '040101');
  for (const bad of [0x1f, 0x3f, 0xbf, 256, -1, 1.5]) assert.throws(() => tlv(bad, Buffer.alloc(0)), isDerError, String(bad));
});

test('INTEGER: minimal octets, a leading 0x00 exactly when the high bit is set', () => {
  assert.equal(hex(integer(0)), '020100');
  assert.equal(hex(integer(1)), '020101');
  assert.equal(hex(integer(127)), '02017f');
  assert.equal(hex(integer(128)), '02020080');
  assert.equal(hex(integer(255)), '020200ff');
  assert.equal(hex(integer(256)), '02020100');
  assert.equal(hex(integer(32767)), '02027fff');
  assert.equal(hex(integer(32768)), '0203008000');
  assert.equal(hex(integer(2n ** 64n)), '0209010000000000000000');
  // Bytes are an unsigned magnitude: leading zeros dropped, 0x00 added before a high bit.
  assert.equal(hex(integer(Buffer.from([0, 0, 1]))), '020101');
  assert.equal(hex(integer(Buffer.from([0, 0, 0]))), '020100');
  assert.equal(hex(integer(Buffer.from([0xff]))), '020200ff');
  assert.equal(hex(integer(Buffer.from([0x00, 0x80, 0x01]))), '0203008001');
  assert.equal(hex(integer(Buffer.from([0x40, 0x01]))), '02024001');
  for (const bad of [-1, -1n, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) assert.throws(() => integer(bad), isDerError, String(bad));
  assert.throws(() => integer(Buffer.alloc(0)), isDerError);
});

test('OBJECT IDENTIFIER: 40*X+Y first, base 128 subidentifiers, large arcs exact', () => {
  assert.equal(hex(oid('1.2.840.10045.4.3.2')), '06082a8648ce3d040302');
  assert.equal(hex(oid('2.5.4.3')), '0603550403');
  assert.equal(hex(oid('1.3.6.1.4.1.311.21.20')), '06092b0601040182371514');
  assert.equal(hex(oid('0.0')), '060100');
  assert.equal(hex(oid('1.39')), '06014f');
  // Under arc 2 the second arc may be 40 or more, so the first subidentifier grows past 127 (X.690 8.19.5's 2.999.3).
  assert.equal(hex(oid('2.40')), '060178');
  assert.equal(hex(oid('2.47')), '06017f');
  assert.equal(hex(oid('2.48')), '06028100');
  assert.equal(hex(oid('2.999.3')), '0603883703');
  // 2^64 = 2 * 128^9: ten groups, every one but the last with the continuation bit.
  assert.equal(hex(oid('1.2.18446744073709551616')), '060b2a82808080808080808000');
  assert.equal(hex(oid('1.2.16383')), '06032aff7f');
  assert.equal(hex(oid('1.2.16384')), '06042a818000');
  for (const bad of ['', '1', '3.1', '1.40', '0.40', '1.02', '01.2', 'a.b', '1..2', '1.2.', '.1.2', '1.-2', ' 1.2', '1.2 ']) {
    assert.throws(() => oid(bad), isDerError, JSON.stringify(bad));
  }
});

test('strings: UTF8String any text, PrintableString and IA5String only their characters', () => {
  assert.equal(hex(utf8String('é')), '0c02c3a9');
  assert.equal(hex(utf8String('')), '0c00');
  assert.equal(hex(utf8String('😀')), '0c04f09f9880');
  assert.throws(() => utf8String('a\uD800b'), isDerError);
  assert.throws(() => utf8String('\uDC00'), isDerError);
  assert.equal(hex(printableString("Ab 1'()+,-./:=?")), `13${'0f'}${Buffer.from("Ab 1'()+,-./:=?").toString('hex')}`);
  for (const bad of ['a@b', 'a*b', 'é', 'a_b', 'a\nb', 'a&b']) assert.throws(() => printableString(bad), isDerError, bad);
  assert.equal(hex(ia5String('a.b*')), '1604612e622a');
  for (const bad of ['é', '😀', '\u0080']) assert.throws(() => ia5String(bad), isDerError, bad);
});

test('times: UTCTime through 2049, GeneralizedTime from 2050 and before 1950, seconds only', () => {
  const ascii = (b: Buffer): string => b.subarray(2).toString('latin1');
  assert.equal(ascii(utcTime(new Date('2049-12-31T23:59:59Z'))), '491231235959Z');
  assert.equal(ascii(utcTime(new Date('1950-01-01T00:00:00Z'))), '500101000000Z');
  assert.equal(ascii(utcTime(new Date('2000-02-29T12:34:56.789Z'))), '000229123456Z');
  assert.equal(utcTime(new Date('2030-01-01T00:00:00Z'))[0], 0x17);
  assert.throws(() => utcTime(new Date('2050-01-01T00:00:00Z')), isDerError);
  assert.throws(() => utcTime(new Date('1949-12-31T23:59:59Z')), isDerError);
  assert.equal(ascii(generalizedTime(new Date('2050-01-01T00:00:00Z'))), '20500101000000Z');
  assert.equal(ascii(generalizedTime(new Date('0099-03-04T05:06:07Z'))), '00990304050607Z');
  assert.equal(generalizedTime(new Date('2050-01-01T00:00:00Z'))[0], 0x18);
  assert.throws(() => generalizedTime(new Date('+010000-01-01T00:00:00Z')), isDerError);
  assert.throws(() => generalizedTime(new Date('-000001-01-01T00:00:00Z')), isDerError);

  const last = time(new Date('2049-12-31T23:59:59.999Z'));
  assert.equal(last[0], 0x17);
  assert.equal(ascii(last), '491231235959Z', 'milliseconds are dropped, not rounded into 2050');
  const first = time(new Date('2050-01-01T00:00:00Z'));
  assert.equal(first[0], 0x18);
  assert.equal(ascii(first), '20500101000000Z');
  const old = time(new Date('1949-12-31T23:59:59Z'));
  assert.equal(old[0], 0x18);
  assert.equal(ascii(old), '19491231235959Z');
  for (const fn of [utcTime, generalizedTime, time]) assert.throws(() => fn(new Date('nope')), isDerError);
});

test('BIT STRING: unused-bit count first, unused bits zero; named bits drop trailing zeros', () => {
  assert.equal(hex(bitString(Buffer.alloc(0))), '030100');
  assert.equal(hex(bitString(Buffer.from([0x80]), 7)), '03020780');
  assert.equal(hex(bitString(Buffer.from([0x04, 0xff]))), '03030004ff');
  assert.throws(() => bitString(Buffer.from([0x81]), 7), isDerError, 'an unused bit is set');
  assert.throws(() => bitString(Buffer.alloc(0), 1), isDerError);
  for (const bad of [-1, 8, 1.5]) assert.throws(() => bitString(Buffer.from([0]), bad), isDerError, String(bad));
  assert.equal(hex(namedBits([5, 6])), '03020106', 'keyCertSign + cRLSign');
  assert.equal(hex(namedBits([0])), '03020780', 'digitalSignature');
  assert.equal(hex(namedBits([0, 2])), '030205a0', 'digitalSignature + keyEncipherment');
  assert.equal(hex(namedBits([7])), '03020001');
  assert.equal(hex(namedBits([8])), '0303070080', 'decipherOnly needs a second octet');
  assert.equal(hex(namedBits([])), '030100');
  for (const bad of [-1, 256, 0.5]) assert.throws(() => namedBits([bad]), isDerError, String(bad));
});

test('BOOLEAN, OCTET STRING, SEQUENCE and SET OF in DER order', () => {
  assert.equal(hex(boolean(true)), '0101ff');
  assert.equal(hex(boolean(false)), '010100');
  assert.equal(hex(octetString(Buffer.from([1, 2]))), '04020102');
  assert.equal(hex(sequence()), '3000');
  assert.equal(hex(sequence(integer(1), boolean(true))), '30060201010101ff');
  // SET OF sorts by encoding: INTEGER (0x02) before OCTET STRINGs, which sort by their bytes.
  assert.equal(hex(setOf(octetString(Buffer.from([2])), octetString(Buffer.from([1])), integer(5))), '3109020105040101040102');
  // A prefix sorts first when the longer one continues with a non-zero octet.
  assert.equal(hex(setOf(Buffer.from([0x04, 0x02, 0x61, 0x62]), Buffer.from([0x04, 0x01, 0x61]))), '310704016104026162');
  assert.equal(hex(setOf()), '3100');
});

test('context tags: EXPLICIT wraps, IMPLICIT replaces the tag and keeps the constructed bit', () => {
  assert.equal(hex(explicit(0, integer(2))), 'a003020102');
  assert.equal(hex(explicit(3, sequence())), 'a3023000');
  assert.equal(hex(explicit(30, Buffer.alloc(0))), 'be00');
  assert.equal(hex(implicit(2, ia5String('a'))), '820161');
  assert.equal(hex(implicit(7, octetString(Buffer.from([127, 0, 0, 1])))), '87047f000001');
  assert.equal(hex(implicit(0, sequence(integer(1)))), 'a003020101');
  for (const bad of [-1, 31, 1.5]) {
    assert.throws(() => explicit(bad, Buffer.alloc(0)), isDerError, String(bad));
    assert.throws(() => implicit(bad, integer(1)), isDerError, String(bad));
  }
  assert.throws(() => implicit(0, Buffer.concat([integer(1), integer(2)])), isDerError, 'two elements');
  assert.throws(() => implicit(0, Buffer.from([0x02, 0x05, 0x00])), isDerError, 'truncated element');
});

test('reader: one TLV at an offset, children in order, truncation and non-DER lengths refused', () => {
  const encoded = sequence(integer(300), octetString(Buffer.alloc(200, 1)), boolean(false));
  const outer = readTlv(encoded);
  assert.equal(outer.tag, 0x30);
  assert.equal(outer.end, encoded.length);
  const kids = readChildren(outer.content);
  assert.deepEqual(kids.map((k) => k.tag), [0x02, 0x04, 0x01]);
  assert.equal(hex(kids[0]?.content ?? Buffer.alloc(0)), '012c');
  assert.equal(kids[1]?.content.length, 200);
  const second = readTlv(Buffer.concat([integer(1), boolean(true)]), 3);
  assert.deepEqual([second.tag, hex(second.content), second.end], [0x01, 'ff', 6]);
  for (const [bad, why] of [
    [Buffer.from([]), 'empty'],
    [Buffer.from([0x30]), 'no length'],
    [Buffer.from([0x04, 0x03, 0x01]), 'content short'],
    [Buffer.from([0x04, 0x80, 0x00, 0x00]), 'indefinite length'],
    [Buffer.from([0x04, 0x82, 0x01]), 'length octets short'],
    [Buffer.from([0x04, 0x85, 0, 0, 0, 0, 1, 0]), 'length of five octets'],
    [Buffer.from([0x1f, 0x01, 0x00]), 'multi-octet tag'],
  ] as const) {
    assert.throws(() => readTlv(bad), isDerError, why);
  }
  assert.throws(() => readChildren(Buffer.from([0x02, 0x01, 0x01, 0x02])), isDerError, 'a trailing partial child');
});
