/** The lag rows of kafka-consumer-groups --describe, built from a group, its commits and log end offsets. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { groupState, lagOf, lagRows, parseGroupState, type GroupDescription, type GroupMember } from '../../src/client/groups.ts';

const member = (id: string, assignment: GroupMember['assignment']): GroupMember => ({ consumerId: id, groupInstanceId: null, host: '/10.0.0.1', clientId: `client-${id}`, assignment });

test('lagRows: members with most partitions first, partitions in order, then committed partitions nobody has', () => {
  const description: GroupDescription = {
    group: 'g',
    state: 'Stable',
    protocolType: 'consumer',
    assignmentStrategy: 'range',
    members: [
      member('small', [{ topic: 'b', partitions: [0] }]),
      member('idle', []),
      member('big', [{ topic: 'b', partitions: [2] }, { topic: 'a', partitions: [1, 0] }]),
    ],
  };
  const committed = new Map([
    ['a', new Map([[0, 5n], [1, 7n]])],
    ['b', new Map([[0, 3n]])],
    ['c', new Map([[4, 1n], [0, 0n]])],
  ]);
  const logEnd = new Map([['a:0', 10n], ['a:1', 7n], ['b:0', 3n], ['b:2', 0n], ['c:0', 2n]]);
  const rows = lagRows(description, committed, logEnd);
  assert.deepEqual(
    rows.map((r) => [r.topic, r.partition, r.currentOffset, r.logEndOffset, r.lag, r.consumerId]),
    [
      ['a', 0, 5, 10, 5, 'big'],
      ['a', 1, 7, 7, 0, 'big'],
      ['b', 2, null, 0, null, 'big'],
      ['b', 0, 3, 3, 0, 'small'],
      ['c', 0, 0, 2, 2, null],
      ['c', 4, 1, null, null, null],
    ],
  );
  assert.deepEqual([rows[0]?.host, rows[0]?.clientId, rows[4]?.host, rows[4]?.clientId], ['/10.0.0.1', 'client-big', null, null]);
});

test('lagOf and group state names', () => {
  assert.equal(lagOf(3n, 10n), 7);
  assert.equal(lagOf(undefined, 10n), null);
  assert.equal(lagOf(-1n, 10n), null);
  assert.equal(lagOf(3n, undefined), null);
  assert.equal(groupState('PREPARINGREBALANCE'), 'PreparingRebalance');
  assert.equal(groupState('Stable'), 'Stable');
  assert.equal(groupState('COMPLETING_REBALANCE'), 'CompletingRebalance');
  assert.equal(groupState('whatever'), 'Unknown');
  assert.equal(parseGroupState(' empty '), 'Empty');
  assert.equal(parseGroupState('preparing_rebalance'), 'PreparingRebalance');
  assert.equal(parseGroupState('Sleeping'), undefined);
});
