import { createRequire } from 'node:module';
import { crc32cSoftware } from './crc32c-software.ts';

export { crc32cSoftware } from './crc32c-software.ts';

type NativeCrc32c = (input: Uint8Array, previous?: number) => number;

/**
 * Below this size the TypeScript slice-by-8 beats the native call (measured in
 * ../shared/reference/dependencies.md: 191 ns vs 504 ns at 256 bytes).
 */
export const NATIVE_THRESHOLD_BYTES = 1024;

/** The prebuilt native CRC-32C, or undefined when it cannot load on this platform. */
export const crc32cNative: NativeCrc32c | undefined = loadNative();

function loadNative(): NativeCrc32c | undefined {
  try {
    // createRequire keeps the load synchronous and lets a missing prebuilt binary fail softly.
    const require = createRequire(import.meta.url);
    const mod = require('@node-rs/crc32') as { crc32c?: unknown };
    const fn = mod.crc32c;
    return typeof fn === 'function' ? (fn as NativeCrc32c) : undefined;
  } catch {
    return undefined;
  }
}

/** CRC-32C (Castagnoli) of buf[start, end), as an unsigned 32-bit number. */
export function crc32c(buf: Uint8Array, start = 0, end = buf.length): number {
  if (crc32cNative !== undefined && end - start >= NATIVE_THRESHOLD_BYTES) {
    return crc32cNative(start === 0 && end === buf.length ? buf : buf.subarray(start, end)) >>> 0;
  }
  return crc32cSoftware(buf, start, end);
}
