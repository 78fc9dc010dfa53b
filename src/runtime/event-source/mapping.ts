/**
 * A Kafka event source mapping: polls a topic with a consumer group and invokes a function with
 * the event Lambda builds, as Lambda's Kafka event source mapping does.
 *
 * - Batches: a batch is cut when BatchSize records wait, when their event would pass 6 MB, or when
 *   the batching window (counted from the oldest waiting record) ends. A batch may hold several
 *   partitions; a partition is in at most one batch at a time, so its records are invoked in
 *   offset order, retries included. Batches of different partitions run in parallel, as many as
 *   there are invocation slots.
 * - Records that no filter matches are never invoked, and are committed with the others.
 * - A record whose event alone passes 6 MB goes to the on-failure destination
 *   (MaximumPayloadSizeExceeded) without an invocation; with no destination it is dropped and logged.
 * - Failures (errors, timeouts, malformed partial batch responses) follow failure-policy.ts:
 *   retries with a growing delay, then bisection, then the on-failure destination.
 * - Offsets are committed per partition up to the first record not yet done: invoked
 *   successfully, filtered out, or handed to the on-failure destination. A crash delivers the
 *   rest again; nothing is skipped.
 * - On a rebalance the invocations in flight finish, and their offsets are committed, before the
 *   partitions are given up (poller.ts).
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Limits } from '../../client/clients.ts';
import type { Connection } from '../../client/connection.ts';
import { silentLogger, type Logger } from '../../logging.ts';
import { JsonEvent, type Invoke, type InvokeOutcome } from '../function-host/types.ts';
import { cutBatch, MAX_PAYLOAD_BYTES } from './batch.ts';
import { readBatchResponse } from './batch-response.ts';
import { openDestination, type Failure, type OnFailureDestination } from './destinations.ts';
import { eventJson, type EventSource, type PolledRecord } from './event.ts';
import { bisect, nextStep } from './failure-policy.ts';
import { compileFilters, type RecordFilter } from './filter.ts';
import { mappingUuid } from './identity.ts';
import { MetricsRegistry, type MappingMetrics, type MappingMetricsSnapshot } from './metrics.ts';
import { DEFAULT_GROUP_TIMINGS, Poller, type GroupTimings, type PollerHandler } from './poller.ts';
import type { MappingSettings } from './settings.ts';
import { InvocationSlots } from './slots.ts';
import { WaitingRecords } from './waiting-records.ts';

export interface RetryBackoff {
  /** Delay before the first retry; doubled for each further one. */
  readonly initialMs: number;
  readonly maxMs: number;
}

export interface MappingOptions {
  readonly settings: MappingSettings;
  readonly connection: Connection;
  readonly invoke: Invoke;
  readonly functionName: string;
  /** Default: the function's local ARN (region us-east-1, account 000000000000). */
  readonly functionArn?: string;
  /** An Amazon MSK cluster ARN: events say "aws:kafka" and carry it; without one, "SelfManagedKafka". */
  readonly clusterArn?: string;
  /** Folder for the mapping's state (its UUID) and, by default, local buckets. */
  readonly dataDir: string;
  /** The mapping's local name, naming its state file; default "<function>-<topic>". */
  readonly name?: string;
  /** Folder of local buckets for `arn:aws:s3:::<bucket>` destinations; default <dataDir>/buckets. */
  readonly bucketRoot?: string;
  /** Shared with other mappings of the function to cap them together; default 5 slots for this mapping. */
  readonly slots?: InvocationSlots;
  readonly metrics?: MetricsRegistry;
  readonly logger?: Logger;
  readonly limits?: Limits;
  readonly group?: Partial<GroupTimings>;
  readonly retryBackoff?: RetryBackoff;
  /** Longest wait of one fetch (default 500 ms). */
  readonly pollWaitMs?: number;
  /** Only for tests of the size limit: Lambda's is 6 MB and cannot be changed. */
  readonly maxPayloadBytes?: number;
}

/**
 * A partition keeps fetching while less than this much of it waits (or less than a batch), so a
 * batch is ready when the one in flight ends: a fetch's worth, max.partition.fetch.bytes.
 */
const PREFETCH_BYTES = 1_048_576;

/** While records keep completing, offsets are committed at most this often. */
const COMMIT_INTERVAL_MS = 100;

/** An event poller runs up to 5 invocations at once (AWS, "Kafka scaling modes"). */
export const DEFAULT_CONCURRENCY = 5;
export const DEFAULT_RETRY_BACKOFF: RetryBackoff = { initialMs: 1000, maxMs: 60_000 };
const LOCAL_REGION = 'us-east-1';
const LOCAL_ACCOUNT = '000000000000';

interface PartitionState {
  readonly partition: number;
  /** Fetched, matched by the filters, not yet in a batch. */
  readonly waiting: WaitingRecords;
  /** When the oldest waiting record arrived (the batching window's start). */
  windowStart: number | undefined;
  /** The batch holding this partition, if any. */
  job: Job | undefined;
  /** The offset after the last record fetched. */
  next: bigint;
  highWatermark: bigint | undefined;
}

interface Attempt {
  readonly records: readonly PolledRecord[];
  /** Retries made of this very batch. */
  readonly retries: number;
  /** A half of a bisected batch. */
  readonly bisected: boolean;
  /**
   * Invocations its records were in so far (every record of an attempt shares its history:
   * retries, partial retries and bisected halves are subsets): approximateInvokeCount.
   */
  readonly invocations: number;
}

interface Job {
  readonly epoch: number;
  /** Attempts left to run, in order. */
  readonly queue: Attempt[];
  /** Records not done yet, per partition, in offset order. */
  readonly pending: Map<number, PolledRecord[]>;
  lastError: string | undefined;
}

export type MappingState = 'Enabled' | 'Disabled' | 'Stopped';

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((ok) => {
    if (signal.aborted) return ok();
    const timer = setTimeout(ok, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      ok();
    }, { once: true });
  });
}

/** The event's key for a record's partition, "<topic>-<partition>". */
function partitionKey(r: PolledRecord): string {
  return `${r.topic}-${r.partition}`;
}

export class EventSourceMapping implements PollerHandler {
  private readonly partitions = new Map<number, PartitionState>();
  private readonly steps = new Set<Promise<unknown>>();
  private readonly source: EventSource;
  private readonly filter: RecordFilter;
  private readonly slots: InvocationSlots;
  private readonly backoff: RetryBackoff;
  private readonly maxPayloadBytes: number;
  private readonly destination: OnFailureDestination | undefined;
  private readonly logger: Logger;
  private readonly unsubscribeSlots: () => void;
  private poller: Poller | undefined;
  private epoch = 0;
  private quiet = new AbortController();
  private giving: Promise<ReadonlyMap<number, bigint>> | undefined;
  private windowTimer: NodeJS.Timeout | undefined;
  private throttled = false;
  private committing: Promise<void> | undefined;
  private commitAgain = false;
  private stopped = false;
  private stateValue: MappingState;

  private constructor(
    private readonly options: MappingOptions,
    readonly uuid: string,
    readonly groupId: string,
    private readonly metricSet: MappingMetrics,
  ) {
    const { settings, connection } = options;
    this.source = {
      bootstrapServers: connection.brokers.map((b) => (b.host.includes(':') ? `[${b.host}]:${b.port}` : `${b.host}:${b.port}`)),
      ...(options.clusterArn !== undefined ? { clusterArn: options.clusterArn } : {}),
    };
    this.filter = compileFilters(settings.filters);
    this.slots = options.slots ?? new InvocationSlots(DEFAULT_CONCURRENCY);
    this.backoff = options.retryBackoff ?? DEFAULT_RETRY_BACKOFF;
    this.maxPayloadBytes = options.maxPayloadBytes ?? MAX_PAYLOAD_BYTES;
    this.logger = (options.logger ?? silentLogger()).child({ mapping: uuid, topic: settings.topic, function: options.functionName });
    this.destination = settings.onFailure === undefined ? undefined : openDestination(settings.onFailure, {
      source: this.source,
      functionArn: options.functionArn ?? `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${options.functionName}`,
      mappingUuid: uuid,
      connection,
      ...(options.limits !== undefined ? { limits: options.limits } : {}),
      bucketRoot: options.bucketRoot ?? join(options.dataDir, 'buckets'),
    });
    this.unsubscribeSlots = this.slots.onFree(() => this.schedule());
    this.stateValue = settings.enabled ? 'Enabled' : 'Disabled';
  }

  /**
   * Creates the mapping and, when Enabled, joins the group and starts polling (the topic must
   * exist). The consumer group is ConsumerGroupId, else the mapping's UUID.
   */
  static async start(options: MappingOptions): Promise<EventSourceMapping> {
    const { settings } = options;
    const uuid = await mappingUuid(options.dataDir, options.name ?? `${options.functionName}-${settings.topic}`);
    const metrics = (options.metrics ?? new MetricsRegistry()).mapping(options.functionName, uuid, settings.topic);
    const mapping = new EventSourceMapping(options, uuid, settings.consumerGroupId ?? uuid, metrics);
    if (settings.enabled) {
      try {
        await mapping.startPolling();
      } catch (error: unknown) {
        await mapping.stop();
        throw error;
      }
    }
    return mapping;
  }

  get state(): MappingState {
    return this.stateValue;
  }

  get settings(): MappingSettings {
    return this.options.settings;
  }

  metrics(): MappingMetricsSnapshot {
    return this.metricSet.snapshot();
  }

  /** Finishes the invocations in flight, commits, leaves the group. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.windowTimer);
    await this.poller?.stop();
    await this.committing;
    this.unsubscribeSlots();
    await this.destination?.close();
    this.stateValue = 'Stopped';
  }

  private async startPolling(): Promise<void> {
    const { settings, connection } = this.options;
    this.poller = new Poller(
      {
        connection,
        topic: settings.topic,
        groupId: this.groupId,
        startingPosition: settings.startingPosition,
        ...(settings.startingTimestampMs !== undefined ? { startingTimestampMs: settings.startingTimestampMs } : {}),
        group: { ...DEFAULT_GROUP_TIMINGS, ...this.options.group },
        pollWaitMs: this.options.pollWaitMs ?? 500,
        ...(this.options.limits !== undefined ? { limits: this.options.limits } : {}),
        logger: this.logger,
      },
      this,
    );
    await this.poller.start();
  }

  // ---- PollerHandler --------------------------------------------------------------------------

  assigned(start: ReadonlyMap<number, bigint>): void {
    for (const [partition, offset] of start) {
      this.partitions.set(partition, { partition, waiting: new WaitingRecords(), windowStart: undefined, job: undefined, next: offset, highWatermark: undefined });
    }
    this.logger.info({ partitions: [...start.keys()] }, 'partitions assigned');
  }

  wants(partition: number): boolean {
    const state = this.partitions.get(partition);
    if (state === undefined || state.waiting.bytes >= this.maxPayloadBytes) return false;
    return state.waiting.length < this.options.settings.batchSize || state.waiting.bytes < PREFETCH_BYTES;
  }

  fetched(partition: number, records: PolledRecord[], next: bigint, highWatermark: bigint): void {
    const state = this.partitions.get(partition);
    if (state === undefined) return;
    this.metricSet.add('PolledEventCount', records.length);
    const now = Date.now();
    let filtered = 0;
    for (const record of records) {
      if (!this.filter(record.value)) {
        filtered++;
        continue;
      }
      state.waiting.push(record);
      state.windowStart ??= now;
    }
    this.metricSet.add('FilteredOutEventCount', filtered);
    state.next = next;
    state.highWatermark = highWatermark;
    this.updateLag(state);
    // Filtered-out records at the head are done: their offsets can be committed now.
    if (state.job === undefined && state.waiting.length === 0) this.requestCommit();
    this.schedule();
  }

  /** Ends the work in flight (shared by a rebalance and stop), and gives every partition up. */
  revoke(): Promise<ReadonlyMap<number, bigint>> {
    this.giving ??= this.quiesce().finally(() => {
      this.giving = undefined;
    });
    return this.giving;
  }

  private async quiesce(): Promise<ReadonlyMap<number, bigint>> {
    this.epoch++;
    clearTimeout(this.windowTimer);
    this.quiet.abort(); // jobs waiting to retry stop waiting, and stop
    // Steps in flight (an invocation and what follows from its answer) complete; no new one starts.
    while (this.steps.size > 0) await Promise.allSettled([...this.steps]);
    await this.committing;
    const offsets = this.commitPoints();
    for (const state of this.partitions.values()) this.metricSet.setLag(state.partition, undefined);
    this.partitions.clear();
    this.quiet = new AbortController();
    if (offsets.size > 0) this.logger.info({ partitions: [...offsets.keys()] }, 'partitions given up');
    return offsets;
  }

  // ---- batching ---------------------------------------------------------------------------------

  /** Starts every batch that is due and has an invocation slot; otherwise waits for the window's end. */
  private schedule(): void {
    if (this.stopped || this.giving !== undefined) return;
    clearTimeout(this.windowTimer);
    this.windowTimer = undefined;
    const { batchSize, batchingWindowMs } = this.options.settings;
    for (;;) {
      const ready = [...this.partitions.values()]
        .filter((s) => s.job === undefined && s.waiting.length > 0)
        .sort((a, b) => (a.windowStart ?? 0) - (b.windowStart ?? 0));
      const oldest = ready[0];
      if (oldest === undefined) return;
      const count = ready.reduce((n, s) => n + s.waiting.length, 0);
      const bytes = ready.reduce((n, s) => n + s.waiting.bytes, 0);
      const dueAt = (oldest.windowStart ?? 0) + batchingWindowMs;
      const full = count >= batchSize || bytes >= this.maxPayloadBytes;
      if (!full && Date.now() < dueAt) {
        this.windowTimer = setTimeout(() => this.schedule(), dueAt - Date.now());
        return;
      }
      if (!this.slots.tryAcquire()) {
        // Counted once per wait: the batch starts when a slot frees (onFree calls schedule).
        if (!this.throttled) this.metricSet.add('Throttles');
        this.throttled = true;
        return;
      }
      this.throttled = false;
      const candidates: PolledRecord[] = [];
      for (const s of ready) {
        if (candidates.length >= batchSize) break;
        candidates.push(...s.waiting.peek(batchSize - candidates.length));
      }
      const cut = cutBatch(this.source, candidates, batchSize, this.maxPayloadBytes);
      const taken = cut.oversized !== undefined ? [cut.oversized] : cut.batch;
      const job: Job = { epoch: this.epoch, queue: [], pending: new Map(), lastError: undefined };
      // The records taken are the head of each partition's waiting list.
      for (const record of taken) {
        const pending = job.pending.get(record.partition);
        if (pending === undefined) job.pending.set(record.partition, [record]);
        else pending.push(record);
      }
      for (const [partition, records] of job.pending) {
        const state = this.partitions.get(partition);
        if (state === undefined) continue;
        state.waiting.drop(records.length);
        if (state.waiting.length === 0) state.windowStart = undefined;
        state.job = job;
      }
      this.poller?.wake();
      if (cut.oversized !== undefined) {
        this.slots.release();
        this.track(this.setAside(job, { records: taken, condition: 'MaximumPayloadSizeExceeded', approximateInvokeCount: 0, requestId: randomUUID() }))
          .catch((error: unknown) => this.logger.error({ err: error instanceof Error ? error.message : String(error) }, 'setting aside an oversized record failed'))
          .finally(() => this.schedule());
        continue;
      }
      job.queue.push({ records: taken, retries: 0, bisected: false, invocations: 0 });
      void this.run(job, true);
    }
  }

  // ---- invoking ---------------------------------------------------------------------------------

  private current(job: Job): boolean {
    return job.epoch === this.epoch && !this.stopped;
  }

  private track<T>(step: Promise<T>): Promise<T> {
    this.steps.add(step);
    void step.finally(() => this.steps.delete(step)).catch(() => undefined);
    return step;
  }

  /** Runs a batch's attempts in order until every record is done, or the partitions are given up. */
  private async run(job: Job, holdsSlot: boolean): Promise<void> {
    let slot = holdsSlot;
    try {
      for (;;) {
        const attempt = job.queue.shift();
        if (attempt === undefined || !this.current(job)) break;
        if (!slot) {
          const { waited } = await this.slots.acquire();
          if (waited) this.metricSet.add('Throttles');
          if (!this.current(job)) {
            this.slots.release();
            break;
          }
        }
        slot = false;
        // One step: the invocation, and what its answer decides (records set aside included), so
        // that a rebalance or stop waits for all of it and commits its outcome.
        const { delayMs } = await this.track(
          (async () => {
            const answer = await this.invokeOnce(job, attempt).finally(() => this.slots.release());
            if (answer.failure !== undefined) await this.setAside(job, answer.failure);
            return answer;
          })(),
        );
        if (delayMs !== undefined) await sleep(delayMs, this.quiet.signal);
      }
    } catch (error: unknown) {
      this.logger.error({ err: error instanceof Error ? error.message : String(error) }, 'batch processing failed; its records will be delivered again');
    } finally {
      if (slot) this.slots.release();
      this.schedule();
    }
  }

  /** One invocation and what its answer decides: records done, attempts queued, records to set aside. */
  private async invokeOnce(job: Job, attempt: Attempt): Promise<{ failure?: Failure; delayMs?: number }> {
    const { settings, invoke } = this.options;
    let outcome: InvokeOutcome;
    try {
      outcome = await invoke(new JsonEvent(eventJson(this.source, attempt.records)));
    } catch (error: unknown) {
      // The host itself failed (it was closed, a worker could not start): a failed invocation.
      outcome = { ok: false, requestId: randomUUID(), durationMs: 0, errorType: 'Runtime.Unknown', errorMessage: error instanceof Error ? error.message : String(error), timedOut: false };
    }
    const invocations = attempt.invocations + 1;
    this.metricSet.invocation(attempt.records.length, outcome.durationMs, !outcome.ok);
    let failed: Attempt = { ...attempt, invocations };
    if (outcome.ok) {
      job.lastError = undefined;
      const verdict = settings.reportBatchItemFailures ? readBatchResponse(outcome.result, attempt.records) : { kind: 'success' as const };
      if (verdict.kind === 'success') {
        this.done(job, attempt.records);
        return {};
      }
      if (verdict.kind === 'failed') {
        this.logger.warn({ reason: verdict.reason }, 'malformed partial batch response: the whole batch failed');
      } else {
        // Retried from the first failed offset of each partition named; all else is done.
        const retried = (r: PolledRecord): boolean => {
          const from = verdict.retryFrom.get(partitionKey(r));
          return from !== undefined && r.offset >= from;
        };
        const retry = attempt.records.filter(retried);
        this.done(job, attempt.records.filter((r) => !retried(r)));
        failed = { ...attempt, records: retry, invocations };
      }
    } else {
      job.lastError = 'Unhandled';
      this.logger.info({ errorType: outcome.errorType, timedOut: outcome.timedOut, requestId: outcome.requestId }, 'invocation failed');
    }
    const oldest = failed.records.reduce((min, r) => (r.timestamp < min ? r.timestamp : min), failed.records[0]?.timestamp ?? 0n);
    const step = nextStep(settings, { retries: failed.retries, size: failed.records.length, oldestRecordAgeMs: Date.now() - Number(oldest), bisected: failed.bisected }, this.destination !== undefined);
    switch (step.action) {
      case 'retry':
        job.queue.unshift({ ...failed, retries: failed.retries + 1 });
        return { delayMs: Math.min(this.backoff.maxMs, this.backoff.initialMs * 2 ** Math.min(failed.retries, 30)) };
      case 'bisect':
        job.queue.unshift(...bisect(failed.records).map((records) => ({ records, retries: 0, bisected: true, invocations })));
        return {};
      case 'to-destination':
        return {
          failure: {
            records: failed.records,
            condition: step.condition,
            approximateInvokeCount: invocations,
            requestId: outcome.requestId,
            ...(job.lastError !== undefined ? { functionError: job.lastError } : {}),
          },
        };
    }
  }

  /** Hands records to the on-failure destination (retrying until it takes them), then they are done. */
  private async setAside(job: Job, failure: Failure): Promise<void> {
    const destination = this.destination;
    if (destination === undefined) {
      // Only a record too large for any invocation gets here without a destination: nothing can take it.
      this.logger.warn({ offsets: failure.records.map((r) => `${partitionKey(r)}@${r.offset}`) }, `${failure.condition}: no on-failure destination, the records are dropped`);
      this.metricSet.add('DroppedEventCount', failure.records.length);
      this.done(job, failure.records);
      return;
    }
    for (let attempt = 0; ; attempt++) {
      try {
        await this.track(destination.send(failure));
        this.metricSet.add('DroppedEventCount', failure.records.length);
        this.metricSet.add('OnFailureDestinationDeliveredEventCount', failure.records.length);
        this.logger.info({ condition: failure.condition, records: failure.records.length, destination: destination.description }, 'records sent to the on-failure destination');
        this.done(job, failure.records);
        return;
      } catch (error: unknown) {
        this.logger.warn({ err: error instanceof Error ? error.message : String(error), destination: destination.description }, 'the on-failure destination did not take the records; retrying');
        await sleep(Math.min(this.backoff.maxMs, this.backoff.initialMs * 2 ** Math.min(attempt, 30)), this.quiet.signal);
        if (!this.current(job)) return;
      }
    }
  }

  /** Marks records done: partitions with nothing left are free for their next batch, and offsets move. */
  private done(job: Job, records: readonly PolledRecord[]): void {
    if (records.length === 0) return;
    // Records are the very objects of the job's pending lists.
    const finished = new Set(records);
    let freed = false;
    for (const [partition, pending] of job.pending) {
      const left = pending.filter((r) => !finished.has(r));
      if (left.length > 0) {
        job.pending.set(partition, left);
        continue;
      }
      job.pending.delete(partition);
      const state = this.partitions.get(partition);
      if (state?.job === job) {
        state.job = undefined;
        freed = true;
      }
    }
    this.requestCommit();
    if (freed) this.schedule();
  }

  // ---- committing -------------------------------------------------------------------------------

  /** Per partition: the first offset not done yet (in a batch, waiting, or not fetched). */
  private commitPoints(): Map<number, bigint> {
    const points = new Map<number, bigint>();
    for (const state of this.partitions.values()) {
      const inBatch = state.job?.pending.get(state.partition)?.[0]?.offset;
      points.set(state.partition, inBatch ?? state.waiting.first()?.offset ?? state.next);
    }
    return points;
  }

  /**
   * Commits the current points; calls made meanwhile are folded into one more commit, at most one
   * per COMMIT_INTERVAL_MS while records keep completing (a rebalance or stop commits at once).
   * Committing later only means more records delivered again after a crash, never fewer.
   */
  private requestCommit(): void {
    if (this.committing !== undefined) {
      this.commitAgain = true;
      return;
    }
    this.committing = (async () => {
      do {
        this.commitAgain = false;
        const poller = this.poller;
        if (poller === undefined) return;
        await poller.commit(this.commitPoints());
        for (const state of this.partitions.values()) this.updateLag(state);
        if (this.commitAgain) await sleep(COMMIT_INTERVAL_MS, this.quiet.signal);
      } while (this.commitAgain);
    })().finally(() => {
      this.committing = undefined;
    });
  }

  private updateLag(state: PartitionState): void {
    const committed = this.poller?.committed(state.partition);
    if (state.highWatermark === undefined || committed === undefined || committed < 0n) return;
    this.metricSet.setLag(state.partition, Number(state.highWatermark - committed));
  }
}
