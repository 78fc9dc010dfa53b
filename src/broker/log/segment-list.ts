import type { Segment } from './segment.ts';

/** A point in the log: the offset and where it starts in which segment. */
export interface LogPosition {
  offset: bigint;
  segment: Segment;
  position: number;
}

/** The segments of a log in offset order; the last one is active (the only one written). */
export class SegmentList {
  private list: Segment[];

  constructor(segments: Segment[]) {
    if (segments.length === 0) throw new RangeError('a log has at least one segment');
    this.list = segments;
  }

  get active(): Segment {
    return this.list[this.list.length - 1] as Segment;
  }

  get first(): Segment {
    return this.list[0] as Segment;
  }

  get length(): number {
    return this.list.length;
  }

  /** A snapshot: later changes to the list do not show in it. */
  all(): Segment[] {
    return this.list.slice();
  }

  /** Segments from the one that would hold `offset` (the last with base at or below it) on. */
  from(offset: bigint): Segment[] {
    let lo = 0;
    let hi = this.list.length - 1;
    let found = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.list[mid] as Segment).baseOffset <= offset) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return this.list.slice(found);
  }

  push(segment: Segment): void {
    this.list.push(segment);
  }

  /** Removes every segment after `segment`, which becomes the active one; returns them. */
  removeAfter(segment: Segment): Segment[] {
    const at = this.list.indexOf(segment);
    if (at < 0) throw new RangeError(`segment ${segment.baseOffset} is not in the list`);
    return this.list.splice(at + 1);
  }

  /** Puts `fresh` where `old` was (a segment reopened with rebuilt state). */
  replace(old: Segment, fresh: Segment): void {
    const at = this.list.indexOf(old);
    if (at < 0) throw new RangeError(`segment ${old.baseOffset} is not in the list`);
    this.list[at] = fresh;
  }

  /** Removes the n oldest segments (never the active one). */
  removeOldest(n: number): Segment[] {
    const count = Math.min(n, this.list.length - 1);
    return this.list.splice(0, Math.max(0, count));
  }

  totalBytes(): number {
    let sum = 0;
    for (const s of this.list) sum += s.size;
    return sum;
  }
}
