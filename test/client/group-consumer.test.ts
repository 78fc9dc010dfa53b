/**
 * GroupConsumer: a member's beforeRejoin hook runs to completion before it rejoins, so a new
 * member waits for it; commits made meanwhile land; OffsetCommit's own rejoin is refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConnection } from '../../src/client/connection.ts';
import { createGroupConsumer, RejoinRefusedError, type GroupConsumer } from '../../src/client/group-consumer.ts';
import { createTopic, eventually, groupBroker } from '../broker/groups/helpers.ts';

const TIMINGS = { sessionTimeout: 10_000, heartbeatInterval: 100, rebalanceTimeout: 20_000 };

test('a rejoin waits for beforeRejoin, and a commit made in it is kept', { timeout: 60_000 }, async () => {
  const broker = await groupBroker();
  const connection = resolveConnection({ bootstrap: broker.bootstrap, clientId: 'group-consumer-test' });
  const events: string[] = [];
  let release: () => void = () => undefined;
  const held = new Promise<void>((ok) => {
    release = ok;
  });
  let a: GroupConsumer | undefined;
  let b: GroupConsumer | undefined;
  try {
    await createTopic(broker.port, 'gc', 2);
    a = createGroupConsumer(connection, { groupId: 'gc' }, {
      beforeRejoin: async () => {
        if (a?.assignments === null || a?.assignments === undefined) return; // the first join: nothing to give up
        events.push('a: giving up');
        await held;
        await a.commit({ offsets: [{ topic: 'gc', partition: 0, offset: 7n, leaderEpoch: -1 }] });
        events.push('a: committed');
      },
    });
    a.topics.track('gc');
    await a.join(TIMINGS);
    assert.deepEqual(a.assignments, [{ topic: 'gc', partitions: [0, 1] }]);
    await assert.rejects(a.joinGroup(), RejoinRefusedError, 'only join() joins');

    b = createGroupConsumer(connection, { groupId: 'gc' }, { beforeRejoin: () => Promise.resolve() });
    b.topics.track('gc');
    const joined = b.join(TIMINGS).then(() => events.push('b: joined'));
    await eventually('a giving up its partitions', () => events.includes('a: giving up'));
    await new Promise((ok) => setTimeout(ok, 300));
    assert.deepEqual(events, ['a: giving up'], 'b waits for a');
    release();
    await joined;
    assert.deepEqual(events, ['a: giving up', 'a: committed', 'b: joined']);
    await eventually('a rejoined', () => a?.assignments?.[0]?.partitions.length === 1);
    const committed = await b.listCommittedOffsets({ topics: [{ topic: 'gc', partitions: [0] }] });
    assert.equal(committed.get('gc')?.[0], 7n);
  } finally {
    release();
    // close(true) has a callback overload first: wrap it so that the promise is the one awaited.
    for (const c of [a, b]) if (c !== undefined) await new Promise<void>((ok) => c.close(true, () => ok()));
    await broker.stop();
  }
});
