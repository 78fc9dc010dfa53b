/**
 * Rates over a sliding window. Counters are sampled every `sampleIntervalMs` (5 s by default)
 * and kept for `windowMs` (60 s, CloudWatch's one-minute period for MSK metrics); a rate is
 * (counter now - counter at the oldest sample still inside the window) / the time between
 * them. So a "PerSec" value covers the last 55 to 60 seconds, and less right after start.
 */

export const DEFAULT_WINDOW_MS = 60_000;
export const DEFAULT_SAMPLE_INTERVAL_MS = 5_000;

export interface Sample<T> {
  /** Epoch ms the sample was taken. */
  readonly at: number;
  readonly value: T;
}

export class SlidingWindow<T> {
  private readonly windowMs: number;
  private samples: Sample<T>[] = [];

  constructor(windowMs: number) {
    this.windowMs = windowMs;
  }

  add(at: number, value: T): void {
    this.samples.push({ at, value });
  }

  /** The oldest sample taken within `windowMs` before `now`; older samples are dropped. */
  base(now: number): Sample<T> | undefined {
    const from = now - this.windowMs;
    let stale = 0;
    while (stale < this.samples.length && (this.samples[stale] as Sample<T>).at < from) stale++;
    if (stale > 0) this.samples = this.samples.slice(stale);
    return this.samples[0];
  }
}

/**
 * Per-second rate of a counter between a base reading and now. A counter below its base
 * was reset (a topic deleted and created again), so everything it counts is new.
 */
export function ratePerSecond(current: number, base: number, seconds: number): number {
  if (seconds <= 0) return 0;
  const delta = current >= base ? current - base : current;
  return delta / seconds;
}

/** Mean of what a sum counts per event between two readings (0 when nothing happened). */
export function windowMean(sum: number, baseSum: number, count: number, baseCount: number): number {
  const events = count >= baseCount ? count - baseCount : count;
  if (events <= 0) return 0;
  return (count >= baseCount ? sum - baseSum : sum) / events;
}
