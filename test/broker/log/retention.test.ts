import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import type { PartitionLog } from '../../../src/broker/log/index.ts';
import { T0, batch, openLog, partitionDir, readAll } from './helpers.ts';

/** n batches of 2 records; batch i is timestamped T0 + i seconds. */
async function fill(log: PartitionLog, n: number, from = 0): Promise<void> {
  for (let i = from; i < from + n; i++) {
    await log.append(await batch(`r${i}`, 2, { valueBytes: 50, timestamp: T0 + BigInt(i) * 1000n }), { leaderEpoch: 0 });
  }
}

test('retention.ms deletes the oldest segments whose newest record is too old, never the active one', async () => {
  const log = await openLog(await partitionDir(), { segmentBytes: 700, retentionMs: 10_000 });
  await fill(log, 30);
  const before = log.describeSegments();
  assert.ok(before.length >= 5);
  const records = await readAll(log);
  const now = T0 + 25_500n;
  // Expected: the leading segments whose newest record is more than 10 s older than now.
  let expectedStart = before[0]?.baseOffset ?? 0n;
  for (const s of before.slice(0, -1)) {
    const newest = records.filter((r) => r.offset >= s.baseOffset && r.offset < s.nextOffset).reduce((m, r) => (r.timestamp > m ? r.timestamp : m), -1n);
    if (now - newest <= 10_000n) break;
    expectedStart = s.nextOffset;
  }
  assert.ok(expectedStart > 0n);
  const result = await log.enforceRetention(Number(now));
  assert.equal(log.logStartOffset, expectedStart);
  assert.equal(result.logStartOffset, expectedStart);
  assert.equal(log.describeSegments()[0]?.baseOffset, expectedStart);
  assert.equal(result.deletedSegments, before.length - log.describeSegments().length);
  assert.equal((await readAll(log))[0]?.offset, expectedStart);

  const all = await log.enforceRetention(Number(T0) + 10_000_000);
  assert.equal(log.describeSegments().length, 1, 'the active segment stays');
  assert.ok(all.deletedSegments > 0);
  assert.equal(log.describeSegments()[0]?.baseOffset, log.logStartOffset);
  assert.ok((await readAll(log)).length > 0, 'its records stay readable');
  await log.close();
});

test('retention.ms -1 keeps everything', async () => {
  const log = await openLog(await partitionDir(), { segmentBytes: 700, retentionMs: -1 });
  await fill(log, 20);
  assert.equal((await log.enforceRetention(Number(T0) * 10)).deletedSegments, 0);
  await log.close();
});

test('retention.bytes deletes the oldest segments while the rest still reaches the limit', async () => {
  const log = await openLog(await partitionDir(), { segmentBytes: 700, retentionBytes: 2000, retentionMs: -1 });
  await fill(log, 40);
  const total = log.sizeInBytes();
  const result = await log.enforceRetention();
  assert.ok(result.deletedSegments > 0);
  const size = log.sizeInBytes();
  assert.ok(size <= total);
  const oldest = log.describeSegments()[0];
  assert.ok(oldest !== undefined);
  // Kafka's rule: a segment goes only if the log stays at or above the limit without it.
  assert.ok(size >= 2000 || log.describeSegments().length === 1);
  assert.ok(size - oldest.size < 2000, 'one more deletion would go below the limit');
  await log.close();
});

test('deleteRecordsBefore moves the log start, deletes whole segments below it, and survives reopen', async () => {
  const dir = await partitionDir();
  const log = await openLog(dir, { segmentBytes: 700 });
  await fill(log, 30);
  const segments = log.describeSegments();
  const third = segments[2];
  assert.ok(third !== undefined);
  const target = third.baseOffset + 1n;
  assert.equal(await log.deleteRecordsBefore(target), target);
  assert.equal(log.logStartOffset, target);
  assert.equal(log.describeSegments()[0]?.baseOffset, third.baseOffset, 'the segment holding the new start stays');
  assert.equal(await log.deleteRecordsBefore(2n), target, 'moving back is a no-op');
  const above = await log.deleteRecordsBefore(log.highWatermark + 1n);
  assert.ok(typeof above !== 'bigint' && above.error === 'OFFSET_OUT_OF_RANGE');
  await log.close();

  const again = await openLog(dir, { segmentBytes: 700 });
  assert.equal(again.logStartOffset, target);
  assert.equal((await readAll(again))[0]?.offset, target);
  const below = await again.read(target - 1n, 100, { minOneMessage: true });
  assert.equal(below.error, 'OFFSET_OUT_OF_RANGE');
  await again.close();
});

test('the log start offset checkpoint holds even after a crash (no clean shutdown)', async () => {
  const dir = await partitionDir();
  const log = await openLog(dir, { segmentBytes: 700 });
  await fill(log, 10);
  await log.deleteRecordsBefore(7n);
  await log.close();
  const { rm } = await import('node:fs/promises');
  await rm(`${dir}/.kafka_cleanshutdown`);
  const again = await openLog(dir, { segmentBytes: 700 });
  assert.equal(again.logStartOffset, 7n);
  await again.close();
});

test('deleteRecordsBefore up to the log end keeps the (now empty to readers) active segment', async () => {
  const log = await openLog(await partitionDir(), { segmentBytes: 700 });
  await fill(log, 12);
  const end = log.logEndOffset;
  assert.equal(await log.deleteRecordsBefore(end), end);
  assert.equal(log.describeSegments().length, 1);
  const r = await log.read(end, 1000, { minOneMessage: true });
  assert.ok(r.error === undefined && r.records.length === 0);
  assert.equal((await log.append(await batch('after'), { leaderEpoch: 0 })).baseOffset, end);
  await log.close();
});

test('deleted segments stay as *.deleted for fileDeleteDelayMs, then go', async () => {
  const dir = await partitionDir();
  const log = await openLog(dir, { segmentBytes: 700, fileDeleteDelayMs: 50 });
  await fill(log, 12);
  const result = await log.enforceRetention(Number(T0) + 1_000_000_000);
  assert.ok(result.deletedSegments > 0);
  const deleted = (await readdir(dir)).filter((n) => n.endsWith('.deleted'));
  assert.ok(deleted.some((n) => n.endsWith('.log.deleted')));
  // Removed by a timer: polled rather than slept on, so a slow disk only makes it wait longer.
  const deadline = Date.now() + 10_000;
  while ((await readdir(dir)).some((n) => n.endsWith('.deleted')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual((await readdir(dir)).filter((n) => n.endsWith('.deleted')), []);
  await log.close();
});

test('a read in flight on a segment being deleted completes', async () => {
  const log = await openLog(await partitionDir(), { segmentBytes: 700 });
  await fill(log, 12);
  const reading = log.read(0n, 100_000, { minOneMessage: true });
  await log.deleteRecordsBefore(log.highWatermark);
  const r = await reading;
  assert.ok(r.error === undefined);
  assert.ok(r.records.length > 0);
  await log.close();
});
