/**
 * The local runtime's own metrics, under CloudWatch's names: per function (AWS/Lambda)
 * Invocations, Errors, Throttles (counters), Duration (mean over the interval, from the running
 * sum and count) and OffsetLag; per delivery stream (AWS/Firehose) IncomingRecords,
 * IncomingBytes, DeliveryToS3.Records, DeliveryToS3.Bytes, ThrottledRecords (counters),
 * DeliveryToS3.Success and DeliveryToS3.DataFreshness (seconds).
 */
import type { MetricsRegistry } from '../../runtime/event-source/metrics.ts';
import type { DeliveryStream } from '../../runtime/firehose/delivery-stream.ts';
import { ReadingBuilder, type Reading } from '../series.ts';

export interface LocalSourceInput {
  readonly mappings?: MetricsRegistry;
  readonly streams?: ReadonlyMap<string, DeliveryStream>;
}

export class LocalSource {
  readonly name = 'local';
  /** Duration sums and counts at the previous reading, per function, for the mean over the interval. */
  private readonly previousDuration = new Map<string, { sumMs: number; count: number }>();

  constructor(private readonly input: LocalSourceInput) {}

  read(): Promise<Reading> {
    const out = new ReadingBuilder();
    const snapshot = this.input.mappings?.snapshot();
    for (const [fn, m] of Object.entries(snapshot?.functions ?? {})) {
      const labels = { function: fn };
      out.counter('Invocations', labels, m.Invocations);
      out.counter('Errors', labels, m.Errors);
      out.counter('Throttles', labels, m.Throttles);
      const before = this.previousDuration.get(fn) ?? { sumMs: 0, count: 0 };
      const count = m.Duration.count - before.count;
      if (count > 0) out.gauge('Duration', labels, (m.Duration.sumMs - before.sumMs) / count);
      this.previousDuration.set(fn, { sumMs: m.Duration.sumMs, count: m.Duration.count });
    }
    const lagByFunction = new Map<string, number>();
    for (const m of snapshot?.mappings ?? []) lagByFunction.set(m.functionName, (lagByFunction.get(m.functionName) ?? 0) + m.OffsetLag);
    for (const [fn, lag] of lagByFunction) out.gauge('OffsetLag', { function: fn }, lag);

    for (const [name, stream] of this.input.streams ?? []) {
      const labels = { stream: name };
      const m = stream.metrics.snapshot();
      out.counter('IncomingRecords', labels, m.IncomingRecords);
      out.counter('IncomingBytes', labels, m.IncomingBytes);
      out.counter('ThrottledRecords', labels, m.ThrottledRecords);
      out.counter('DeliveryToS3.Records', labels, m['DeliveryToS3.Records']);
      out.counter('DeliveryToS3.Bytes', labels, m['DeliveryToS3.Bytes']);
      out.gauge('DeliveryToS3.Success', labels, m['DeliveryToS3.Success']);
      out.gauge('DeliveryToS3.DataFreshness', labels, stream.dataFreshnessMs() / 1000);
    }
    return Promise.resolve(out.build());
  }
}
