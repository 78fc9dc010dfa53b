/**
 * Invocation counters under CloudWatch's Lambda metric names (Invocations, Errors, Throttles,
 * Duration, ConcurrentExecutions), with durations kept in fixed buckets so memory stays constant.
 */
import type { DurationSummary } from './types.ts';

/** Bucket upper bounds in ms, roughly logarithmic from 1 ms to Lambda's 900 s limit. */
const BOUNDS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 30_000, 60_000, 300_000, 900_000, Infinity];

export class InvocationCounters {
  invocations = 0;
  errors = 0;
  timeouts = 0;
  throttles = 0;
  private readonly counts = BOUNDS.map(() => 0);
  private sumMs = 0;
  private minMs = Infinity;
  private maxMs = 0;

  record(durationMs: number, outcome: 'ok' | 'error' | 'timeout'): void {
    this.invocations++;
    if (outcome !== 'ok') this.errors++;
    if (outcome === 'timeout') this.timeouts++;
    const i = BOUNDS.findIndex((b) => durationMs <= b);
    this.counts[i] = (this.counts[i] ?? 0) + 1;
    this.sumMs += durationMs;
    this.minMs = Math.min(this.minMs, durationMs);
    this.maxMs = Math.max(this.maxMs, durationMs);
  }

  duration(): DurationSummary {
    const count = this.counts.reduce((a, b) => a + b, 0);
    const percentile = (p: number): number => {
      if (count === 0) return 0;
      const rank = Math.ceil(p * count);
      let seen = 0;
      for (let i = 0; i < BOUNDS.length; i++) {
        seen += this.counts[i] ?? 0;
        // The bucket's bound, but never beyond what was actually seen.
        if (seen >= rank) return Math.min(BOUNDS[i] ?? Infinity, this.maxMs);
      }
      return this.maxMs;
    };
    return {
      count,
      sumMs: this.sumMs,
      minMs: count === 0 ? 0 : this.minMs,
      maxMs: this.maxMs,
      avgMs: count === 0 ? 0 : this.sumMs / count,
      p50Ms: percentile(0.5),
      p90Ms: percentile(0.9),
      p99Ms: percentile(0.99),
      buckets: BOUNDS.map((leMs, i) => ({ leMs, count: this.counts[i] ?? 0 })),
    };
  }
}
