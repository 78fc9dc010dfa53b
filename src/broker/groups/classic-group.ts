/**
 * A classic-protocol group's state, as Kafka's ClassicGroup keeps it: members (dynamic and
 * static), members that were handed a member id but have not joined with it yet (pending),
 * the generation, the chosen protocol and the leader. The rules that move it between states
 * live in coordinator.ts; this class keeps the bookkeeping consistent.
 */
import type { GroupMember, MemberProtocol } from './member.ts';
import { subscribedTopics } from './consumer-subscription.ts';

export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

export const GROUP_STATES: readonly GroupState[] = ['Empty', 'PreparingRebalance', 'CompletingRebalance', 'Stable', 'Dead'];

export class ClassicGroup {
  state: GroupState = 'Empty';
  /** When the group entered its state (ms): offset retention of an empty group counts from here. */
  stateSince: number;
  generationId = 0;
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  readonly members = new Map<string, GroupMember>();
  /** group.instance.id -> member id */
  readonly staticMembers = new Map<string, string>();
  /** Member ids handed out with MEMBER_ID_REQUIRED, with their expiry timers. */
  readonly pendingMembers = new Map<string, NodeJS.Timeout>();
  /** Members of this generation that have not sent SyncGroup yet. */
  readonly pendingSync = new Set<string>();
  /** Set when a member joins during the first delayed rebalance: the delay is extended. */
  newMemberAdded = false;
  /** True while the initial rebalance delay runs: the join phase does not end early. */
  initialDelay = false;
  joinTimer: NodeJS.Timeout | undefined;
  syncTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly groupId: string,
    now: number,
  ) {
    this.stateSince = now;
  }

  transition(state: GroupState, now: number): void {
    this.state = state;
    this.stateSince = now;
  }

  add(member: GroupMember): void {
    if (this.members.size === 0) this.protocolType = member.settings.protocolType;
    this.members.set(member.memberId, member);
    if (member.groupInstanceId !== null) this.staticMembers.set(member.groupInstanceId, member.memberId);
    this.leaderId ??= member.memberId;
  }

  remove(memberId: string): GroupMember | undefined {
    const member = this.members.get(memberId);
    if (member === undefined) return undefined;
    this.members.delete(memberId);
    this.pendingSync.delete(memberId);
    if (member.groupInstanceId !== null && this.staticMembers.get(member.groupInstanceId) === memberId) this.staticMembers.delete(member.groupInstanceId);
    if (this.leaderId === memberId) this.leaderId = this.members.keys().next().value ?? null;
    clearTimeout(member.sessionTimer);
    return member;
  }

  /** A static member rejoining without its member id gets a new one (Kafka's replaceStaticMember). */
  replaceStaticMember(instanceId: string, oldMemberId: string, newMemberId: string): GroupMember | undefined {
    const member = this.members.get(oldMemberId);
    if (member === undefined) return undefined;
    this.members.delete(oldMemberId);
    member.memberId = newMemberId;
    this.members.set(newMemberId, member);
    this.staticMembers.set(instanceId, newMemberId);
    if (this.leaderId === oldMemberId) this.leaderId = newMemberId;
    if (this.pendingSync.delete(oldMemberId)) this.pendingSync.add(newMemberId);
    return member;
  }

  /** A request naming this instance id with another member id comes from a replaced (fenced) instance. */
  isStaticMemberFenced(instanceId: string | null, memberId: string): boolean {
    if (instanceId === null) return false;
    const current = this.staticMembers.get(instanceId);
    return current !== undefined && current !== memberId;
  }

  /** Kafka's supportsProtocols: an empty group takes any non-empty offer; otherwise the type must match and one protocol be common to all. */
  supportsProtocols(protocolType: string, protocols: readonly MemberProtocol[]): boolean {
    if (this.members.size === 0) return protocolType !== '' && protocols.length > 0;
    if (protocolType !== this.protocolType) return false;
    return protocols.some((p) => [...this.members.values()].every((m) => m.settings.protocols.some((q) => q.name === p.name)));
  }

  /** The protocol every member supports that most members prefer (Kafka's selectProtocol). */
  selectProtocol(): string | null {
    const all = [...this.members.values()];
    const first = all[0];
    if (first === undefined) return null;
    const candidates = new Set(first.settings.protocols.map((p) => p.name).filter((name) => all.every((m) => m.settings.protocols.some((q) => q.name === name))));
    const votes = new Map<string, number>();
    for (const m of all) {
      const vote = m.vote(candidates);
      if (vote !== undefined) votes.set(vote, (votes.get(vote) ?? 0) + 1);
    }
    let best: string | null = null;
    let bestVotes = 0;
    // Ties go to the leader's preference order, so the choice is deterministic.
    const leader = (this.leaderId !== null ? this.members.get(this.leaderId) : undefined) ?? first;
    for (const p of leader.settings.protocols) {
      const n = votes.get(p.name) ?? 0;
      if (n > bestVotes) {
        best = p.name;
        bestVotes = n;
      }
    }
    return best;
  }

  allMembersJoined(): boolean {
    return this.pendingMembers.size === 0 && [...this.members.values()].every((m) => m.awaitingJoin !== undefined);
  }

  /** The longest rebalance timeout of the members: how long a join phase may wait. */
  rebalanceTimeoutMs(): number {
    let max = 0;
    for (const m of this.members.values()) max = Math.max(max, m.settings.rebalanceTimeoutMs);
    return max;
  }

  /**
   * Topics the members of a "consumer" group subscribe to; undefined when not known (another
   * protocol type, or metadata that does not parse), which callers must read as "maybe any".
   */
  subscribedTopics(): Set<string> | undefined {
    if (this.protocolType !== 'consumer' || this.protocolName === null) return undefined;
    const topics = new Set<string>();
    for (const m of this.members.values()) {
      const list = subscribedTopics(m.metadataFor(this.protocolName));
      if (list === undefined) return undefined;
      for (const t of list) topics.add(t);
    }
    return topics;
  }

  clearTimers(): void {
    clearTimeout(this.joinTimer);
    clearTimeout(this.syncTimer);
    for (const t of this.pendingMembers.values()) clearTimeout(t);
    for (const m of this.members.values()) clearTimeout(m.sessionTimer);
  }
}
