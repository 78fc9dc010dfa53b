import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { followLog, lastLines } from '../../../src/runtime/function-host/log-tail.ts';
import { eventually } from '../../broker/groups/helpers.ts';
import { tempDir } from './support.ts';

test('the last lines of a file larger than one read chunk', async () => {
  const dir = tempDir();
  try {
    const path = join(dir.path, 'f.log');
    const lines = Array.from({ length: 20_000 }, (_, i) => `line ${i} ${'x'.repeat(i % 50)}`);
    writeFileSync(path, `${lines.join('\n')}\n`);
    const tail = await lastLines(path, 3);
    assert.deepEqual(tail.lines, lines.slice(-3));
    assert.equal((await lastLines(path, 0)).lines.length, 0);
    assert.deepEqual((await lastLines(path, 50_000)).lines, lines);
    writeFileSync(path, '');
    assert.deepEqual(await lastLines(path, 5), { lines: [], end: 0 });
    await assert.rejects(lastLines(join(dir.path, 'none.log'), 5), { code: 'ENOENT' });
  } finally {
    dir.remove();
  }
});

test('following: appended text, a file that appears later, and a rotation in between', async () => {
  const dir = tempDir();
  const stop = new AbortController();
  try {
    const path = join(dir.path, 'f.log');
    let seen = '';
    const following = followLog(path, 0, (text) => (seen += text), stop.signal, 20);
    await new Promise((r) => setTimeout(r, 60));
    writeFileSync(path, 'one\n');
    await eventually('the first line', () => seen === 'one\n');
    appendFileSync(path, 'two\n');
    await eventually('the appended line', () => seen === 'one\ntwo\n');
    // Rotation: the last lines of the old file, then the new file from its start.
    appendFileSync(path, 'three\n');
    renameSync(path, `${path}.1`);
    writeFileSync(path, 'four\n');
    await eventually('the rest of the old file, then the new one', () => seen === 'one\ntwo\nthree\nfour\n');
    stop.abort();
    await following;
  } finally {
    stop.abort();
    dir.remove();
  }
});
