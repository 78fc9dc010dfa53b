import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crc32c, crc32cNative, crc32cSoftware, NATIVE_THRESHOLD_BYTES } from '../../../src/protocol/records/crc32c.ts';
import { prng, randomBytes } from './helpers.ts';

const CHECK_INPUT = Buffer.from('123456789');
const CHECK_VALUE = 0xe3069283;

describe('crc32c', () => {
  it('gives the CRC-32C check value for "123456789"', () => {
    assert.equal(crc32cSoftware(CHECK_INPUT), CHECK_VALUE);
    assert.equal(crc32c(CHECK_INPUT), CHECK_VALUE);
  });

  it('gives 0 for no bytes, and known values for a few fixed inputs', () => {
    assert.equal(crc32cSoftware(Buffer.alloc(0)), 0);
    // RFC 3720 (iSCSI) B.4 test vectors.
    assert.equal(crc32cSoftware(Buffer.alloc(32, 0)), 0x8a9136aa);
    assert.equal(crc32cSoftware(Buffer.alloc(32, 0xff)), 0x62a8ab43);
    const ascending = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
    assert.equal(crc32cSoftware(ascending), 0x46dd794e);
  });

  it('loads the native implementation on this platform', () => {
    assert.ok(crc32cNative, '@node-rs/crc32 should load here; the fallback hides a broken install');
  });

  it('software and native agree on random buffers of many sizes and alignments', () => {
    const rand = prng(1);
    const sizes = [0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 63, 64, 65, 255, 256, 1023, 1024, 1025, 4095, 4096, 65537, 1 << 20];
    for (let i = 0; i < 200; i++) sizes.push(Math.floor(rand() * 5000));
    for (const size of sizes) {
      const buf = randomBytes(rand, size + 16);
      const start = Math.floor(rand() * 8);
      const end = start + size;
      const expected = crc32cSoftware(buf, start, end);
      assert.equal(crc32c(buf, start, end), expected, `size ${size} at ${start}`);
      if (crc32cNative) assert.equal(crc32cNative(buf.subarray(start, end)) >>> 0, expected, `native, size ${size}`);
    }
  });

  it('uses the native path from the threshold up and gives the same answer either side', () => {
    const buf = randomBytes(prng(2), NATIVE_THRESHOLD_BYTES + 1);
    assert.equal(crc32c(buf, 0, NATIVE_THRESHOLD_BYTES - 1), crc32cSoftware(buf, 0, NATIVE_THRESHOLD_BYTES - 1));
    assert.equal(crc32c(buf), crc32cSoftware(buf));
  });

  it('continues a CRC across pieces in software', () => {
    const buf = randomBytes(prng(3), 1000);
    const first = crc32cSoftware(buf, 0, 333);
    assert.equal(crc32cSoftware(buf, 333, 1000, first), crc32cSoftware(buf));
  });

  it('accepts a plain Uint8Array', () => {
    assert.equal(crc32c(new Uint8Array(CHECK_INPUT)), CHECK_VALUE);
  });
});
