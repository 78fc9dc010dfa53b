import { crc32cNative, crc32cSoftware } from '../../protocol/records/index.ts';

/** Continues a CRC-32C over more bytes, so a batch larger than memory allows can be checked in pieces. */
export function crc32cUpdate(previous: number, data: Buffer): number {
  if (crc32cNative !== undefined) return crc32cNative(data, previous) >>> 0;
  return crc32cSoftware(data, 0, data.length, previous);
}
