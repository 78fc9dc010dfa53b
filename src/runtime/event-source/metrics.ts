/**
 * Metrics of event source mappings under Lambda's CloudWatch names, per mapping and summed per
 * function, for the dashboard: Invocations, Errors (invocations that failed or timed out),
 * Duration, Throttles (a ready batch waited for a free invocation slot, the local counterpart of
 * Lambda's throttled ESM invocations, which it retries) and OffsetLag (per mapping: log end
 * offset minus committed offset, summed over the partitions this mapping holds, as Lambda
 * reports it per topic). The event counts are those of Lambda's ESM metrics (MetricsConfig
 * "EventCount"): PolledEventCount, FilteredOutEventCount, InvokedEventCount,
 * FailedInvokeEventCount, DroppedEventCount, OnFailureDestinationDeliveredEventCount.
 */

export interface DurationStats {
  readonly count: number;
  readonly sumMs: number;
  readonly minMs: number;
  readonly maxMs: number;
}

export interface MetricValues {
  readonly Invocations: number;
  readonly Errors: number;
  readonly Throttles: number;
  readonly Duration: DurationStats;
  readonly PolledEventCount: number;
  readonly FilteredOutEventCount: number;
  readonly InvokedEventCount: number;
  readonly FailedInvokeEventCount: number;
  readonly DroppedEventCount: number;
  readonly OnFailureDestinationDeliveredEventCount: number;
}

export interface MappingMetricsSnapshot extends MetricValues {
  readonly functionName: string;
  readonly mappingUuid: string;
  readonly topic: string;
  readonly OffsetLag: number;
}

export interface MetricsSnapshot {
  /** By function name: the sums over its mappings. */
  readonly functions: Readonly<Record<string, MetricValues>>;
  readonly mappings: readonly MappingMetricsSnapshot[];
}

type Counter = Exclude<keyof MetricValues, 'Duration'>;

const COUNTERS: readonly Counter[] = [
  'Invocations', 'Errors', 'Throttles', 'PolledEventCount', 'FilteredOutEventCount', 'InvokedEventCount',
  'FailedInvokeEventCount', 'DroppedEventCount', 'OnFailureDestinationDeliveredEventCount',
];

function emptyValues(): { counters: Record<Counter, number>; duration: { count: number; sumMs: number; minMs: number; maxMs: number } } {
  return { counters: Object.fromEntries(COUNTERS.map((c) => [c, 0])) as Record<Counter, number>, duration: { count: 0, sumMs: 0, minMs: 0, maxMs: 0 } };
}

export class MappingMetrics {
  private readonly values = emptyValues();
  private readonly lagByPartition = new Map<number, number>();

  constructor(
    readonly functionName: string,
    readonly mappingUuid: string,
    readonly topic: string,
  ) {}

  add(counter: Counter, by = 1): void {
    this.values.counters[counter] += by;
  }

  /** One invocation of `records` records that took `durationMs` and failed or not. */
  invocation(records: number, durationMs: number, failed: boolean): void {
    this.add('Invocations');
    this.add('InvokedEventCount', records);
    if (failed) {
      this.add('Errors');
      this.add('FailedInvokeEventCount', records);
    }
    const d = this.values.duration;
    d.minMs = d.count === 0 ? durationMs : Math.min(d.minMs, durationMs);
    d.maxMs = Math.max(d.maxMs, durationMs);
    d.sumMs += durationMs;
    d.count++;
  }

  setLag(partition: number, lag: number | undefined): void {
    if (lag === undefined) this.lagByPartition.delete(partition);
    else this.lagByPartition.set(partition, Math.max(0, lag));
  }

  snapshot(): MappingMetricsSnapshot {
    let lag = 0;
    for (const l of this.lagByPartition.values()) lag += l;
    return {
      functionName: this.functionName,
      mappingUuid: this.mappingUuid,
      topic: this.topic,
      ...this.values.counters,
      Duration: { ...this.values.duration },
      OffsetLag: lag,
    };
  }
}

/** All mappings' metrics, one registry per process (the stack's dashboard reads it). */
export class MetricsRegistry {
  private readonly mappings = new Map<string, MappingMetrics>();

  mapping(functionName: string, mappingUuid: string, topic: string): MappingMetrics {
    let m = this.mappings.get(mappingUuid);
    if (m === undefined) {
      m = new MappingMetrics(functionName, mappingUuid, topic);
      this.mappings.set(mappingUuid, m);
    }
    return m;
  }

  snapshot(): MetricsSnapshot {
    const mappings = [...this.mappings.values()].map((m) => m.snapshot());
    const functions: Record<string, MetricValues> = {};
    for (const m of mappings) {
      const f = functions[m.functionName];
      if (f === undefined) {
        functions[m.functionName] = { ...Object.fromEntries(COUNTERS.map((c) => [c, m[c]])) as Record<Counter, number>, Duration: m.Duration };
        continue;
      }
      const sum = Object.fromEntries(COUNTERS.map((c) => [c, f[c] + m[c]])) as Record<Counter, number>;
      const d = f.Duration.count === 0 ? m.Duration : m.Duration.count === 0 ? f.Duration : {
        count: f.Duration.count + m.Duration.count,
        sumMs: f.Duration.sumMs + m.Duration.sumMs,
        minMs: Math.min(f.Duration.minMs, m.Duration.minMs),
        maxMs: Math.max(f.Duration.maxMs, m.Duration.maxMs),
      };
      functions[m.functionName] = { ...sum, Duration: d };
    }
    return { functions, mappings };
  }
}
