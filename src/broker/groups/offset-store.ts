/**
 * Committed offsets of every group: in memory for reads, journaled for durability. A change
 * is applied to memory only once its journal line is fsynced, so a read never sees an offset
 * that a crash could take back. The journal is compacted (one line per group) at open and
 * whenever it grows past COMPACT_FACTOR times its compacted size.
 */
import { OffsetJournal } from './offset-journal.ts';
import type { JournalOffset, JournalRecord } from './journal-format.ts';
import type { Logger } from '../../logging.ts';

export interface CommittedOffset {
  readonly offset: bigint;
  readonly leaderEpoch: number;
  readonly metadata: string;
  readonly timestamp: number;
}

export interface TopicPartitionRef {
  readonly topic: string;
  readonly partition: number;
}

/** Compact when the journal is this many times its last compacted size (and above MIN_COMPACT_BYTES). */
const COMPACT_FACTOR = 4;
const MIN_COMPACT_BYTES = 4 * 1024 * 1024;

type GroupOffsets = Map<string, Map<number, CommittedOffset>>;

export class OffsetStore {
  private readonly groups = new Map<string, GroupOffsets>();
  private compactedSize = 0;
  private compacting: Promise<void> | undefined;

  private constructor(
    private readonly journal: OffsetJournal,
    private readonly logger: Logger,
  ) {
    // Memory holds exactly the fsynced changes, so it is what the file must say after a failed write.
    journal.repairWith(() => this.snapshot());
  }

  static async open(dataDir: string, logger: Logger): Promise<OffsetStore> {
    const { journal, records } = await OffsetJournal.open(dataDir, logger);
    const store = new OffsetStore(journal, logger);
    for (const r of records) store.apply(r);
    if (records.length > store.groups.size) await store.compact();
    store.compactedSize = journal.size;
    return store;
  }

  groupIds(): string[] {
    return [...this.groups.keys()];
  }

  hasOffsets(group: string): boolean {
    return this.groups.has(group);
  }

  get(group: string, topic: string, partition: number): CommittedOffset | undefined {
    return this.groups.get(group)?.get(topic)?.get(partition);
  }

  /** Every committed offset of a group, by topic. */
  all(group: string): ReadonlyMap<string, ReadonlyMap<number, CommittedOffset>> {
    return this.groups.get(group) ?? new Map<string, Map<number, CommittedOffset>>();
  }

  async commit(group: string, offsets: readonly JournalOffset[]): Promise<void> {
    await this.write({ kind: 'commit', group, offsets });
  }

  async deleteOffsets(group: string, partitions: readonly TopicPartitionRef[]): Promise<void> {
    if (partitions.length > 0) await this.write({ kind: 'delete-offsets', group, partitions });
  }

  async deleteGroup(group: string): Promise<void> {
    if (this.groups.has(group)) await this.write({ kind: 'delete-group', group });
  }

  close(): Promise<void> {
    return this.journal.close();
  }

  private async write(record: JournalRecord): Promise<void> {
    await this.journal.append(record, () => this.apply(record));
    if (this.journal.size > Math.max(MIN_COMPACT_BYTES, COMPACT_FACTOR * this.compactedSize)) {
      this.compacting ??= this.compact()
        .catch((e: unknown) => this.logger.error({ err: e }, 'compacting the committed-offsets journal failed'))
        .finally(() => {
          this.compacting = undefined;
        });
    }
  }

  private apply(record: JournalRecord): void {
    if (record.kind === 'delete-group') {
      this.groups.delete(record.group);
      return;
    }
    const group = this.groups.get(record.group) ?? new Map<string, Map<number, CommittedOffset>>();
    if (record.kind === 'commit') {
      for (const o of record.offsets) {
        const topic = group.get(o.topic) ?? new Map<number, CommittedOffset>();
        topic.set(o.partition, { offset: o.offset, leaderEpoch: o.leaderEpoch, metadata: o.metadata, timestamp: o.timestamp });
        group.set(o.topic, topic);
      }
    } else {
      for (const p of record.partitions) {
        const topic = group.get(p.topic);
        topic?.delete(p.partition);
        if (topic?.size === 0) group.delete(p.topic);
      }
    }
    if (group.size > 0) this.groups.set(record.group, group);
    else this.groups.delete(record.group);
  }

  /** Rewrites the journal as one commit line per group, holding exactly what memory holds then. */
  private async compact(): Promise<void> {
    await this.journal.rewrite(() => this.snapshot());
    this.compactedSize = this.journal.size;
  }

  private snapshot(): JournalRecord[] {
    const records: JournalRecord[] = [];
    for (const [group, topics] of this.groups) {
      const offsets: JournalOffset[] = [];
      for (const [topic, partitions] of topics) for (const [partition, o] of partitions) offsets.push({ topic, partition, ...o });
      records.push({ kind: 'commit', group, offsets });
    }
    return records;
  }
}
