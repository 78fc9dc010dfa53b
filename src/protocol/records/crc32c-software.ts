/**
 * CRC-32C (Castagnoli) in plain TypeScript, slice-by-8. It is the fallback when the
 * native module cannot load, the fast path for small buffers (where the native call
 * overhead dominates), and the oracle the tests compare the native one against.
 */

/** Reflected form of the Castagnoli polynomial 0x1EDC6F41. */
const POLYNOMIAL = 0x82f63b78;

/** Eight 256-entry tables back to back: table k advances the CRC over k+1 more zero bytes. */
const TABLES = buildTables();

function buildTables(): Uint32Array {
  const t = new Uint32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLYNOMIAL : c >>> 1;
    t[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n] as number;
    for (let k = 1; k < 8; k++) {
      c = (t[c & 0xff] as number) ^ (c >>> 8);
      t[k * 256 + n] = c;
    }
  }
  return t;
}

/**
 * CRC-32C of buf[start, end). `previous` continues a CRC computed over earlier bytes,
 * so crc32cSoftware(b, 0, b.length, crc32cSoftware(a)) equals the CRC of a followed by b.
 */
export function crc32cSoftware(buf: Uint8Array, start = 0, end = buf.length, previous = 0): number {
  const t = TABLES;
  let crc = ~previous;
  let i = start;
  // Eight bytes per step; the tables fold them in with eight lookups and no branches.
  for (const last = end - 8; i <= last; i += 8) {
    const lo = crc ^ ((buf[i] as number) | ((buf[i + 1] as number) << 8) | ((buf[i + 2] as number) << 16) | ((buf[i + 3] as number) << 24));
    const hi = (buf[i + 4] as number) | ((buf[i + 5] as number) << 8) | ((buf[i + 6] as number) << 16) | ((buf[i + 7] as number) << 24);
    crc =
      (t[1792 + (lo & 0xff)] as number) ^
      (t[1536 + ((lo >>> 8) & 0xff)] as number) ^
      (t[1280 + ((lo >>> 16) & 0xff)] as number) ^
      (t[1024 + (lo >>> 24)] as number) ^
      (t[768 + (hi & 0xff)] as number) ^
      (t[512 + ((hi >>> 8) & 0xff)] as number) ^
      (t[256 + ((hi >>> 16) & 0xff)] as number) ^
      (t[hi >>> 24] as number);
  }
  for (; i < end; i++) crc = (t[(crc ^ (buf[i] as number)) & 0xff] as number) ^ (crc >>> 8);
  return ~crc >>> 0;
}
