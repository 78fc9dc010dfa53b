import { LogError } from './errors.ts';

/** Bytes per entry on disk: int64 timestamp + int32 offset relative to the segment base. */
export const TIME_INDEX_ENTRY_SIZE = 12;
const INT32_MAX = 0x7fffffff;

export interface TimestampOffsetEntry {
  timestamp: bigint;
  offset: bigint;
}

/**
 * Sparse timestamp -> offset map of one segment (Kafka TimeIndex): each entry holds the
 * largest timestamp seen so far and the offset where it first appeared, so timestamps
 * strictly increase. Everything before an entry's offset has smaller timestamps, which
 * is what lets a lookup skip ahead. In memory; written to `.timeindex` on roll and close.
 */
export class TimeIndex {
  private ts = new BigInt64Array(16);
  private rel = new Int32Array(16);
  private count = 0;

  constructor(readonly baseOffset: bigint) {}

  get entries(): number {
    return this.count;
  }

  /** Appends when `timestamp` is newer than the last entry; returns whether it did. */
  maybeAppend(timestamp: bigint, offset: bigint): boolean {
    if (timestamp < 0n) return false;
    const last = this.last();
    if (last !== undefined && timestamp <= last.timestamp) return false;
    const rel = offset - this.baseOffset;
    if (rel < 0n || rel > BigInt(INT32_MAX) || (last !== undefined && offset < last.offset)) {
      throw new LogError('SDS_ERR_LOG_CORRUPT', `time index of segment ${this.baseOffset}: entry at offset ${offset} is out of order`);
    }
    if (this.count === this.ts.length) {
      const ts = new BigInt64Array(this.ts.length * 2);
      ts.set(this.ts);
      const r = new Int32Array(this.rel.length * 2);
      r.set(this.rel);
      this.ts = ts;
      this.rel = r;
    }
    this.ts[this.count] = timestamp;
    this.rel[this.count] = Number(rel);
    this.count++;
    return true;
  }

  /** The last entry whose timestamp is at or below `target`, or undefined when every entry is newer. */
  lookup(target: bigint): TimestampOffsetEntry | undefined {
    let lo = 0;
    let hi = this.count - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.ts[mid] ?? 0n) <= target) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found < 0 ? undefined : this.entry(found);
  }

  last(): TimestampOffsetEntry | undefined {
    return this.count === 0 ? undefined : this.entry(this.count - 1);
  }

  clear(): void {
    this.ts = new BigInt64Array(16);
    this.rel = new Int32Array(16);
    this.count = 0;
  }

  toBuffer(): Buffer {
    const buf = Buffer.allocUnsafe(this.count * TIME_INDEX_ENTRY_SIZE);
    for (let i = 0; i < this.count; i++) {
      buf.writeBigInt64BE(this.ts[i] ?? 0n, i * TIME_INDEX_ENTRY_SIZE);
      buf.writeInt32BE(this.rel[i] ?? 0, i * TIME_INDEX_ENTRY_SIZE + 8);
    }
    return buf;
  }

  /** Loads `.timeindex` bytes; returns why they cannot be trusted instead of an index. */
  static parse(baseOffset: bigint, buf: Buffer): TimeIndex | string {
    if (buf.length % TIME_INDEX_ENTRY_SIZE !== 0) return `size ${buf.length} is not a multiple of ${TIME_INDEX_ENTRY_SIZE}`;
    const index = new TimeIndex(baseOffset);
    for (let at = 0; at < buf.length; at += TIME_INDEX_ENTRY_SIZE) {
      const timestamp = buf.readBigInt64BE(at);
      const rel = buf.readInt32BE(at + 8);
      const last = index.last();
      const offset = baseOffset + BigInt(rel);
      if (rel < 0 || timestamp < 0n || (last !== undefined && (timestamp <= last.timestamp || offset < last.offset))) {
        return `entry ${at / TIME_INDEX_ENTRY_SIZE} is out of order`;
      }
      index.maybeAppend(timestamp, offset);
    }
    return index;
  }

  private entry(i: number): TimestampOffsetEntry {
    return { timestamp: this.ts[i] ?? 0n, offset: this.baseOffset + BigInt(this.rel[i] ?? 0) };
  }
}
