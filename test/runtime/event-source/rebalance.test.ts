/**
 * A second mapping joining the group while the first is in the middle of an invocation: the
 * first finishes it and commits before giving up its partitions, so no partition is ever
 * invoked by both, and nothing the first processed is delivered again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Admin } from '@platformatic/kafka';
import { groupState } from '../../../src/client/groups.ts';
import type { MskEvent } from '../../../src/functions/shared/kafka-event.ts';
import { asInvoke, createTopic, eventually, groupOffsets, mappingBroker, produce, Recorder, startMapping, tempDir } from './helpers.ts';

test('on a rebalance the in-flight invocation finishes and is committed before the partition is given up', { timeout: 90_000 }, async () => {
  const broker = await mappingBroker();
  const dir = tempDir();
  const admin = new Admin({ clientId: 'esm-test', bootstrapBrokers: [broker.bootstrap] });
  const active = new Set<string>();
  const overlaps: string[] = [];
  let release: () => void = () => undefined;
  const gate = new Promise<void>((ok) => {
    release = ok;
  });
  let inFlight = false;
  const handler = (recorder: Recorder, block: boolean) =>
    asInvoke(async (event: MskEvent) => {
      const partitions = Object.keys(event.records);
      for (const p of partitions) {
        if (active.has(p)) overlaps.push(p);
        active.add(p);
      }
      recorder.record(event);
      if (block && recorder.invocations.length === 1) {
        inFlight = true;
        await gate;
      }
      for (const p of partitions) active.delete(p);
    });
  const a = new Recorder();
  const b = new Recorder();
  const settings = { Topics: ['rb'], StartingPosition: 'TRIM_HORIZON', ConsumerGroupId: 'rb-group', MaximumBatchingWindowInSeconds: 0 };
  let first: Awaited<ReturnType<typeof startMapping>> | undefined;
  let second: Awaited<ReturnType<typeof startMapping>> | undefined;
  try {
    await createTopic(broker.bootstrap, 'rb', 2);
    await produce(broker.bootstrap, 'rb', Array.from({ length: 8 }, (_, i) => ({ partition: i % 2, value: `first-${i}` })));
    first = await startMapping(broker.bootstrap, settings, handler(a, true), dir.path, { name: 'rb-a' });
    await eventually('the first invocation in flight', () => inFlight);

    const joining = startMapping(broker.bootstrap, settings, handler(b, false), dir.path, { name: 'rb-b' });
    await eventually('the group rebalancing', async () => groupState((await admin.describeGroups({ groups: ['rb-group'] })).get('rb-group')?.state ?? '') === 'PreparingRebalance');
    const heldBack = await Promise.race([joining.then(() => 'joined'), new Promise((ok) => setTimeout(() => ok('waiting'), 300))]);
    assert.equal(heldBack, 'waiting', 'the new member waits while the first one finishes its invocation');
    assert.equal(b.all.length, 0);

    release();
    second = await joining;
    const deliveredFirst = a.all.length;
    assert.ok(deliveredFirst >= 4, 'the first mapping finished its batch');
    await produce(broker.bootstrap, 'rb', Array.from({ length: 8 }, (_, i) => ({ partition: i % 2, value: `second-${i}` })));
    await eventually('all committed', async () => {
      const offsets = await groupOffsets(broker.bootstrap, 'rb-group', 'rb');
      return offsets.get(0) === 8n && offsets.get(1) === 8n;
    });
    const all = [...a.all, ...b.all];
    assert.equal(new Set(all).size, all.length, `no record delivered twice: ${all.join(' ')}`);
    assert.equal(all.length, 16);
    assert.ok(b.all.length > 0, 'the second mapping got a partition');
    assert.deepEqual(overlaps, [], 'no partition invoked by both at once');
  } finally {
    release();
    await first?.stop();
    await second?.stop();
    await admin.close();
    await broker.stop();
    dir.remove();
  }
});
