/** Encoded sizes of Kafka's varints, so a record's Length can be written before its body. */

export function sizeOfUnsignedVarint(u: number): number {
  let n = 1;
  while (u >= 0x80) {
    u = Math.floor(u / 128);
    n++;
  }
  return n;
}

/** Zig-zag int32. */
export function sizeOfVarint(v: number): number {
  return sizeOfUnsignedVarint(v >= 0 ? v * 2 : -v * 2 - 1);
}

/** Zig-zag int64. */
export function sizeOfVarlong(v: bigint): number {
  let u = v >= 0n ? v << 1n : (-v << 1n) - 1n;
  let n = 1;
  while (u >= 0x80n) {
    u >>= 7n;
    n++;
  }
  return n;
}
