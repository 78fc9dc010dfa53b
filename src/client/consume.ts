/**
 * Reading one topic the way kafka-console-consumer does, against any Kafka; what `sds consume`
 * does, usable without the CLI.
 *
 * Without a group, partitions are assigned directly: no group is joined and nothing is committed,
 * so reading leaves no trace on the cluster (kafka-console-consumer instead joins a throw-away
 * group named console-consumer-NNNNN with auto-commit off; the records read are the same).
 * With a group, the consumer joins it (classic protocol), starts at the group's committed offsets,
 * and after each fetch commits the offset following the last record handed to `onRecord`, so a
 * stopped consumer leaves the group with lag 0 on what it printed and nothing committed beyond.
 */
import { FetchIsolationLevels, ListOffsetTimestamps } from '@platformatic/kafka';
import type { ClusterMetadata, ClusterTopicMetadata, fetchV17, RecordsBatch } from '@platformatic/kafka';
import { SdsError } from '../errors.ts';
import { ErrorCode, errorInfo } from '../protocol/error-codes.ts';
import { createAdmin, createConsumer, type BufferConsumer, type Limits } from './clients.ts';
import type { Connection } from './connection.ts';
import { hasKafkaError, topicNotFound } from './topics.ts';
import { CONTROL_BATCH, LOG_APPEND_TIME, REFRESH_ERRORS } from './fetch-results.ts';

type FetchResponse = fetchV17.FetchResponse;
type FetchResponsePartition = fetchV17.FetchResponsePartition;

export type StartPosition = 'earliest' | 'latest' | bigint;

export interface ConsumeInput {
  readonly topic: string;
  /** Join this group and commit; without it, read with no group. */
  readonly group?: string;
  /** Read this partition only (not with a group, as in kafka-console-consumer). */
  readonly partition?: number;
  /** Where to start on a partition the group has no committed offset for (always, without a group). An offset needs `partition`. */
  readonly start: StartPosition;
  /** Where to go when a position falls outside the log (Kafka's auto.offset.reset). */
  readonly reset: 'earliest' | 'latest';
  /** Stop after this many records. */
  readonly maxMessages?: number;
  /** Stop when no record arrived for this long: counted from when reading starts (after joining the group), then from the last record; also bounds the join. */
  readonly idleTimeoutMs?: number;
  /** Stop cleanly (commit, leave the group) when aborted. */
  readonly signal?: AbortSignal;
}

export interface ConsumedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly timestamp: bigint;
  readonly timestampType: 'CreateTime' | 'LogAppendTime';
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: readonly (readonly [string, Buffer | null])[];
}

export interface ConsumeHooks {
  /** Called once the partitions to read and where to start are known. */
  readonly onReady?: (partitions: readonly number[]) => void;
  /** Each record in partition order; the next fetch waits for a returned promise. */
  readonly onRecord: (record: ConsumedRecord) => void | Promise<void>;
}

export type StopReason = 'max-messages' | 'idle-timeout' | 'stopped';

export class ConsumeError extends SdsError {}

/** Never sent to a broker: the client needs a group id even when no group is joined. */
const UNUSED_GROUP = 'sds-consume-no-group';
/** Longest wait of one fetch, so that a stop request or the idle timeout is seen quickly. */
const POLL_MS = 500;
const REJOIN_ERRORS = ['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID'];

function sleep(ms: number): Promise<void> {
  return new Promise((ok) => setTimeout(ok, ms));
}

/** The fetch response inside a client error (a partition error fails the whole call, but carries the response). */
function fetchResponseOf(error: unknown, depth = 0): FetchResponse | undefined {
  if (depth > 8 || typeof error !== 'object' || error === null) return undefined;
  const e = error as { response?: unknown; errors?: unknown };
  const r = e.response as { responses?: unknown } | undefined;
  if (typeof r === 'object' && r !== null && Array.isArray(r.responses)) return e.response as FetchResponse;
  if (Array.isArray(e.errors)) {
    for (const inner of [...(e.errors as unknown[])].reverse()) {
      const found = fetchResponseOf(inner, depth + 1);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** Reads until `maxMessages`, the idle timeout, or the signal; the Consumer is closed (leaving its group) before it resolves. */
export async function consume(connection: Connection, input: ConsumeInput, hooks: ConsumeHooks, limits?: Limits): Promise<StopReason> {
  // Checked first: the client retries metadata for an unknown topic before it gives up.
  const admin = createAdmin(connection, limits);
  try {
    if (!(await admin.listTopics({ includeInternals: true })).includes(input.topic)) throw topicNotFound(input.topic);
  } finally {
    await admin.close().catch(() => undefined);
  }
  const consumer = createConsumer(
    connection,
    {
      groupId: input.group ?? UNUSED_GROUP,
      autocommit: false,
      // kafka-console-consumer's default; the two differ only for transactional producers.
      isolationLevel: FetchIsolationLevels.READ_UNCOMMITTED,
      maxWaitTime: POLL_MS,
      minBytes: 1,
      maxBytes: 52_428_800,
    },
    limits,
  );
  try {
    return await new TopicReader(consumer, input, hooks).run();
  } finally {
    await consumer.close().catch(() => undefined);
  }
}

class TopicReader {
  private metadata: ClusterMetadata | undefined;
  /** Next offset to hand out, per assigned partition. */
  private readonly positions = new Map<number, bigint>();
  /** What the group has committed (or was last committed here), per assigned partition. */
  private readonly committed = new Map<number, bigint>();
  /** Set by the client after each (re)join, once the new assignment is known. */
  private rejoined = false;
  private count = 0;
  private lastActivity = Date.now();
  private refreshMetadata = false;

  constructor(
    private readonly consumer: BufferConsumer,
    private readonly input: ConsumeInput,
    private readonly hooks: ConsumeHooks,
  ) {}

  async run(): Promise<StopReason> {
    const { input } = this;
    const metadata = await this.loadMetadata(true);
    const count = metadata.partitionsCount;
    if (input.partition !== undefined && input.partition >= count) {
      throw new ConsumeError('SDS_ERR_PARTITION_NOT_FOUND', `topic ${input.topic} has no partition ${input.partition} (it has ${count}: 0-${count - 1})`);
    }
    if (input.group !== undefined) {
      this.consumer.topics.track(input.topic);
      this.consumer.on('consumer:group:join', () => {
        this.rejoined = true;
      });
      // The Java consumer's session.timeout.ms and heartbeat.interval.ms.
      const joined = await this.waitOrStop(this.consumer.joinGroup({ sessionTimeout: 45_000, heartbeatInterval: 3000, rebalanceTimeout: 60_000 }));
      if (joined !== 'done') return joined;
      await this.followAssignment();
    } else {
      await this.assign(input.partition !== undefined ? [input.partition] : Array.from({ length: count }, (_, i) => i));
    }
    this.hooks.onReady?.([...this.positions.keys()]);
    this.lastActivity = Date.now();
    const stop = await this.loop();
    await this.commit();
    return stop;
  }

  private stopReason(): StopReason | undefined {
    if (this.input.signal?.aborted === true) return 'stopped';
    if (this.input.maxMessages !== undefined && this.count >= this.input.maxMessages) return 'max-messages';
    if (this.input.idleTimeoutMs !== undefined && Date.now() - this.lastActivity >= this.input.idleTimeoutMs) return 'idle-timeout';
    return undefined;
  }

  /** Waits for `promise` unless the signal or the idle timeout comes first. */
  private async waitOrStop(promise: Promise<unknown>): Promise<'done' | StopReason> {
    promise.catch(() => undefined); // observed below, or abandoned when stopping
    for (;;) {
      const stop = this.stopReason();
      if (stop !== undefined) return stop;
      const settled = await Promise.race([promise.then(() => true), sleep(50).then(() => false)]);
      if (settled) return 'done';
    }
  }

  private async loadMetadata(force: boolean): Promise<ClusterTopicMetadata> {
    try {
      this.metadata = await this.consumer.metadata({ topics: [this.input.topic], forceUpdate: force });
    } catch (error: unknown) {
      // The client reports an unknown topic as a UserError "Unknown topic NAME."
      const unknown = error instanceof Error && error.message.startsWith('Unknown topic ');
      if (unknown || hasKafkaError(error, 'UNKNOWN_TOPIC_OR_PARTITION') || hasKafkaError(error, 'UNKNOWN_TOPIC_ID')) throw topicNotFound(this.input.topic, error);
      throw error;
    }
    const topic = this.metadata.topics.get(this.input.topic);
    if (topic === undefined) throw topicNotFound(this.input.topic);
    return topic;
  }

  private async logOffsets(partitions: readonly number[], where: 'earliest' | 'latest'): Promise<Map<number, bigint>> {
    const { topic } = this.input;
    const answer = await this.consumer.listOffsets({
      topics: [topic],
      partitions: { [topic]: [...partitions] },
      timestamp: where === 'earliest' ? ListOffsetTimestamps.EARLIEST : ListOffsetTimestamps.LATEST,
    });
    const offsets = answer.get(topic) ?? [];
    return new Map(partitions.map((p) => [p, offsets[p] ?? 0n]));
  }

  /** Positions for newly assigned partitions: the group's committed offset, else the start position. */
  private async assign(partitions: readonly number[]): Promise<void> {
    if (partitions.length === 0) return;
    const { input } = this;
    const fresh = [...partitions];
    if (input.group !== undefined) {
      const commits = await this.consumer.listCommittedOffsets({ topics: [{ topic: input.topic, partitions: [...partitions] }] });
      const offsets = commits.get(input.topic) ?? [];
      fresh.length = 0;
      for (const p of partitions) {
        const offset = offsets[p];
        if (offset !== undefined && offset >= 0n) {
          this.positions.set(p, offset);
          this.committed.set(p, offset);
        } else {
          fresh.push(p);
        }
      }
    }
    if (typeof input.start === 'bigint') {
      for (const p of fresh) this.positions.set(p, input.start);
      return;
    }
    for (const [p, offset] of await this.logOffsets(fresh, input.start)) this.positions.set(p, offset);
  }

  /** After a (re)join: forget revoked partitions, position the new ones. */
  private async followAssignment(): Promise<void> {
    this.rejoined = false;
    const assigned = new Set(this.consumer.assignments?.find((a) => a.topic === this.input.topic)?.partitions ?? []);
    for (const p of [...this.positions.keys()]) {
      if (!assigned.has(p)) {
        this.positions.delete(p);
        this.committed.delete(p);
      }
    }
    await this.assign([...assigned].filter((p) => !this.positions.has(p)).sort((a, b) => a - b));
  }

  private async loop(): Promise<StopReason> {
    for (;;) {
      const stop = this.stopReason();
      if (stop !== undefined) return stop;
      if (this.rejoined) {
        await this.commit(); // what was printed under the old assignment
        await this.followAssignment();
      }
      if (this.refreshMetadata) {
        this.refreshMetadata = false;
        await this.loadMetadata(true);
      }
      const wait = this.input.idleTimeoutMs === undefined ? POLL_MS : Math.max(0, Math.min(POLL_MS, this.input.idleTimeoutMs - (Date.now() - this.lastActivity)));
      const requests = this.requestsByLeader();
      if (requests.size === 0) {
        await sleep(Math.max(wait, 10)); // nothing assigned to this member (yet)
        continue;
      }
      const responses = await Promise.all([...requests].map(([node, partitions]) => this.fetch(node, partitions, wait)));
      for (const response of responses) {
        const stopped = await this.handle(response);
        if (stopped !== undefined) return stopped;
      }
      await this.commit();
      if (this.refreshMetadata) await sleep(200); // back off while the cluster settles
    }
  }

  private requestsByLeader(): Map<number, number[]> {
    const topic = this.metadata?.topics.get(this.input.topic);
    const byLeader = new Map<number, number[]>();
    for (const p of this.positions.keys()) {
      const leader = topic?.partitions[p]?.leader ?? -1;
      if (leader < 0) {
        this.refreshMetadata = true;
        continue;
      }
      byLeader.set(leader, [...(byLeader.get(leader) ?? []), p]);
    }
    return byLeader;
  }

  private async fetch(node: number, partitions: readonly number[], waitMs: number): Promise<FetchResponse> {
    const topicId = this.metadata?.topics.get(this.input.topic)?.id ?? '';
    try {
      return await this.consumer.fetch({
        node,
        maxWaitTime: waitMs,
        topics: [
          {
            topicId,
            partitions: partitions.map((partition) => ({
              partition,
              fetchOffset: this.positions.get(partition) ?? 0n,
              // max.partition.fetch.bytes of the Java consumer.
              partitionMaxBytes: 1_048_576,
              currentLeaderEpoch: -1,
              lastFetchedEpoch: -1,
            })),
          },
        ],
      });
    } catch (error: unknown) {
      const response = fetchResponseOf(error);
      if (response === undefined) throw error;
      return response;
    }
  }

  /** Hands out the records of one fetch response; resolves to a stop reason when one is reached mid-way. */
  private async handle(response: FetchResponse): Promise<StopReason | undefined> {
    for (const topicResponse of response.responses) {
      for (const partition of topicResponse.partitions) {
        if (!this.positions.has(partition.partitionIndex)) continue; // revoked meanwhile
        if (partition.errorCode !== 0) {
          await this.partitionError(partition);
          continue;
        }
        const stopped = await this.records(partition.partitionIndex, partition.records ?? []);
        if (stopped !== undefined) return stopped;
      }
    }
    return undefined;
  }

  private async partitionError(partition: FetchResponsePartition): Promise<void> {
    const p = partition.partitionIndex;
    if (partition.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) {
      // As the Java consumer does with auto.offset.reset: earliest with --from-beginning, else latest.
      const offsets = await this.logOffsets([p], this.input.reset);
      this.positions.set(p, offsets.get(p) ?? 0n);
      return;
    }
    if (REFRESH_ERRORS.has(partition.errorCode)) {
      this.refreshMetadata = true;
      return;
    }
    const name = errorInfo(partition.errorCode)?.name ?? `error code ${partition.errorCode}`;
    throw new ConsumeError('SDS_ERR_CLIENT_KAFKA', `reading ${this.input.topic} partition ${p}: Kafka answered ${name}`);
  }

  private async records(partition: number, batches: readonly RecordsBatch[]): Promise<StopReason | undefined> {
    const { topic } = this.input;
    for (const batch of batches) {
      const control = (batch.attributes & CONTROL_BATCH) !== 0;
      const logAppend = (batch.attributes & LOG_APPEND_TIME) !== 0;
      if (!control) {
        for (const record of batch.records) {
          const offset = batch.firstOffset + BigInt(record.offsetDelta);
          if (offset < (this.positions.get(partition) ?? 0n)) continue; // a batch starts before the position
          const stop = this.stopReason();
          if (stop !== undefined && stop !== 'idle-timeout') return stop;
          await this.hooks.onRecord({
            topic,
            partition,
            offset,
            timestamp: logAppend ? batch.maxTimestamp : batch.firstTimestamp + record.timestampDelta,
            timestampType: logAppend ? 'LogAppendTime' : 'CreateTime',
            key: record.key,
            value: record.value,
            headers: record.headers.map(([k, v]) => [k === null ? '' : k.toString('utf8'), v] as const),
          });
          this.count++;
          this.lastActivity = Date.now();
          this.positions.set(partition, offset + 1n);
        }
      }
      // Past the whole batch: control records and compacted-away offsets are skipped, as by the Java consumer.
      const next = batch.firstOffset + BigInt(batch.lastOffsetDelta) + 1n;
      if (next > (this.positions.get(partition) ?? 0n)) this.positions.set(partition, next);
    }
    return undefined;
  }

  /** Commits every position that moved since the last commit (group only). A rebalance leaves them for the next round. */
  private async commit(): Promise<void> {
    if (this.input.group === undefined) return;
    const moved = [...this.positions].filter(([p, offset]) => this.committed.get(p) !== offset);
    if (moved.length === 0) return;
    try {
      await this.consumer.commit({ offsets: moved.map(([partition, offset]) => ({ topic: this.input.topic, partition, offset, leaderEpoch: -1 })) });
    } catch (error: unknown) {
      if (REJOIN_ERRORS.some((name) => hasKafkaError(error, name))) return;
      throw error;
    }
    for (const [p, offset] of moved) this.committed.set(p, offset);
  }
}
