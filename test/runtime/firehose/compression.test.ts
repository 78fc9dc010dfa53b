import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as zlib from 'node:zlib';
import { Compressor as SnapFrameEncoder, Decompressor as SnapFrameDecoder, compressSync as snappyCompressSync, uncompressSync as snappyUncompressSync } from 'snappy';
import { SdsError } from '../../../src/errors.ts';
import {
  COMPRESSION_FORMATS,
  compress,
  crc32Software,
  decompress,
  dosDateTime,
  HADOOP_MAX_INPUT_SIZE,
  type CompressionFormat,
} from '../../../src/runtime/firehose/compression.ts';

const dir = mkdtempSync(join(tmpdir(), 'sds-compression-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Deterministic incompressible bytes (xorshift32), so a failure can be reproduced. */
function randomBytes(length: number, seed = 0x9e3779b9): Buffer {
  const out = Buffer.allocUnsafe(length);
  let x = seed >>> 0;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

function jsonLines(bytes: number): Buffer {
  const out = Buffer.alloc(bytes);
  let i = 0;
  for (let n = 0; i < bytes; n++) i += out.write(`{"ticker_symbol":"AMZN","sector":"TECHNOLOGY","change":${n % 100},"price":98.12}\n`, i);
  return out;
}

const INPUTS: readonly (readonly [string, Buffer])[] = [
  ['empty', Buffer.alloc(0)],
  ['one byte', Buffer.from('x')],
  ['one line', Buffer.from('{"hello":"world"}\n')],
  ['random 300,000 bytes (several 64 KiB chunks, two Hadoop blocks)', randomBytes(300_000)],
  ['exactly 65536 bytes', randomBytes(65536, 7)],
  ['8 MiB of JSON lines', jsonLines(8 * 1024 * 1024)],
];

const ENTRY = 'orders-1-2026-07-13-14-05-07-0f9b3c1e-6c1f-4f4e-9d7a-5d8f2c0a1b2c';

function tempFile(name: string, data: Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, data);
  return path;
}

function isCorrupt(pattern: RegExp): (err: unknown) => boolean {
  return (err: unknown) => {
    assert.ok(err instanceof SdsError, `expected an SdsError, got ${String(err)}`);
    assert.equal(err.code, 'SDS_ERR_OBJECT_CORRUPT');
    assert.match(err.message, pattern);
    return true;
  };
}

test('the formats are CreateDeliveryStream\'s CompressionFormat values', () => {
  assert.deepEqual([...COMPRESSION_FORMATS], ['UNCOMPRESSED', 'GZIP', 'ZIP', 'Snappy', 'HADOOP_SNAPPY']);
});

test('every format reads back what it writes', async () => {
  for (const format of COMPRESSION_FORMATS) {
    for (const [name, data] of INPUTS) {
      const body = await compress(format, data, ENTRY);
      assert.ok((await decompress(format, body)).equals(data), `${format}, ${name}`);
    }
  }
});

test('zero bytes are an empty Snappy or HADOOP_SNAPPY stream (as other writers and Hadoop have it), not gzip or zip', async () => {
  assert.equal((await decompress('Snappy', Buffer.alloc(0))).length, 0);
  assert.equal((await decompress('HADOOP_SNAPPY', Buffer.alloc(0))).length, 0);
  await assert.rejects(decompress('GZIP', Buffer.alloc(0)), isCorrupt(/unexpected end of file/));
  await assert.rejects(decompress('ZIP', Buffer.alloc(0)), isCorrupt(/no end-of-central-directory/));
});

test('UNCOMPRESSED is the bytes as they are, whatever they are', async () => {
  const data = randomBytes(1000);
  assert.equal(await compress('UNCOMPRESSED', data, ENTRY), data);
  assert.equal(await decompress('UNCOMPRESSED', data), data);
});

test('gzip -dc reads our GZIP objects', async () => {
  for (const [name, data] of INPUTS) {
    const path = tempFile('object.gz', await compress('GZIP', data, ENTRY));
    const out = execFileSync('/usr/bin/gzip', ['-dc', path], { maxBuffer: 64 * 1024 * 1024 });
    assert.ok(out.equals(data), name);
  }
});

test('highly compressible data shrinks in every compressing format', async () => {
  const data = INPUTS[5]?.[1] as Buffer;
  for (const format of ['GZIP', 'ZIP', 'Snappy', 'HADOOP_SNAPPY'] as const) {
    const body = await compress(format, data, ENTRY);
    assert.ok(body.length < data.length / 10, `${format}: ${body.length} bytes`);
  }
});

test('unzip reads our ZIP objects: one deflated entry with the given name, time and mode', async () => {
  for (const [name, data] of INPUTS) {
    const path = tempFile('object.zip', await compress('ZIP', data, ENTRY));
    const out = execFileSync('/usr/bin/unzip', ['-p', path], { maxBuffer: 64 * 1024 * 1024 });
    assert.ok(out.equals(data), name);
    assert.match(execFileSync('/usr/bin/unzip', ['-t', path], { encoding: 'utf8' }), /No errors detected/, name);
  }

  const path = tempFile('listed.zip', await compress('ZIP', Buffer.from('a\nb\n'), ENTRY, { modified: new Date('2026-07-13T14:05:07Z') }));
  const listing = execFileSync('/usr/bin/zipinfo', [path], { encoding: 'utf8' });
  assert.match(listing, /number of entries: 1\b/);
  assert.match(listing, new RegExp(`-rw-r--r-- +2\\.0 unx +4 \\S+ defN 26-Jul-13 14:05 ${ENTRY}\\n`));

  const into = join(dir, 'extracted');
  execFileSync('/usr/bin/unzip', ['-q', '-o', path, '-d', into]);
  assert.equal(readFileSync(join(into, ENTRY), 'utf8'), 'a\nb\n');
  assert.equal(statSync(join(into, ENTRY)).mode & 0o777, 0o644);
});

test('a non-ASCII entry name is flagged UTF-8 and unzip keeps it', async () => {
  const entry = 'commandes-été-1';
  const body = await compress('ZIP', Buffer.from('x'), entry);
  assert.equal(body.readUInt16LE(6) & 0x0800, 0x0800);
  assert.equal((await compress('ZIP', Buffer.from('x'), 'ascii')).readUInt16LE(6) & 0x0800, 0);
  const listing = execFileSync('/usr/bin/unzip', ['-Z1', tempFile('utf8.zip', body)], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C.UTF-8' } });
  assert.equal(listing.trim(), entry);
});

test('a ZIP entry name must be 1-65535 bytes', async () => {
  await assert.rejects(compress('ZIP', Buffer.from('x'), ''), RangeError);
  await assert.rejects(compress('ZIP', Buffer.from('x'), 'n'.repeat(65536)), RangeError);
  assert.ok((await compress('GZIP', Buffer.from('x'), '')).length > 0, 'the name matters to ZIP only');
});

test('ZIP decompress reads stored entries and several files, as unzip -p prints them', async () => {
  const two = buildZip([
    { name: 'a.txt', data: Buffer.from('first\n'), method: 8 },
    { name: 'dir/', data: Buffer.alloc(0), method: 0 },
    { name: 'b.txt', data: Buffer.from('second\n'), method: 0 },
  ]);
  const expected = execFileSync('/usr/bin/unzip', ['-p', tempFile('two.zip', two)]);
  assert.equal(expected.toString(), 'first\nsecond\n');
  assert.ok((await decompress('ZIP', two)).equals(expected));
});

test('Snappy objects are the framing format: identifier, chunks of at most 64 KiB, masked CRC-32C', async () => {
  for (const [name, data] of INPUTS) {
    const body = await compress('Snappy', data, ENTRY);
    assert.ok(body.subarray(0, 10).equals(Buffer.from('ff060000734e61507059', 'hex')), name);
    const chunks = frameChunks(body.subarray(10));
    assert.equal(chunks.length, Math.ceil(data.length / 65536), name);
    // Decoding each chunk with the raw snappy decoder gives the input back.
    const decoded = chunks.map((c) => (c.type === 0 ? (snappyUncompressSync(c.payload, { asBuffer: true }) as Buffer) : c.payload));
    assert.ok(Buffer.concat(decoded).equals(data), name);
    for (const part of decoded) assert.ok(part.length <= 65536, name);
  }
  // Incompressible data is stored (type 0x01), compressible data compressed (type 0x00).
  assert.deepEqual(new Set(frameChunks((await compress('Snappy', randomBytes(200_000), ENTRY)).subarray(10)).map((c) => c.type)), new Set([1]));
  assert.deepEqual(new Set(frameChunks((await compress('Snappy', jsonLines(200_000), ENTRY)).subarray(10)).map((c) => c.type)), new Set([0]));
});

test('Snappy objects carry the same checksums as an independent framing encoder, and it reads them', async () => {
  for (const [name, data] of INPUTS) {
    const ours = await compress('Snappy', data, ENTRY);
    // The snappy package's framed Compressor/Decompressor is the Rust `snap` crate's frame code.
    const encoder = new SnapFrameEncoder();
    const theirs = Buffer.concat([encoder.update(data), await encoder.finish()]);
    assert.deepEqual(
      frameChunks(ours.subarray(10)).map((c) => c.crc),
      frameChunks(theirs.subarray(10)).map((c) => c.crc),
      name,
    );
    const decoder = new SnapFrameDecoder();
    assert.ok(Buffer.concat([decoder.update(ours), await decoder.finish()]).equals(data), name);
    assert.ok((await decompress('Snappy', theirs)).equals(data), `${name}: we read theirs`);
  }
});

test('HADOOP_SNAPPY objects are Hadoop blocks: big-endian sizes, at most 218,422 bytes per block', async () => {
  assert.equal(HADOOP_MAX_INPUT_SIZE, 262144 - (Math.floor(262144 / 6) + 32));
  assert.equal(HADOOP_MAX_INPUT_SIZE, 218422);
  assert.deepEqual(await compress('HADOOP_SNAPPY', Buffer.alloc(0), ENTRY), Buffer.alloc(4), 'what Hadoop writes when nothing was written');
  for (const [name, data] of INPUTS.slice(1)) {
    const body = await compress('HADOOP_SNAPPY', data, ENTRY);
    const parts: Buffer[] = [];
    let blocks = 0;
    for (let p = 0; p < body.length; blocks++) {
      const size = body.readUInt32BE(p);
      const length = body.readUInt32BE(p + 4);
      const part = snappyUncompressSync(body.subarray(p + 8, p + 8 + length), { asBuffer: true }) as Buffer;
      assert.equal(part.length, size, name);
      assert.ok(size <= HADOOP_MAX_INPUT_SIZE, name);
      parts.push(part);
      p += 8 + length;
    }
    assert.equal(blocks, Math.ceil(data.length / HADOOP_MAX_INPUT_SIZE), name);
    assert.ok(Buffer.concat(parts).equals(data), name);
  }
});

test('HADOOP_SNAPPY decompress reads a block of several chunks (one large write in Hadoop) and a final empty block', async () => {
  const data = jsonLines(500_000);
  const pieces = [data.subarray(0, HADOOP_MAX_INPUT_SIZE), data.subarray(HADOOP_MAX_INPUT_SIZE, 2 * HADOOP_MAX_INPUT_SIZE), data.subarray(2 * HADOOP_MAX_INPUT_SIZE)];
  const parts: Buffer[] = [u32be(data.length)];
  for (const piece of pieces) {
    const c = snappyCompressSync(piece);
    parts.push(u32be(c.length), c);
  }
  parts.push(u32be(0));
  assert.ok((await decompress('HADOOP_SNAPPY', Buffer.concat(parts))).equals(data));
});

test('an independent Python reader reads our Snappy and HADOOP_SNAPPY objects', async (t) => {
  const probe = spawnSync('python3', ['-c', 'import importlib.util as u, sys; sys.exit(0 if u.find_spec("cramjam") or u.find_spec("snappy") else 1)']);
  if (probe.status !== 0) {
    t.skip('neither cramjam nor python-snappy is importable');
    return;
  }
  for (const format of ['Snappy', 'HADOOP_SNAPPY'] as const) {
    for (const [name, data] of INPUTS) {
      const path = tempFile('object.snappy', await compress(format, data, ENTRY));
      const out = execFileSync('python3', ['-c', PYTHON_READER, format, path], { maxBuffer: 64 * 1024 * 1024 });
      assert.ok(out.equals(data), `${format}, ${name}`);
    }
  }
});

test('corrupt input is refused with SDS_ERR_OBJECT_CORRUPT, in every format', async () => {
  const data = jsonLines(200_000);
  const cases: [CompressionFormat, Buffer, RegExp][] = [];
  const gz = await compress('GZIP', data, ENTRY);
  cases.push(['GZIP', Buffer.alloc(0), /not valid GZIP/], ['GZIP', gz.subarray(0, gz.length - 5), /GZIP/], ['GZIP', flip(gz, gz.length - 6), /GZIP/], ['GZIP', Buffer.from('plain text'), /header/]);
  const zip = await compress('ZIP', data, ENTRY);
  cases.push(
    ['ZIP', Buffer.alloc(0), /no end-of-central-directory/],
    ['ZIP', zip.subarray(0, zip.length - 1), /no end-of-central-directory/],
    ['ZIP', flip(zip, 40 + ENTRY.length), /ZIP/], // inside the deflated data
    ['ZIP', withU32(zip, 14, zip.readUInt32LE(14) ^ 1, { zipBoth: true }), /CRC-32 mismatch/], // both headers' CRC
    ['ZIP', withU32(zip, zip.length - 6, 7), /central directory/], // central directory offset
    ['ZIP', withU16(zip, 8, 12, { zipBoth: true }), /method 12/], // bzip2
    ['ZIP', withU16(zip, 6, 1, { zipBoth: true }), /encrypted/],
  );
  const framed = await compress('Snappy', data, ENTRY);
  cases.push(
    ['Snappy', Buffer.from('plain text'), /stream identifier/],
    ['Snappy', framed.subarray(10), /stream identifier/],
    ['Snappy', framed.subarray(0, framed.length - 3), /declares/],
    ['Snappy', Buffer.concat([framed, Buffer.from([0x00, 0x10])]), /cut short/],
    ['Snappy', withU32(framed, 14, framed.readUInt32LE(14) ^ 1), /CRC-32C mismatch/],
    ['Snappy', flip(framed, 40), /Snappy/],
    ['Snappy', Buffer.concat([framed, Buffer.from([0x02, 0, 0, 0])]), /unskippable/],
    ['Snappy', Buffer.concat([framed.subarray(0, 10), Buffer.from([0x01, 0x05, 0x00, 0x01]), Buffer.alloc(0x10005)]), /more than 65536/],
  );
  const hadoop = await compress('HADOOP_SNAPPY', data, ENTRY);
  cases.push(
    ['HADOOP_SNAPPY', hadoop.subarray(0, hadoop.length - 3), /declares|ends after/],
    ['HADOOP_SNAPPY', hadoop.subarray(0, 2), /cut short/],
    ['HADOOP_SNAPPY', withU32(hadoop, 0, hadoop.readUInt32BE(0) - 1, { bigEndian: true }), /holds/],
    ['HADOOP_SNAPPY', withU32(hadoop, 0, hadoop.readUInt32BE(0) + 1, { bigEndian: true }), /HADOOP_SNAPPY/],
    // The format has no checksum: a flipped literal byte goes unnoticed, a damaged preamble does not.
    ['HADOOP_SNAPPY', flip(hadoop, 8), /HADOOP_SNAPPY/],
    ['HADOOP_SNAPPY', Buffer.concat([u32be(5), u32be(0)]), /declares 0 bytes/],
  );
  for (const [format, body, pattern] of cases) {
    await assert.rejects(decompress(format, body), isCorrupt(pattern), `${format} ${pattern}`);
  }
});

test('output above the limit is refused; at the limit it is returned', async () => {
  const data = jsonLines(300_000);
  for (const format of COMPRESSION_FORMATS) {
    const body = await compress(format, data, ENTRY);
    assert.equal((await decompress(format, body, data.length)).length, data.length, format);
    await assert.rejects(decompress(format, body, data.length - 1), isCorrupt(new RegExp(`${format} object decompresses to .*limit of ${data.length - 1} bytes`)), format);
  }
  assert.equal((await decompress('GZIP', await compress('GZIP', Buffer.alloc(0), ENTRY), 0)).length, 0);
  assert.equal((await decompress('ZIP', await compress('ZIP', Buffer.alloc(0), ENTRY), 0)).length, 0);
});

test('declared sizes are checked against the limit before anything is decoded or allocated', async () => {
  // A ZIP whose headers claim 3 GiB: refused from the central directory alone.
  const zip = await compress('ZIP', Buffer.from('small'), ENTRY);
  const lying = withU32(zip, 22, 3 * 1024 ** 3, { zipBoth: true });
  await assert.rejects(decompress('ZIP', lying), isCorrupt(/decompresses to 3221225472 bytes, above the limit/));
  // Under a generous limit the lie is caught when inflating stops at the declared size.
  await assert.rejects(decompress('ZIP', withU32(zip, 22, 2, { zipBoth: true }), 1024), isCorrupt(/more than the 2 bytes it declares/));

  // A Hadoop block and its raw snappy chunk both claiming 2^31-1 bytes, in 14 bytes.
  const bomb = Buffer.concat([u32be(0x7fffffff), u32be(6), Buffer.from([0xff, 0xff, 0xff, 0xff, 0x07, 0x00])]);
  await assert.rejects(decompress('HADOOP_SNAPPY', bomb), isCorrupt(/decompresses to 2147483647 bytes, above the limit/));

  // Framed chunks declare their sizes too: 100 chunks of 64 KiB against a 1 MiB limit.
  const chunk = (await compress('Snappy', Buffer.alloc(65536), ENTRY)).subarray(10);
  const framed = Buffer.concat([STREAM_ID, ...Array.from({ length: 100 }, () => chunk)]);
  await assert.rejects(decompress('Snappy', framed, 1024 * 1024), isCorrupt(/decompresses to 6553600 bytes, above the limit/));

  // gzip declares nothing reliable: zlib stops at the limit.
  const gz = zlib.gzipSync(Buffer.alloc(16 * 1024 * 1024));
  await assert.rejects(decompress('GZIP', gz, 1024 * 1024), isCorrupt(/decompresses to more than the limit of 1048576 bytes/));
});

test('the table CRC-32 used without zlib.crc32 agrees with zlib', () => {
  assert.equal(crc32Software(Buffer.from('123456789')), 0xcbf43926);
  assert.equal(crc32Software(Buffer.alloc(0)), 0);
  for (const length of [1, 7, 1000, 100_003]) {
    const data = randomBytes(length, length);
    assert.equal(crc32Software(data), zlib.crc32(data) >>> 0, `${length} bytes`);
  }
});

test('ZIP times are DOS date and time fields in UTC, clamped to 1980-2107', () => {
  assert.deepEqual(dosDateTime(new Date('2026-07-13T14:05:07Z')), { time: (14 << 11) | (5 << 5) | 3, date: (46 << 9) | (7 << 5) | 13 });
  assert.deepEqual(dosDateTime(new Date('1970-01-01T00:00:00Z')), { time: 0, date: (1 << 5) | 1 });
  assert.deepEqual(dosDateTime(new Date('2200-01-01T00:00:00Z')), { time: (23 << 11) | (59 << 5) | 29, date: (127 << 9) | (12 << 5) | 31 });
});

// ---------------------------------------------------------------------------------------
// helpers

const STREAM_ID = Buffer.from('ff060000734e61507059', 'hex');

function u32be(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

function flip(data: Buffer, at: number): Buffer {
  const copy = Buffer.from(data);
  copy[at] = (copy[at] as number) ^ 0x55;
  return copy;
}

interface FieldEdit {
  /** ZIP: change the central directory's copy of a local header field too (2 bytes further on). */
  readonly zipBoth?: boolean;
  readonly bigEndian?: boolean;
}

/** A copy with a 32-bit field changed (little-endian unless bigEndian). */
function withU32(data: Buffer, at: number, value: number, edit: FieldEdit = {}): Buffer {
  const copy = Buffer.from(data);
  if (edit.bigEndian === true) copy.writeUInt32BE(value >>> 0, at);
  else copy.writeUInt32LE(value >>> 0, at);
  if (edit.zipBoth === true) copy.writeUInt32LE(value >>> 0, centralOffset(copy) + at + 2);
  return copy;
}

function withU16(data: Buffer, at: number, value: number, edit: FieldEdit = {}): Buffer {
  const copy = Buffer.from(data);
  copy.writeUInt16LE(value, at);
  if (edit.zipBoth === true) copy.writeUInt16LE(value, centralOffset(copy) + at + 2);
  return copy;
}

/** Where the one central directory entry of our archives starts (the end record has no comment). */
function centralOffset(zip: Buffer): number {
  return zip.readUInt32LE(zip.length - 6);
}

interface Chunk {
  readonly type: number;
  readonly crc: number;
  readonly payload: Buffer;
}

function frameChunks(body: Buffer): Chunk[] {
  const chunks: Chunk[] = [];
  for (let p = 0; p < body.length; ) {
    const type = body[p] as number;
    const length = body.readUIntLE(p + 1, 3);
    if (type === 0 || type === 1) chunks.push({ type, crc: body.readUInt32LE(p + 4), payload: body.subarray(p + 8, p + 4 + length) });
    p += 4 + length;
  }
  return chunks;
}

/** A ZIP archive written independently of the module, with stored or deflated entries. */
function buildZip(entries: readonly { name: string; data: Buffer; method: 0 | 8 }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const body = e.method === 8 ? zlib.deflateRawSync(e.data) : e.data;
    const crc = zlib.crc32(e.data) >>> 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(e.method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(e.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(e.method, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(e.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += 30 + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** Reads argv[2] as argv[1] with cramjam (Hadoop blocks parsed here) or python-snappy; writes the bytes to stdout. */
const PYTHON_READER = String.raw`
import io, sys
fmt, data = sys.argv[1], open(sys.argv[2], 'rb').read()
try:
    import cramjam
    if fmt == 'Snappy':
        out = bytes(cramjam.snappy.decompress(data))
    else:
        parts, p = [], 0
        while p < len(data):
            size = int.from_bytes(data[p:p + 4], 'big'); p += 4; got = 0
            while got < size:
                n = int.from_bytes(data[p:p + 4], 'big'); p += 4
                part = bytes(cramjam.snappy.decompress_raw(data[p:p + n])); p += n
                parts.append(part); got += len(part)
        out = b''.join(parts)
except ImportError:
    import snappy
    dst = io.BytesIO()
    if fmt == 'Snappy':
        snappy.stream_decompress(io.BytesIO(data), dst)
    else:
        from snappy import hadoop_snappy
        hadoop_snappy.stream_decompress(io.BytesIO(data), dst)
    out = dst.getvalue()
sys.stdout.buffer.write(out)
`;
