import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { iterateBatches, readBatchHeader } from '../../../src/protocol/records/index.ts';
import { LogError } from '../../../src/broker/log/index.ts';
import { T0, batch, openLog, partitionDir, readAll, valueFor } from './helpers.ts';

test('append then read returns the records with offsets, leader epoch and original bytes', async () => {
  const log = await openLog(await partitionDir());
  const a = await log.append(await batch('a', 3), { leaderEpoch: 7 });
  const b = await log.append(await batch('b', 2), { leaderEpoch: 8 });
  assert.deepEqual(a, { baseOffset: 0n, lastOffset: 2n, logAppendTime: -1n, logStartOffset: 0n });
  assert.deepEqual(b, { baseOffset: 3n, lastOffset: 4n, logAppendTime: -1n, logStartOffset: 0n });
  assert.equal(log.logEndOffset, 5n);
  assert.equal(log.highWatermark, 5n);
  const records = await readAll(log);
  assert.deepEqual(
    records.map((r) => [r.offset, r.key, r.leaderEpoch]),
    [
      [0n, 'a-0', 7],
      [1n, 'a-1', 7],
      [2n, 'a-2', 7],
      [3n, 'b-0', 8],
      [4n, 'b-1', 8],
    ],
  );
  for (const r of records) assert.deepEqual(r.value, valueFor(r.key, 16));
  await log.close();
});

test('one append of several concatenated batches takes consecutive offsets', async () => {
  const log = await openLog(await partitionDir());
  const records = Buffer.concat([await batch('x', 2), await batch('y', 3), await batch('z', 1)]);
  const r = await log.append(records, { leaderEpoch: 0 });
  assert.equal(r.baseOffset, 0n);
  assert.equal(r.lastOffset, 5n);
  const read = await log.read(0n, 1 << 20, { minOneMessage: false });
  assert.ok(read.error === undefined);
  assert.deepEqual(
    [...iterateBatches(read.records)].map((i) => i.header.baseOffset),
    [0n, 2n, 5n],
  );
  await log.close();
});

test('concurrent appends get offsets in call order and share fsyncs (group commit)', async () => {
  const log = await openLog(await partitionDir());
  const n = 64;
  const batches = await Promise.all(Array.from({ length: n }, (_, i) => batch(`c${i}`, 1 + (i % 3))));
  const results = await Promise.all(batches.map((b) => log.append(b, { leaderEpoch: 1 })));
  let expected = 0n;
  for (let i = 0; i < n; i++) {
    const r = results[i];
    assert.ok(r !== undefined);
    assert.equal(r.baseOffset, expected, `append ${i}`);
    expected = r.lastOffset + 1n;
  }
  const stats = log.stats();
  assert.equal(stats.appends, n);
  assert.ok(stats.fsyncs < n, `expected fewer fsyncs than appends, got ${stats.fsyncs}`);
  const keys = (await readAll(log)).map((r) => r.key);
  assert.deepEqual(keys.filter((k) => k.endsWith('-0')), Array.from({ length: n }, (_, i) => `c${i}-0`));
  await log.close();
});

test('appends written while an fsync is in flight are covered by one next fsync', async () => {
  let release: (() => void) | undefined;
  let holds = 0;
  const log = await openLog(await partitionDir(), {}, {
    beforeSync: async () => {
      holds++;
      if (holds === 1) await new Promise<void>((resolve) => (release = resolve));
    },
  });
  const first = log.append(await batch('first'), { leaderEpoch: 0 });
  while (release === undefined) await new Promise((r) => setImmediate(r));
  assert.equal(log.highWatermark, 0n, 'nothing is visible before its fsync');
  const later = await Promise.all(Array.from({ length: 10 }, (_, i) => batch(`later${i}`)));
  const pending = later.map((b) => log.append(b, { leaderEpoch: 0 }));
  while (log.logEndOffset < 11n) await new Promise((r) => setImmediate(r));
  assert.equal(log.highWatermark, 0n);
  const unseen = await log.read(0n, 1 << 20, { minOneMessage: true });
  assert.ok(unseen.error === undefined);
  assert.equal(unseen.records.length, 0, 'reads stop at the high watermark');
  release();
  await first;
  await Promise.all(pending);
  assert.equal(log.stats().flushes, 2);
  assert.equal(log.stats().fsyncs, 2);
  assert.equal(log.highWatermark, 11n);
  await log.close();
});

test('with flushIntervalMessages > 1 appends resolve before any fsync and the high watermark follows the log end', async () => {
  const log = await openLog(await partitionDir(), { flushIntervalMessages: 1000 });
  for (let i = 0; i < 5; i++) await log.append(await batch(`r${i}`), { leaderEpoch: 0 });
  assert.equal(log.stats().fsyncs, 0);
  assert.equal(log.highWatermark, 5n);
  assert.equal((await readAll(log)).length, 5);
  await log.close();
});

test('a read from the middle of a batch returns the whole containing batch', async () => {
  const log = await openLog(await partitionDir(), { indexIntervalBytes: 0 });
  for (let i = 0; i < 20; i++) await log.append(await batch(`m${i}`, 5), { leaderEpoch: 0 });
  for (const offset of [0n, 3n, 4n, 57n, 99n]) {
    const r = await log.read(offset, 1, { minOneMessage: true });
    assert.ok(r.error === undefined);
    const [info, ...rest] = [...iterateBatches(r.records)];
    assert.equal(rest.length, 0);
    assert.ok(info !== undefined);
    assert.equal(info.header.baseOffset, (offset / 5n) * 5n, `offset ${offset}`);
  }
  await log.close();
});

test('maxBytes returns whole batches only; minOneMessage lets one oversized batch through', async () => {
  const log = await openLog(await partitionDir());
  for (let i = 0; i < 4; i++) await log.append(await batch(`s${i}`, 1, { valueBytes: 100 }), { leaderEpoch: 0 });
  const one = readBatchHeader((await first(log, 0n, 1 << 20)).subarray(0, 61)).length + 12;

  assert.equal((await first(log, 0n, one - 1, false)).length, 0, 'too small and not minOneMessage: nothing');
  assert.equal((await first(log, 0n, one - 1, true)).length, one, 'minOneMessage: the first batch whole');
  assert.equal((await first(log, 0n, one)).length, one);
  assert.equal((await first(log, 0n, 2 * one + one / 2)).length, 2 * one, 'a partial second batch is cut');
  assert.equal((await first(log, 0n, 0, false)).length, 0);
  assert.equal((await first(log, 4n, 1000)).length, 0, 'at the log end: empty');
  assert.equal((await first(log, 1n, 1 << 20, false, 3n)).length, 2 * one, 'maxOffset excludes batches from it on');
  await log.close();
});

test('reads below the log start or past the log end are OFFSET_OUT_OF_RANGE', async () => {
  const log = await openLog(await partitionDir());
  for (let i = 0; i < 3; i++) await log.append(await batch(`o${i}`), { leaderEpoch: 0 });
  assert.equal(await log.deleteRecordsBefore(1n), 1n);
  const below = await log.read(0n, 100, { minOneMessage: true });
  assert.deepEqual(below, { error: 'OFFSET_OUT_OF_RANGE', logStartOffset: 1n, logEndOffset: 3n, highWatermark: 3n });
  const above = await log.read(4n, 100, { minOneMessage: true });
  assert.equal(above.error, 'OFFSET_OUT_OF_RANGE');
  const atEnd = await log.read(3n, 100, { minOneMessage: true });
  assert.ok(atEnd.error === undefined);
  assert.equal(atEnd.records.length, 0);
  await log.close();
});

test('LogAppendTime rewrites the batch (valid CRC) and reports the time', async () => {
  const log = await openLog(await partitionDir());
  const r = await log.append(await batch('lat', 2, { timestamp: 5n }), { leaderEpoch: 0, logAppendTime: T0 + 99n });
  assert.equal(r.logAppendTime, T0 + 99n);
  const records = await readAll(log);
  assert.deepEqual(
    records.map((x) => x.timestamp),
    [T0 + 99n, T0 + 99n],
  );
  const read = await log.read(0n, 1000, { minOneMessage: true });
  assert.ok(read.error === undefined);
  const info = [...iterateBatches(read.records, { verifyCrc: true })][0];
  assert.equal(info?.header.timestampType, 'LogAppendTime');
  await log.close();
});

test('bad input is refused with a typed error and nothing is written', async () => {
  const dir = await partitionDir();
  const log = await openLog(dir);
  await log.append(await batch('ok'), { leaderEpoch: 0 });
  const good = await batch('g', 2);
  const badCrc = Buffer.from(good);
  badCrc[badCrc.length - 1] = (badCrc[badCrc.length - 1] ?? 0) ^ 0xff;
  const magic1 = Buffer.from(good);
  magic1[16] = 1;
  const cases: [string, Buffer, string][] = [
    ['empty', Buffer.alloc(0), 'SDS_ERR_LOG_INVALID_RECORDS'],
    ['cut short', good.subarray(0, good.length - 1), 'SDS_ERR_LOG_INVALID_RECORDS'],
    ['header only', good.subarray(0, 30), 'SDS_ERR_LOG_INVALID_RECORDS'],
    ['trailing bytes', Buffer.concat([good, Buffer.from([1, 2, 3])]), 'SDS_ERR_LOG_INVALID_RECORDS'],
    ['CRC mismatch', badCrc, 'SDS_ERR_LOG_INVALID_RECORDS'],
    ['magic 1', magic1, 'SDS_ERR_LOG_INVALID_RECORDS'],
  ];
  for (const [name, bytes, code] of cases) {
    await assert.rejects(log.append(bytes, { leaderEpoch: 0 }), (err: Error) => err instanceof LogError && err.code === code, name);
  }
  await assert.rejects(log.append(good, { leaderEpoch: -2 }), (err: Error) => err instanceof LogError && err.code === 'SDS_ERR_LOG_BAD_ARGUMENT');
  const size = (await stat(join(dir, '00000000000000000000.log'))).size;
  assert.equal(log.logEndOffset, 1n);
  assert.equal(size, log.sizeInBytes());
  assert.equal((await log.append(good, { leaderEpoch: 0 })).baseOffset, 1n, 'the log still works');
  await log.close();
});

test('an append larger than segmentBytes is RECORDS_TOO_LARGE', async () => {
  const log = await openLog(await partitionDir(), { segmentBytes: 1024 });
  const big = await batch('big', 1, { valueBytes: 2000 });
  await assert.rejects(log.append(big, { leaderEpoch: 0 }), (err: Error) => err instanceof LogError && err.code === 'SDS_ERR_LOG_RECORDS_TOO_LARGE');
  assert.equal(log.logEndOffset, 0n);
  await log.close();
});

test('a closed log refuses calls; a second open of the same directory is refused', async () => {
  const dir = await partitionDir();
  const log = await openLog(dir);
  await assert.rejects(openLog(dir), (err: Error) => err instanceof LogError && err.code === 'SDS_ERR_LOG_ALREADY_OPEN');
  await log.close();
  await log.close();
  await assert.rejects(log.append(await batch('late'), { leaderEpoch: 0 }), (err: Error) => err instanceof LogError && err.code === 'SDS_ERR_LOG_CLOSED');
  await assert.rejects(log.read(0n, 1, { minOneMessage: true }), (err: Error) => err instanceof LogError && err.code === 'SDS_ERR_LOG_CLOSED');
  const again = await openLog(dir);
  await again.close();
});

test('config problems are all reported at once', async () => {
  await assert.rejects(openLog(await partitionDir(), { segmentBytes: 10, retentionMs: -5, flushIntervalMessages: 0 }), (err: Error) => {
    assert.ok(err instanceof LogError);
    assert.equal(err.code, 'SDS_ERR_LOG_BAD_CONFIG');
    assert.match(err.message, /segmentBytes.*retentionMs.*flushIntervalMessages/);
    return true;
  });
});

test('delete() removes the partition directory', async () => {
  const dir = await partitionDir();
  const log = await openLog(dir);
  await log.append(await batch('d'), { leaderEpoch: 0 });
  await log.delete();
  const parent = join(dir, '..');
  assert.deepEqual(await readdir(parent), []);
});

async function first(log: Awaited<ReturnType<typeof openLog>>, offset: bigint, maxBytes: number, minOneMessage = true, maxOffset?: bigint): Promise<Buffer> {
  const r = await log.read(offset, maxBytes, { minOneMessage, maxOffset });
  assert.ok(r.error === undefined);
  return r.records;
}
