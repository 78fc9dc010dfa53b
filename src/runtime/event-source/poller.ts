/**
 * The Kafka side of an event source mapping: membership of the consumer group, where each
 * assigned partition starts, fetching, and committing. It knows nothing of batches or functions;
 * the mapping (PollerHandler) says which partitions it wants more of, receives their records, and
 * says what to commit.
 *
 * - A partition the group has a committed offset for starts there; otherwise at the starting
 *   position (TRIM_HORIZON, LATEST, AT_TIMESTAMP), which is committed at once, so that a crash
 *   before the first batch does not move a LATEST mapping past records produced meanwhile.
 * - Before this member rejoins the group (a rebalance), the handler finishes what is in flight and
 *   the offsets it returns are committed, while the partitions are still this member's.
 * - Fetching uses the read_committed isolation level: records of aborted transactions are never
 *   delivered (AWS does not document the level its pollers use).
 * - Errors a cluster gives while it changes (leader moves, a restart) refresh metadata and retry;
 *   an offset outside the log restarts the partition at the log start.
 */
import { FetchIsolationLevels, ListOffsetTimestamps } from '@platformatic/kafka';
import type { ClusterMetadata, fetchV17, RecordsBatch } from '@platformatic/kafka';
import type { Limits } from '../../client/clients.ts';
import type { Connection } from '../../client/connection.ts';
import { createGroupConsumer, type GroupConsumer } from '../../client/group-consumer.ts';
import { hasKafkaError, topicNotFound } from '../../client/topics.ts';
import type { Logger } from '../../logging.ts';
import { ErrorCode, errorInfo } from '../../protocol/error-codes.ts';
import type { PolledRecord } from './event.ts';
import type { StartingPosition } from './settings.ts';
import { CONTROL_BATCH, LOG_APPEND_TIME, REFRESH_ERRORS } from '../../client/fetch-results.ts';

type FetchResponse = fetchV17.FetchResponse;

export interface PollerHandler {
  /** Partitions given to this member, each with the offset it starts at. */
  assigned(start: ReadonlyMap<number, bigint>): void;
  /** Records of one partition in offset order; `next` is the offset after them. */
  fetched(partition: number, records: PolledRecord[], next: bigint, highWatermark: bigint): void;
  /** Whether to fetch this partition now (false while enough of it waits). */
  wants(partition: number): boolean;
  /** Before the partitions are given up: end the work in flight; the offsets to commit, by partition. */
  revoke(): Promise<ReadonlyMap<number, bigint>>;
}

export interface GroupTimings {
  /** Kafka's session.timeout.ms: a member silent this long leaves the group; also bounds giving partitions up. */
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly rebalanceTimeoutMs: number;
}

/** The Java consumer's defaults for session and heartbeat; a rebalance may wait 5 minutes for in-flight invocations. */
export const DEFAULT_GROUP_TIMINGS: GroupTimings = { sessionTimeoutMs: 45_000, heartbeatIntervalMs: 3000, rebalanceTimeoutMs: 300_000 };

export interface PollerOptions {
  readonly connection: Connection;
  readonly topic: string;
  readonly groupId: string;
  readonly startingPosition: StartingPosition;
  readonly startingTimestampMs?: number;
  readonly group: GroupTimings;
  /** Longest wait of one fetch. */
  readonly pollWaitMs: number;
  readonly limits?: Limits;
  readonly logger: Logger;
}

/** max.partition.fetch.bytes and fetch.max.bytes of the Java consumer. */
const PARTITION_MAX_BYTES = 1_048_576;
const FETCH_MAX_BYTES = 52_428_800;
const BACKOFF_MS = 500;
/**
 * The longest wait of a fetch that leaves out partitions this member holds (they have enough
 * waiting): a partition at the log end must not hold the others back for a whole long poll once
 * they want more.
 */
const PARTIAL_FETCH_WAIT_MS = 25;

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
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

export class Poller {
  private readonly consumer: GroupConsumer;
  private metadata: ClusterMetadata | undefined;
  /** Next offset to fetch, per partition held. */
  private readonly positions = new Map<number, bigint>();
  /** What the group has committed, per partition held (as last read or written here). */
  private readonly committedOffsets = new Map<number, bigint>();
  /** Bumped whenever the partitions are given up: answers to older requests are dropped. */
  private epoch = 0;
  private assignmentChanged = false;
  private rejoinNeeded = false;
  private refreshMetadata = false;
  private stopping = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private commits: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly options: PollerOptions,
    private readonly handler: PollerHandler,
  ) {
    this.consumer = createGroupConsumer(
      options.connection,
      {
        groupId: options.groupId,
        autocommit: false,
        isolationLevel: FetchIsolationLevels.READ_COMMITTED,
        maxWaitTime: options.pollWaitMs,
        minBytes: 1,
        maxBytes: FETCH_MAX_BYTES,
      },
      { beforeRejoin: () => this.giveUpPartitions() },
      options.limits,
    );
    // After a heartbeat that failed for another reason than the group (the coordinator restarting,
    // a timeout), or a rejoin that failed for good, the client sends no more heartbeats: the
    // member would silently drop out of the group. Rejoining from the fetch loop restarts them.
    const lost = (error: unknown): void => {
      if (this.stopping) return;
      options.logger.warn({ err: message(error) }, 'consumer group membership lost; rejoining');
      this.rejoinNeeded = true;
      this.wake();
    };
    this.consumer.on('error', lost);
    this.consumer.on('consumer:heartbeat:error', (payload) => lost(payload.error));
    this.consumer.on('consumer:group:join', () => {
      this.assignmentChanged = true;
      this.wake();
    });
  }

  /** Joins the group and starts fetching; resolves once joined. */
  async start(): Promise<void> {
    await this.loadMetadata();
    this.consumer.topics.track(this.options.topic);
    await this.join();
    this.loop = this.run();
  }

  private async join(): Promise<void> {
    const { group } = this.options;
    await this.consumer.join({ sessionTimeout: group.sessionTimeoutMs, heartbeatInterval: group.heartbeatIntervalMs, rebalanceTimeout: group.rebalanceTimeoutMs });
  }

  /** Stops fetching, lets the handler finish, commits what it says, and leaves the group. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake();
    await this.loop;
    await this.giveUpPartitions();
    await this.commits;
    // Leaving first also ends a rejoin the heartbeat may have started meanwhile.
    try {
      await new Promise<void>((ok, fail) => this.consumer.leaveGroup(false, (error) => (error === null ? ok() : fail(error))));
    } catch (error: unknown) {
      this.options.logger.warn({ err: message(error) }, 'leaving the consumer group failed');
    }
    await this.consumer.close().catch((error: unknown) => this.options.logger.warn({ err: message(error) }, 'closing the consumer failed'));
  }

  /** Wakes the fetch loop when it waits for the handler to want more. */
  wake(): void {
    this.wakeUp?.();
  }

  committed(partition: number): bigint | undefined {
    return this.committedOffsets.get(partition);
  }

  /**
   * Commits the offsets that moved; resolves to false when the commit failed (the group is
   * rebalancing, the coordinator moved): those records are then delivered again, never skipped.
   */
  commit(offsets: ReadonlyMap<number, bigint>): Promise<boolean> {
    const next = this.commits.then(async () => {
      const moved = [...offsets].filter(([p, offset]) => this.committedOffsets.has(p) && this.committedOffsets.get(p) !== offset);
      if (moved.length === 0) return true;
      try {
        await this.consumer.commit({ offsets: moved.map(([partition, offset]) => ({ topic: this.options.topic, partition, offset, leaderEpoch: -1 })) });
      } catch (error: unknown) {
        this.options.logger.info({ err: message(error), partitions: moved.map(([p]) => p) }, 'offset commit failed; the records will be delivered again');
        return false;
      }
      for (const [p, offset] of moved) if (this.committedOffsets.has(p)) this.committedOffsets.set(p, offset);
      return true;
    });
    this.commits = next.catch(() => undefined);
    return next;
  }

  /** Runs before every JoinGroup: nothing is fetched any more, in-flight work ends and is committed. */
  private async giveUpPartitions(): Promise<void> {
    this.epoch++;
    this.positions.clear();
    const offsets = await this.handler.revoke();
    if (offsets.size > 0) await this.commit(offsets);
    this.committedOffsets.clear();
  }

  private async loadMetadata(): Promise<void> {
    const { topic } = this.options;
    try {
      this.metadata = await this.consumer.metadata({ topics: [topic], forceUpdate: true });
    } catch (error: unknown) {
      const unknown = error instanceof Error && error.message.startsWith('Unknown topic ');
      if (unknown || hasKafkaError(error, 'UNKNOWN_TOPIC_OR_PARTITION') || hasKafkaError(error, 'UNKNOWN_TOPIC_ID')) throw topicNotFound(topic, error);
      throw error;
    }
    if (this.metadata.topics.get(topic) === undefined) throw topicNotFound(topic);
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        if (this.rejoinNeeded) {
          this.rejoinNeeded = false;
          try {
            await this.join();
          } catch (error: unknown) {
            this.rejoinNeeded = true;
            throw error;
          }
        }
        if (this.assignmentChanged) await this.followAssignment();
        if (this.refreshMetadata) {
          this.refreshMetadata = false;
          await this.loadMetadata();
        }
        const wanted = [...this.positions.keys()].filter((p) => this.handler.wants(p));
        if (wanted.length === 0) {
          await this.idle(this.options.pollWaitMs);
          continue;
        }
        await this.fetchRound(wanted);
      } catch (error: unknown) {
        if (this.stopping) break;
        this.options.logger.warn({ err: message(error) }, 'polling failed; retrying');
        this.refreshMetadata = true;
        await this.idle(BACKOFF_MS);
      }
    }
  }

  private idle(ms: number): Promise<void> {
    return new Promise<void>((ok) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        ok();
      }
      this.wakeUp = done;
    }).finally(() => {
      this.wakeUp = undefined;
    });
  }

  /** After a join: position every partition of the new assignment (all were given up before it). */
  private async followAssignment(): Promise<void> {
    this.assignmentChanged = false;
    const epoch = this.epoch;
    const { topic } = this.options;
    const assigned = [...new Set(this.consumer.assignments?.find((a) => a.topic === topic)?.partitions ?? [])].sort((a, b) => a - b);
    if (assigned.length === 0) return;
    const commits = await this.consumer.listCommittedOffsets({ topics: [{ topic, partitions: assigned }] });
    const committed = commits.get(topic) ?? [];
    const start = new Map<number, bigint>();
    const fresh: number[] = [];
    for (const p of assigned) {
      const offset = committed[p];
      if (offset !== undefined && offset >= 0n) start.set(p, offset);
      else fresh.push(p);
    }
    const initial = await this.startingOffsets(fresh);
    if (epoch !== this.epoch || this.stopping) return; // given up meanwhile
    for (const [p, offset] of initial) start.set(p, offset);
    for (const [p, offset] of start) {
      this.positions.set(p, offset);
      this.committedOffsets.set(p, initial.has(p) ? -1n : offset);
    }
    this.handler.assigned(start);
    if (initial.size > 0) await this.commit(initial);
  }

  /** Where partitions without a committed offset start, from StartingPosition. */
  private async startingOffsets(partitions: readonly number[]): Promise<Map<number, bigint>> {
    if (partitions.length === 0) return new Map();
    const { topic, startingPosition, startingTimestampMs } = this.options;
    const list = async (timestamp: bigint): Promise<(bigint | undefined)[]> => {
      const answer = await this.consumer.listOffsets({ topics: [topic], partitions: { [topic]: [...partitions] }, timestamp });
      return answer.get(topic) ?? [];
    };
    const latest = await list(ListOffsetTimestamps.LATEST);
    let chosen = latest;
    if (startingPosition === 'TRIM_HORIZON') chosen = await list(ListOffsetTimestamps.EARLIEST);
    else if (startingPosition === 'AT_TIMESTAMP') chosen = await list(BigInt(startingTimestampMs ?? 0));
    // AT_TIMESTAMP after the last record: Kafka answers -1, which means the log end.
    return new Map(partitions.map((p) => {
      const offset = chosen[p];
      return [p, offset !== undefined && offset >= 0n ? offset : (latest[p] ?? 0n)];
    }));
  }

  private async fetchRound(partitions: readonly number[]): Promise<void> {
    const topic = this.metadata?.topics.get(this.options.topic);
    const byLeader = new Map<number, number[]>();
    for (const p of partitions) {
      const leader = topic?.partitions[p]?.leader ?? -1;
      if (leader < 0) {
        this.refreshMetadata = true;
        continue;
      }
      byLeader.set(leader, [...(byLeader.get(leader) ?? []), p]);
    }
    if (byLeader.size === 0) {
      await this.idle(BACKOFF_MS);
      return;
    }
    const epoch = this.epoch;
    await Promise.all([...byLeader].map(async ([node, ps]) => {
      const response = await this.fetch(node, ps, topic?.id ?? '');
      if (epoch === this.epoch && !this.stopping) await this.handle(response);
    }));
  }

  private async fetch(node: number, partitions: readonly number[], topicId: string): Promise<FetchResponse> {
    try {
      return await this.consumer.fetch({
        node,
        maxWaitTime: partitions.length < this.positions.size ? Math.min(PARTIAL_FETCH_WAIT_MS, this.options.pollWaitMs) : this.options.pollWaitMs,
        topics: [
          {
            topicId,
            partitions: partitions.map((partition) => ({
              partition,
              fetchOffset: this.positions.get(partition) ?? 0n,
              partitionMaxBytes: PARTITION_MAX_BYTES,
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

  private async handle(response: FetchResponse): Promise<void> {
    for (const topicResponse of response.responses) {
      for (const partition of topicResponse.partitions) {
        const p = partition.partitionIndex;
        const position = this.positions.get(p);
        if (position === undefined) continue; // given up meanwhile
        if (partition.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) {
          // The records there were deleted (retention) or the topic was re-created: start at what is left.
          const answer = await this.consumer.listOffsets({ topics: [this.options.topic], partitions: { [this.options.topic]: [p] }, timestamp: ListOffsetTimestamps.EARLIEST });
          const start = answer.get(this.options.topic)?.[p] ?? 0n;
          this.options.logger.warn({ partition: p, from: position.toString(), to: start.toString() }, 'offset out of range; starting again at the log start');
          if (this.positions.has(p)) this.positions.set(p, start);
          continue;
        }
        if (partition.errorCode !== 0) {
          if (!REFRESH_ERRORS.has(partition.errorCode)) {
            this.options.logger.warn({ partition: p, error: errorInfo(partition.errorCode)?.name ?? partition.errorCode }, 'fetch error');
          }
          this.refreshMetadata = true;
          continue;
        }
        const { records, next } = this.decode(p, position, partition.records ?? []);
        if (next === position) continue;
        this.positions.set(p, next);
        this.handler.fetched(p, records, next, partition.highWatermark);
      }
    }
  }

  private decode(partition: number, position: bigint, batches: readonly RecordsBatch[]): { records: PolledRecord[]; next: bigint } {
    const { topic } = this.options;
    const records: PolledRecord[] = [];
    let next = position;
    for (const batch of batches) {
      const logAppendTime = (batch.attributes & LOG_APPEND_TIME) !== 0;
      if ((batch.attributes & CONTROL_BATCH) === 0) {
        for (const record of batch.records) {
          const offset = batch.firstOffset + BigInt(record.offsetDelta);
          if (offset < next) continue; // a batch can start before the position
          records.push({
            topic,
            partition,
            offset,
            timestamp: logAppendTime ? batch.maxTimestamp : batch.firstTimestamp + record.timestampDelta,
            logAppendTime,
            key: record.key,
            value: record.value,
            headers: record.headers.map(([k, v]) => [k === null ? '' : k.toString('utf8'), v] as const),
          });
          next = offset + 1n;
        }
      }
      // Past the whole batch: control records and compacted-away offsets are skipped.
      const end = batch.firstOffset + BigInt(batch.lastOffsetDelta) + 1n;
      if (end > next) next = end;
    }
    return { records, next };
  }
}
