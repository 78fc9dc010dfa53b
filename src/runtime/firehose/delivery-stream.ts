/**
 * One delivery stream: records are journaled (acknowledged only once on disk), buffered until
 * SizeInMBs of data or IntervalInSeconds since the oldest record, whichever comes first, then
 * written as one object (compressed, named as Firehose names it) to the bucket. Objects are
 * written one at a time, in order, so the journal's checkpoint can move past every record of an
 * object once it is stored. A failed write is retried with a growing delay; the records stay
 * journaled meanwhile, and new ones are refused ("Slow down.") once too much waits.
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

const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 60_000;
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
    private readonly journal: Journal,
    private readonly store: ObjectStore,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** Opens the stream's journal under `dataDir` and queues what it holds for delivery. */
  static async open(settings: DeliveryStreamSettings, dataDir: string, store: ObjectStore, clock: Clock, logger: Logger): Promise<DeliveryStream> {
    const { journal, pending } = await Journal.open(join(dataDir, settings.name));
    const stream = new DeliveryStream(settings, journal, store, clock, logger);
    if (pending.length > 0) {
      logger.info({ stream: settings.name, records: pending.length }, 'delivering the records journaled before the restart');
      for (const r of pending) stream.buffered(r);
      stream.cut();
    }
    return stream;
  }

  /** Journals the records; each gets a record id, or a throttling error when too much waits. */
  async put(data: readonly Buffer[]): Promise<PutResult[]> {
    const bytes = data.reduce((n, d) => n + d.length, 0);
    this.metrics.incoming(data.length, bytes);
    if (this.closed || this.backlogBytes + this.bufferBytes + bytes > this.settings.bufferSizeBytes * 2 + BACKLOG_EXTRA_BYTES) {
      this.metrics.throttled(data.length);
      return data.map(() => ({ errorCode: 'ServiceUnavailableException', errorMessage: 'Slow down.' }));
    }
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

  /** Cuts what is buffered, writes every object, then closes the journal. */
  async close(): Promise<void> {
    this.closed = true;
    this.cut();
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
      for (let attempt = 0; ; attempt++) {
        if (this.closed && attempt > 0) return; // abandoned while failing: the journal keeps them
        try {
          await this.writeObject(records);
          break;
        } catch (error: unknown) {
          this.metrics.delivery(false, 0, 0);
          const delay = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** Math.min(attempt, 16));
          this.logger.warn({ stream: this.settings.name, err: error instanceof Error ? error.message : String(error), retryInMs: delay }, `cannot write to ${this.store.description}; retrying`);
          await new Promise<void>((resolve) => {
            const cancel = this.clock.after(delay, resolve);
            this.wake = () => {
              cancel();
              resolve();
            };
          });
          this.wake = undefined;
        }
      }
      this.outbox.shift();
      this.backlogBytes -= records.reduce((n, r) => n + r.data.length, 0);
      if (this.outbox.length === 0 && this.cutWhenWritten) this.takeBuffer();
    }
  }

  private async writeObject(records: readonly JournalRecord[]): Promise<void> {
    const s = this.settings;
    const parts = s.appendDelimiter ? records.flatMap((r) => [r.data, NEWLINE]) : records.map((r) => r.data);
    const raw = Buffer.concat(parts);
    const key = objectKey({ prefix: s.prefix, streamName: s.name, version: s.version, arrival: new Date(records[0]?.arrival ?? this.clock.now()), compression: s.compression, uuid: randomUUID });
    const body = await compress(s.compression, raw, key.slice(key.lastIndexOf('/') + 1).replace(/\.zip$/, ''));
    await this.store.put(key, body);
    const last = records.at(-1);
    if (last !== undefined) await this.journal.markDelivered(last.sequence + 1n);
    this.metrics.delivery(true, records.length, raw.length);
  }
}

const NEWLINE = Buffer.from('\n');

/** Firehose record ids are long opaque strings; ours carry the stream and the journal sequence. */
function recordId(stream: string, sequence: bigint): string {
  return Buffer.from(`${stream}:${sequence}`).toString('base64url');
}
