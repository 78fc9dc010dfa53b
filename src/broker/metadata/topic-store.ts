import { readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-file.ts';
import { SdsError } from '../../errors.ts';

export interface TopicInfo {
  readonly name: string;
  /** Kafka's 22-character base64 form. */
  readonly topicId: string;
  readonly partitions: number;
  /** Overrides only; defaults come from topic-configs.ts. */
  readonly configs: Readonly<Record<string, string>>;
}

interface TopicsFile {
  version: 1;
  topics: TopicInfo[];
}

const FILE = 'topics.json';

/** A new random topic id, never the all-zero id (which means "none" on the wire). */
export function newTopicId(): string {
  for (;;) {
    const bytes = randomBytes(16);
    if (bytes.some((b) => b !== 0)) return bytes.toString('base64url');
  }
}

/**
 * The topics of the broker, kept in memory and persisted atomically on every change, so
 * a crash leaves the previous or the new list, never a torn one. Changes are applied one at
 * a time; one whose write fails (disk full) is undone in memory too, and its error thrown.
 */
export class TopicStore {
  private readonly path: string;
  private readonly byName = new Map<string, TopicInfo>();
  private readonly byId = new Map<string, TopicInfo>();
  /** Changes applied to memory and waiting for the next write of the file. */
  private unwritten: { undo: () => void; resolve: () => void; reject: (e: unknown) => void }[] = [];
  private writing = false;

  private constructor(dataDir: string, topics: TopicInfo[]) {
    this.path = join(dataDir, FILE);
    for (const t of topics) this.index(t);
  }

  static async open(dataDir: string): Promise<TopicStore> {
    let text: string;
    try {
      text = await readFile(join(dataDir, FILE), 'utf8');
    } catch (e: unknown) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new TopicStore(dataDir, []);
      throw e;
    }
    let parsed: TopicsFile;
    try {
      parsed = JSON.parse(text) as TopicsFile;
      if (parsed.version !== 1 || !Array.isArray(parsed.topics)) throw new Error('unexpected layout');
    } catch (e: unknown) {
      throw new SdsError('SDS_ERR_BROKER_METADATA_CORRUPT', `${join(dataDir, FILE)} is not a valid topic list; restore it from a backup or move the data directory aside`, { cause: e });
    }
    return new TopicStore(dataDir, parsed.topics);
  }

  private index(t: TopicInfo): void {
    this.byName.set(t.name, t);
    this.byId.set(t.topicId, t);
  }

  get(name: string): TopicInfo | undefined {
    return this.byName.get(name);
  }

  getById(topicId: string): TopicInfo | undefined {
    return this.byId.get(topicId);
  }

  list(): TopicInfo[] {
    return [...this.byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  async create(name: string, partitions: number, configs: Record<string, string>): Promise<TopicInfo> {
    const topic: TopicInfo = { name, topicId: newTopicId(), partitions, configs };
    await this.change(
      () => this.index(topic),
      () => this.unindex(topic),
    );
    return topic;
  }

  async delete(name: string): Promise<void> {
    const t = this.byName.get(name);
    if (!t) return;
    await this.change(
      () => this.unindex(t),
      () => this.index(t),
    );
  }

  async update(name: string, change: Partial<Pick<TopicInfo, 'partitions' | 'configs'>>): Promise<TopicInfo> {
    const t = this.byName.get(name);
    if (!t) throw new Error(`no topic ${name}`);
    const next = { ...t, ...change };
    await this.change(
      () => this.index(next),
      () => this.index(t),
    );
    return next;
  }

  private unindex(t: TopicInfo): void {
    this.byName.delete(t.name);
    this.byId.delete(t.topicId);
  }

  /**
   * Applies a change to memory at once (later checks see it), then persists the list with one
   * write for every change made meanwhile. If that write fails, its changes are undone, newest
   * first, so memory goes back to what the file holds and no change reported as failed stays.
   */
  private change(apply: () => void, undo: () => void): Promise<void> {
    apply();
    return new Promise<void>((resolve, reject) => {
      this.unwritten.push({ undo, resolve, reject });
      if (!this.writing) void this.writeChanges();
    });
  }

  private async writeChanges(): Promise<void> {
    this.writing = true;
    try {
      while (this.unwritten.length > 0) {
        const changes = this.unwritten.splice(0);
        const snapshot: TopicsFile = { version: 1, topics: this.list() };
        try {
          await writeFileAtomic(this.path, `${JSON.stringify(snapshot, null, 2)}\n`);
        } catch (e: unknown) {
          for (const c of [...changes].reverse()) c.undo();
          for (const c of changes) c.reject(e);
          continue;
        }
        for (const c of changes) c.resolve();
      }
    } finally {
      this.writing = false;
    }
  }
}
