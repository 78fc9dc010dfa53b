/** The consume engine in-process against the embedded broker: two members of one group sharing a topic through a rebalance. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Admin } from '@platformatic/kafka';
import { startBroker } from '../../src/broker/broker.ts';
import { resolveConnection } from '../../src/client/connection.ts';
import { consume, type ConsumedRecord } from '../../src/client/consume.ts';
import { describeGroups, groupLag } from '../../src/client/groups.ts';
import { createTopic, produce } from '../support/topic-data.ts';

test('consume: a second member joins, partitions move, every record is read and the group ends with lag 0', { timeout: 120_000 }, async () => {
  const broker = await startBroker({ port: 0, config: { groupInitialRebalanceDelayMs: 0 } });
  const connection = resolveConnection({ bootstrap: broker.bootstrap, clientId: 'consume-test' });
  try {
    await createTopic(broker.bootstrap, 'shared', 4);
    const write = (from: number, n: number): Promise<void> =>
      produce(broker.bootstrap, 'shared', Array.from({ length: n }, (_, i) => ({ partition: (from + i) % 4, value: `r${from + i}` })));
    await write(0, 40);

    const seen = { a: [] as ConsumedRecord[], b: [] as ConsumedRecord[] };
    const member = (name: 'a' | 'b', signal: AbortSignal): Promise<string> =>
      consume(connection, { topic: 'shared', group: 'sharers', start: 'earliest', reset: 'earliest', signal }, { onRecord: (r) => void seen[name].push(r) });

    const stopA = new AbortController();
    const stopB = new AbortController();
    const a = member('a', stopA.signal);
    const deadline = Date.now() + 30_000;
    while (seen.a.length < 40 && Date.now() < deadline) await new Promise((ok) => setTimeout(ok, 50));
    assert.equal(seen.a.length, 40, 'the only member reads every partition');

    const b = member('b', stopB.signal);
    const admin = new Admin({ clientId: 'consume-test', bootstrapBrokers: [broker.bootstrap] });
    try {
      // Wait until both members hold partitions, then write more for both to read.
      for (;;) {
        const [g] = await describeGroups(admin, ['sharers']);
        if (g?.state === 'Stable' && g.members.length === 2 && g.members.every((m) => m.assignment.length > 0)) break;
        assert.ok(Date.now() < deadline + 30_000, `group never settled: ${JSON.stringify(g)}`);
        await new Promise((ok) => setTimeout(ok, 100));
      }
      await write(40, 40);
      const all = (): Set<string> => new Set([...seen.a, ...seen.b].map((r) => r.value?.toString() ?? ''));
      while (all().size < 80 && Date.now() < deadline + 60_000) await new Promise((ok) => setTimeout(ok, 50));
      assert.equal(all().size, 80, 'every record read by one member or the other');
      assert.ok(seen.b.length > 0, 'the second member got partitions');

      stopA.abort();
      stopB.abort();
      assert.deepEqual(await Promise.all([a, b]), ['stopped', 'stopped']);
      const [described] = await describeGroups(admin, ['sharers']);
      assert.ok(described !== undefined);
      assert.equal(described.state, 'Empty', 'both members left');
      const lag = await groupLag(admin, described);
      assert.deepEqual(
        lag.map((r) => [r.partition, r.currentOffset, r.logEndOffset, r.lag]),
        [0, 1, 2, 3].map((p) => [p, 20, 20, 0]),
      );
    } finally {
      stopA.abort();
      stopB.abort();
      await Promise.allSettled([a, b]);
      await admin.close();
    }
  } finally {
    await broker.stop();
  }
});
