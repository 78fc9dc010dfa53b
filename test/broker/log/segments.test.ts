import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { iterateBatches } from '../../../src/protocol/records/index.ts';
import { CompressionCodec } from '../../../src/protocol/records/compression-codec.ts';
import type { PartitionLog } from '../../../src/broker/log/index.ts';
import { T0, batch, openLog, partitionDir, readAll } from './helpers.ts';

async function fill(log: PartitionLog, n: number, perBatch = 2, valueBytes = 40): Promise<void> {
  for (let i = 0; i < n; i++) await log.append(await batch(`f${i}`, perBatch, { valueBytes, timestamp: T0 + BigInt(i) * 1000n }), { leaderEpoch: 3 });
}

test('the active segment rolls before it would pass segmentBytes; files are named by base offset', async () => {
  const dir = await partitionDir();
  const log = await openLog(dir, { segmentBytes: 1000 });
  await fill(log, 30);
  const segments = log.describeSegments();
  assert.ok(segments.length >= 5, `got ${segments.length} segments`);
  for (const s of segments) assert.ok(s.size <= 1000 && s.size > 0);
  for (let i = 1; i < segments.length; i++) assert.equal(segments[i]?.baseOffset, segments[i - 1]?.nextOffset);
  const names = (await readdir(dir)).filter((n) => n.endsWith('.log')).sort();
  assert.deepEqual(names, segments.map((s) => `${s.baseOffset.toString().padStart(20, '0')}.log`));
  assert.equal(log.stats().rolls, segments.length - 1);
  assert.equal((await readAll(log)).length, 60);
  await log.close();
});

test('the active segment rolls once segmentMs has passed since its first append', async () => {
  let now = 1_000_000;
  const log = await openLog(await partitionDir(), { segmentMs: 5000 }, { now: () => now });
  await fill(log, 3);
  now += 5000;
  await fill(log, 1);
  assert.equal(log.describeSegments().length, 1, 'exactly segmentMs: no roll yet');
  now += 1;
  await fill(log, 2);
  assert.deepEqual(
    log.describeSegments().map((s) => s.baseOffset),
    [0n, 8n],
  );
  now += 4000;
  await fill(log, 1);
  assert.equal(log.describeSegments().length, 2, 'the new segment counts from its own first append');
  await log.close();
});

test('a full offset index rolls the segment', async () => {
  const log = await openLog(await partitionDir(), { indexIntervalBytes: 0, segmentIndexBytes: 8 * 4 });
  await fill(log, 12, 1);
  const segments = log.describeSegments();
  assert.ok(segments.length >= 3, `got ${segments.length}`);
  assert.equal((await readAll(log)).length, 12);
  await log.close();
});

test('every offset is found through the indexes across segments', async () => {
  const log = await openLog(await partitionDir(), { segmentBytes: 2000, indexIntervalBytes: 150 });
  await fill(log, 60, 3);
  assert.ok(log.describeSegments().length > 5);
  for (let offset = 0n; offset < log.logEndOffset; offset++) {
    const r = await log.read(offset, 1, { minOneMessage: true });
    assert.ok(r.error === undefined);
    const info = [...iterateBatches(r.records)][0];
    assert.ok(info !== undefined, `offset ${offset}`);
    const last = info.header.baseOffset + BigInt(info.header.lastOffsetDelta);
    assert.ok(info.header.baseOffset <= offset && offset <= last, `offset ${offset} in ${info.header.baseOffset}..${last}`);
  }
  await log.close();
});

test('a reopen after a clean close restores the same state and index files', async () => {
  const dir = await partitionDir();
  const log = await openLog(dir, { segmentBytes: 3000, indexIntervalBytes: 100 });
  await fill(log, 40);
  await log.deleteRecordsBefore(5n);
  const before = {
    segments: log.describeSegments(),
    start: log.logStartOffset,
    end: log.logEndOffset,
    hw: log.highWatermark,
    records: await readAll(log),
    max: await log.maxTimestamp(),
    ts: await log.offsetForTimestamp(T0 + 20_500n),
  };
  await log.close();
  const files = await snapshotFiles(dir);
  assert.ok(files.has('.kafka_cleanshutdown'));

  const again = await openLog(dir, { segmentBytes: 3000, indexIntervalBytes: 100 });
  assert.deepEqual(
    {
      segments: again.describeSegments(),
      start: again.logStartOffset,
      end: again.logEndOffset,
      hw: again.highWatermark,
      records: await readAll(again),
      max: await again.maxTimestamp(),
      ts: await again.offsetForTimestamp(T0 + 20_500n),
    },
    before,
  );
  assert.ok(!(await readdir(dir)).includes('.kafka_cleanshutdown'), 'the marker is gone while the log is open');
  await again.close();
  const after = await snapshotFiles(dir);
  for (const [name, bytes] of files) {
    if (name.endsWith('.index') || name.endsWith('.timeindex') || name.endsWith('.log')) assert.deepEqual(after.get(name), bytes, name);
  }
  const third = await openLog(dir);
  assert.equal((await third.append(await batch('next'), { leaderEpoch: 0 })).baseOffset, 80n);
  await third.close();
});

test('offsetForTimestamp finds the first record at or after a timestamp across segments', async () => {
  const log = await openLog(await partitionDir(), { segmentBytes: 1500, indexIntervalBytes: 100 });
  // Batch i holds records at T0 + i*1000 and T0 + i*1000 + 1.
  await fill(log, 40);
  assert.ok(log.describeSegments().length > 3);
  assert.deepEqual(await log.offsetForTimestamp(0n), { offset: 0n, timestamp: T0 });
  assert.deepEqual(await log.offsetForTimestamp(T0 + 1n), { offset: 1n, timestamp: T0 + 1n });
  assert.deepEqual(await log.offsetForTimestamp(T0 + 2n), { offset: 2n, timestamp: T0 + 1000n });
  assert.deepEqual(await log.offsetForTimestamp(T0 + 17_001n), { offset: 35n, timestamp: T0 + 17_001n });
  assert.deepEqual(await log.offsetForTimestamp(T0 + 39_001n), { offset: 79n, timestamp: T0 + 39_001n });
  assert.equal(await log.offsetForTimestamp(T0 + 39_002n), null);
  await log.deleteRecordsBefore(11n);
  assert.deepEqual(await log.offsetForTimestamp(T0), { offset: 11n, timestamp: T0 + 5001n }, 'not below the log start');
  await log.close();
});

test('offsetForTimestamp looks inside out-of-order and compressed batches', async () => {
  const log = await openLog(await partitionDir());
  await log.append(await batch('a', 1, { timestamp: T0 }), { leaderEpoch: 0 });
  const mixed = await batch('m', 1, {
    extra: {
      codec: CompressionCodec.Gzip,
      records: [
        { timestamp: T0 + 50n, key: Buffer.from('m0'), value: Buffer.from('x') },
        { timestamp: T0 + 10n, key: Buffer.from('m1'), value: Buffer.from('y') },
        { timestamp: T0 + 30n, key: Buffer.from('m2'), value: Buffer.from('z') },
      ],
    },
  });
  await log.append(mixed, { leaderEpoch: 0 });
  assert.deepEqual(await log.offsetForTimestamp(T0 + 20n), { offset: 1n, timestamp: T0 + 50n }, 'first in offset order, not the closest time');
  assert.deepEqual(await log.maxTimestamp(), { offset: 1n, timestamp: T0 + 50n });
  await log.close();
});

test('LogAppendTime batches answer timestamp lookups with their append time', async () => {
  const log = await openLog(await partitionDir(), { segmentBytes: 600 });
  for (let i = 0; i < 10; i++) {
    await log.append(await batch(`l${i}`, 3, { timestamp: 1n }), { leaderEpoch: 0, logAppendTime: T0 + BigInt(i) * 100n });
  }
  assert.ok(log.describeSegments().length > 2);
  assert.deepEqual(await log.offsetForTimestamp(T0 + 250n), { offset: 9n, timestamp: T0 + 300n });
  assert.deepEqual(await log.offsetForTimestamp(T0 + 300n), { offset: 9n, timestamp: T0 + 300n });
  assert.deepEqual(await log.maxTimestamp(), { offset: 27n, timestamp: T0 + 900n });
  await log.close();
});

test('maxTimestamp takes the earliest record with the newest timestamp; null on an empty log', async () => {
  const log = await openLog(await partitionDir(), { segmentBytes: 800 });
  assert.equal(await log.maxTimestamp(), null);
  assert.equal(await log.offsetForTimestamp(0n), null);
  await fill(log, 5);
  await log.append(await batch('peak', 2, { timestamp: T0 + 1_000_000n }), { leaderEpoch: 0 });
  await fill(log, 10);
  assert.ok(log.describeSegments().length > 2);
  assert.deepEqual(await log.maxTimestamp(), { offset: 11n, timestamp: T0 + 1_000_001n });
  await log.close();
});

async function snapshotFiles(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const name of await readdir(dir)) out.set(name, await readFile(join(dir, name)));
  return out;
}
