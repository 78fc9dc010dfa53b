/**
 * A bounded history of samples: the last `capacity` collection times and, per series, the value
 * at each (NaN where a series had none). Memory is capacity x series x 8 bytes; a series that
 * has had no value for a whole window is dropped, so series of deleted topics or groups go away.
 */

export interface Sample {
  /** Epoch milliseconds. */
  readonly t: number;
  readonly values: ReadonlyMap<string, number>;
}

export interface HistoryJson {
  /** Epoch milliseconds, oldest first. */
  readonly t: number[];
  /** Values aligned with `t`; null where the series had no value. */
  readonly series: Record<string, (number | null)[]>;
}

export class History {
  private readonly times: Float64Array;
  private readonly series = new Map<string, Float64Array>();
  /** Index of the next slot to write, and how many slots hold samples. */
  private head = 0;
  private size = 0;

  constructor(readonly capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 2) throw new RangeError(`history capacity must be a whole number of at least 2, got ${capacity}`);
    this.times = new Float64Array(capacity);
  }

  add(sample: Sample): void {
    const slot = this.head;
    this.times[slot] = sample.t;
    for (const [id, values] of this.series) {
      values[slot] = sample.values.get(id) ?? NaN;
      if (this.size === this.capacity && values.every(Number.isNaN)) this.series.delete(id);
    }
    for (const [id, value] of sample.values) {
      if (this.series.has(id)) continue;
      const values = new Float64Array(this.capacity).fill(NaN);
      values[slot] = value;
      this.series.set(id, values);
    }
    this.head = (slot + 1) % this.capacity;
    this.size = Math.min(this.size + 1, this.capacity);
  }

  /** The samples taken at or after `since` (epoch ms), oldest first. */
  toJson(since = -Infinity): HistoryJson {
    const slots: number[] = [];
    for (let i = 0; i < this.size; i++) {
      const slot = (this.head - this.size + i + this.capacity) % this.capacity;
      if ((this.times[slot] ?? 0) >= since) slots.push(slot);
    }
    const series: Record<string, (number | null)[]> = {};
    for (const [id, values] of this.series) {
      const column = slots.map((s) => {
        const v = values[s] ?? NaN;
        return Number.isNaN(v) ? null : v;
      });
      if (column.some((v) => v !== null)) series[id] = column;
    }
    return { t: slots.map((s) => this.times[s] ?? 0), series };
  }
}
