/**
 * What the collector records: series named like Prometheus series, `Metric{label="value",...}`,
 * with CloudWatch's metric names (MSK's, Lambda's, Firehose's) and labels in a fixed order, e.g.
 * `CpuUser{broker="1"}`, `MaxOffsetLag{consumer_group="orders",topic="MyTopic"}`,
 * `Invocations{function="msk-consumer"}`, `IncomingRecords{stream="msk-to-s3"}`.
 */

/** One reading of a source: gauges as they are, counters (monotonic totals) turned into per-second rates by the collector. */
export interface Reading {
  readonly gauges: ReadonlyMap<string, number>;
  readonly counters: ReadonlyMap<string, number>;
}

export function seriesId(metric: string, labels: Readonly<Record<string, string | number>> = {}): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${String(v).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`);
  return parts.length === 0 ? metric : `${metric}{${parts.join(',')}}`;
}

/** A builder for readings, so sources stay short. */
export class ReadingBuilder {
  readonly gauges = new Map<string, number>();
  readonly counters = new Map<string, number>();

  gauge(metric: string, labels: Readonly<Record<string, string | number>>, value: number): void {
    if (Number.isFinite(value)) this.gauges.set(seriesId(metric, labels), value);
  }

  counter(metric: string, labels: Readonly<Record<string, string | number>>, value: number): void {
    if (Number.isFinite(value)) this.counters.set(seriesId(metric, labels), value);
  }

  build(): Reading {
    return { gauges: this.gauges, counters: this.counters };
  }
}
