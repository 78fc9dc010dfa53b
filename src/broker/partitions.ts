/**
 * The partition logs of every topic: opened (and recovered) at start, created with their
 * topic, removed with it, and given the topic's configs whenever those change.
 */
import { join } from 'node:path';
import { readdir, rm } from 'node:fs/promises';
import type { PartitionManager } from './context.ts';
import type { TopicInfo, TopicStore } from './metadata/topic-store.ts';
import { effectiveConfig } from './metadata/topic-configs.ts';
import { PartitionLog, isDeletedLogDir, type LogConfig } from './log/index.ts';
import type { Logger } from '../logging.ts';

/** The log settings a topic's configs give (Kafka names -> our log options). */
export function logConfigFor(topic: TopicInfo): LogConfig {
  const n = (name: string): number => Number(effectiveConfig(topic.configs, name));
  return {
    segmentBytes: n('segment.bytes'),
    segmentMs: n('segment.ms'),
    retentionMs: n('retention.ms'),
    retentionBytes: n('retention.bytes'),
    indexIntervalBytes: n('index.interval.bytes'),
    segmentIndexBytes: n('segment.index.bytes'),
    flushIntervalMessages: n('flush.messages'),
    fileDeleteDelayMs: n('file.delete.delay.ms'),
  };
}

export function partitionDir(dataDir: string, topic: string, partition: number): string {
  return join(dataDir, `${topic}-${partition}`);
}

export class Partitions implements PartitionManager {
  private readonly dataDir: string;
  private readonly logger: Logger;
  private readonly logs = new Map<string, PartitionLog>();
  private waiters = new Set<() => void>();
  private closing = false;

  private constructor(dataDir: string, logger: Logger) {
    this.dataDir = dataDir;
    this.logger = logger;
  }

  /** Opens the logs of every stored topic, recovering any that were not closed cleanly. */
  static async open(dataDir: string, topics: TopicStore, logger: Logger): Promise<Partitions> {
    const p = new Partitions(dataDir, logger);
    for (const t of topics.list()) await p.openTopic(t);
    await p.reportStrayDirectories(topics);
    return p;
  }

  private key(topic: string, partition: number): string {
    return `${topic}\u0000${partition}`;
  }

  get(topic: string, partition: number): PartitionLog | undefined {
    return this.logs.get(this.key(topic, partition));
  }

  async openTopic(topic: TopicInfo): Promise<void> {
    await this.addPartitions(topic, 0);
  }

  async addPartitions(topic: TopicInfo, previousCount: number): Promise<void> {
    const config = logConfigFor(topic);
    for (let p = previousCount; p < topic.partitions; p++) {
      const log = await PartitionLog.open(partitionDir(this.dataDir, topic.name, p), config, { logger: this.logger });
      this.logs.set(this.key(topic.name, p), log);
    }
  }

  async deleteTopic(topic: TopicInfo): Promise<void> {
    await this.dropPartitions(topic.name, 0, topic.partitions);
  }

  /** Closes and deletes partitions `from` to `to` - 1 of a topic (those open among them). */
  async dropPartitions(topicName: string, from: number, to: number): Promise<void> {
    for (let p = from; p < to; p++) {
      const key = this.key(topicName, p);
      const log = this.logs.get(key);
      this.logs.delete(key);
      await log?.delete();
    }
  }

  updateConfigs(topic: TopicInfo): void {
    const config = logConfigFor(topic);
    for (let p = 0; p < topic.partitions; p++) this.logs.get(this.key(topic.name, p))?.updateConfig(config);
  }

  waitForAppend(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, timeoutMs);
      this.waiters.add(wake);
    });
  }

  notifyAppend(): void {
    const waiting = this.waiters;
    this.waiters = new Set();
    for (const wake of waiting) wake();
  }

  /** Runs retention on every log (called periodically by the broker). */
  async enforceRetention(): Promise<void> {
    for (const log of this.logs.values()) await log.enforceRetention();
  }

  isClosing(): boolean {
    return this.closing;
  }

  async close(): Promise<void> {
    this.closing = true;
    this.notifyAppend();
    for (const log of this.logs.values()) await log.close();
    this.logs.clear();
  }

  /**
   * Finishes topic deletions a crash interrupted (`*-delete` directories); other partition
   * directories without a topic are left alone, but said.
   */
  private async reportStrayDirectories(topics: TopicStore): Promise<void> {
    const names = await readdir(this.dataDir, { withFileTypes: true });
    for (const d of names) {
      if (!d.isDirectory()) continue;
      if (isDeletedLogDir(d.name)) {
        await rm(join(this.dataDir, d.name), { recursive: true, force: true });
        continue;
      }
      const m = /^(.+)-(\d+)$/.exec(d.name);
      if (!m || !topics.get(m[1] as string)) this.logger.warn({ dir: d.name }, 'directory in the data directory belongs to no topic; leaving it alone');
    }
  }
}
