/**
 * OffsetCommit's checks, OffsetFetch, and the admin side of groups over raw requests:
 * DescribeGroups, ListGroups filters, DeleteGroups, OffsetDelete, offset retention.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import type { RunningBroker } from '../../../src/broker/broker.ts';
import { ErrorCode } from '../../../src/protocol/error-codes.ts';
import type { OffsetCommitRequest } from '../../../src/protocol/generated/offset-commit.ts';
import type { Loose } from '../../../src/protocol/primitives/loose.ts';
import { RawClient } from '../../support/raw-client.ts';
import { createTopic, eventually, groupBroker } from './helpers.ts';
import { RawMember } from './raw.ts';

let broker: RunningBroker;
let c: RawClient;
const members: RawMember[] = [];

before(async () => {
  broker = await groupBroker();
  c = await RawClient.connect(broker.port);
  await createTopic(broker.port, 't', 2);
  await createTopic(broker.port, 'other', 1);
});
after(async () => {
  c.close();
  for (const m of members) m.close();
  await broker.stop();
});

async function stableMember(groupId: string): Promise<RawMember> {
  const m = await RawMember.connect(broker.port);
  members.push(m);
  assert.equal((await m.join(groupId)).errorCode, ErrorCode.NONE);
  const sync = await m.client.request(14, 4, { groupId, generationId: m.generationId, memberId: m.memberId, assignments: [{ memberId: m.memberId, assignment: Buffer.from('a') }] });
  assert.equal(sync.errorCode, ErrorCode.NONE);
  return m;
}

function commit(groupId: string, generation: number, memberId: string, partitions: Loose<OffsetCommitRequest>['topics'], version = 8) {
  return c.request(8, version, { groupId, generationIdOrMemberEpoch: generation, memberId, topics: partitions });
}

const errorsOf = (res: { topics: { partitions: { errorCode: number }[] }[] }): number[] => res.topics.flatMap((t) => t.partitions.map((p) => p.errorCode));

test('OffsetCommit: member and generation checks, unknown partitions, metadata size', async () => {
  const m = await stableMember('commits');
  const one = [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 3n }] }];
  assert.deepEqual(errorsOf(await commit('commits', m.generationId, m.memberId, one)), [ErrorCode.NONE]);
  assert.deepEqual(errorsOf(await commit('commits', m.generationId + 3, m.memberId, one)), [ErrorCode.ILLEGAL_GENERATION]);
  assert.deepEqual(errorsOf(await commit('commits', m.generationId, 'stranger', one)), [ErrorCode.UNKNOWN_MEMBER_ID]);
  assert.deepEqual(errorsOf(await commit('commits', -1, '', one)), [ErrorCode.ILLEGAL_GENERATION], 'a simple commit into a group with members');
  assert.deepEqual(errorsOf(await commit('no-group', 4, 'x', one, 8)), [ErrorCode.ILLEGAL_GENERATION]);
  assert.deepEqual(errorsOf(await commit('no-group', 4, 'x', one, 9)), [ErrorCode.GROUP_ID_NOT_FOUND]);
  assert.deepEqual(errorsOf(await commit('', -1, '', one)), [ErrorCode.INVALID_GROUP_ID]);
  const mixed = await commit('commits', m.generationId, m.memberId, [
    { name: 't', partitions: [{ partitionIndex: 1, committedOffset: 7n, committedMetadata: 'x'.repeat(4097) }, { partitionIndex: 2, committedOffset: 1n }] },
    { name: 'missing', partitions: [{ partitionIndex: 0, committedOffset: 1n }] },
  ]);
  assert.deepEqual(errorsOf(mixed), [ErrorCode.OFFSET_METADATA_TOO_LARGE, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
  const fetched = await c.request(9, 5, { groupId: 'commits', topics: [{ name: 't', partitionIndexes: [0, 1] }] });
  assert.deepEqual(fetched.topics[0]?.partitions.map((p) => [p.committedOffset, p.committedLeaderEpoch]), [[3n, -1], [-1n, -1]]);
  const all = await c.request(9, 2, { groupId: 'commits', topics: null });
  assert.deepEqual(all.topics.map((t) => [t.name, t.partitions.map((p) => p.partitionIndex)]), [['t', [0]]]);
});

test('DescribeGroups, ListGroups with state and type filters', async () => {
  const m = await stableMember('listed');
  await commit('simple-listed', -1, '', [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 1n }] }]);
  const d = await c.request(15, 5, { groups: ['listed', 'unknown-group'] });
  const [listed, unknown] = d.groups;
  assert.deepEqual([listed?.groupState, listed?.protocolType, listed?.protocolData], ['Stable', 'consumer', 'range']);
  assert.deepEqual(listed?.members.map((x) => [x.memberId, x.clientId, x.clientHost, x.memberAssignment.toString()]), [[m.memberId, 'raw-test-client', '/127.0.0.1', 'a']]);
  assert.equal(unknown?.groupState, 'Dead');
  const stable = await c.request(16, 4, { statesFilter: ['stable'] });
  assert.ok(stable.groups.some((g) => g.groupId === 'listed'));
  assert.ok(!stable.groups.some((g) => g.groupId === 'simple-listed'));
  const empty = await c.request(16, 5, { statesFilter: ['Empty'], typesFilter: ['classic'] });
  assert.deepEqual(empty.groups.find((g) => g.groupId === 'simple-listed'), { groupId: 'simple-listed', protocolType: '', groupState: 'Empty', groupType: 'classic' });
  assert.equal((await c.request(16, 5, { typesFilter: ['consumer'] })).groups.length, 0);
  const v0 = await c.request(16, 0, {});
  assert.ok(v0.groups.some((g) => g.groupId === 'listed' && g.protocolType === 'consumer'));
});

test('DeleteGroups: NON_EMPTY_GROUP while members remain, then the group and its offsets go', async () => {
  const m = await stableMember('doomed');
  await commit('doomed', m.generationId, m.memberId, [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 5n }] }]);
  assert.deepEqual((await c.request(42, 2, { groupsNames: ['doomed', 'never-was'] })).results.map((r) => r.errorCode), [ErrorCode.NON_EMPTY_GROUP, ErrorCode.GROUP_ID_NOT_FOUND]);
  await m.client.request(13, 4, { groupId: 'doomed', members: [{ memberId: m.memberId }] });
  assert.deepEqual((await c.request(42, 0, { groupsNames: ['doomed'] })).results.map((r) => r.errorCode), [ErrorCode.NONE]);
  const fetched = await c.request(9, 5, { groupId: 'doomed', topics: [{ name: 't', partitionIndexes: [0] }] });
  assert.equal(fetched.topics[0]?.partitions[0]?.committedOffset, -1n);
  assert.equal((await c.request(15, 0, { groups: ['doomed'] })).groups[0]?.groupState, 'Dead');
});

test('OffsetDelete: GROUP_SUBSCRIBED_TO_TOPIC for subscribed topics, others deleted', async () => {
  const m = await stableMember('od');
  await commit('od', m.generationId, m.memberId, [
    { name: 't', partitions: [{ partitionIndex: 0, committedOffset: 5n }] },
    { name: 'other', partitions: [{ partitionIndex: 0, committedOffset: 6n }] },
  ]);
  const res = await c.request(47, 0, {
    groupId: 'od',
    topics: [
      { name: 't', partitions: [{ partitionIndex: 0 }] },
      { name: 'other', partitions: [{ partitionIndex: 0 }] },
      { name: 'missing', partitions: [{ partitionIndex: 0 }] },
    ],
  });
  assert.equal(res.errorCode, ErrorCode.NONE);
  assert.deepEqual(errorsOf(res), [ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC, ErrorCode.NONE, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
  const fetched = await c.request(9, 7, { groupId: 'od', topics: null });
  assert.deepEqual(fetched.topics.map((t) => t.name), ['t']);
  assert.equal((await c.request(47, 0, { groupId: 'nope', topics: [] })).errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
});

test('offset retention: offsets of an empty group expire, and the group with them', async () => {
  const tiny = await groupBroker({ offsetsRetentionMinutes: 0.001, offsetsRetentionCheckIntervalMs: 20 });
  const rc = await RawClient.connect(tiny.port);
  try {
    await createTopic(tiny.port, 'r', 1);
    await rc.request(8, 8, { groupId: 'fleeting', generationIdOrMemberEpoch: -1, memberId: '', topics: [{ name: 'r', partitions: [{ partitionIndex: 0, committedOffset: 9n }] }] });
    await eventually('the offset to expire', async () => {
      const res = await rc.request(9, 8, { groups: [{ groupId: 'fleeting', topics: null }] });
      return res.groups[0]?.topics.length === 0;
    });
    await eventually('the empty group to be removed', async () => (await rc.request(16, 4, {})).groups.length === 0);
  } finally {
    rc.close();
    await tiny.stop();
  }
});
