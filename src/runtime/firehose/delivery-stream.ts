/**
 * One delivery stream: records are journaled (acknowledged only once on disk), buffered until
 * SizeInMBs of data or IntervalInSeconds since the oldest record, whichever comes first, then
 * written as one object (compressed, named as Firehose names it) to the bucket. Objects are
 * written one at a time, in order, so the journal's checkpoint can move past every record of an
 * object once it is stored. A failed write is retried with a growing delay, under the same key
 * (so a write that landed but was not confirmed leaves no second object); the records stay
 * journaled meanwhile, and new ones are refused ("Slow down.") once too much waits. After the
 * retry duration (Firehose's 24 hours for S3) the object's records are set aside in the stream's
 * folder (see undelivered.ts) rather than dropped, and delivery goes on with the next object.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Logger } from '../../logging.ts';
import type { ObjectStore } from '../object-store/object-store.ts';
import type { Clock } from './clock.ts';
import { compress } from './compression.ts';
import { Journal, type JournalRecord } from './journal.ts';
import { objectKey } from './object-key.ts';
import { StreamMetrics } from './metrics.ts';
import type { DeliveryStreamSettings } from './settings.ts';
import { setAside, type DeliveryFailure } from './undelivered.ts';

const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 60_000;
/** Firehose retries a failing S3 delivery for up to 24 hours. */
export const DEFAULT_RETRY_DURATION_MS = 24 * 60 * 60 * 1000;
/** Beyond this much undelivered data, new records are refused until deliveries catch up. */
const BACKLOG_EXTRA_BYTES = 16 * 1024 * 1024;

export type PutResult = { readonly recordId: string } | { readonly errorCode: 'ServiceUnavailableException'; readonly errorMessage: string };

export class DeliveryStream {
  readonly metrics = new StreamMetrics();
  /** Journaled, not yet in an object being written. */
  private buffer: JournalRecord[] = [];
  private bufferBytes = 0;
  /** Buffers cut and waiting to be written, oldest first (the first is being written). */
  private readonly outbox: JournalRecord[][] = [];
  private backlogBytes = 0;
  private cancelTimer: (() => void) | undefined;
  private writing: Promise<void> | undefined;
  private closed = false;
  private wake: (() => void) | undefined;
  private cutWhenWritten = false;

  private constructor(
    readonly settings: DeliveryStreamSettings,
    private readonly dir: string,
    private readonly journal: Journal,
    private readonly store: ObjectStore,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly retryDurationMs: number,
  ) {}

  /** Opens the stream's journal under `dataDir` and queues what it holds for delivery. */
  static async open(settings: DeliveryStreamSettings, dataDir: string, store: ObjectStore, clock: Clock, logger: Logger, retryDurationMs = DEFAULT_RETRY_DURATION_MS): Promise<DeliveryStream> {
    const dir = join(dataDir, settings.name);
    const { journal, pending } = await Journal.open(dir);
    const stream = new DeliveryStream(settings, dir, journal, store, clock, logger, retryDurationMs);
    if (pending.length > 0) {
      logger.info({ stream: settings.name, records: pending.length }, 'delivering the records journaled before the restart');
      for (const r of pending) stream.buffered(r);
      stream.cut();
    }
    return stream;
  }

  /** Whether `bytes` more can be taken now; when not, callers answer with `refuse` without decoding anything. */
  accepts(bytes: number): boolean {
    return !this.closed && this.backlogBytes + this.bufferBytes + bytes <= this.settings.bufferSizeBytes * 2 + BACKLOG_EXTRA_BYTES;
  }

  /** The answer to records refused because too much waits: "Slow down." for each. */
  refuse(records: number, bytes: number): PutResult[] {
    this.metrics.incoming(records, bytes);
    this.metrics.throttled(records);
    return Array.from({ length: records }, () => ({ errorCode: 'ServiceUnavailableException', errorMessage: 'Slow down.' }));
  }

  /** Journals the records; each gets a record id, or a throttling error when too much waits. */
  async put(data: readonly Buffer[]): Promise<PutResult[]> {
    const bytes = data.reduce((n, d) => n + d.length, 0);
    if (!this.accepts(bytes)) return this.refuse(data.length, bytes);
    this.metrics.incoming(data.length, bytes);
    const arrival = this.clock.now();
    const sequences = await this.journal.append(arrival, data);
    data.forEach((d, i) => this.buffered({ sequence: sequences[i] ?? 0n, arrival, data: d }));
    if (this.bufferBytes >= this.settings.bufferSizeBytes) this.cut();
    else this.armTimer();
    return sequences.map((s) => ({ recordId: recordId(this.settings.name, s) }));
  }

  /** Age of the oldest record not yet in the bucket (DeliveryToS3.DataFreshness), in ms. */
  dataFreshnessMs(): number {
    const oldest = this.outbox[0]?.[0] ?? this.buffer[0];
    return oldest === undefined ? 0 : Math.max(0, this.clock.now() - oldest.arrival);
  }

  /** Cuts what is buffered, writes every object (a failing write gets one more try), then closes the journal. */
  async close(): Promise<void> {
    this.closed = true;
    this.cut();
    this.wake?.();
    while (this.writing !== undefined) await this.writing;
    await this.journal.close();
  }

  /** Stops at once (for tests of a crash): nothing more is written. */
  async abandon(): Promise<void> {
    this.closed = true;
    this.cancelTimer?.();
    this.wake?.();
    await this.journal.close().catch(() => undefined);
  }

  private buffered(record: JournalRecord): void {
    this.buffer.push(record);
    this.bufferBytes += record.data.length;
  }

  private armTimer(): void {
    if (this.cancelTimer !== undefined || this.buffer.length === 0) return;
    const oldest = this.buffer[0]?.arrival ?? this.clock.now();
    this.cancelTimer = this.clock.after(oldest + this.settings.bufferIntervalMs - this.clock.now(), () => {
      this.cancelTimer = undefined;
      this.cut();
    });
  }

  /**
   * Moves the buffer to the outbox and makes sure the writer runs. A buffer whose interval ended
   * while an object is being written waits for the writer (and keeps growing, up to SizeInMBs):
   * under load one object then takes what arrived meanwhile, instead of one small object per call.
   */
  private cut(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    if (this.writing !== undefined && this.outbox.length > 0 && this.bufferBytes < this.settings.bufferSizeBytes && !this.closed) {
      this.cutWhenWritten = true;
      return;
    }
    this.takeBuffer();
    this.writing ??= this.writeAll().finally(() => {
      this.writing = undefined;
    });
  }

  private takeBuffer(): void {
    this.cutWhenWritten = false;
    if (this.buffer.length === 0) return;
    this.outbox.push(this.buffer);
    this.backlogBytes += this.bufferBytes;
    this.buffer = [];
    this.bufferBytes = 0;
  }

  private async writeAll(): Promise<void> {
    for (let records = this.outbox[0]; records !== undefined; records = this.outbox[0]) {
      if (!(await this.deliver(records))) return;
      this.outbox.shift();
      this.backlogBytes -= records.reduce((n, r) => n + r.data.length, 0);
      if (this.outbox.length === 0 && this.cutWhenWritten) this.takeBuffer();
    }
  }

  /**
   * Writes one object, retrying until it is stored or set aside; false when the stream was
   * abandoned or closed while failing (the journal keeps the records for the next start).
   */
  private async deliver(records: readonly JournalRecord[]): Promise<boolean> {
    const s = this.settings;
    const parts = s.appendDelimiter ? records.flatMap((r) => [r.data, NEWLINE]) : records.map((r) => r.data);
    const raw = Buffer.concat(parts);
    const key = objectKey({ prefix: s.prefix, streamName: s.name, version: s.version, arrival: new Date(records[0]?.arrival ?? this.clock.now()), compression: s.compression, uuid: randomUUID });
    const name = key.slice(key.lastIndexOf('/') + 1);
    const body = await compress(s.compression, raw, name.replace(/\.zip$/, ''));
    let firstFailureAt = 0;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.store.put(key, body);
        this.metrics.delivery(true, records.length, raw.length);
        break;
      } catch (error: unknown) {
        this.metrics.delivery(false, 0, 0);
        const now = this.clock.now();
        if (attempt === 1) firstFailureAt = now;
        const left = firstFailureAt + this.retryDurationMs - now;
        if (left <= 0 && (await this.trySetAside(name, records, { attempts: attempt, error, endedAt: now }))) break;
        if (this.closed) return false;
        const delay = Math.max(1, Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** Math.min(attempt - 1, 16), left));
        this.logger.warn({ stream: s.name, key, attempt, err: error instanceof Error ? error.message : String(error), retryInMs: delay }, `cannot write to ${this.store.description}; retrying`);
        await this.sleep(delay);
      }
    }
    const last = records.at(-1);
    if (last !== undefined) await this.journal.markDelivered(last.sequence + 1n);
    return true;
  }

  /** Keeps the records of an object that could not be written in the stream's folder; false if that fails too. */
  private async trySetAside(name: string, records: readonly JournalRecord[], failure: DeliveryFailure): Promise<boolean> {
    try {
      const path = await setAside(this.dir, name.replace(/\.[a-z]+$/, ''), records, failure);
      this.metrics.setAside(records.length);
      this.logger.error({ stream: this.settings.name, records: records.length, attempts: failure.attempts, path }, `${this.store.description} refused the object for the whole retry duration; its records are kept in ${path}`);
      return true;
    } catch (error: unknown) {
      this.logger.error({ stream: this.settings.name, err: error instanceof Error ? error.message : String(error) }, 'cannot set the undeliverable records aside either; retrying the bucket');
      return false;
    }
  }

  private async sleep(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const cancel = this.clock.after(ms, resolve);
      this.wake = () => {
        cancel();
        resolve();
      };
    });
    this.wake = undefined;
  }
}

const NEWLINE = Buffer.from('\n');

/** Firehose record ids are long opaque strings; ours carry the stream and the journal sequence. */
function recordId(stream: string, sequence: bigint): string {
  return Buffer.from(`${stream}:${sequence}`).toString('base64url');
}
