/**
 * Storage failures of the partition log: a full disk (a real tmpfs filled up) or a failed
 * fsync takes the log offline; reads go on; a later append repairs the files and the log
 * continues without losing, duplicating or skipping an acknowledged offset.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LogError, REPAIR_INTERVAL_MS, isStorageFailure, storageFailureDetail, type LogLogger, type PartitionLog } from '../../../src/broker/log/index.ts';
import { batch, openLog, partitionDir, readAll } from './helpers.ts';
import { fillUp, mountTmpfs, type Tmpfs } from './tmpfs.ts';

interface Line {
  level: 'info' | 'warn' | 'error' | 'debug';
  msg: string;
}

function capturingLogger(): LogLogger & { lines: Line[] } {
  const lines: Line[] = [];
  return {
    lines,
    info: (_o, msg) => lines.push({ level: 'info', msg }),
    warn: (_o, msg) => lines.push({ level: 'warn', msg }),
    error: (_o, msg) => lines.push({ level: 'error', msg }),
    debug: (_o, msg) => lines.push({ level: 'debug', msg }),
  };
}

const isOffline = (err: unknown): boolean => err instanceof LogError && err.code === 'SDS_ERR_LOG_OFFLINE';

/** The log's records (CRC-checked) as offset -> key, failing on an offset served twice. */
async function contents(log: PartitionLog): Promise<Map<bigint, string>> {
  const out = new Map<bigint, string>();
  for (const r of await readAll(log)) {
    assert.ok(!out.has(r.offset), `offset ${r.offset} served twice`);
    out.set(r.offset, r.key);
  }
  return out;
}

/** Every acknowledged record at its offset, nothing else, offsets from 0 without a gap. */
async function assertHoldsExactly(log: PartitionLog, acked: Map<bigint, string>): Promise<void> {
  assert.deepEqual([...(await contents(log))], [...acked].sort((a, b) => (a[0] < b[0] ? -1 : 1)));
  assert.deepEqual([...acked.keys()].sort((a, b) => (a < b ? -1 : 1)), Array.from({ length: acked.size }, (_, i) => BigInt(i)));
}

/** The active segment file holds exactly the bytes the log knows: no partial batch after them. */
function assertNoTornTail(log: PartitionLog, dir: string): void {
  const active = log.describeSegments().at(-1);
  assert.ok(active !== undefined);
  const file = join(dir, `${active.baseOffset.toString().padStart(20, '0')}.log`);
  assert.equal(statSync(file).size, active.size, `${file} has bytes past the log end`);
}

function withTmpfs(t: TestContext, bytes: number): Tmpfs | undefined {
  const mounted = mountTmpfs(bytes);
  if (typeof mounted === 'string') {
    t.skip(mounted);
    return undefined;
  }
  return mounted;
}

test('disk full: appends answer SDS_ERR_LOG_OFFLINE, acknowledged records stay readable, the log heals once space returns', async (t) => {
  const fs = withTmpfs(t, 1 << 20);
  if (fs === undefined) return;
  try {
    const filler = join(fs.dir, 'filler');
    writeFileSync(filler, Buffer.alloc(256 * 1024, 1));
    const dir = join(fs.dir, 'topic-0');
    let clock = Date.now();
    const logger = capturingLogger();
    const log = await openLog(dir, {}, { now: () => clock, logger });
    const acked = new Map<bigint, string>();
    let failure: unknown;
    for (let i = 0; failure === undefined; i++) {
      assert.ok(i < 100, 'the disk never filled up');
      try {
        const r = await log.append(await batch(`r${i}`, 1, { valueBytes: 20_000 }), { leaderEpoch: 0 });
        acked.set(r.baseOffset, `r${i}-0`);
      } catch (err) {
        failure = err;
      }
    }
    assert.ok(isOffline(failure), failure instanceof Error ? failure.message : 'no error');
    assert.ok(isStorageFailure(failure));
    assert.match(storageFailureDetail(failure), /ENOSPC/);
    assert.ok(log.offline);
    assert.ok(acked.size > 10);

    // Before a retry is due, appends fail at once; reads, lookups and the watermarks are untouched.
    await assert.rejects(log.append(await batch('early'), { leaderEpoch: 0 }), isOffline);
    await assertHoldsExactly(log, acked);
    assert.equal(log.highWatermark, BigInt(acked.size));
    assert.equal((await log.offsetForTimestamp(0n))?.offset, 0n);
    assertNoTornTail(log, dir);

    // Still full: the retry fails too, and leaves no partial batch behind.
    clock += REPAIR_INTERVAL_MS;
    await assert.rejects(log.append(await batch('still-full', 1, { valueBytes: 20_000 }), { leaderEpoch: 0 }), isOffline);
    assertNoTornTail(log, dir);

    rmSync(filler);
    await assert.rejects(log.append(await batch('too-soon'), { leaderEpoch: 0 }), isOffline, 'at most one repair attempt a second');
    clock += REPAIR_INTERVAL_MS;
    for (let i = 0; i < 5; i++) {
      const r = await log.append(await batch(`after${i}`, 1, { valueBytes: 20_000 }), { leaderEpoch: 0 });
      assert.equal(r.baseOffset, BigInt(acked.size), 'offsets continue where the acknowledged ones end');
      acked.set(r.baseOffset, `after${i}-0`);
    }
    assert.ok(!log.offline);
    await assertHoldsExactly(log, acked);
    assert.equal(logger.lines.filter((l) => l.level === 'warn').length, 1, JSON.stringify(logger.lines));
    assert.equal(logger.lines.filter((l) => l.level === 'info' && /accepts writes again/.test(l.msg)).length, 1);
    await log.close();

    const again = await openLog(dir);
    await assertHoldsExactly(again, acked);
    assert.equal(again.logEndOffset, BigInt(acked.size));
    await again.close();
  } finally {
    fs.unmount();
  }
});

test('disk full during a roll: the repair finishes the roll (fsync, index files, recovery point)', async (t) => {
  const fs = withTmpfs(t, 1 << 20);
  if (fs === undefined) return;
  try {
    const dir = join(fs.dir, 'topic-0');
    let clock = Date.now();
    const log = await openLog(dir, { segmentBytes: 16 * 1024 }, { now: () => clock });
    const acked = new Map<bigint, string>();
    const append = async (key: string): Promise<void> => {
      const r = await log.append(await batch(key, 1, { valueBytes: 3_500 }), { leaderEpoch: 0 });
      acked.set(r.baseOffset, `${key}-0`);
    };
    for (let i = 0; i < 4; i++) await append(`a${i}`);
    assert.equal(log.describeSegments().length, 1);

    // The next append rolls; with no page left, writing the sealed segment's index files fails.
    const filler = join(fs.dir, 'filler');
    fillUp(filler);
    await assert.rejects(append('rolls'), isOffline);
    clock += REPAIR_INTERVAL_MS;
    await assert.rejects(append('still-full'), isOffline);
    await assertHoldsExactly(log, acked);

    rmSync(filler);
    clock += REPAIR_INTERVAL_MS;
    await append('b0');
    await append('b1');
    assert.deepEqual(
      log.describeSegments().map((s) => s.baseOffset),
      [0n, 4n],
    );
    assert.equal(readFileSync(join(dir, 'recovery-point-offset-checkpoint'), 'utf8'), '0\n4\n');
    await assertHoldsExactly(log, acked);
    await log.close();

    // After the clean close the index files are trusted as they are: none needs rebuilding.
    const logger = capturingLogger();
    const again = await openLog(dir, { segmentBytes: 16 * 1024 }, { logger });
    assert.deepEqual(logger.lines, []);
    await assertHoldsExactly(again, acked);
    await again.close();
  } finally {
    fs.unmount();
  }
});

test('a failed fsync: the repair cuts the unacknowledged bytes (and any torn tail) and gives their offsets out again', async () => {
  const dir = await partitionDir();
  let clock = Date.now();
  let failSync = false;
  const eio = (): Promise<void> => Promise.reject(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
  const log = await openLog(dir, { indexIntervalBytes: 1 }, { now: () => clock, beforeSync: () => (failSync ? eio() : Promise.resolve()) });
  const acked = new Map<bigint, string>();
  for (let i = 0; i < 5; i++) acked.set((await log.append(await batch(`a${i}`), { leaderEpoch: 0 })).baseOffset, `a${i}-0`);

  failSync = true;
  const lost = await Promise.allSettled([log.append(await batch('b0'), { leaderEpoch: 0 }), log.append(await batch('b1'), { leaderEpoch: 0 })]);
  for (const r of lost) assert.ok(r.status === 'rejected' && isOffline(r.reason));
  assert.equal(log.highWatermark, 5n, 'nothing unacknowledged is served');
  assert.equal(log.logEndOffset, 7n, 'the batches were written before the fsync failed');
  await assertHoldsExactly(log, acked);
  const segment = join(dir, '00000000000000000000.log');
  appendFileSync(segment, Buffer.alloc(100, 7)); // as if a torn write had stayed behind

  failSync = false;
  clock += REPAIR_INTERVAL_MS;
  const c = await log.append(await batch('c0'), { leaderEpoch: 0 });
  assert.equal(c.baseOffset, 5n, "the failed batches' offsets are given out again");
  acked.set(c.baseOffset, 'c0-0');
  await assertHoldsExactly(log, acked);
  const read = await log.read(5n, 1 << 20, { minOneMessage: true });
  assert.ok(read.error === undefined && read.records.length > 0, 'the rebuilt index finds the new batch');
  assertNoTornTail(log, dir);
  await log.close();

  const again = await openLog(dir);
  await assertHoldsExactly(again, acked);
  await again.close();
});

test('relaxed flushing: a failed fsync keeps every acknowledged record', async () => {
  const dir = await partitionDir();
  let clock = Date.now();
  let failSync = false;
  const log = await openLog(dir, { flushIntervalMessages: 2 }, { now: () => clock, beforeSync: () => (failSync ? Promise.reject(new Error('EIO: i/o error, fdatasync')) : Promise.resolve()) });
  const acked = new Map<bigint, string>();
  acked.set((await log.append(await batch('a'), { leaderEpoch: 0 })).baseOffset, 'a-0');
  failSync = true;
  // Acknowledged once written; its fsync (two offsets unflushed) then fails.
  acked.set((await log.append(await batch('b'), { leaderEpoch: 0 })).baseOffset, 'b-0');
  while (!log.offline) await new Promise((r) => setImmediate(r));
  await assert.rejects(log.append(await batch('early'), { leaderEpoch: 0 }), isOffline);

  failSync = false;
  clock += REPAIR_INTERVAL_MS;
  acked.set((await log.append(await batch('c'), { leaderEpoch: 0 })).baseOffset, 'c-0');
  await assertHoldsExactly(log, acked);
  await log.close();
  const again = await openLog(dir);
  await assertHoldsExactly(again, acked);
  await again.close();
});
