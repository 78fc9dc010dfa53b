import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, closeSync, mkdtempSync, openSync, readdirSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SdsError } from '../../../src/errors.ts';
import { Journal } from '../../../src/runtime/firehose/journal.ts';

function tempDir(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'sds-journal-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

const text = (records: readonly { data: Buffer }[]): string[] => records.map((r) => r.data.toString());

test('appended records come back after a reopen until they are marked delivered', async () => {
  const dir = tempDir();
  try {
    const { journal, pending } = await Journal.open(dir.path);
    assert.deepEqual(pending, []);
    assert.deepEqual(await journal.append(1000, [Buffer.from('a'), Buffer.from('b')]), [0n, 1n]);
    // Concurrent appends keep their order and share fsyncs.
    const [c, d] = await Promise.all([journal.append(2000, [Buffer.from('c')]), journal.append(2001, [Buffer.from('d'), Buffer.alloc(0)])]);
    assert.deepEqual([c, d], [[2n], [3n, 4n]]);
    await journal.close();

    const again = await Journal.open(dir.path);
    assert.deepEqual(text(again.pending), ['a', 'b', 'c', 'd', '']);
    assert.deepEqual(again.pending.map((r) => [r.sequence, r.arrival]), [[0n, 1000], [1n, 1000], [2n, 2000], [3n, 2001], [4n, 2001]]);
    await again.journal.markDelivered(3n);
    assert.deepEqual(await again.journal.append(3000, [Buffer.from('e')]), [5n]);
    await again.journal.close();

    const third = await Journal.open(dir.path);
    assert.deepEqual(text(third.pending), ['d', '', 'e']);
    await third.journal.markDelivered(6n);
    await third.journal.close();
    const fourth = await Journal.open(dir.path);
    assert.deepEqual(fourth.pending, []);
    assert.deepEqual(await fourth.journal.append(4000, [Buffer.from('f')]), [6n]);
    await fourth.journal.close();
    // Segments wholly below the checkpoint are gone; the journal keeps only what is needed.
    const segments = readdirSync(dir.path).filter((n) => n.endsWith('.journal'));
    assert.ok(segments.length <= 2, segments.join(', '));
  } finally {
    dir.remove();
  }
});

test('a torn or corrupt tail is cut at the last whole record; a bad checkpoint is refused', async () => {
  const dir = tempDir();
  try {
    const { journal } = await Journal.open(dir.path);
    await journal.append(1, [Buffer.from('one'), Buffer.from('two')]);
    await journal.close();
    const segment = join(dir.path, readdirSync(dir.path).find((n) => n.endsWith('.journal')) ?? '');
    const whole = statSync(segment).size;
    appendFileSync(segment, Buffer.from([0, 0, 0, 20, 1, 2, 3])); // half a frame
    const torn = await Journal.open(dir.path);
    assert.deepEqual(text(torn.pending), ['one', 'two']);
    assert.equal(statSync(segment).size, whole);
    assert.deepEqual(await torn.journal.append(2, [Buffer.from('three')]), [2n]);
    await torn.journal.close();

    // A flipped byte in the last record: the CRC refuses it, and it was never acknowledged.
    const last = join(dir.path, readdirSync(dir.path).filter((n) => n.endsWith('.journal')).sort().at(-1) ?? '');
    const fd = openSync(last, 'r+');
    writeSync(fd, Buffer.from('X'), 0, 1, statSync(last).size - 1);
    closeSync(fd);
    const corrupt = await Journal.open(dir.path);
    assert.deepEqual(text(corrupt.pending), ['one', 'two']);
    await corrupt.journal.close();

    writeFileSync(join(dir.path, 'delivered'), 'garbage');
    await assert.rejects(Journal.open(dir.path), (e: unknown) => e instanceof SdsError && e.code === 'SDS_ERR_FIREHOSE_JOURNAL' && /not a sequence number/.test(e.message));
  } finally {
    dir.remove();
  }
});
