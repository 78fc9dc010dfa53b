/**
 * The classic group coordinator's membership protocol, following Kafka's GroupCoordinator /
 * GroupMetadataManager for classic groups: JoinGroup (MEMBER_ID_REQUIRED round trip, delayed
 * initial rebalance, rebalance timeout, static members), SyncGroup, Heartbeat, LeaveGroup and
 * session expiry. Kafka errors are returned as codes. Group membership lives in memory only:
 * after a restart every group is Empty and its members rejoin (committed offsets are durable,
 * see offset-store.ts).
 */
import { randomUUID } from 'node:crypto';
import { ErrorCode } from '../../protocol/error-codes.ts';
import { EMPTY_BYTES } from '../../protocol/primitives/loose.ts';
import type { BrokerConfig } from '../config.ts';
import type { Logger } from '../../logging.ts';
import { ClassicGroup } from './classic-group.ts';
import { GroupMember, type MemberProtocol, type MemberSettings } from './member.ts';
import { joinError, syncError, type JoinResult, type SyncResult } from './results.ts';

export interface JoinRequest extends MemberSettings {
  readonly groupId: string;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  /** JoinGroup v4+: a new dynamic member must first get a member id (MEMBER_ID_REQUIRED). */
  readonly requireKnownMemberId: boolean;
  readonly reason: string | null;
}

export interface SyncRequest {
  readonly groupId: string;
  readonly generationId: number;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly protocolType: string | null;
  readonly protocolName: string | null;
  readonly assignments: ReadonlyMap<string, Buffer>;
}

export interface LeavingMember {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
}

export type CoordinatorConfig = Pick<BrokerConfig, 'groupInitialRebalanceDelayMs' | 'groupMinSessionTimeoutMs' | 'groupMaxSessionTimeoutMs'>;

export class MembershipCoordinator {
  readonly groups = new Map<string, ClassicGroup>();

  constructor(
    private readonly config: CoordinatorConfig,
    private readonly logger: Logger,
  ) {}

  getOrCreate(groupId: string): ClassicGroup {
    let group = this.groups.get(groupId);
    if (group === undefined) {
      group = new ClassicGroup(groupId, Date.now());
      this.groups.set(groupId, group);
    }
    return group;
  }

  /** Marks a group Dead and forgets it (DeleteGroups, or an empty group without offsets). */
  drop(group: ClassicGroup): void {
    group.clearTimers();
    group.transition('Dead', Date.now());
    this.groups.delete(group.groupId);
  }

  async join(req: JoinRequest): Promise<JoinResult> {
    if (req.groupId === '') return joinError(ErrorCode.INVALID_GROUP_ID, req.memberId);
    if (req.sessionTimeoutMs < this.config.groupMinSessionTimeoutMs || req.sessionTimeoutMs > this.config.groupMaxSessionTimeoutMs) {
      return joinError(ErrorCode.INVALID_SESSION_TIMEOUT, req.memberId);
    }
    const existing = this.groups.get(req.groupId);
    if (existing === undefined && req.memberId !== '') return joinError(ErrorCode.UNKNOWN_MEMBER_ID, req.memberId);
    const group = existing ?? this.getOrCreate(req.groupId);
    const result = req.memberId === '' ? this.joinNewMember(group, req) : this.joinCurrentMember(group, req);
    // A group created by a join that failed at once would otherwise linger as an empty group.
    if (existing === undefined && group.members.size === 0 && group.pendingMembers.size === 0 && group.state === 'Empty') this.groups.delete(group.groupId);
    return result;
  }

  private joinNewMember(group: ClassicGroup, req: JoinRequest): Promise<JoinResult> | JoinResult {
    if (group.state === 'Dead') return joinError(ErrorCode.COORDINATOR_NOT_AVAILABLE, req.memberId);
    if (!group.supportsProtocols(req.protocolType, req.protocols)) return joinError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, req.memberId);
    const newMemberId = `${req.groupInstanceId ?? req.clientId}-${randomUUID()}`;
    if (req.groupInstanceId !== null) {
      const oldMemberId = group.staticMembers.get(req.groupInstanceId);
      if (oldMemberId !== undefined) return this.replaceStaticMember(group, req, req.groupInstanceId, oldMemberId, newMemberId);
      return this.addMemberAndRebalance(group, newMemberId, req);
    }
    if (req.requireKnownMemberId) {
      // The member must come back with this id; until then it holds up the join phase like Kafka's pending members.
      const timer = setTimeout(() => this.expirePending(group, newMemberId), req.sessionTimeoutMs);
      timer.unref();
      group.pendingMembers.set(newMemberId, timer);
      return joinError(ErrorCode.MEMBER_ID_REQUIRED, newMemberId);
    }
    return this.addMemberAndRebalance(group, newMemberId, req);
  }

  private joinCurrentMember(group: ClassicGroup, req: JoinRequest): Promise<JoinResult> | JoinResult {
    if (group.state === 'Dead') return joinError(ErrorCode.COORDINATOR_NOT_AVAILABLE, req.memberId);
    if (!group.supportsProtocols(req.protocolType, req.protocols)) return joinError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, req.memberId);
    const pending = group.pendingMembers.get(req.memberId);
    if (pending !== undefined) {
      clearTimeout(pending);
      group.pendingMembers.delete(req.memberId);
      return this.addMemberAndRebalance(group, req.memberId, req);
    }
    if (group.isStaticMemberFenced(req.groupInstanceId, req.memberId)) return joinError(ErrorCode.FENCED_INSTANCE_ID, req.memberId);
    const member = group.members.get(req.memberId);
    if (member === undefined) return joinError(ErrorCode.UNKNOWN_MEMBER_ID, req.memberId);
    switch (group.state) {
      case 'PreparingRebalance':
        return this.updateMemberAndRebalance(group, member, req);
      case 'CompletingRebalance':
        // A member that lost the JoinGroup answer asks again: same answer, no new rebalance.
        if (member.matches(req.protocols)) return this.currentGenerationFor(group, member);
        return this.updateMemberAndRebalance(group, member, req);
      case 'Stable':
        if (group.leaderId === member.memberId || !member.matches(req.protocols)) return this.updateMemberAndRebalance(group, member, req);
        return this.currentGenerationFor(group, member);
      default:
        return joinError(ErrorCode.UNKNOWN_MEMBER_ID, req.memberId);
    }
  }

  private addMemberAndRebalance(group: ClassicGroup, memberId: string, req: JoinRequest): Promise<JoinResult> {
    const member = new GroupMember(memberId, req.groupInstanceId, settingsOf(req));
    member.isNew = true;
    if (group.state === 'PreparingRebalance' && group.generationId === 0) group.newMemberAdded = true;
    const answer = this.awaitJoin(member);
    group.add(member);
    this.touch(group, member);
    this.maybePrepareRebalance(group, `member ${memberId} joined`);
    this.tryCompleteJoin(group);
    return answer;
  }

  private updateMemberAndRebalance(group: ClassicGroup, member: GroupMember, req: JoinRequest): Promise<JoinResult> {
    member.settings = settingsOf(req);
    const answer = this.awaitJoin(member);
    this.touch(group, member);
    this.maybePrepareRebalance(group, `member ${member.memberId} rejoined`);
    this.tryCompleteJoin(group);
    return answer;
  }

  private replaceStaticMember(group: ClassicGroup, req: JoinRequest, instanceId: string, oldMemberId: string, newMemberId: string): Promise<JoinResult> | JoinResult {
    const old = group.members.get(oldMemberId);
    // The instance that held this id is fenced: its outstanding requests learn it now.
    old?.completeJoin(joinError(ErrorCode.FENCED_INSTANCE_ID, oldMemberId));
    old?.completeSync(syncError(ErrorCode.FENCED_INSTANCE_ID));
    const member = group.replaceStaticMember(instanceId, oldMemberId, newMemberId);
    if (member === undefined) return joinError(ErrorCode.UNKNOWN_MEMBER_ID, newMemberId);
    const oldProtocols = member.settings.protocols;
    member.settings = settingsOf(req);
    this.touch(group, member);
    switch (group.state) {
      case 'Stable': {
        const unchanged = group.selectProtocol() === group.protocolName && sameMetadata(oldProtocols, req.protocols, group.protocolName);
        if (unchanged) {
          const isLeader = group.leaderId === newMemberId;
          return {
            ...this.currentGenerationFor(group, member),
            // KIP-814: a returning static leader keeps the assignment it made, but learns the members.
            skipAssignment: isLeader,
            members: isLeader ? this.memberList(group) : [],
          };
        }
        const answer = this.awaitJoin(member);
        this.maybePrepareRebalance(group, `static member ${instanceId} rejoined with new metadata`);
        return answer;
      }
      case 'CompletingRebalance': {
        // The leader may be assigning to the old member id: start over so the new id gets partitions.
        const answer = this.awaitJoin(member);
        this.prepareRebalance(group, `static member ${instanceId} replaced during sync`);
        return answer;
      }
      default: {
        const answer = this.awaitJoin(member);
        this.tryCompleteJoin(group);
        return answer;
      }
    }
  }

  private awaitJoin(member: GroupMember): Promise<JoinResult> {
    // A second JoinGroup from the same member supersedes the first; the first still gets an answer.
    member.completeJoin(joinError(ErrorCode.REBALANCE_IN_PROGRESS, member.memberId));
    return new Promise<JoinResult>((resolve) => {
      member.awaitingJoin = resolve;
    });
  }

  private currentGenerationFor(group: ClassicGroup, member: GroupMember): JoinResult {
    const isLeader = group.leaderId === member.memberId;
    return {
      errorCode: ErrorCode.NONE,
      generationId: group.generationId,
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      leader: group.leaderId ?? '',
      skipAssignment: false,
      memberId: member.memberId,
      members: isLeader ? this.memberList(group) : [],
    };
  }

  private memberList(group: ClassicGroup): JoinResult['members'] {
    return [...group.members.values()].map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: m.metadataFor(group.protocolName) }));
  }

  private maybePrepareRebalance(group: ClassicGroup, reason: string): void {
    if (group.state === 'Stable' || group.state === 'CompletingRebalance' || group.state === 'Empty') this.prepareRebalance(group, reason);
  }

  private prepareRebalance(group: ClassicGroup, reason: string): void {
    if (group.state === 'CompletingRebalance') {
      // Assignments of the generation being synced are void: waiting followers must rejoin.
      for (const m of group.members.values()) {
        m.assignment = EMPTY_BYTES;
        m.completeSync(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
      }
    }
    clearTimeout(group.syncTimer);
    group.pendingSync.clear();
    clearTimeout(group.joinTimer);
    const wasEmpty = group.state === 'Empty';
    group.transition('PreparingRebalance', Date.now());
    this.logger.info({ group: group.groupId, generation: group.generationId, reason }, 'preparing to rebalance group');
    if (wasEmpty) {
      const delay = this.config.groupInitialRebalanceDelayMs;
      group.initialDelay = true;
      this.armInitialDelay(group, delay, Math.max(group.rebalanceTimeoutMs() - delay, 0));
    } else {
      group.joinTimer = unrefTimer(() => this.completeJoin(group), group.rebalanceTimeoutMs());
      // Everyone may have rejoined already (or no one is left to wait for).
      this.tryCompleteJoin(group);
    }
  }

  /** group.initial.rebalance.delay.ms, extended while new members keep arriving (up to the rebalance timeout). */
  private armInitialDelay(group: ClassicGroup, delay: number, remaining: number): void {
    group.joinTimer = unrefTimer(() => {
      if (group.newMemberAdded && remaining > 0) {
        group.newMemberAdded = false;
        const next = Math.min(this.config.groupInitialRebalanceDelayMs, remaining);
        this.armInitialDelay(group, next, remaining - next);
        return;
      }
      group.initialDelay = false;
      this.completeJoin(group);
    }, delay);
  }

  private tryCompleteJoin(group: ClassicGroup): void {
    if (group.state === 'PreparingRebalance' && !group.initialDelay && group.allMembersJoined()) this.completeJoin(group);
  }

  /** End of the join phase: drop who did not rejoin, start the next generation, answer every JoinGroup. */
  private completeJoin(group: ClassicGroup): void {
    if (group.state !== 'PreparingRebalance') return;
    clearTimeout(group.joinTimer);
    group.initialDelay = false;
    group.newMemberAdded = false;
    for (const m of [...group.members.values()]) {
      if (m.awaitingJoin === undefined && m.groupInstanceId === null) group.remove(m.memberId);
    }
    const now = Date.now();
    if (group.members.size === 0) {
      group.generationId++;
      group.protocolName = null;
      group.transition('Empty', now);
      this.logger.info({ group: group.groupId, generation: group.generationId }, 'group is empty');
      return;
    }
    const leader = group.leaderId === null ? undefined : group.members.get(group.leaderId);
    if (leader?.awaitingJoin === undefined) {
      group.leaderId = [...group.members.values()].find((m) => m.awaitingJoin !== undefined)?.memberId ?? null;
    }
    if (group.leaderId === null) {
      // Only static members that have not rejoined are left: wait for them (or their session timeout).
      group.joinTimer = unrefTimer(() => this.completeJoin(group), group.rebalanceTimeoutMs());
      return;
    }
    group.generationId++;
    group.protocolName = group.selectProtocol();
    group.transition('CompletingRebalance', now);
    for (const id of group.members.keys()) group.pendingSync.add(id);
    this.logger.info({ group: group.groupId, generation: group.generationId, members: group.members.size, protocol: group.protocolName }, 'group rebalanced');
    const members = this.memberList(group);
    for (const m of group.members.values()) {
      const isLeader = m.memberId === group.leaderId;
      m.completeJoin({
        errorCode: ErrorCode.NONE,
        generationId: group.generationId,
        protocolType: group.protocolType,
        protocolName: group.protocolName,
        leader: group.leaderId,
        skipAssignment: false,
        memberId: m.memberId,
        members: isLeader ? members : [],
      });
      m.isNew = false;
      this.touch(group, m);
    }
    const generation = group.generationId;
    group.syncTimer = unrefTimer(() => this.expirePendingSync(group, generation), group.rebalanceTimeoutMs());
  }

  /** Members that never sent SyncGroup within the rebalance timeout are removed (Kafka's pending-sync timeout). */
  private expirePendingSync(group: ClassicGroup, generation: number): void {
    if (group.generationId !== generation || (group.state !== 'CompletingRebalance' && group.state !== 'Stable')) return;
    for (const id of [...group.pendingSync]) {
      const m = group.members.get(id);
      if (m !== undefined) this.removeMember(group, m, 'no SyncGroup within the rebalance timeout');
    }
  }

  sync(req: SyncRequest): Promise<SyncResult> | SyncResult {
    if (req.groupId === '') return syncError(ErrorCode.INVALID_GROUP_ID);
    const group = this.groups.get(req.groupId);
    if (group === undefined) return syncError(ErrorCode.UNKNOWN_MEMBER_ID);
    if (group.state === 'Dead') return syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    if (group.isStaticMemberFenced(req.groupInstanceId, req.memberId)) return syncError(ErrorCode.FENCED_INSTANCE_ID);
    const member = group.members.get(req.memberId);
    if (member === undefined) return syncError(ErrorCode.UNKNOWN_MEMBER_ID);
    if (req.generationId !== group.generationId) return syncError(ErrorCode.ILLEGAL_GENERATION);
    if ((req.protocolType !== null && req.protocolType !== group.protocolType) || (req.protocolName !== null && req.protocolName !== group.protocolName)) {
      return syncError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    }
    switch (group.state) {
      case 'PreparingRebalance':
        return syncError(ErrorCode.REBALANCE_IN_PROGRESS);
      case 'CompletingRebalance': {
        member.completeSync(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
        const answer = new Promise<SyncResult>((resolve) => {
          member.awaitingSync = resolve;
        });
        this.synced(group, member);
        if (member.memberId === group.leaderId) {
          for (const m of group.members.values()) m.assignment = req.assignments.get(m.memberId) ?? EMPTY_BYTES;
          group.transition('Stable', Date.now());
          for (const m of group.members.values()) {
            m.completeSync({ errorCode: ErrorCode.NONE, protocolType: group.protocolType, protocolName: group.protocolName, assignment: m.assignment });
          }
        }
        return answer;
      }
      case 'Stable':
        this.synced(group, member);
        return { errorCode: ErrorCode.NONE, protocolType: group.protocolType, protocolName: group.protocolName, assignment: member.assignment };
      default:
        return syncError(ErrorCode.UNKNOWN_MEMBER_ID);
    }
  }

  private synced(group: ClassicGroup, member: GroupMember): void {
    this.touch(group, member);
    group.pendingSync.delete(member.memberId);
    if (group.pendingSync.size === 0) clearTimeout(group.syncTimer);
  }

  heartbeat(groupId: string, generationId: number, memberId: string, groupInstanceId: string | null): number {
    if (groupId === '') return ErrorCode.INVALID_GROUP_ID;
    const group = this.groups.get(groupId);
    if (group === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (group.state === 'Dead') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (group.isStaticMemberFenced(groupInstanceId, memberId)) return ErrorCode.FENCED_INSTANCE_ID;
    const member = group.members.get(memberId);
    if (member === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    switch (group.state) {
      case 'Empty':
        return ErrorCode.UNKNOWN_MEMBER_ID;
      case 'PreparingRebalance':
        this.touch(group, member);
        return ErrorCode.REBALANCE_IN_PROGRESS;
      default:
        this.touch(group, member);
        return ErrorCode.NONE;
    }
  }

  /** Keeps a member alive for one more session timeout (heartbeat, join, sync, commit). */
  touch(group: ClassicGroup, member: GroupMember): void {
    clearTimeout(member.sessionTimer);
    member.sessionTimer = unrefTimer(() => {
      if (group.members.get(member.memberId) !== member) return;
      // A member waiting for a JoinGroup or SyncGroup answer is alive by definition.
      if (member.awaitingJoin !== undefined || member.awaitingSync !== undefined) this.touch(group, member);
      else this.removeMember(group, member, 'session timeout expired');
    }, member.settings.sessionTimeoutMs);
  }

  /** LeaveGroup: a top-level error, and one per member (v3+ batches several). */
  leave(groupId: string, leaving: readonly LeavingMember[]): { errorCode: number; members: { memberId: string; groupInstanceId: string | null; errorCode: number }[] } {
    if (groupId === '') return { errorCode: ErrorCode.INVALID_GROUP_ID, members: [] };
    const group = this.groups.get(groupId);
    if (group === undefined) return { errorCode: ErrorCode.NONE, members: leaving.map((l) => ({ ...l, errorCode: ErrorCode.UNKNOWN_MEMBER_ID })) };
    if (group.state === 'Dead') return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, members: [] };
    return { errorCode: ErrorCode.NONE, members: leaving.map((l) => ({ ...l, errorCode: this.leaveOne(group, l) })) };
  }

  private leaveOne(group: ClassicGroup, l: LeavingMember): number {
    let memberId = l.memberId;
    if (l.groupInstanceId !== null) {
      const current = group.staticMembers.get(l.groupInstanceId);
      if (current === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
      // An empty member id means "whoever holds this instance id" (kafka-consumer-groups --delete-members).
      if (memberId !== '' && memberId !== current) return ErrorCode.FENCED_INSTANCE_ID;
      memberId = current;
    }
    const pending = group.pendingMembers.get(memberId);
    if (pending !== undefined) {
      clearTimeout(pending);
      group.pendingMembers.delete(memberId);
      this.tryCompleteJoin(group);
      return ErrorCode.NONE;
    }
    const member = group.members.get(memberId);
    if (member === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    this.removeMember(group, member, 'member left the group');
    return ErrorCode.NONE;
  }

  private expirePending(group: ClassicGroup, memberId: string): void {
    if (!group.pendingMembers.delete(memberId)) return;
    // An empty group left behind is removed by the offsets sweep if it holds no offsets either.
    this.tryCompleteJoin(group);
  }

  /** Kafka's removeMemberAndUpdateGroup. */
  private removeMember(group: ClassicGroup, member: GroupMember, reason: string): void {
    member.completeJoin(joinError(ErrorCode.UNKNOWN_MEMBER_ID, member.memberId));
    member.completeSync(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    group.remove(member.memberId);
    this.logger.info({ group: group.groupId, member: member.memberId, reason }, 'member removed from group');
    if (group.state === 'Stable' || group.state === 'CompletingRebalance') this.prepareRebalance(group, reason);
    else if (group.state === 'PreparingRebalance') this.tryCompleteJoin(group);
  }

  /** Stops every timer and answers every waiting request (the broker is stopping). */
  close(): void {
    for (const group of this.groups.values()) {
      group.clearTimers();
      for (const m of group.members.values()) {
        m.completeJoin(joinError(ErrorCode.COORDINATOR_NOT_AVAILABLE, m.memberId));
        m.completeSync(syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE));
      }
    }
  }
}

function settingsOf(req: JoinRequest): MemberSettings {
  return {
    clientId: req.clientId,
    clientHost: req.clientHost,
    sessionTimeoutMs: req.sessionTimeoutMs,
    rebalanceTimeoutMs: req.rebalanceTimeoutMs,
    protocolType: req.protocolType,
    protocols: req.protocols,
  };
}

function sameMetadata(before: readonly MemberProtocol[], after: readonly MemberProtocol[], protocol: string | null): boolean {
  const a = before.find((p) => p.name === protocol)?.metadata;
  const b = after.find((p) => p.name === protocol)?.metadata;
  return a !== undefined && b !== undefined && a.equals(b);
}

function unrefTimer(fn: () => void, ms: number): NodeJS.Timeout {
  const t = setTimeout(fn, ms);
  t.unref();
  return t;
}
