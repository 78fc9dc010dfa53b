/**
 * kill -9 of the process running a mapping, in the middle of an invocation: started again on the
 * same data folder, it rejoins its group and delivers that batch again; no record is skipped.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createTopic, eventually, groupOffsets, mappingBroker, produce, tempDir } from './helpers.ts';

const CHILD = join(import.meta.dirname, 'fixtures/mapping-child.ts');

interface Child {
  readonly process: ChildProcess;
  readonly lines: string[];
}

function startChild(args: readonly string[]): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  let rest = '';
  child.stdout.on('data', (chunk: Buffer) => {
    const parts = (rest + chunk.toString()).split('\n');
    rest = parts.pop() ?? '';
    lines.push(...parts);
  });
  return { process: child, lines };
}

const offsetsIn = (lines: readonly string[], kind: 'INVOKED' | 'DONE'): string[] =>
  lines.filter((l) => l.startsWith(`${kind} `)).flatMap((l) => l.slice(kind.length + 1).split(','));

test('kill -9 in the middle of a batch: after a restart the batch is delivered again, and nothing is skipped', { timeout: 120_000 }, async () => {
  const broker = await mappingBroker();
  const dir = tempDir();
  const children: ChildProcess[] = [];
  try {
    await createTopic(broker.bootstrap, 'crash', 2);
    await produce(broker.bootstrap, 'crash', Array.from({ length: 20 }, (_, i) => ({ partition: i % 2, value: `v${i}` })));
    const all = [0, 1].flatMap((p) => Array.from({ length: 10 }, (_, o) => `${p}:${o}`));

    const first = startChild([broker.bootstrap, dir.path, 'crash', 'hang']);
    children.push(first.process);
    await eventually('the second invocation in flight', () => {
      if (first.process.exitCode !== null) throw new Error(`the mapping process exited with ${first.process.exitCode}`);
      return first.lines.filter((l) => l.startsWith('INVOKED')).length >= 2;
    }, 60_000);
    first.process.kill('SIGKILL');
    await new Promise((ok) => first.process.once('exit', ok));
    const finished = new Set(offsetsIn(first.lines, 'DONE'));
    const hung = offsetsIn(first.lines, 'INVOKED').filter((r) => !finished.has(r));
    assert.ok(hung.length > 0, 'killed in the middle of an invocation');

    const second = startChild([broker.bootstrap, dir.path, 'crash', 'normal']);
    children.push(second.process);
    await eventually('everything committed', async () => {
      const offsets = await groupOffsets(broker.bootstrap, await groupOf(dir.path), 'crash');
      return offsets.get(0) === 10n && offsets.get(1) === 10n;
    }, 60_000);

    const again = new Set(offsetsIn(second.lines, 'INVOKED'));
    for (const r of hung) assert.ok(again.has(r), `record ${r}, in flight at the crash, is delivered again`);
    for (const r of all) assert.ok(again.has(r) || finished.has(r), `record ${r} was processed before the crash or after it`);
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await broker.stop();
    dir.remove();
  }
});

/** The default group is the mapping's UUID, kept in its state file. */
async function groupOf(dataDir: string): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  return (JSON.parse(await readFile(join(dataDir, 'event-source-mappings', 'crash.json'), 'utf8')) as { UUID: string }).UUID;
}
