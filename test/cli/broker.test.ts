import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { RawClient } from '../support/raw-client.ts';

test('sds broker start prints the bootstrap string, serves, and stops cleanly on SIGTERM', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sds-cli-broker-'));
  try {
    const child = spawn(process.execPath, ['bin/sds.js', 'broker', 'start', '--data-dir', dir, '--port', '0', '--log-level', 'silent'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /ready: 127\.0\.0\.1:(\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
    });
    const client = await RawClient.connect(port);
    const created = await client.request(19, 7, { topics: [{ name: 'from-cli', numPartitions: 1, replicationFactor: 1 }] });
    assert.equal(created.topics[0]?.errorCode, 0);
    client.close();
    const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    assert.equal(await exit, 0);
    assert.ok(existsSync(join(dir, 'from-cli-0', '.kafka_cleanshutdown')), 'logs closed cleanly');
    assert.ok(existsSync(join(dir, 'meta.properties')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sds broker start: bad flags exit 2, an unusable port or data directory exits 1 with a reason', async () => {
  const run = (...args: string[]) => spawnSync(process.execPath, ['bin/sds.js', 'broker', 'start', '--log-level', 'silent', ...args], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(run('--port', '70000').status, 2);
  assert.equal(run('--port', 'abc').status, 2);
  assert.equal(run('--log-level', 'loud').status, 2);

  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const address = blocker.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const dir = mkdtempSync(join(tmpdir(), 'sds-cli-broker-'));
  try {
    const busy = spawnSync(process.execPath, ['bin/sds.js', 'broker', 'start', '--data-dir', dir, '--port', String(port), '--log-level', 'silent'], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(busy.status, 1);
    assert.match(busy.stderr, /already in use.*SDS_ERR_BROKER_LISTEN/);
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    const notDir = run('--data-dir', join(file, 'sub'), '--port', '0');
    assert.equal(notDir.status, 1);
    assert.match(notDir.stderr, /SDS_ERR_BROKER_DATA_DIR/);
  } finally {
    blocker.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
