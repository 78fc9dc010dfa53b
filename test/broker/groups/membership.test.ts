/**
 * The classic group protocol over raw requests: every error path of JoinGroup, SyncGroup,
 * Heartbeat and LeaveGroup, static membership and session expiry.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import type { RunningBroker } from '../../../src/broker/broker.ts';
import { ErrorCode } from '../../../src/protocol/error-codes.ts';
import { RawClient } from '../../support/raw-client.ts';
import { eventually, groupBroker } from './helpers.ts';
import { JOIN_V, joinBody, RawMember, subscription } from './raw.ts';

let broker: RunningBroker;
const open: { close(): void }[] = [];

before(async () => {
  broker = await groupBroker({ groupMinSessionTimeoutMs: 100 });
});
after(async () => {
  for (const c of open) c.close();
  await broker.stop();
});

async function member(): Promise<RawMember> {
  const m = await RawMember.connect(broker.port);
  open.push(m);
  return m;
}

async function client(): Promise<RawClient> {
  const c = await RawClient.connect(broker.port);
  open.push(c);
  return c;
}

/** Joins and syncs a single-member group (the leader assigns `assignment` to itself). */
async function stableMember(groupId: string, extra = {}): Promise<RawMember> {
  const m = await member();
  const joined = await m.join(groupId, extra);
  assert.equal(joined.errorCode, ErrorCode.NONE);
  const synced = await m.client.request(14, 5, {
    groupId,
    generationId: m.generationId,
    memberId: m.memberId,
    protocolType: 'consumer',
    protocolName: 'range',
    assignments: [{ memberId: m.memberId, assignment: Buffer.from('mine') }],
  });
  assert.equal(synced.errorCode, ErrorCode.NONE);
  return m;
}

test('FindCoordinator answers groups with this broker, single and batched; transactions are refused', async () => {
  const c = await client();
  for (const v of [0, 1, 2, 3]) {
    const res = await c.request(10, v, { key: 'g', keyType: 0 });
    assert.deepEqual([res.errorCode, res.nodeId, res.port], [0, broker.nodeId, broker.port], `v${v}`);
  }
  const batched = await c.request(10, 4, { keyType: 0, coordinatorKeys: ['a', 'b'] });
  assert.deepEqual(batched.coordinators.map((x) => [x.key, x.errorCode, x.port]), [['a', 0, broker.port], ['b', 0, broker.port]]);
  const txn = await c.request(10, 4, { keyType: 1, coordinatorKeys: ['tx'] });
  assert.equal(txn.coordinators[0]?.errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
  const bad = await c.request(10, 3, { key: 'x', keyType: 7 });
  assert.equal(bad.errorCode, ErrorCode.INVALID_REQUEST);
});

test('JoinGroup v4+: MEMBER_ID_REQUIRED, then the member leads generation 1', async () => {
  const c = await client();
  const first = await c.request(11, JOIN_V, joinBody('mid', ''));
  assert.equal(first.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
  assert.match(first.memberId, /^raw-test-client-/);
  const second = await c.request(11, JOIN_V, joinBody('mid', first.memberId));
  assert.equal(second.errorCode, ErrorCode.NONE);
  assert.deepEqual([second.generationId, second.leader, second.protocolType, second.protocolName], [1, first.memberId, 'consumer', 'range']);
  assert.deepEqual(second.members.map((m) => m.memberId), [first.memberId]);
  // v3 has no MEMBER_ID_REQUIRED round trip and v0 no protocol type in the answer.
  const old = await client();
  const v0 = await old.request(11, 0, joinBody('mid-v0', ''));
  assert.equal(v0.errorCode, ErrorCode.NONE);
  assert.equal(v0.protocolName, 'range');
});

test('JoinGroup refuses bad session timeouts, unknown members, empty group ids and inconsistent protocols', async () => {
  const c = await client();
  assert.equal((await c.request(11, JOIN_V, joinBody('st', '', { sessionTimeoutMs: 50 }))).errorCode, ErrorCode.INVALID_SESSION_TIMEOUT);
  assert.equal((await c.request(11, JOIN_V, joinBody('st', '', { sessionTimeoutMs: 2_000_000 }))).errorCode, ErrorCode.INVALID_SESSION_TIMEOUT);
  assert.equal((await c.request(11, JOIN_V, joinBody('st', 'nobody'))).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal((await c.request(11, JOIN_V, joinBody('', ''))).errorCode, ErrorCode.INVALID_GROUP_ID);
  assert.equal((await c.request(11, JOIN_V, joinBody('st', '', { protocols: [] }))).errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  await stableMember('inconsistent');
  const other = await client();
  const wrongName = await other.request(11, 5, joinBody('inconsistent', '', { protocols: [{ name: 'roundrobin', metadata: subscription(['t']) }] }));
  assert.equal(wrongName.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  const wrongType = await other.request(11, 5, joinBody('inconsistent', '', { protocolType: 'connect' }));
  assert.equal(wrongType.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
});

test('Heartbeat: UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION, and REBALANCE_IN_PROGRESS while another member joins', async () => {
  const a = await stableMember('hb');
  const hb = (m: RawMember, generationId = m.generationId, memberId = m.memberId) => m.client.request(12, 4, { groupId: 'hb', generationId, memberId });
  assert.equal((await hb(a)).errorCode, ErrorCode.NONE);
  assert.equal((await hb(a, a.generationId, 'stranger')).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal((await hb(a, a.generationId + 1)).errorCode, ErrorCode.ILLEGAL_GENERATION);
  assert.equal((await a.client.request(12, 0, { groupId: 'no-such-group', generationId: 1, memberId: 'x' })).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);

  const b = await member();
  const bJoin = b.join('hb', { protocols: [{ name: 'range', metadata: subscription(['t']) }] });
  await eventually('the group to start rebalancing', async () => (await hb(a)).errorCode === ErrorCode.REBALANCE_IN_PROGRESS);
  // A SyncGroup for the old generation during the join phase is refused the same way.
  const staleSync = await a.client.request(14, 5, { groupId: 'hb', generationId: a.generationId, memberId: a.memberId, assignments: [] });
  assert.equal(staleSync.errorCode, ErrorCode.REBALANCE_IN_PROGRESS);
  const aJoin = await a.join('hb');
  const bJoined = await bJoin;
  assert.equal(aJoin.errorCode, ErrorCode.NONE);
  assert.equal(bJoined.errorCode, ErrorCode.NONE);
  assert.equal(aJoin.generationId, bJoined.generationId);
  assert.equal(aJoin.leader, a.memberId, 'the first member stays leader');
  assert.equal(aJoin.members.length, 2);
  assert.equal(bJoined.members.length, 0, 'followers get no member list');

  // The follower's SyncGroup waits for the leader's; each gets its own assignment.
  const bSync = b.client.request(14, 3, { groupId: 'hb', generationId: b.generationId, memberId: b.memberId, assignments: [] });
  const aSync = await a.client.request(14, 5, {
    groupId: 'hb',
    generationId: a.generationId,
    memberId: a.memberId,
    protocolType: 'consumer',
    protocolName: 'range',
    assignments: [
      { memberId: a.memberId, assignment: Buffer.from('for-a') },
      { memberId: b.memberId, assignment: Buffer.from('for-b') },
    ],
  });
  assert.equal(aSync.assignment.toString(), 'for-a');
  assert.deepEqual([aSync.protocolType, aSync.protocolName], ['consumer', 'range']);
  assert.equal((await bSync).assignment.toString(), 'for-b');
  const wrongName = await a.client.request(14, 5, { groupId: 'hb', generationId: a.generationId, memberId: a.memberId, protocolName: 'other', assignments: [] });
  assert.equal(wrongName.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  const wrongGen = await a.client.request(14, 5, { groupId: 'hb', generationId: 99, memberId: a.memberId, assignments: [] });
  assert.equal(wrongGen.errorCode, ErrorCode.ILLEGAL_GENERATION);
});

test('a member that stops heartbeating is evicted after its session timeout', async () => {
  const m = await stableMember('expiry', { sessionTimeoutMs: 2_000 });
  const watcher = await client();
  await eventually('the member to be evicted', async () => {
    const res = await watcher.request(15, 5, { groups: ['expiry'] });
    return res.groups[0]?.groupState === 'Empty';
  });
  const hb = await m.client.request(12, 4, { groupId: 'expiry', generationId: m.generationId, memberId: m.memberId });
  assert.equal(hb.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
});

test('static membership: a new instance with the same group.instance.id replaces and fences the old one', async () => {
  const old = await stableMember('static', { groupInstanceId: 'instance-1' });
  assert.match(old.memberId, /^instance-1-/, 'static members join without MEMBER_ID_REQUIRED');
  const replacement = await member();
  const joined = await replacement.join('static', { groupInstanceId: 'instance-1' });
  assert.equal(joined.errorCode, ErrorCode.NONE);
  assert.notEqual(joined.memberId, old.memberId);
  assert.equal(joined.generationId, old.generationId, 'same metadata: no rebalance');
  assert.equal(joined.leader, joined.memberId, 'the replacement takes over as leader');
  const fenced = await old.client.request(12, 4, { groupId: 'static', generationId: old.generationId, memberId: old.memberId, groupInstanceId: 'instance-1' });
  assert.equal(fenced.errorCode, ErrorCode.FENCED_INSTANCE_ID);
  const sync = await replacement.client.request(14, 5, { groupId: 'static', generationId: joined.generationId, memberId: joined.memberId, groupInstanceId: 'instance-1', assignments: [] });
  assert.deepEqual([sync.errorCode, sync.assignment.toString()], [ErrorCode.NONE, 'mine'], 'the replacement keeps the assignment');
  const leaveOld = await old.client.request(13, 5, { groupId: 'static', members: [{ memberId: old.memberId, groupInstanceId: 'instance-1' }] });
  assert.equal(leaveOld.members[0]?.errorCode, ErrorCode.FENCED_INSTANCE_ID);
  const leaveByInstance = await old.client.request(13, 5, { groupId: 'static', members: [{ memberId: '', groupInstanceId: 'instance-1' }] });
  assert.equal(leaveByInstance.members[0]?.errorCode, ErrorCode.NONE);
});

test('LeaveGroup: v3+ batches members; v0-2 carry the single error at the top', async () => {
  const a = await stableMember('leave');
  const c = await client();
  const res = await c.request(13, 3, { groupId: 'leave', members: [{ memberId: a.memberId }, { memberId: 'ghost' }] });
  assert.deepEqual(res.members.map((m) => m.errorCode), [ErrorCode.NONE, ErrorCode.UNKNOWN_MEMBER_ID]);
  assert.equal((await c.request(13, 1, { groupId: 'leave', memberId: 'ghost' })).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  const described = await c.request(15, 5, { groups: ['leave'] });
  assert.equal(described.groups[0]?.groupState, 'Empty');
});

test('a member whose JoinGroup supersedes one still waiting gets answers to both', async () => {
  const a = await stableMember('twice');
  const b = await member();
  const bJoin = b.join('twice');
  await eventually('the rebalance to begin', async () => (await a.client.request(12, 4, { groupId: 'twice', generationId: a.generationId, memberId: a.memberId })).errorCode === ErrorCode.REBALANCE_IN_PROGRESS);
  // b's second JoinGroup goes on another connection while its first one still waits.
  const b2 = await client();
  const again = b2.request(11, JOIN_V, joinBody('twice', b.memberId));
  assert.equal((await bJoin).errorCode, ErrorCode.REBALANCE_IN_PROGRESS);
  const aJoin = await a.join('twice');
  assert.equal(aJoin.errorCode, ErrorCode.NONE);
  assert.equal((await again).errorCode, ErrorCode.NONE);
});
