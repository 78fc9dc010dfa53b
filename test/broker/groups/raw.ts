/** Raw-protocol helpers for the group tests: consumer-protocol metadata and joins that wait for their answer. */
import { Writer } from '../../../src/protocol/primitives/index.ts';
import { writeConsumerProtocolSubscription } from '../../../src/protocol/generated/consumer-protocol-subscription.ts';
import type { JoinGroupRequest, JoinGroupResponse } from '../../../src/protocol/generated/join-group.ts';
import type { Loose } from '../../../src/protocol/primitives/loose.ts';
import { RawClient } from '../../support/raw-client.ts';

/** ConsumerProtocolSubscription v0 (an int16 version, then the body), as a consumer sends it. */
export function subscription(topics: string[]): Buffer {
  const w = new Writer();
  w.int16(0);
  writeConsumerProtocolSubscription(w, 0, { topics, userData: null });
  return w.toBuffer();
}

export const JOIN_V = 9;

export function joinBody(groupId: string, memberId: string, extra: Loose<JoinGroupRequest> = {}): Loose<JoinGroupRequest> {
  return {
    groupId,
    memberId,
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 10_000,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: subscription(['t']) }],
    ...extra,
  };
}

/** A member on its own connection (a waiting JoinGroup blocks the connection's later answers). */
export class RawMember {
  memberId = '';
  generationId = -1;

  private constructor(readonly client: RawClient) {}

  static async connect(port: number): Promise<RawMember> {
    return new RawMember(await RawClient.connect(port));
  }

  /** JoinGroup v9 including the MEMBER_ID_REQUIRED round trip. */
  async join(groupId: string, extra: Loose<JoinGroupRequest> = {}): Promise<JoinGroupResponse> {
    let res = await this.client.request(11, JOIN_V, joinBody(groupId, this.memberId, extra));
    if (res.errorCode === 79) {
      this.memberId = res.memberId;
      res = await this.client.request(11, JOIN_V, joinBody(groupId, this.memberId, extra));
    }
    if (res.errorCode === 0) {
      this.memberId = res.memberId;
      this.generationId = res.generationId;
    }
    return res;
  }

  close(): void {
    this.client.close();
  }
}
