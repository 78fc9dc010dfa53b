/**
 * Reads every source every few seconds, turns counters into per-second rates, keeps the bounded
 * history and tells subscribers (the event stream) about each new sample. A source that fails or
 * takes longer than the interval is marked down with its error (the page shows it) and tried
 * again next time; the others go on.
 */
import { History, type HistoryJson } from './history.ts';
import type { Reading } from './series.ts';

export interface Source {
  readonly name: string;
  read(): Promise<Reading>;
  close?(): Promise<void>;
}

export interface SourceStatus {
  readonly ok: boolean;
  /** Why the last reading failed. */
  readonly error?: string;
  /** Epoch ms of the last successful reading. */
  readonly lastOk?: number;
}

export interface SampleEvent {
  readonly t: number;
  readonly values: Record<string, number>;
  readonly sources: Record<string, SourceStatus>;
}

export interface CollectorOptions {
  readonly sources: readonly Source[];
  /** Default 5000 ms. */
  readonly intervalMs?: number;
  /** How many samples are kept; default an hour's worth. */
  readonly historySamples?: number;
  readonly now?: () => number;
}

export const DEFAULT_INTERVAL_MS = 5000;

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export class Collector {
  readonly intervalMs: number;
  private readonly history: History;
  private readonly statuses = new Map<string, SourceStatus>();
  private readonly previous = new Map<string, { t: number; value: number }>();
  private readonly listeners = new Set<(event: SampleEvent) => void>();
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<SampleEvent> | undefined;
  private stopped = false;

  constructor(private readonly options: CollectorOptions) {
    this.intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
    if (!Number.isSafeInteger(this.intervalMs) || this.intervalMs < 100) throw new RangeError(`the collection interval must be at least 100 ms, got ${this.intervalMs}`);
    this.history = new History(options.historySamples ?? Math.ceil(3_600_000 / this.intervalMs));
    this.now = options.now ?? Date.now;
    for (const s of options.sources) this.statuses.set(s.name, { ok: false, error: 'not read yet' });
  }

  /** Collects now, then every interval until stopped. */
  start(): void {
    const tick = (): void => {
      void this.collect().finally(() => {
        if (!this.stopped) this.timer = setTimeout(tick, this.intervalMs);
      });
    };
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
    for (const s of this.options.sources) await s.close?.();
    this.listeners.clear();
  }

  /** One collection: every source read once (concurrently), the sample recorded and sent out. */
  collect(): Promise<SampleEvent> {
    this.running ??= this.collectOnce().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  subscribe(listener: (event: SampleEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  historySince(since: number): HistoryJson {
    return this.history.toJson(since);
  }

  sourceStatuses(): Record<string, SourceStatus> {
    return Object.fromEntries(this.statuses);
  }

  private async collectOnce(): Promise<SampleEvent> {
    const readings = await Promise.allSettled(this.options.sources.map((s) => withTimeout(s.read(), Math.max(1000, this.intervalMs), `${s.name} source`)));
    const t = this.now();
    const values = new Map<string, number>();
    readings.forEach((r, i) => {
      const name = this.options.sources[i]?.name ?? String(i);
      if (r.status === 'rejected') {
        const reason = r.reason instanceof Error ? r.reason.message : String(r.reason);
        this.statuses.set(name, { ...this.statuses.get(name), ok: false, error: reason });
        return;
      }
      this.statuses.set(name, { ok: true, lastOk: t });
      for (const [id, v] of r.value.gauges) values.set(id, v);
      for (const [id, v] of r.value.counters) {
        // Kept per source: two sources may count the same series differently (the later one is shown).
        const key = `${name}\0${id}`;
        const before = this.previous.get(key);
        this.previous.set(key, { t, value: v });
        // A counter that went down was reset (a restart): no rate for this interval.
        if (before !== undefined && t > before.t && v >= before.value) values.set(id, ((v - before.value) * 1000) / (t - before.t));
      }
    });
    this.history.add({ t, values });
    const event: SampleEvent = { t, values: Object.fromEntries(values), sources: this.sourceStatuses() };
    for (const listener of this.listeners) listener(event);
    return event;
  }
}
