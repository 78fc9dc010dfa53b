/**
 * The cluster goes away and comes back (a broker restart forgets group members): the mapping
 * rejoins its group, delivers what was produced meanwhile, and commits again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startBroker } from '../../../src/broker/broker.ts';
import { asInvoke, createTopic, eventually, groupOffsets, produce, Recorder, startMapping, tempDir } from './helpers.ts';

test('after a broker restart the mapping rejoins, delivers and commits', { timeout: 90_000 }, async () => {
  const dir = tempDir();
  const brokerDir = join(dir.path, 'broker');
  let broker = await startBroker({ port: 0, dataDir: brokerDir, config: { groupInitialRebalanceDelayMs: 0 } });
  const recorder = new Recorder();
  let mapping: Awaited<ReturnType<typeof startMapping>> | undefined;
  try {
    await createTopic(broker.bootstrap, 'restart', 1);
    mapping = await startMapping(broker.bootstrap, { Topics: ['restart'], StartingPosition: 'TRIM_HORIZON', MaximumBatchingWindowInSeconds: 0 }, asInvoke((e) => void recorder.record(e)), join(dir.path, 'esm'));
    await produce(broker.bootstrap, 'restart', [{ partition: 0, value: 'before' }]);
    await eventually('the first record', () => recorder.all.length === 1);
    const port = broker.port;
    await broker.stop();
    // Long enough for heartbeats to fail for good (the client gives up after its retries).
    await new Promise((ok) => setTimeout(ok, 4000));
    broker = await startBroker({ port, dataDir: brokerDir, config: { groupInitialRebalanceDelayMs: 0 } });
    await produce(broker.bootstrap, 'restart', [{ partition: 0, value: 'after' }]);
    await eventually('the record produced after the restart', () => recorder.values(0).includes('after'), 60_000);
    const group = mapping.groupId;
    await eventually('committed', async () => (await groupOffsets(broker.bootstrap, group, 'restart')).get(0) === 2n, 30_000);
    assert.deepEqual([...new Set(recorder.values(0))], ['before', 'after']);
  } finally {
    await mapping?.stop();
    await broker.stop();
    dir.remove();
  }
});
