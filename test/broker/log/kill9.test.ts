import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PartitionLog } from '../../../src/broker/log/index.ts';
import { partitionDir, readAll } from './helpers.ts';
import { KILL_LOG_CONFIG, killKey, killValue } from './kill-records.ts';

const CHILD = fileURLToPath(new URL('./kill-child.ts', import.meta.url));

interface Ack {
  id: string;
  count: number;
  baseOffset: bigint;
  lastOffset: bigint;
}

/** Runs the child until `killAfterAcks` appends are acknowledged plus a random delay, then SIGKILLs it. */
async function runAndKill(dir: string, cycle: number, delayMs: number): Promise<{ acks: Ack[]; startEnd: bigint }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, String(cycle)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const acks: Ack[] = [];
  let startEnd = -1n;
  let stderr = '';
  let pending = '';
  let timer: NodeJS.Timeout | undefined;
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.on('data', (d: Buffer) => {
    pending += d.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      const [kind, a, b, c, e] = line.split(' ');
      if (kind === 'ready') startEnd = BigInt(a ?? '-1');
      if (kind === 'ack' && a !== undefined && b !== undefined && c !== undefined && e !== undefined) {
        acks.push({ id: a, count: Number(b), baseOffset: BigInt(c), lastOffset: BigInt(e) });
        timer ??= setTimeout(() => child.kill('SIGKILL'), delayMs);
      }
    }
  });
  const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  if (timer !== undefined) clearTimeout(timer);
  assert.equal(exit.signal, 'SIGKILL', `child exited on its own (code ${exit.code}): ${stderr}`);
  return { acks, startEnd };
}

test('kill -9 at random moments loses no acknowledged record and leaves only valid batches', async () => {
  const dir = await partitionDir();
  const acked: Ack[] = [];
  const seed = Date.now();
  let rand = seed % 2147483647;
  const next = (): number => (rand = (rand * 48271) % 2147483647) / 2147483647;

  for (let cycle = 0; cycle < 5; cycle++) {
    const delay = Math.floor(next() * 250);
    const { acks, startEnd } = await runAndKill(dir, cycle, delay);
    assert.ok(acks.length > 0, `cycle ${cycle}: no acknowledgements`);
    assert.ok(startEnd >= 0n, `cycle ${cycle}: the child did not report its start`);
    acked.push(...acks);

    const log = await PartitionLog.open(dir, KILL_LOG_CONFIG);
    try {
      const records = await readAll(log, log.logEndOffset);
      assert.equal(log.highWatermark, log.logEndOffset);
      const byKey = new Map<string, bigint>();
      for (const r of records) {
        assert.ok(!byKey.has(r.key), `seed ${seed}: key ${r.key} appears twice`);
        byKey.set(r.key, r.offset);
        assert.deepEqual(r.value, killValue(r.key), `seed ${seed}: value of ${r.key}`);
      }
      for (const a of acked) {
        for (let i = 0; i < a.count; i++) {
          const key = killKey(a.id, i);
          assert.equal(byKey.get(key), a.baseOffset + BigInt(i), `seed ${seed}, cycle ${cycle}: acknowledged ${key}`);
        }
      }
    } finally {
      await log.close();
    }
  }
});
