/**
 * A verifiable producer, as Kafka's kafka-verifiable-producer (org.apache.kafka.tools.VerifiableProducer):
 * sends records at a bounded rate and reports every acknowledgement and failure as an event with
 * Kafka's names and fields, then exact totals. What `sds produce` does, usable without the CLI.
 *
 * Differences from Kafka's tool, on purpose:
 * - The rate limit is a token bucket (see ThroughputLimiter), so a pause (a slow broker, a slow
 *   input) is not followed by a catch-up burst; Kafka's ThroughputThrottler compares only the
 *   average since the start and sends at full speed until the average is back on target.
 * - The topic is checked before startup_complete: a missing topic or an unreachable cluster is one
 *   clear error, where Kafka's tool prints a send error per record after max.block.ms (60 s).
 * - Records without a key go to one partition per send, rotating (Kafka's sticky partitioner
 *   switches when a batch is full); keyed records go where Kafka's default partitioner puts them.
 *
 * As in Kafka's tool the client does not retry a send (retries=0): a failure is reported, never
 * turned into a silent duplicate, so acknowledged offsets are exactly the records written.
 */
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { compressionsAlgorithms, murmur2 } from '@platformatic/kafka';
import { SdsError } from '../errors.ts';
import { call, createAdmin, createProducer, DEFAULT_LIMITS, type BufferProducer, type Limits } from './clients.ts';
import type { Connection } from './connection.ts';
import { explainClientError } from './errors.ts';
import { topicNotFound } from './topics.ts';

export class ProduceError extends SdsError {}

export const COMPRESSIONS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
export type Compression = (typeof COMPRESSIONS)[number];

/** zstd needs node:zlib's zstd (Node.js 22.15 and later); the others always work. */
export function compressionAvailable(compression: Compression): boolean {
  return compressionsAlgorithms[compression].available;
}

export interface SourceRecord {
  readonly key: string | null;
  readonly value: string;
}

/** Where the records come from. */
export interface RecordSource {
  /** Resolves with 1 to `max` records, with null when there are no more, or with [] when `signal` aborted the wait. */
  next(max: number, signal?: AbortSignal): Promise<readonly SourceRecord[] | null>;
  close(): void;
}

/** The key of the record at `index` (0-based): none, one fixed key, or "0".."n-1" cycling like --repeating-keys. */
export type KeyPolicy = (index: number) => string | null;

export function keyPolicy(options: { readonly key?: string; readonly repeatingKeys?: number }): KeyPolicy {
  const { key, repeatingKeys } = options;
  if (repeatingKeys !== undefined) return (index) => String(index % repeatingKeys);
  if (key !== undefined) return () => key;
  return () => null;
}

/** kafka-verifiable-producer's records: the value is the record's number, "P.<n>" with a prefix. */
export function counterSource(options: { readonly valuePrefix?: string; readonly keys?: KeyPolicy } = {}): RecordSource {
  const keys = options.keys ?? (() => null);
  const prefix = options.valuePrefix;
  let n = 0;
  return {
    next(max) {
      const out: SourceRecord[] = [];
      for (let i = 0; i < max; i++, n++) out.push({ key: keys(n), value: prefix === undefined ? String(n) : `${prefix}.${n}` });
      return Promise.resolve(out);
    },
    close() {},
  };
}

/** The tickers of the solution's sample stock producer. */
export const STOCK_TICKERS = ['AAPL', 'AMZN', 'MSFT', 'INTC', 'TBV'] as const;

/**
 * Sample events as the solution's stock producer makes them: {"ticker", "price", "event_time"}
 * keyed by ticker, so each ticker keeps its order within a partition. event_time is when the
 * record is made, which is when it is sent: the source is asked only for records the rate allows.
 */
export function stockTickerSource(random: () => number = Math.random, now: () => Date = () => new Date()): RecordSource {
  return {
    next(max) {
      const out: SourceRecord[] = [];
      for (let i = 0; i < max; i++) {
        const ticker = STOCK_TICKERS[Math.floor(random() * STOCK_TICKERS.length)] ?? 'AAPL';
        const price = Math.round(random() * 10_000) / 100;
        out.push({ key: ticker, value: JSON.stringify({ ticker, price, event_time: now().toISOString() }) });
      }
      return Promise.resolve(out);
    },
    close() {},
  };
}

/** Lines buffered ahead of the sender before the input is paused. */
const LINE_BUFFER = 10_000;

/**
 * One record per line of `input` (UTF-8; \n or \r\n). With `keySeparator`, each line is
 * KEY<separator>VALUE, as kafka-console-producer reads it with parse.key=true; a line without the
 * separator fails the run (SDS_ERR_PRODUCE_INPUT) as it does in Kafka's tool.
 */
export function lineSource(input: Readable, options: { readonly keySeparator?: string; readonly keys?: KeyPolicy } = {}): RecordSource {
  const lines = createInterface({ input, crlfDelay: Infinity });
  const queue: string[] = [];
  let ended = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  let lineNumber = 0;
  const keys = options.keys ?? (() => null);
  const notify = (): void => {
    wake?.();
    wake = undefined;
  };
  lines.on('line', (line) => {
    if (failure !== undefined) return;
    queue.push(line);
    if (queue.length >= LINE_BUFFER) lines.pause();
    notify();
  });
  lines.on('close', () => {
    ended = true;
    notify();
  });
  input.on('error', (error) => {
    failure = error;
    ended = true;
    notify();
  });
  const record = (line: string): SourceRecord => {
    const index = lineNumber++;
    const sep = options.keySeparator;
    if (sep === undefined) return { key: keys(index), value: line };
    const at = line.indexOf(sep);
    if (at < 0) {
      const shown = line.length > 80 ? `${line.slice(0, 80)}…` : line;
      throw new ProduceError(
        'SDS_ERR_PRODUCE_INPUT',
        `input line ${index + 1} has no key separator ${JSON.stringify(sep)}: ${JSON.stringify(shown)} (with --key-separator every line is KEY${sep}VALUE)`,
      );
    }
    return { key: line.slice(0, at), value: line.slice(at + sep.length) };
  };
  return {
    async next(max, signal) {
      while (queue.length === 0 && !ended) {
        if (signal?.aborted === true) return [];
        await new Promise<void>((ok) => {
          const done = (): void => {
            signal?.removeEventListener('abort', done);
            ok();
          };
          wake = done;
          signal?.addEventListener('abort', done, { once: true });
        });
      }
      if (queue.length === 0) {
        if (failure !== undefined) throw failure;
        return null;
      }
      const taken = queue.splice(0, max);
      if (queue.length < LINE_BUFFER / 2 && !ended) lines.resume();
      const out: SourceRecord[] = [];
      for (const line of taken) {
        try {
          out.push(record(line));
        } catch (error: unknown) {
          // The lines before the bad one still go; the next call reports it.
          failure = error instanceof Error ? error : new Error(String(error));
          ended = true;
          queue.length = 0;
          lines.close();
          break;
        }
      }
      if (out.length === 0 && failure !== undefined) throw failure;
      return out;
    },
    close() {
      lines.close();
    },
  };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((ok) => {
    if (signal?.aborted === true) {
      ok();
      return;
    }
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      ok();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** How far behind the limiter may fall (timer and event-loop lateness) before it gives up the time: 20 ms of records. */
const SLACK_MS = 20;

/**
 * A token bucket that starts with one token and holds at most 1 + rate x 20 ms. It starts with one,
 * so the records taken by t seconds after the start never exceed 1 + rate x t; the extra capacity
 * only absorbs timer and event-loop lateness, so that the average reaches the rate. After a pause
 * at most the capacity goes out at once: there is no catching up.
 */
export class ThroughputLimiter {
  private tokens = 1;
  private last: number;
  private readonly capacity: number;

  /** `rate` in records per second; a negative rate means no limit. */
  constructor(
    readonly rate: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.capacity = 1 + (Math.max(rate, 0) * SLACK_MS) / 1000;
    this.last = now();
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((t - this.last) * this.rate) / 1000);
    this.last = t;
  }

  /** How many of `wanted` records may go now, waiting until at least one may; 0 when `signal` aborted the wait. */
  async take(wanted: number, signal?: AbortSignal): Promise<number> {
    if (this.rate < 0) return wanted;
    for (;;) {
      this.refill();
      if (this.tokens >= 1) {
        const n = Math.min(wanted, Math.floor(this.tokens));
        this.tokens -= n;
        return n;
      }
      if (signal?.aborted === true) return 0;
      await sleep(Math.max(1, Math.ceil(((1 - this.tokens) * 1000) / this.rate)), signal);
    }
  }

  /** Returns records taken but not sent (the source had fewer). */
  giveBack(n: number): void {
    if (this.rate < 0 || n <= 0) return;
    this.refill();
    this.tokens = Math.min(this.capacity, this.tokens + n);
  }
}

/** Events as kafka-verifiable-producer prints them: the same names, fields and field order. */
export type ProducerEvent =
  | { readonly timestamp: number; readonly name: 'startup_complete' }
  | {
      readonly timestamp: number;
      readonly name: 'producer_send_success';
      readonly key: string | null;
      readonly value: string;
      readonly offset: number;
      readonly topic: string;
      readonly partition: number;
    }
  | {
      readonly timestamp: number;
      readonly name: 'producer_send_error';
      readonly topic: string;
      readonly key: string | null;
      readonly value: string;
      readonly exception: string;
      readonly message: string;
    }
  | { readonly timestamp: number; readonly name: 'shutdown_complete' }
  | {
      readonly timestamp: number;
      readonly name: 'tool_data';
      readonly sent: number;
      readonly acked: number;
      readonly target_throughput: number;
      readonly avg_throughput: number;
    };

export type Acks = -1 | 0 | 1;

export interface VerifiableProducerInput {
  readonly topic: string;
  /** Closed when the run ends, however it ends. */
  readonly source: RecordSource;
  /** Records per second; -1 for no limit. */
  readonly throughput: number;
  /** Stop after this many records; without it, at the end of the source or when `signal` aborts. */
  readonly maxMessages?: number;
  /** Default -1 (all in-sync replicas), as Kafka's tool. */
  readonly acks?: Acks;
  readonly compression?: Compression;
  /** Sent with every record. */
  readonly headers?: readonly (readonly [string, string])[];
  /** Stops sending; what was sent is still waited for, and the totals reported. */
  readonly signal?: AbortSignal;
}

export interface PartitionRange {
  readonly partition: number;
  readonly records: number;
  readonly firstOffset: number;
  readonly lastOffset: number;
}

export interface ProduceSummary {
  readonly sent: number;
  readonly acked: number;
  readonly failed: number;
  readonly targetThroughput: number;
  /** Acknowledged records per second over the run, as tool_data's avg_throughput. */
  readonly avgThroughput: number;
  readonly elapsedMs: number;
  /** Offsets acknowledged, by partition (none with acks=0: Kafka answers no offsets). */
  readonly partitions: readonly PartitionRange[];
  /** The first failure's message, when a record failed. */
  readonly firstError?: string;
  /** Why the source stopped early (an input line without its key separator, an unreadable stream). */
  readonly inputError?: Error;
}

export interface ProduceHooks {
  /** Every event, in order; called synchronously. */
  readonly onEvent?: (event: ProducerEvent) => void;
  /** After each batch is sent or settled. */
  readonly onProgress?: (progress: { readonly sent: number; readonly acked: number; readonly failed: number }) => void;
}

/** Records asked of the source at once when the rate allows; about 1 MiB of 1 KiB values. */
const MAX_PULL = 1000;
/** Largest request payload (estimated), under the default message.max.bytes of 1 MiB. */
const MAX_SEND_BYTES = 512 * 1024;
/** Sends awaiting their answer, as the Java producer's max.in.flight.requests.per.connection. */
const MAX_IN_FLIGHT = 5;

/** Java's default partitioner for keyed records: murmur2 of the key bytes, made positive, modulo the partition count. */
export function partitionForKey(key: string, partitions: number): number {
  return (murmur2(Buffer.from(key, 'utf8')) & 0x7fffffff) % partitions;
}

/** Checks the topic and returns its partition count (an Admin is used: the producer would retry an unknown topic). */
async function partitionCount(connection: Connection, topic: string, limits?: Limits): Promise<number> {
  const admin = createAdmin(connection, limits);
  try {
    const topics = await call(connection, `producing to topic ${topic}`, () => admin.listTopics({ includeInternals: true }));
    if (!topics.includes(topic)) throw topicNotFound(topic);
    const metadata = await call(connection, `producing to topic ${topic}`, () => admin.metadata({ topics: [topic], forceUpdate: true }));
    const count = metadata.topics.get(topic)?.partitionsCount ?? 0;
    if (count < 1) throw topicNotFound(topic);
    return count;
  } finally {
    await admin.close().catch(() => undefined);
  }
}

/**
 * Runs a verifiable producer until `maxMessages`, the end of the source, or the signal; waits for
 * every answer, then reports shutdown_complete and tool_data. Rejects before startup_complete when
 * the cluster cannot be reached or the topic does not exist. A source failure stops the run like
 * the end of the source, and is returned as `inputError` with the totals.
 */
export async function runVerifiableProducer(connection: Connection, input: VerifiableProducerInput, hooks: ProduceHooks = {}, limits?: Limits): Promise<ProduceSummary> {
  try {
    const partitions = await partitionCount(connection, input.topic, limits);
    const producer = createProducer(connection, {}, { ...(limits ?? DEFAULT_LIMITS), retries: 0 });
    try {
      return await new Run(producer, connection, input, hooks, partitions).run();
    } finally {
      await producer.close().catch(() => undefined);
    }
  } finally {
    input.source.close();
  }
}

class Run {
  private sent = 0;
  private acked = 0;
  private failed = 0;
  private firstError: string | undefined;
  private readonly ranges = new Map<number, { records: number; first: number; last: number }>();
  private readonly inFlight = new Set<Promise<void>>();
  private nextPartition = 0;
  private readonly headers: Map<Buffer, Buffer> | undefined;

  constructor(
    private readonly producer: BufferProducer,
    private readonly connection: Connection,
    private readonly input: VerifiableProducerInput,
    private readonly hooks: ProduceHooks,
    private readonly partitions: number,
  ) {
    const headers = input.headers ?? [];
    this.headers = headers.length === 0 ? undefined : new Map(headers.map(([k, v]) => [Buffer.from(k), Buffer.from(v)]));
  }

  private emit(event: ProducerEvent): void {
    this.hooks.onEvent?.(event);
  }

  private progress(): void {
    this.hooks.onProgress?.({ sent: this.sent, acked: this.acked, failed: this.failed });
  }

  async run(): Promise<ProduceSummary> {
    const { input } = this;
    const startMs = Date.now();
    this.emit({ timestamp: startMs, name: 'startup_complete' });
    const limiter = new ThroughputLimiter(input.throughput);
    const max = input.maxMessages ?? Number.POSITIVE_INFINITY;
    let sourceError: Error | undefined;
    try {
      while (this.sent < max && input.signal?.aborted !== true) {
        // The rate first, then the source: generated records are made when they can go.
        const allowed = await limiter.take(Math.min(max - this.sent, MAX_PULL), input.signal);
        if (allowed === 0) break;
        const records = await input.source.next(allowed, input.signal);
        if (records === null) break;
        limiter.giveBack(allowed - records.length);
        await this.dispatch(records);
      }
    } catch (error: unknown) {
      sourceError = error instanceof Error ? error : new Error(String(error));
    }
    await Promise.all(this.inFlight);
    await this.producer.close().catch(() => undefined); // as Kafka's tool: close, then shutdown_complete
    this.emit({ timestamp: Date.now(), name: 'shutdown_complete' });
    const stopMs = Date.now();
    const avgThroughput = (1000 * this.acked) / Math.max(1, stopMs - startMs);
    this.emit({ timestamp: stopMs, name: 'tool_data', sent: this.sent, acked: this.acked, target_throughput: input.throughput, avg_throughput: avgThroughput });
    return {
      sent: this.sent,
      acked: this.acked,
      failed: this.failed,
      targetThroughput: input.throughput,
      avgThroughput,
      elapsedMs: stopMs - startMs,
      partitions: [...this.ranges].sort(([a], [b]) => a - b).map(([partition, r]) => ({ partition, records: r.records, firstOffset: r.first, lastOffset: r.last })),
      ...(this.firstError !== undefined ? { firstError: this.firstError } : {}),
      ...(sourceError !== undefined ? { inputError: sourceError } : {}),
    };
  }

  /** Splits records by partition and by size into sends, each waiting for a free in-flight slot. */
  private async dispatch(records: readonly SourceRecord[]): Promise<void> {
    const byPartition = new Map<number, SourceRecord[]>();
    const unkeyed = this.nextPartition;
    let usedUnkeyed = false;
    for (const r of records) {
      const p = r.key === null ? unkeyed : partitionForKey(r.key, this.partitions);
      if (r.key === null) usedUnkeyed = true;
      const list = byPartition.get(p);
      if (list === undefined) byPartition.set(p, [r]);
      else list.push(r);
    }
    if (usedUnkeyed) this.nextPartition = (this.nextPartition + 1) % this.partitions;
    for (const [partition, list] of byPartition) {
      let batch: SourceRecord[] = [];
      let bytes = 0;
      for (const r of list) {
        const size = r.value.length + (r.key?.length ?? 0) + 32;
        if (batch.length > 0 && bytes + size > MAX_SEND_BYTES) {
          await this.send(partition, batch);
          batch = [];
          bytes = 0;
        }
        batch.push(r);
        bytes += size;
      }
      if (batch.length > 0) await this.send(partition, batch);
    }
  }

  private async send(partition: number, batch: readonly SourceRecord[]): Promise<void> {
    while (this.inFlight.size >= MAX_IN_FLIGHT) await Promise.race(this.inFlight);
    const { topic } = this.input;
    this.sent += batch.length;
    const sending = this.producer
      .send({
        acks: this.input.acks ?? -1,
        ...(this.input.compression !== undefined ? { compression: this.input.compression } : {}),
        messages: batch.map((r) => ({
          topic,
          partition,
          value: Buffer.from(r.value, 'utf8'),
          ...(r.key !== null ? { key: Buffer.from(r.key, 'utf8') } : {}),
          ...(this.headers !== undefined ? { headers: this.headers } : {}),
        })),
      })
      .then(
        (result) => this.succeeded(partition, batch, result.offsets?.find((o) => o.topic === topic && o.partition === partition)?.offset),
        (error: unknown) => this.failedBatch(batch, error),
      );
    const tracked = sending.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
    this.progress();
  }

  private succeeded(partition: number, batch: readonly SourceRecord[], base: bigint | undefined): void {
    const { topic } = this.input;
    // acks=0: Kafka answers nothing, and its tool reports offset -1.
    const first = base === undefined ? -1 : Number(base);
    batch.forEach((r, i) => {
      this.acked++;
      this.emit({ timestamp: Date.now(), name: 'producer_send_success', key: r.key, value: r.value, offset: first < 0 ? -1 : first + i, topic, partition });
    });
    if (first >= 0) {
      const range = this.ranges.get(partition);
      const last = first + batch.length - 1;
      if (range === undefined) this.ranges.set(partition, { records: batch.length, first, last });
      else this.ranges.set(partition, { records: range.records + batch.length, first: Math.min(range.first, first), last: Math.max(range.last, last) });
    }
    this.progress();
  }

  private failedBatch(batch: readonly SourceRecord[], error: unknown): void {
    const { topic } = this.input;
    const explained = explainClientError(error, this.connection, `sending to topic ${topic}`);
    this.firstError ??= explained.message;
    for (const r of batch) {
      this.failed++;
      this.emit({ timestamp: Date.now(), name: 'producer_send_error', topic, key: r.key, value: r.value, exception: explained.code, message: explained.message });
    }
    this.progress();
  }
}
