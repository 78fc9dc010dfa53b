/**
 * The broker's group coordinator: membership (coordinator.ts) plus committed offsets
 * (offset-store.ts), and the rules that tie them: who may commit, which groups exist, what
 * DescribeGroups/ListGroups/DeleteGroups/OffsetDelete see, and offset retention.
 */
import { ErrorCode } from '../../protocol/error-codes.ts';
import { EMPTY_BYTES } from '../../protocol/primitives/loose.ts';
import type { BrokerConfig } from '../config.ts';
import type { Logger } from '../../logging.ts';
import type { ClassicGroup, GroupState } from './classic-group.ts';
import { MembershipCoordinator } from './coordinator.ts';
import { OffsetStore, type TopicPartitionRef } from './offset-store.ts';
import type { JournalOffset } from './journal-format.ts';
import { isStorageFailure } from '../log/index.ts';

/**
 * The answer when the offsets journal cannot be written (disk full, I/O error). Kafka's
 * coordinator maps a storage error on its offsets topic to NOT_COORDINATOR, which sends
 * clients looking for another coordinator; with a single broker there is none, so this says
 * what is true, and clients retry it all the same (both are retriable).
 */
const STORAGE_FAILURE = ErrorCode.COORDINATOR_NOT_AVAILABLE;

export interface CommitIdentity {
  readonly groupId: string;
  readonly generationId: number;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  /** OffsetCommit version: v9+ answers GROUP_ID_NOT_FOUND where older ones say ILLEGAL_GENERATION. */
  readonly version: number;
}

export interface DescribedGroup {
  readonly errorCode: number;
  readonly groupId: string;
  readonly state: GroupState;
  readonly protocolType: string;
  readonly protocolData: string;
  readonly members: readonly {
    memberId: string;
    groupInstanceId: string | null;
    clientId: string;
    clientHost: string;
    metadata: Buffer;
    assignment: Buffer;
  }[];
}

export interface ListedGroup {
  readonly groupId: string;
  readonly protocolType: string;
  readonly state: GroupState;
}

export type GroupCoordinatorConfig = Pick<
  BrokerConfig,
  'groupInitialRebalanceDelayMs' | 'groupMinSessionTimeoutMs' | 'groupMaxSessionTimeoutMs' | 'offsetsRetentionMinutes' | 'offsetsRetentionCheckIntervalMs'
>;

export class GroupCoordinator {
  readonly membership: MembershipCoordinator;
  private readonly sweepTimer: NodeJS.Timeout;
  private sweeping: Promise<void> | undefined;

  private constructor(
    private readonly config: GroupCoordinatorConfig,
    readonly offsets: OffsetStore,
    private readonly logger: Logger,
  ) {
    this.membership = new MembershipCoordinator(config, logger);
    // Groups known only by their committed offsets exist (Empty) after a restart, as in Kafka.
    for (const id of offsets.groupIds()) this.membership.getOrCreate(id);
    this.sweepTimer = setInterval(() => void this.sweep(), config.offsetsRetentionCheckIntervalMs);
    this.sweepTimer.unref();
  }

  static async open(dataDir: string, config: GroupCoordinatorConfig, logger: Logger): Promise<GroupCoordinator> {
    const offsets = await OffsetStore.open(dataDir, logger);
    return new GroupCoordinator(config, offsets, logger);
  }

  /** Kafka's OffsetCommit checks for a classic group; NONE means the commit may be stored. */
  validateCommit(id: CommitIdentity): number {
    const group = this.membership.groups.get(id.groupId);
    if (group === undefined) {
      // Generation -1: a consumer without group management (or an admin) stores offsets in a "simple" group.
      if (id.generationId < 0) {
        this.membership.getOrCreate(id.groupId);
        return ErrorCode.NONE;
      }
      return id.version >= 9 ? ErrorCode.GROUP_ID_NOT_FOUND : ErrorCode.ILLEGAL_GENERATION;
    }
    if (group.state === 'Dead') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (id.generationId < 0 && group.state === 'Empty') return ErrorCode.NONE;
    if (group.isStaticMemberFenced(id.groupInstanceId, id.memberId)) return ErrorCode.FENCED_INSTANCE_ID;
    const member = group.members.get(id.memberId);
    if ((id.generationId >= 0 || id.memberId !== '' || id.groupInstanceId !== null) && member === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (id.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    if (group.state === 'CompletingRebalance') return ErrorCode.REBALANCE_IN_PROGRESS;
    if (member !== undefined) this.membership.touch(group, member);
    return ErrorCode.NONE;
  }

  /**
   * Resolves once the offsets are durable (one fsync, shared with concurrent commits), with
   * NONE, or COORDINATOR_NOT_AVAILABLE when the disk refused them (nothing was stored).
   */
  async commitOffsets(groupId: string, offsets: readonly JournalOffset[]): Promise<number> {
    if (offsets.length === 0) return ErrorCode.NONE;
    return this.storing(groupId, () => this.offsets.commit(groupId, offsets));
  }

  describe(groupId: string): DescribedGroup {
    const group = this.membership.groups.get(groupId);
    if (group === undefined) return { errorCode: ErrorCode.NONE, groupId, state: 'Dead', protocolType: '', protocolData: '', members: [] };
    const stable = group.state === 'Stable';
    return {
      errorCode: ErrorCode.NONE,
      groupId,
      state: group.state,
      protocolType: group.protocolType ?? '',
      protocolData: stable ? (group.protocolName ?? '') : '',
      // Kafka shows metadata and assignments only once the generation is stable.
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.settings.clientId,
        clientHost: m.settings.clientHost,
        metadata: stable ? m.metadataFor(group.protocolName) : EMPTY_BYTES,
        assignment: stable ? m.assignment : EMPTY_BYTES,
      })),
    };
  }

  list(): ListedGroup[] {
    return [...this.membership.groups.values()]
      .filter((g) => g.state !== 'Dead')
      .map((g) => ({ groupId: g.groupId, protocolType: g.protocolType ?? '', state: g.state }));
  }

  /** DeleteGroups for one group: only an empty group goes, with its offsets. */
  async deleteGroup(groupId: string): Promise<number> {
    const group = this.membership.groups.get(groupId);
    if (group === undefined || group.state === 'Dead') return ErrorCode.GROUP_ID_NOT_FOUND;
    if (group.state !== 'Empty' || group.members.size > 0) return ErrorCode.NON_EMPTY_GROUP;
    const stored = await this.storing(groupId, () => this.offsets.deleteGroup(groupId));
    if (stored !== ErrorCode.NONE) return stored;
    this.membership.drop(group);
    this.logger.info({ group: groupId }, 'group deleted');
    return ErrorCode.NONE;
  }

  /**
   * OffsetDelete: a top-level error, or one per partition. A non-empty group may delete only
   * offsets of topics its consumers do not subscribe to.
   */
  async deleteOffsets(groupId: string, partitions: readonly TopicPartitionRef[]): Promise<{ errorCode: number; partitions: number[] }> {
    const group = this.membership.groups.get(groupId);
    if (group === undefined || group.state === 'Dead') return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, partitions: [] };
    if (group.state !== 'Empty' && group.protocolType !== 'consumer') return { errorCode: ErrorCode.NON_EMPTY_GROUP, partitions: [] };
    const subscribed = group.state === 'Empty' ? new Set<string>() : group.subscribedTopics();
    const errors = partitions.map((p) => (subscribed === undefined || subscribed.has(p.topic) ? ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC : ErrorCode.NONE));
    const stored = await this.storing(groupId, () =>
      this.offsets.deleteOffsets(
        groupId,
        partitions.filter((_, i) => errors[i] === ErrorCode.NONE && this.offsets.get(groupId, partitions[i]?.topic ?? '', partitions[i]?.partition ?? -1) !== undefined),
      ),
    );
    return stored === ErrorCode.NONE ? { errorCode: ErrorCode.NONE, partitions: errors } : { errorCode: stored, partitions: [] };
  }

  /** Runs a journal change; a storage failure becomes an error code (the journal logs it and retries later). */
  private async storing(groupId: string, change: () => Promise<void>): Promise<number> {
    try {
      await change();
      return ErrorCode.NONE;
    } catch (e: unknown) {
      if (!isStorageFailure(e)) throw e;
      this.logger.debug({ group: groupId, err: e }, 'committed-offsets change refused: storage failure');
      return STORAGE_FAILURE;
    }
  }

  /** Offset retention (offsets.retention.minutes), then removal of empty groups that hold nothing. */
  sweep(now = Date.now()): Promise<void> {
    this.sweeping ??= this.expireOffsets(now)
      .catch((e: unknown) => this.logger.error({ err: e }, 'offset retention failed'))
      .finally(() => {
        this.sweeping = undefined;
      });
    return this.sweeping;
  }

  private async expireOffsets(now: number): Promise<void> {
    const retentionMs = this.config.offsetsRetentionMinutes * 60_000;
    for (const group of [...this.membership.groups.values()]) {
      const expired = this.expiredOffsets(group, now, retentionMs);
      if (expired.length > 0) {
        await this.offsets.deleteOffsets(group.groupId, expired);
        this.logger.info({ group: group.groupId, partitions: expired.length }, 'expired committed offsets');
      }
      if (group.state === 'Empty' && group.members.size === 0 && group.pendingMembers.size === 0 && !this.offsets.hasOffsets(group.groupId)) {
        this.membership.drop(group);
      }
    }
  }

  /**
   * Kafka's rules: an empty group loses its offsets once it has been empty for the retention
   * period (counted from the later of emptying and the commit); a stable consumer group loses
   * offsets of topics it no longer subscribes to, counted from the commit.
   */
  private expiredOffsets(group: ClassicGroup, now: number, retentionMs: number): TopicPartitionRef[] {
    let subscribed: Set<string> | undefined;
    if (group.state === 'Stable') {
      subscribed = group.subscribedTopics();
      if (subscribed === undefined) return [];
    } else if (group.state !== 'Empty') {
      return [];
    }
    const expired: TopicPartitionRef[] = [];
    for (const [topic, partitions] of this.offsets.all(group.groupId)) {
      if (subscribed?.has(topic) === true) continue;
      for (const [partition, o] of partitions) {
        const since = group.state === 'Empty' && group.protocolType !== null ? Math.max(group.stateSince, o.timestamp) : o.timestamp;
        if (since + retentionMs <= now) expired.push({ topic, partition });
      }
    }
    return expired;
  }

  async close(): Promise<void> {
    clearInterval(this.sweepTimer);
    this.membership.close();
    await this.sweeping;
    await this.offsets.close();
  }
}
