import { LogError } from './errors.ts';

/** Bytes per entry on disk: int32 offset relative to the segment base + int32 position in the .log. */
export const OFFSET_INDEX_ENTRY_SIZE = 8;
const INT32_MAX = 0x7fffffff;

export interface OffsetPosition {
  offset: bigint;
  position: number;
}

/**
 * Sparse offset -> file position map of one segment, held in memory (typed arrays, about
 * 8 bytes per index.interval.bytes of log) and written to `.index` on roll and close. The
 * files are only a cache: recovery rebuilds them from the log.
 */
export class OffsetIndex {
  private rel: Int32Array = new Int32Array(16);
  private pos: Int32Array = new Int32Array(16);
  private count = 0;

  constructor(readonly baseOffset: bigint) {}

  get entries(): number {
    return this.count;
  }

  /** Adds an entry; offsets and positions must increase (callers index batches in log order). */
  append(offset: bigint, position: number): void {
    const rel = offset - this.baseOffset;
    const last = this.count - 1;
    if (rel < 0n || rel > BigInt(INT32_MAX) || (last >= 0 && (rel <= BigInt(this.rel[last] ?? 0) || position <= (this.pos[last] ?? 0)))) {
      throw new LogError('SDS_ERR_LOG_CORRUPT', `offset index of segment ${this.baseOffset}: entry ${offset}@${position} is out of order`);
    }
    if (this.count === this.rel.length) {
      this.rel = grow(this.rel);
      this.pos = grow(this.pos);
    }
    this.rel[this.count] = Number(rel);
    this.pos[this.count] = position;
    this.count++;
  }

  /** The last entry at or below `target`, or (base offset, position 0) when there is none. */
  lookup(target: bigint): OffsetPosition {
    const rel = target - this.baseOffset;
    let lo = 0;
    let hi = this.count - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (BigInt(this.rel[mid] ?? 0) <= rel) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found < 0 ? { offset: this.baseOffset, position: 0 } : this.entry(found);
  }

  last(): OffsetPosition | undefined {
    return this.count === 0 ? undefined : this.entry(this.count - 1);
  }

  clear(): void {
    this.rel = new Int32Array(16);
    this.pos = new Int32Array(16);
    this.count = 0;
  }

  toBuffer(): Buffer {
    const buf = Buffer.allocUnsafe(this.count * OFFSET_INDEX_ENTRY_SIZE);
    for (let i = 0; i < this.count; i++) {
      buf.writeInt32BE(this.rel[i] ?? 0, i * OFFSET_INDEX_ENTRY_SIZE);
      buf.writeInt32BE(this.pos[i] ?? 0, i * OFFSET_INDEX_ENTRY_SIZE + 4);
    }
    return buf;
  }

  /** Loads `.index` bytes; returns why they cannot be trusted instead of an index. */
  static parse(baseOffset: bigint, buf: Buffer, logSize: number): OffsetIndex | string {
    if (buf.length % OFFSET_INDEX_ENTRY_SIZE !== 0) return `size ${buf.length} is not a multiple of ${OFFSET_INDEX_ENTRY_SIZE}`;
    const index = new OffsetIndex(baseOffset);
    for (let at = 0; at < buf.length; at += OFFSET_INDEX_ENTRY_SIZE) {
      const rel = buf.readInt32BE(at);
      const position = buf.readInt32BE(at + 4);
      if (position < 0 || position >= logSize) return `entry ${at / OFFSET_INDEX_ENTRY_SIZE} points past the log (${position} >= ${logSize})`;
      const last = index.last();
      if (rel < 0 || (last !== undefined && (baseOffset + BigInt(rel) <= last.offset || position <= last.position))) {
        return `entry ${at / OFFSET_INDEX_ENTRY_SIZE} is out of order`;
      }
      index.append(baseOffset + BigInt(rel), position);
    }
    return index;
  }

  private entry(i: number): OffsetPosition {
    return { offset: this.baseOffset + BigInt(this.rel[i] ?? 0), position: this.pos[i] ?? 0 };
  }
}

function grow(a: Int32Array): Int32Array<ArrayBuffer> {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}
