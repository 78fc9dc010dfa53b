/**
 * The broker's producer state: the id allocator and, per partition log, its idempotent
 * producers. State belongs to a log instance, so a topic deleted and created again under
 * the same name starts empty without any hook in the delete path.
 */
import type { PartitionLog } from '../log/index.ts';
import type { PartitionManager } from '../context.ts';
import { partitionDir } from '../partitions.ts';
import type { TopicStore } from '../metadata/topic-store.ts';
import type { Logger } from '../../logging.ts';
import { ProducerIdAllocator } from './id-allocator.ts';
import { PartitionProducers } from './partition-state.ts';
import { rebuildProducerState, writeSnapshot } from './rebuild.ts';

export interface ProducerStateOptions {
  /** producer.id.expiration.ms: idle producers are forgotten after this (Kafka: 1 day). */
  readonly expirationMs?: number;
  /** producer.id.expiration.check.interval.ms (Kafka: 10 minutes). */
  readonly expirationCheckIntervalMs?: number;
}

interface Tracked {
  readonly topic: string;
  readonly partition: number;
  readonly log: PartitionLog;
  readonly state: PartitionProducers;
}

/** A partition whose state is to be snapshotted once its log has closed. */
export type LiveState = Tracked;

export class ProducerStateManager {
  readonly ids: ProducerIdAllocator;
  private readonly dataDir: string;
  private readonly logger: Logger;
  private readonly tracked = new Map<string, Tracked>();
  private readonly loading = new Map<PartitionLog, Promise<PartitionProducers>>();
  private readonly expirationMs: number;
  private readonly timer: NodeJS.Timeout;

  private constructor(dataDir: string, ids: ProducerIdAllocator, logger: Logger, options: ProducerStateOptions) {
    this.dataDir = dataDir;
    this.ids = ids;
    this.logger = logger;
    this.expirationMs = options.expirationMs ?? 86_400_000;
    this.timer = setInterval(() => this.expire(Date.now()), options.expirationCheckIntervalMs ?? 600_000);
    this.timer.unref();
  }

  /** Opens the id allocator and rebuilds the state of every partition already open. */
  static async open(dataDir: string, topics: TopicStore, partitions: PartitionManager, logger: Logger, options: ProducerStateOptions = {}): Promise<ProducerStateManager> {
    const manager = new ProducerStateManager(dataDir, await ProducerIdAllocator.open(dataDir), logger, options);
    try {
      for (const t of topics.list()) {
        for (let p = 0; p < t.partitions; p++) {
          const log = partitions.get(t.name, p);
          if (log !== undefined) await manager.load(t.name, p, log);
        }
      }
    } catch (e: unknown) {
      manager.close();
      throw e;
    }
    return manager;
  }

  /**
   * The state of a log, synchronously when known: callers check and enqueue an append without
   * yielding, which keeps the check atomic with the log's call-order offsets. A log this
   * manager has not seen is empty when new; otherwise undefined (call load()).
   */
  stateFor(topic: string, partition: number, log: PartitionLog): PartitionProducers | undefined {
    const key = keyOf(topic, partition);
    const t = this.tracked.get(key);
    if (t?.log === log) return t.state;
    if (log.logEndOffset !== 0n) return undefined;
    const state = new PartitionProducers(`${topic}-${partition}`);
    this.tracked.set(key, { topic, partition, log, state });
    return state;
  }

  /** Rebuilds a log's state from its snapshot and batches (once, however many callers wait). */
  load(topic: string, partition: number, log: PartitionLog): Promise<PartitionProducers> {
    const known = this.stateFor(topic, partition, log);
    if (known !== undefined) return Promise.resolve(known);
    let pending = this.loading.get(log);
    if (pending === undefined) {
      pending = rebuildProducerState(partitionDir(this.dataDir, topic, partition), log, `${topic}-${partition}`, this.logger)
        .then((state) => {
          this.tracked.set(keyOf(topic, partition), { topic, partition, log, state });
          return state;
        })
        .finally(() => this.loading.delete(log));
      this.loading.set(log, pending);
    }
    return pending;
  }

  /** Forgets idle producers in every partition. */
  expire(nowMs: number): void {
    for (const t of this.tracked.values()) {
      const removed = t.state.expire(nowMs, this.expirationMs);
      if (removed > 0) this.logger.debug({ topic: t.topic, partition: t.partition, removed }, 'expired idle producers');
    }
  }

  /** Partitions whose logs are still the broker's: take this before the logs close. */
  live(partitions: PartitionManager): LiveState[] {
    return [...this.tracked.values()].filter((t) => partitions.get(t.topic, t.partition) === t.log);
  }

  /** Writes a snapshot per partition after a clean close, so the next start need not replay the logs. */
  async saveSnapshots(states: readonly LiveState[]): Promise<void> {
    for (const t of states) {
      try {
        await writeSnapshot(partitionDir(this.dataDir, t.topic, t.partition), t.state, t.log.logEndOffset);
      } catch (e: unknown) {
        // Not fatal: the next start replays the log instead.
        this.logger.warn({ err: e, topic: t.topic, partition: t.partition }, 'could not write the producer state snapshot');
      }
    }
  }

  close(): void {
    clearInterval(this.timer);
  }
}

function keyOf(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}
