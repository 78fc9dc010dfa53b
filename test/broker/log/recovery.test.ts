import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdir, readFile, readdir, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { iterateBatches } from '../../../src/protocol/records/index.ts';
import type { LogLogger, PartitionLog } from '../../../src/broker/log/index.ts';
import { batch, openLog, partitionDir, readAll, tempDir } from './helpers.ts';

const SEGMENT0 = '00000000000000000000';

/** Batch boundaries of a .log file: [position, size, baseOffset, nextOffset]. */
async function layout(path: string): Promise<{ position: number; size: number; baseOffset: bigint; nextOffset: bigint }[]> {
  const bytes = await readFile(path);
  return [...iterateBatches(bytes)].map((i) => ({
    position: i.position,
    size: i.size,
    baseOffset: i.header.baseOffset,
    nextOffset: i.header.baseOffset + BigInt(i.header.lastOffsetDelta) + 1n,
  }));
}

/** A closed log with `n` batches of 1-3 records; returns its directory and log end offset. */
async function template(n: number, overrides = {}): Promise<{ source: string; end: bigint }> {
  const dir = await partitionDir();
  const log = await openLog(dir, overrides);
  for (let i = 0; i < n; i++) await log.append(await batch(`t${i}`, 1 + (i % 3), { valueBytes: 10 + i }), { leaderEpoch: 1 });
  const end = log.logEndOffset;
  await log.close();
  return { source: dir, end };
}

/** A copy of `dir` that looks like the broker died: no clean-shutdown marker. */
async function crashedCopy(dir: string): Promise<string> {
  const copy = join(await tempDir(), 'topic-0');
  await cp(dir, copy, { recursive: true });
  await rm(join(copy, '.kafka_cleanshutdown'), { force: true });
  return copy;
}

function recordingLogger(): LogLogger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, info: () => {}, warn: (_o, msg) => warnings.push(msg), error: (_o, msg) => warnings.push(msg) };
}

async function expectPrefix(log: PartitionLog, nextOffset: bigint, label: string): Promise<void> {
  assert.equal(log.logEndOffset, nextOffset, label);
  assert.equal(log.highWatermark, nextOffset, label);
  const records = await readAll(log);
  assert.equal(records.length, Number(nextOffset), label);
  records.forEach((r, i) => assert.equal(r.offset, BigInt(i), label));
}

test('a .log cut at every byte of its last two batches recovers exactly the whole batches before the cut', async () => {
  const { source } = await template(8);
  const logPath = join(source, `${SEGMENT0}.log`);
  const batches = await layout(logPath);
  const full = await readFile(logPath);
  const from = batches[batches.length - 2]?.position ?? 0;
  for (let cut = from; cut < full.length; cut++) {
    const dir = join(await tempDir(), 'topic-0');
    await mkdir(dir);
    await writeFile(join(dir, `${SEGMENT0}.log`), full.subarray(0, cut));
    const whole = batches.filter((b) => b.position + b.size <= cut);
    const expectedEnd = whole[whole.length - 1]?.nextOffset ?? 0n;
    const log = await openLog(dir);
    await expectPrefix(log, expectedEnd, `cut at ${cut}`);
    assert.equal((await stat(join(dir, `${SEGMENT0}.log`))).size, whole.reduce((s, b) => s + b.size, 0));
    if (cut % 16 === 0 || cut === from) {
      assert.equal((await log.append(await batch('after'), { leaderEpoch: 2 })).baseOffset, expectedEnd);
    }
    await log.close();
  }
});

test('garbage after the last batch is truncated and appends continue at the log end', async () => {
  const { source, end } = await template(5);
  const dir = await crashedCopy(source);
  const path = join(dir, `${SEGMENT0}.log`);
  const size = (await stat(path)).size;
  await writeFile(path, Buffer.concat([await readFile(path), Buffer.from('this is not a record batch, but it is long enough to look like a header....')]));
  const logger = recordingLogger();
  const log = await openLog(dir, {}, { logger });
  await expectPrefix(log, end, 'garbage');
  assert.equal((await stat(path)).size, size);
  assert.ok(logger.warnings.some((w) => w.includes('truncating')));
  assert.equal((await log.append(await batch('next'), { leaderEpoch: 0 })).baseOffset, end);
  await log.close();
});

test('a flipped byte in the last batch removes that batch (except in the unprotected leader epoch)', async () => {
  const { source } = await template(4);
  const batches = await layout(join(source, `${SEGMENT0}.log`));
  const last = batches[batches.length - 1];
  assert.ok(last !== undefined);
  const full = await readFile(join(source, `${SEGMENT0}.log`));
  for (let i = 0; i < last.size; i++) {
    const dir = await crashedCopy(source);
    const bytes = Buffer.from(full);
    const at = last.position + i;
    bytes[at] = (bytes[at] ?? 0) ^ 0x5a;
    await writeFile(join(dir, `${SEGMENT0}.log`), bytes);
    const log = await openLog(dir);
    const epochByte = i >= 12 && i < 16;
    await expectPrefix(log, epochByte ? last.nextOffset : last.baseOffset, `flip at batch byte ${i}`);
    await log.close();
  }
});

test('corruption in an older segment truncates it and deletes every later segment', async () => {
  const { source } = await template(30, { segmentBytes: 600 });
  const names = (await readdir(source)).filter((n) => n.endsWith('.log')).sort();
  assert.ok(names.length >= 4);
  const victim = names[1] as string;
  const dir = await crashedCopy(source);
  // Recovery starts at the recovery point: put it at 0 so the damaged segment is checked.
  await writeFile(join(dir, 'recovery-point-offset-checkpoint'), '0\n0\n');
  const batches = await layout(join(dir, victim));
  const bad = batches[2];
  assert.ok(bad !== undefined);
  const bytes = await readFile(join(dir, victim));
  bytes[bad.position + 40] = (bytes[bad.position + 40] ?? 0) ^ 1;
  await writeFile(join(dir, victim), bytes);

  const logger = recordingLogger();
  const log = await openLog(dir, { segmentBytes: 600 }, { logger });
  await expectPrefix(log, bad.baseOffset, 'older segment');
  assert.deepEqual(
    (await readdir(dir)).filter((n) => n.endsWith('.log')).sort(),
    names.slice(0, 2),
  );
  assert.ok(logger.warnings.some((w) => w.includes('deleting every later segment')));
  assert.equal((await log.append(await batch('next'), { leaderEpoch: 0 })).baseOffset, bad.baseOffset);
  await log.close();
});

test('without a clean shutdown only segments from the recovery point on are re-validated', async () => {
  const { source, end } = await template(30, { segmentBytes: 600 });
  const names = (await readdir(source)).filter((n) => n.endsWith('.log')).sort();
  const dir = await crashedCopy(source);
  // Damage a sealed segment below the recovery point: recovery trusts it (as Kafka does).
  const victim = names[0] as string;
  const bytes = await readFile(join(dir, victim));
  bytes[bytes.length - 5] = (bytes[bytes.length - 5] ?? 0) ^ 1;
  await writeFile(join(dir, victim), bytes);
  const log = await openLog(dir, { segmentBytes: 600 });
  assert.equal(log.logEndOffset, end);
  assert.equal(log.describeSegments().length, names.length);
  await log.close();
});

test('missing or damaged index files are rebuilt, identical to the originals', async () => {
  const { source, end } = await template(40, { segmentBytes: 1200, indexIntervalBytes: 64 });
  const names = (await readdir(source)).filter((n) => n.endsWith('.index') || n.endsWith('.timeindex')).sort();
  assert.ok(names.length >= 4);
  const originals = new Map<string, Buffer>();
  for (const n of names) originals.set(n, await readFile(join(source, n)));

  const damages: [string, (dir: string, name: string) => Promise<void>][] = [
    ['deleted', (dir, name) => rm(join(dir, name))],
    ['odd size', (dir, name) => truncate(join(dir, name), Math.max(0, (originals.get(name)?.length ?? 1) - 3))],
    ['garbage', (dir, name) => writeFile(join(dir, name), Buffer.alloc(originals.get(name)?.length ?? 24, 0xee))],
    ['emptied', (dir, name) => writeFile(join(dir, name), Buffer.alloc(0))],
  ];
  for (const [what, damage] of damages) {
    for (const clean of [true, false]) {
      const dir = join(await tempDir(), 'topic-0');
      await cp(source, dir, { recursive: true });
      if (!clean) await rm(join(dir, '.kafka_cleanshutdown'));
      for (const n of names) await damage(dir, n);
      const log = await openLog(dir, { segmentBytes: 1200, indexIntervalBytes: 64 });
      assert.equal(log.logEndOffset, end, `${what}, clean=${clean}`);
      for (let offset = 0n; offset < end; offset += 7n) {
        const r = await log.read(offset, 1, { minOneMessage: true });
        assert.ok(r.error === undefined && r.records.length > 0);
      }
      await log.close();
      for (const n of names) assert.deepEqual(await readFile(join(dir, n)), originals.get(n), `${what}, clean=${clean}: ${n}`);
    }
  }
});

test('stale index files of the active segment are not trusted after a crash', async () => {
  const dir = await partitionDir();
  const first = await openLog(dir, { indexIntervalBytes: 64 });
  for (let i = 0; i < 10; i++) await first.append(await batch(`a${i}`, 2, { valueBytes: 30 }), { leaderEpoch: 0 });
  await first.close();
  const staleIndex = await readFile(join(dir, `${SEGMENT0}.index`));
  const second = await openLog(dir, { indexIntervalBytes: 64 });
  for (let i = 0; i < 10; i++) await second.append(await batch(`b${i}`, 2, { valueBytes: 30 }), { leaderEpoch: 0 });
  await second.close();
  const freshIndex = await readFile(join(dir, `${SEGMENT0}.index`));
  assert.ok(freshIndex.length > staleIndex.length);
  // Crash after the second session's appends, before its close: old index, old recovery point, no marker.
  await writeFile(join(dir, `${SEGMENT0}.index`), staleIndex);
  await writeFile(join(dir, 'recovery-point-offset-checkpoint'), '0\n20\n');
  await rm(join(dir, '.kafka_cleanshutdown'));
  const third = await openLog(dir, { indexIntervalBytes: 64 });
  await expectPrefix(third, 40n, 'stale index');
  await third.close();
  assert.deepEqual(await readFile(join(dir, `${SEGMENT0}.index`)), freshIndex);
});

test('a malformed recovery point checkpoint means recovering everything', async () => {
  const { source, end } = await template(20, { segmentBytes: 600 });
  const dir = await crashedCopy(source);
  await writeFile(join(dir, 'recovery-point-offset-checkpoint'), 'garbage');
  const logger = recordingLogger();
  const log = await openLog(dir, { segmentBytes: 600 }, { logger });
  assert.equal(log.logEndOffset, end);
  assert.ok(logger.warnings.some((w) => w.includes('malformed')));
  await log.close();
});

test('batches larger than the recovery read window are checked piece by piece', async () => {
  const dir = await partitionDir();
  const log = await openLog(dir);
  await log.append(await batch('small'), { leaderEpoch: 0 });
  await log.append(await batch('huge', 1, { valueBytes: 1_500_000 }), { leaderEpoch: 0 });
  await log.append(await batch('huge2', 1, { valueBytes: 1_200_000 }), { leaderEpoch: 0 });
  await log.close();

  const intact = await crashedCopy(dir);
  const ok = await openLog(intact);
  await expectPrefix(ok, 3n, 'intact');
  await ok.close();

  const damaged = await crashedCopy(dir);
  const path = join(damaged, `${SEGMENT0}.log`);
  const batches = await layout(path);
  const third = batches[2];
  assert.ok(third !== undefined);
  const bytes = await readFile(path);
  const at = third.position + 1_100_000;
  bytes[at] = (bytes[at] ?? 0) ^ 0x80;
  await writeFile(path, bytes);
  const recovered = await openLog(damaged);
  await expectPrefix(recovered, 2n, 'damaged');
  await recovered.close();
});

test('a crash right after a roll (empty newest segment) recovers to the same log end', async () => {
  const { source, end } = await template(12, { segmentBytes: 500 });
  const dir = await crashedCopy(source);
  await writeFile(join(dir, `${end.toString().padStart(20, '0')}.log`), Buffer.alloc(0));
  const log = await openLog(dir, { segmentBytes: 500 });
  assert.equal(log.logEndOffset, end);
  assert.equal((await log.append(await batch('x'), { leaderEpoch: 0 })).baseOffset, end);
  await log.close();
});
