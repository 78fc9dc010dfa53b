/**
 * One member of a classic group: what it sent in its last JoinGroup, its assignment, and the
 * JoinGroup/SyncGroup answers it is waiting for (a member waiting for an answer is alive).
 */
import { EMPTY_BYTES } from '../../protocol/primitives/loose.ts';
import type { JoinResult, SyncResult } from './results.ts';

export interface MemberProtocol {
  readonly name: string;
  readonly metadata: Buffer;
}

export interface MemberSettings {
  readonly clientId: string;
  readonly clientHost: string;
  readonly sessionTimeoutMs: number;
  readonly rebalanceTimeoutMs: number;
  readonly protocolType: string;
  readonly protocols: readonly MemberProtocol[];
}

export class GroupMember {
  settings: MemberSettings;
  assignment: Buffer = EMPTY_BYTES;
  awaitingJoin: ((result: JoinResult) => void) | undefined;
  awaitingSync: ((result: SyncResult) => void) | undefined;
  /** Joined but not yet through a completed join phase. */
  isNew = false;
  sessionTimer: NodeJS.Timeout | undefined;

  constructor(
    public memberId: string,
    readonly groupInstanceId: string | null,
    settings: MemberSettings,
  ) {
    this.settings = settings;
  }

  metadataFor(protocol: string | null): Buffer {
    return this.settings.protocols.find((p) => p.name === protocol)?.metadata ?? EMPTY_BYTES;
  }

  /** True when the same protocols with the same metadata, in the same order, are offered again. */
  matches(protocols: readonly MemberProtocol[]): boolean {
    const mine = this.settings.protocols;
    return mine.length === protocols.length && mine.every((p, i) => p.name === protocols[i]?.name && p.metadata.equals(protocols[i]?.metadata ?? EMPTY_BYTES));
  }

  /** This member's preferred protocol among the candidates (protocols are in preference order). */
  vote(candidates: ReadonlySet<string>): string | undefined {
    return this.settings.protocols.find((p) => candidates.has(p.name))?.name;
  }

  /** Answers a waiting JoinGroup, if any. */
  completeJoin(result: JoinResult): void {
    const answer = this.awaitingJoin;
    this.awaitingJoin = undefined;
    answer?.(result);
  }

  /** Answers a waiting SyncGroup, if any. */
  completeSync(result: SyncResult): void {
    const answer = this.awaitingSync;
    this.awaitingSync = undefined;
    answer?.(result);
  }
}
