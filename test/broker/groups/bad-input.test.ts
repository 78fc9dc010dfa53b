/**
 * Bad input to the group APIs, answered as Apache Kafka's classic group coordinator answers
 * it: unknown groups, empty and huge ids, stale generations, commits to partitions that do
 * not exist, assignments and protocol metadata that do not parse, and truncated or garbage
 * frames. After each, the broker still serves a normal group round trip. (Cases already in
 * membership.test.ts and offsets-admin.test.ts are not repeated.)
 */
import { test, after, before, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import type { RunningBroker } from '../../../src/broker/broker.ts';
import { ErrorCode } from '../../../src/protocol/error-codes.ts';
import { decodeResponse, encodeRequest } from '../../../src/protocol/frame.ts';
import type { ApiKey, ApiRequestMap } from '../../../src/protocol/generated/apis.ts';
import type { JoinGroupRequest, JoinGroupResponse } from '../../../src/protocol/generated/join-group.ts';
import type { Loose } from '../../../src/protocol/primitives/loose.ts';
import { RawClient } from '../../support/raw-client.ts';
import { createTopic, eventually, groupBroker } from './helpers.ts';
import { JOIN_V, joinBody, RawMember } from './raw.ts';

let broker: RunningBroker;
const open: { close(): void }[] = [];
/** A member that stays in its group through the whole file: bad input must not disturb it. */
let bystander: RawMember;
let probes = 0;

before(async () => {
  broker = await groupBroker({ groupMinSessionTimeoutMs: 100 });
  await createTopic(broker.port, 't', 2);
  bystander = await stableMember('bystander');
});
after(async () => {
  for (const c of open) c.close();
  await broker.stop();
});
afterEach(async () => {
  await roundTrip();
  const hb = await bystander.client.request(12, 4, { groupId: 'bystander', generationId: bystander.generationId, memberId: bystander.memberId });
  assert.equal(hb.errorCode, ErrorCode.NONE, 'the bystander is still a stable member');
});

async function client(): Promise<RawClient> {
  const c = await RawClient.connect(broker.port);
  open.push(c);
  return c;
}

async function member(): Promise<RawMember> {
  const m = await RawMember.connect(broker.port);
  open.push(m);
  return m;
}

/** Joins and syncs a one-member group. */
async function stableMember(groupId: string, extra: Loose<JoinGroupRequest> = {}): Promise<RawMember> {
  const m = await member();
  assert.equal((await m.join(groupId, extra)).errorCode, ErrorCode.NONE);
  const sync = await m.client.request(14, 5, { groupId, generationId: m.generationId, memberId: m.memberId, assignments: [{ memberId: m.memberId, assignment: Buffer.from('mine') }] });
  assert.equal(sync.errorCode, ErrorCode.NONE);
  return m;
}

/** A whole normal life of a group member: join, sync, heartbeat, commit, fetch, leave. */
async function roundTrip(): Promise<void> {
  const groupId = `probe-${probes++}`;
  const m = await stableMember(groupId);
  assert.equal((await m.client.request(12, 4, { groupId, generationId: m.generationId, memberId: m.memberId })).errorCode, ErrorCode.NONE);
  const commit = await m.client.request(8, 8, { groupId, generationIdOrMemberEpoch: m.generationId, memberId: m.memberId, topics: [{ name: 't', partitions: [{ partitionIndex: 1, committedOffset: 7n }] }] });
  assert.equal(commit.topics[0]?.partitions[0]?.errorCode, ErrorCode.NONE);
  const fetched = await m.client.request(9, 8, { groups: [{ groupId, topics: [{ name: 't', partitionIndexes: [1] }] }] });
  assert.equal(fetched.groups[0]?.topics[0]?.partitions[0]?.committedOffset, 7n);
  const left = await m.client.request(13, 5, { groupId, members: [{ memberId: m.memberId }] });
  assert.deepEqual([left.errorCode, left.members[0]?.errorCode], [ErrorCode.NONE, ErrorCode.NONE]);
  m.close();
}

/**
 * A group of several members in one generation, the first its leader: it joins alone, the
 * others join while it is stable, and its rejoin ends the join phase.
 */
async function groupOf(groupId: string, extras: Loose<JoinGroupRequest>[]): Promise<{ members: RawMember[]; joins: JoinGroupResponse[] }> {
  const first = await stableMember(groupId, extras[0]);
  const others = await Promise.all(extras.slice(1).map(() => member()));
  const joining = others.map((m, i) => m.join(groupId, extras[i + 1]));
  const c = await client();
  await eventually('every member to wait in the join phase', async () => (await c.request(15, 5, { groups: [groupId] })).groups[0]?.members.length === extras.length);
  const joins = [await first.join(groupId, extras[0]), ...(await Promise.all(joining))];
  for (const j of joins) assert.equal(j.errorCode, ErrorCode.NONE);
  assert.equal(joins[0]?.leader, first.memberId);
  return { members: [first, ...others], joins };
}

async function groupState(groupId: string): Promise<string | undefined> {
  const c = await client();
  return (await c.request(15, 5, { groups: [groupId] })).groups[0]?.groupState;
}

async function listed(): Promise<string[]> {
  const c = await client();
  return (await c.request(16, 4, {})).groups.map((g) => g.groupId);
}

test('requests naming unknown groups get Kafka\'s answers and create no group', async () => {
  const c = await client();
  assert.equal((await c.request(12, 4, { groupId: 'ghost-1', generationId: 1, memberId: 'm' })).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal((await c.request(14, 5, { groupId: 'ghost-2', generationId: 1, memberId: 'm', assignments: [] })).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal((await c.request(14, 0, { groupId: 'ghost-2', generationId: 1, memberId: 'm', assignments: [{ memberId: 'm', assignment: Buffer.from('x') }] })).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  // LeaveGroup v3+: no error at the top, UNKNOWN_MEMBER_ID per member; v0-2 carry it at the top.
  const leave = await c.request(13, 5, { groupId: 'ghost-3', members: [{ memberId: 'm' }, { memberId: '', groupInstanceId: 'i' }] });
  assert.deepEqual([leave.errorCode, ...leave.members.map((m) => m.errorCode)], [ErrorCode.NONE, ErrorCode.UNKNOWN_MEMBER_ID, ErrorCode.UNKNOWN_MEMBER_ID]);
  assert.equal((await c.request(13, 2, { groupId: 'ghost-3', memberId: 'm' })).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  // A JoinGroup with a member id the (unknown) group never handed out.
  assert.equal((await c.request(11, JOIN_V, joinBody('ghost-4', 'made-up'))).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  // A "simple" commit (generation -1) naming only partitions that do not exist: Kafka answers
  // them before it asks the coordinator, so no group is created.
  const commit = await c.request(8, 8, {
    groupId: 'ghost-5',
    generationIdOrMemberEpoch: -1,
    memberId: '',
    topics: [
      { name: 'no-such-topic', partitions: [{ partitionIndex: 0, committedOffset: 1n }] },
      { name: 't', partitions: [{ partitionIndex: 2, committedOffset: 1n }] },
    ],
  });
  assert.deepEqual(commit.topics.flatMap((t) => t.partitions.map((p) => p.errorCode)), [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
  const offsetDelete = await c.request(47, 0, { groupId: 'ghost-6', topics: [{ name: 't', partitions: [{ partitionIndex: 0 }] }] });
  assert.equal(offsetDelete.errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
  for (const g of ['ghost-1', 'ghost-2', 'ghost-3', 'ghost-4', 'ghost-5', 'ghost-6']) assert.equal(await groupState(g), 'Dead', `${g} was created`);
  assert.deepEqual((await listed()).filter((g) => g.startsWith('ghost')), []);
});

test('empty member ids and empty group ids where they are not allowed', async () => {
  const m = await stableMember('empty-ids');
  const c = await client();
  const g = m.generationId;
  assert.equal((await c.request(12, 4, { groupId: 'empty-ids', generationId: g, memberId: '' })).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal((await c.request(14, 5, { groupId: 'empty-ids', generationId: g, memberId: '', assignments: [] })).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  // An empty member id in LeaveGroup means "by instance id"; without one it names nobody.
  const leave = await c.request(13, 5, { groupId: 'empty-ids', members: [{ memberId: '' }, { memberId: '', groupInstanceId: 'not-here' }] });
  assert.deepEqual(leave.members.map((x) => x.errorCode), [ErrorCode.UNKNOWN_MEMBER_ID, ErrorCode.UNKNOWN_MEMBER_ID]);
  assert.equal((await c.request(13, 0, { groupId: 'empty-ids', memberId: '' })).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  const commit = await c.request(8, 8, { groupId: 'empty-ids', generationIdOrMemberEpoch: g, memberId: '', topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 1n }] }] });
  assert.equal(commit.topics[0]?.partitions[0]?.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);

  // A member id handed out with MEMBER_ID_REQUIRED is not a member until it joins with it.
  const pending = await c.request(11, JOIN_V, joinBody('empty-ids', ''));
  assert.equal(pending.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
  assert.equal((await c.request(12, 4, { groupId: 'empty-ids', generationId: g, memberId: pending.memberId })).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal((await c.request(14, 5, { groupId: 'empty-ids', generationId: g, memberId: pending.memberId, assignments: [] })).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  // ... and may leave (Kafka's pending-member branch of LeaveGroup).
  assert.equal((await c.request(13, 5, { groupId: 'empty-ids', members: [{ memberId: pending.memberId }] })).members[0]?.errorCode, ErrorCode.NONE);

  // Empty group ids.
  assert.equal((await c.request(12, 4, { groupId: '', generationId: 1, memberId: 'm' })).errorCode, ErrorCode.INVALID_GROUP_ID);
  assert.equal((await c.request(14, 5, { groupId: '', generationId: 1, memberId: 'm', assignments: [] })).errorCode, ErrorCode.INVALID_GROUP_ID);
  assert.equal((await c.request(13, 5, { groupId: '', members: [{ memberId: 'm' }] })).errorCode, ErrorCode.INVALID_GROUP_ID);
  assert.equal((await c.request(15, 5, { groups: [''] })).groups[0]?.errorCode, ErrorCode.INVALID_GROUP_ID);
  assert.equal((await c.request(42, 2, { groupsNames: [''] })).results[0]?.errorCode, ErrorCode.INVALID_GROUP_ID);
  assert.equal((await c.request(9, 8, { groups: [{ groupId: '', topics: null }] })).groups[0]?.errorCode, ErrorCode.INVALID_GROUP_ID);

  // None of it disturbed the member.
  assert.equal((await m.client.request(12, 4, { groupId: 'empty-ids', generationId: g, memberId: m.memberId })).errorCode, ErrorCode.NONE);
  assert.equal(await groupState('empty-ids'), 'Stable');
});

test('a generation that has passed: ILLEGAL_GENERATION for Heartbeat, SyncGroup and OffsetCommit', async () => {
  const a = await stableMember('stale');
  const old = a.generationId;
  const b = await member();
  const bJoin = b.join('stale');
  await eventually('the rebalance to begin', async () => (await a.client.request(12, 4, { groupId: 'stale', generationId: old, memberId: a.memberId })).errorCode === ErrorCode.REBALANCE_IN_PROGRESS);
  assert.equal((await a.join('stale')).errorCode, ErrorCode.NONE);
  assert.equal((await bJoin).errorCode, ErrorCode.NONE);
  assert.ok(a.generationId > old);
  const c = await client();
  // The new generation is syncing; the old one is refused whatever the state.
  assert.equal((await c.request(12, 4, { groupId: 'stale', generationId: old, memberId: a.memberId })).errorCode, ErrorCode.ILLEGAL_GENERATION);
  assert.equal((await c.request(14, 5, { groupId: 'stale', generationId: old, memberId: b.memberId, assignments: [] })).errorCode, ErrorCode.ILLEGAL_GENERATION);
  const bSync = b.client.request(14, 5, { groupId: 'stale', generationId: b.generationId, memberId: b.memberId, assignments: [] });
  const aSync = await a.client.request(14, 5, { groupId: 'stale', generationId: a.generationId, memberId: a.memberId, assignments: [{ memberId: a.memberId, assignment: Buffer.from('a') }] });
  assert.equal(aSync.errorCode, ErrorCode.NONE);
  assert.equal((await bSync).errorCode, ErrorCode.NONE);
  for (const generationId of [old, -5, 0x7fffffff]) {
    const commit = await c.request(8, 8, { groupId: 'stale', generationIdOrMemberEpoch: generationId, memberId: a.memberId, topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 1n }] }] });
    assert.equal(commit.topics[0]?.partitions[0]?.errorCode, ErrorCode.ILLEGAL_GENERATION, `generation ${generationId}`);
    assert.equal((await c.request(12, 4, { groupId: 'stale', generationId, memberId: a.memberId })).errorCode, ErrorCode.ILLEGAL_GENERATION, `generation ${generationId}`);
  }
  const fetched = await c.request(9, 8, { groups: [{ groupId: 'stale', topics: [{ name: 't', partitionIndexes: [0] }] }] });
  assert.equal(fetched.groups[0]?.topics[0]?.partitions[0]?.committedOffset, -1n, 'no refused commit was stored');
});

test('OffsetCommit: UNKNOWN_TOPIC_OR_PARTITION per partition, and a group error before OFFSET_METADATA_TOO_LARGE', async () => {
  const m = await stableMember('unknown-partitions');
  const c = await client();
  const res = await c.request(8, 8, {
    groupId: 'unknown-partitions',
    generationIdOrMemberEpoch: m.generationId,
    memberId: m.memberId,
    topics: [
      { name: 't', partitions: [0, -1, 2, 0x7fffffff].map((partitionIndex) => ({ partitionIndex, committedOffset: 4n })) },
      { name: 'nope', partitions: [{ partitionIndex: 0, committedOffset: 4n }] },
    ],
  });
  assert.deepEqual(
    res.topics.map((t) => [t.name, t.partitions.map((p) => [p.partitionIndex, p.errorCode])]),
    [
      ['t', [[0, 0], [-1, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION], [2, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION], [0x7fffffff, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]],
      ['nope', [[0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]],
    ],
  );
  // Kafka validates the group before the metadata size: a stale commit says ILLEGAL_GENERATION.
  const stale = await c.request(8, 8, {
    groupId: 'unknown-partitions',
    generationIdOrMemberEpoch: m.generationId + 1,
    memberId: m.memberId,
    topics: [{ name: 't', partitions: [{ partitionIndex: 1, committedOffset: 5n, committedMetadata: 'x'.repeat(5000) }, { partitionIndex: 9, committedOffset: 5n }] }],
  });
  assert.deepEqual(stale.topics[0]?.partitions.map((p) => p.errorCode), [ErrorCode.ILLEGAL_GENERATION, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
  // Offsets of partitions that do not exist read as "none", without an error, as in Kafka.
  const fetched = await c.request(9, 8, { groups: [{ groupId: 'unknown-partitions', topics: [{ name: 't', partitionIndexes: [0, 1, -1, 2] }, { name: 'nope', partitionIndexes: [0] }] }] });
  assert.deepEqual(
    fetched.groups[0]?.topics.flatMap((t) => t.partitions.map((p) => [p.committedOffset, p.errorCode])),
    [[4n, 0], [-1n, 0], [-1n, 0], [-1n, 0], [-1n, 0]],
  );
});

test('32 KiB group, member and instance ids are handled (in the flexible versions that can carry them)', async () => {
  const huge = (c: string) => c.repeat(32 * 1024);
  const groupId = huge('g');
  // Kafka sets no limit on group ids: the group works, its offsets too.
  const m = await stableMember(groupId);
  const c = await client();
  assert.equal((await c.request(12, 4, { groupId, generationId: m.generationId, memberId: m.memberId })).errorCode, ErrorCode.NONE);
  const commit = await c.request(8, 8, { groupId, generationIdOrMemberEpoch: m.generationId, memberId: m.memberId, topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 3n }] }] });
  assert.equal(commit.topics[0]?.partitions[0]?.errorCode, ErrorCode.NONE);
  assert.equal((await c.request(9, 8, { groups: [{ groupId, topics: null }] })).groups[0]?.topics[0]?.partitions[0]?.committedOffset, 3n);
  const described = await c.request(15, 5, { groups: [groupId] });
  assert.deepEqual([described.groups[0]?.groupId, described.groups[0]?.groupState], [groupId, 'Stable']);

  // Unknown huge member ids are unknown members, echoed back.
  const unknown = await c.request(11, JOIN_V, joinBody(groupId, huge('m')));
  assert.deepEqual([unknown.errorCode, unknown.memberId], [ErrorCode.UNKNOWN_MEMBER_ID, huge('m')]);
  assert.equal((await c.request(12, 4, { groupId, generationId: m.generationId, memberId: huge('m') })).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal((await c.request(14, 5, { groupId, generationId: m.generationId, memberId: huge('m'), assignments: [] })).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  const leaveUnknown = await c.request(13, 5, { groupId, members: [{ memberId: huge('m') }, { memberId: '', groupInstanceId: huge('i') }] });
  assert.deepEqual(leaveUnknown.members.map((x) => x.errorCode), [ErrorCode.UNKNOWN_MEMBER_ID, ErrorCode.UNKNOWN_MEMBER_ID]);

  // A static member with a huge instance id joins, fences its predecessor, and leaves by instance id.
  const staticOne = await stableMember('huge-static', { groupInstanceId: huge('i') });
  assert.ok(staticOne.memberId.startsWith(huge('i')));
  const fenced = await c.request(12, 4, { groupId: 'huge-static', generationId: staticOne.generationId, memberId: 'other', groupInstanceId: huge('i') });
  assert.equal(fenced.errorCode, ErrorCode.FENCED_INSTANCE_ID);
  const leaveStatic = await c.request(13, 5, { groupId: 'huge-static', members: [{ memberId: '', groupInstanceId: huge('i') }] });
  assert.equal(leaveStatic.members[0]?.errorCode, ErrorCode.NONE);

  // The longest client id a request header holds (32767 bytes) makes a member id a v9 answer can carry.
  const raw = await client();
  const clientId = 'c'.repeat(32767);
  raw.writeRaw(encodeRequest(11, JOIN_V, 5, clientId, joinBody('huge-client', '')));
  const frame = await raw.nextFrame();
  assert.ok(frame);
  const answer = decodeResponse(11, JOIN_V, frame).body;
  assert.equal(answer.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
  assert.ok(answer.memberId.startsWith(clientId));

  // Done: the huge group goes, so that older ListGroups versions (int16 strings) can list the rest.
  assert.equal((await m.client.request(13, 5, { groupId, members: [{ memberId: m.memberId }] })).members[0]?.errorCode, ErrorCode.NONE);
  assert.equal((await c.request(42, 2, { groupsNames: [groupId] })).results[0]?.errorCode, ErrorCode.NONE);
  assert.equal((await c.request(16, 0, {})).errorCode, ErrorCode.NONE);
});

test('SyncGroup assignments are not parsed: garbage reaches the member byte for byte', async () => {
  const { members } = await groupOf('garbage-assignments', [{}, {}]);
  const [leader, follower] = members as [RawMember, RawMember];
  const garbage = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 131 + 7) & 0xff));
  const followerSync = follower.client.request(14, 5, { groupId: 'garbage-assignments', generationId: follower.generationId, memberId: follower.memberId, assignments: [] });
  const leaderSync = await leader.client.request(14, 5, {
    groupId: 'garbage-assignments',
    generationId: leader.generationId,
    memberId: leader.memberId,
    protocolType: 'consumer',
    protocolName: 'range',
    assignments: [
      { memberId: follower.memberId, assignment: Buffer.from('first, replaced by the next entry') },
      { memberId: follower.memberId, assignment: garbage },
      { memberId: 'not-a-member', assignment: Buffer.from([0xff, 0xff]) },
      // The leader names no assignment for itself: it gets empty bytes.
    ],
  });
  assert.deepEqual([leaderSync.errorCode, leaderSync.assignment.length], [ErrorCode.NONE, 0]);
  const got = await followerSync;
  assert.equal(got.errorCode, ErrorCode.NONE);
  assert.ok(got.assignment.equals(garbage), 'the follower got the leader\'s bytes as sent (the last entry for it)');
  const described = await (await client()).request(15, 5, { groups: ['garbage-assignments'] });
  const shown = new Map(described.groups[0]?.members.map((x) => [x.memberId, x.memberAssignment]));
  assert.ok(shown.get(follower.memberId)?.equals(garbage));
  assert.equal(shown.size, 2, 'an assignment for a non-member adds no member');
  // A follower that asks again in the stable group gets the same bytes.
  const again = await follower.client.request(14, 3, { groupId: 'garbage-assignments', generationId: follower.generationId, memberId: follower.memberId, assignments: [] });
  assert.ok(again.assignment.equals(garbage));
});

test('JoinGroup protocol metadata is not parsed either; unreadable consumer metadata counts as "maybe subscribed"', async () => {
  const bad = [Buffer.from([0xff, 0xff, 1, 2, 3]), Buffer.from([0, 0, 0]), Buffer.alloc(0), Buffer.from([0x7f, 0x00, 0, 0, 0, 1])];
  const { members, joins } = await groupOf(
    'garbage-metadata',
    bad.map((metadata) => ({ protocols: [{ name: 'range', metadata }] })),
  );
  // The leader sees every member's metadata exactly as it was sent.
  const metadata = new Map(joins[0]?.members.map((x) => [x.memberId, x.metadata]));
  members.forEach((m, i) => assert.ok(metadata.get(m.memberId)?.equals(bad[i] as Buffer), `metadata of member ${i}`));
  const syncs = members.map((m, i) =>
    m.client.request(14, 5, { groupId: 'garbage-metadata', generationId: m.generationId, memberId: m.memberId, assignments: i === 0 ? members.map((x) => ({ memberId: x.memberId, assignment: Buffer.alloc(0) })) : [] }),
  );
  for (const s of await Promise.all(syncs)) assert.equal(s.errorCode, ErrorCode.NONE);
  const c = await client();
  const described = await c.request(15, 5, { groups: ['garbage-metadata'] });
  assert.equal(described.groups[0]?.groupState, 'Stable');
  assert.equal(described.groups[0]?.members.length, bad.length);
  assert.ok(described.groups[0]?.members.every((x) => metadata.get(x.memberId)?.equals(x.memberMetadata)));
  // Kafka cannot tell what the group subscribes to, so it assumes any topic.
  const od = await c.request(47, 0, { groupId: 'garbage-metadata', topics: [{ name: 't', partitions: [{ partitionIndex: 0 }] }] });
  assert.deepEqual([od.errorCode, od.topics[0]?.partitions[0]?.errorCode], [ErrorCode.NONE, ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC]);
  const left = await c.request(13, 5, { groupId: 'garbage-metadata', members: members.map((m) => ({ memberId: m.memberId })) });
  assert.deepEqual(left.members.map((x) => x.errorCode), members.map(() => ErrorCode.NONE));
});

/** A request frame with its body cut to `keep` bytes (the size prefix rewritten to match). */
function truncated<K extends ApiKey>(apiKey: K, version: number, body: Loose<ApiRequestMap[K]>, cut: number): Buffer {
  const full = encodeRequest(apiKey, version, 1, 'bad', body);
  const out = Buffer.from(full.subarray(0, full.length - cut));
  out.writeInt32BE(out.length - 4, 0);
  return out;
}

/** A frame of a valid request header for `apiKey`/`version` (non-flexible header v1) followed by `body`. */
function withBody(apiKey: number, version: number, body: Buffer): Buffer {
  const header = Buffer.alloc(11);
  header.writeInt16BE(apiKey, 0);
  header.writeInt16BE(version, 2);
  header.writeInt32BE(9, 4);
  header.writeInt16BE(1, 8);
  header.write('x', 10);
  const size = Buffer.alloc(4);
  size.writeInt32BE(header.length + body.length);
  return Buffer.concat([size, header, body]);
}

test('truncated or garbage group requests close only their own connection', async () => {
  const frames: [string, Buffer][] = [
    ['JoinGroup v9 cut short', truncated(11, JOIN_V, joinBody('frames', ''), 9)],
    ['SyncGroup v5 cut short', truncated(14, 5, { groupId: 'frames', generationId: 1, memberId: 'm', assignments: [{ memberId: 'm', assignment: Buffer.alloc(100) }] }, 40)],
    ['Heartbeat v4 cut short', truncated(12, 4, { groupId: 'frames', generationId: 1, memberId: 'm' }, 2)],
    ['OffsetCommit v8 cut short', truncated(8, 8, { groupId: 'frames', generationIdOrMemberEpoch: -1, memberId: '', topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 1n }] }] }, 5)],
    ['LeaveGroup v5 cut short', truncated(13, 5, { groupId: 'frames', members: [{ memberId: 'm' }] }, 3)],
    ['DescribeGroups v0 claiming 2^31-1 groups', withBody(15, 0, Buffer.from([0x7f, 0xff, 0xff, 0xff]))],
    ['JoinGroup v1 with a group id longer than the frame', withBody(11, 1, Buffer.from([0x7f, 0xff, 0x61]))],
    ['SyncGroup v0 with assignment bytes longer than the frame', withBody(14, 0, Buffer.from([0, 1, 0x61, 0, 0, 0, 1, 0, 1, 0x6d, 0, 0, 0, 1, 0, 1, 0x6d, 0x7f, 0xff, 0xff, 0xff]))],
    ['OffsetFetch v5 with a topic count of -2', withBody(9, 5, Buffer.from([0, 1, 0x67, 0xff, 0xff, 0xff, 0xfe]))],
  ];
  for (const [what, bytes] of frames) {
    const c = await client();
    c.writeRaw(bytes);
    assert.equal(await c.waitClosed(), true, `${what}: the connection stays open`);
  }
  // No partial request left anything behind.
  assert.equal(await groupState('frames'), 'Dead');
});

test('garbage on a member\'s connection closes it, but the membership lives on: the member carries on over a new connection', async () => {
  const a = await stableMember('reconnect');
  const b = await member();
  const bJoin = b.join('reconnect');
  await eventually('the rebalance to begin', async () => (await a.client.request(12, 4, { groupId: 'reconnect', generationId: a.generationId, memberId: a.memberId })).errorCode === ErrorCode.REBALANCE_IN_PROGRESS);
  // a rejoins, then garbage follows on the same connection while its JoinGroup waits.
  a.client.send(11, JOIN_V, joinBody('reconnect', a.memberId));
  a.client.writeRaw(Buffer.from([0, 0, 0, 6, 0, 11, 0, 9, 0xde, 0xad]));
  assert.equal(await a.client.waitClosed(), true);
  // Its JoinGroup still counts: the rebalance completes with both (the answer to a went nowhere).
  const bJoined = await bJoin;
  assert.equal(bJoined.errorCode, ErrorCode.NONE);
  assert.equal(bJoined.leader, a.memberId);
  // a resumes over a new connection with its member id and the generation it missed.
  const again = await client();
  const aJoined = await again.request(11, JOIN_V, joinBody('reconnect', a.memberId));
  assert.deepEqual([aJoined.errorCode, aJoined.generationId, aJoined.leader], [ErrorCode.NONE, bJoined.generationId, a.memberId]);
  const bSync = b.client.request(14, 5, { groupId: 'reconnect', generationId: bJoined.generationId, memberId: b.memberId, assignments: [] });
  const aSync = await again.request(14, 5, { groupId: 'reconnect', generationId: aJoined.generationId, memberId: a.memberId, assignments: [{ memberId: b.memberId, assignment: Buffer.from('b') }] });
  assert.equal(aSync.errorCode, ErrorCode.NONE);
  assert.equal((await bSync).assignment.toString(), 'b');
  assert.equal(await groupState('reconnect'), 'Stable');
});

test('mutated group requests of every version never take the broker down', async () => {
  // mulberry32, seeded: the same mutations on every run.
  let s = 0x5eed;
  const rand = (n: number) => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
  // Valid requests of every version (fields a version lacks left at their defaults), to mutate.
  const requests: [ApiKey, number, object][] = [];
  for (let v = 0; v <= 9; v++) {
    requests.push([11, v, joinBody('fuzz', '', { sessionTimeoutMs: 200, rebalanceTimeoutMs: v >= 1 ? 200 : -1, groupInstanceId: v >= 5 ? 'fi' : null })]);
  }
  for (let v = 0; v <= 5; v++) {
    requests.push([14, v, { groupId: 'fuzz', generationId: 1, memberId: 'm', groupInstanceId: v >= 3 ? 'fi' : null, ...(v >= 5 ? { protocolType: 'consumer', protocolName: 'range' } : {}), assignments: [{ memberId: 'm', assignment: Buffer.from('abc') }] }]);
  }
  for (let v = 0; v <= 4; v++) requests.push([12, v, { groupId: 'fuzz', generationId: 1, memberId: 'm', groupInstanceId: v >= 3 ? 'fi' : null }]);
  for (let v = 0; v <= 5; v++) requests.push([13, v, v >= 3 ? { groupId: 'fuzz', members: [{ memberId: 'm', groupInstanceId: 'fi' }] } : { groupId: 'fuzz', memberId: 'm' }]);
  for (let v = 2; v <= 9; v++) {
    requests.push([8, v, { groupId: 'fuzz', generationIdOrMemberEpoch: -1, memberId: '', topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 1n, committedMetadata: 'md' }] }] }]);
  }
  for (let v = 1; v <= 9; v++) requests.push([9, v, v >= 8 ? { groups: [{ groupId: 'fuzz', topics: null }] } : { groupId: 'fuzz', topics: [{ name: 't', partitionIndexes: [0, 1] }] }]);
  for (let v = 0; v <= 5; v++) requests.push([15, v, { groups: ['fuzz', 'bystander'] }]);
  for (let v = 0; v <= 5; v++) requests.push([16, v, { ...(v >= 4 ? { statesFilter: ['Stable'] } : {}), ...(v >= 5 ? { typesFilter: ['classic'] } : {}) }]);
  for (let v = 0; v <= 2; v++) requests.push([42, v, { groupsNames: ['fuzz'] }]);
  requests.push([47, 0, { groupId: 'fuzz', topics: [{ name: 't', partitions: [{ partitionIndex: 0 }] }] }]);
  for (let v = 0; v <= 4; v++) requests.push([10, v, v >= 4 ? { keyType: 0, coordinatorKeys: ['fuzz'] } : { key: 'fuzz', keyType: 0 }]);
  for (let i = 0; i < 400; i++) {
    const [key, version, body] = requests[i % requests.length] as [ApiKey, number, object];
    const frame = Buffer.from(encodeRequest(key, version, i, 'fuzz', body as never));
    // Flip 1-3 bytes past the size prefix (the size stays right, so the frame is read whole).
    for (let n = 1 + rand(3); n > 0; n--) frame[4 + rand(frame.length - 4)] = rand(256);
    const c = await RawClient.connect(broker.port);
    c.writeRaw(frame);
    // An answer, a closed connection, or a JoinGroup that waits: all fine.
    await c.nextFrame(100).catch(() => undefined);
    c.close();
  }
});
