/**
 * The records of one partition that were fetched and wait for a batch: first in, first out, with
 * their total event size. Taking from the head moves an index instead of shifting the array, so a
 * fetch of thousands of records cut into small batches costs no copying per batch.
 */
import { encodeRecord, type PolledRecord } from './event.ts';

export class WaitingRecords {
  private items: PolledRecord[] = [];
  private head = 0;
  /** Event JSON bytes of the records waiting. */
  bytes = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  first(): PolledRecord | undefined {
    return this.items[this.head];
  }

  push(record: PolledRecord): void {
    this.items.push(record);
    this.bytes += encodeRecord(record).bytes;
  }

  /** The first `count` records, left in place. */
  peek(count: number): PolledRecord[] {
    return this.items.slice(this.head, this.head + count);
  }

  /** Removes the first `count` records. */
  drop(count: number): void {
    const end = Math.min(this.items.length, this.head + count);
    for (let i = this.head; i < end; i++) this.bytes -= encodeRecord(this.items[i] as PolledRecord).bytes;
    this.head = end;
    // Compact once the dead head is large and most of the array.
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
