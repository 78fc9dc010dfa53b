import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostPort, readState, STATE_FILE } from '../../src/cli/status.ts';
import { runSds } from '../support/sds-cli.ts';
import { startSds } from '../support/sds-up.ts';

function tempDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'sds-status-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A pid that is certainly gone: a child that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((r) => child.once('exit', r));
  return child.pid ?? assert.fail('no pid');
}

test('sds status: running while sds up is up (endpoints answer), not running (exit 3) after SIGTERM', async () => {
  const t = tempDir();
  try {
    const file = join(t.dir, 'sds.config.yaml');
    writeFileSync(file, 'broker: { port: 0 }\ntopics: [{ name: t }]\ndeliveryStreams:\n  s: { BucketARN: "arn:aws:s3:::status-bucket" }\nfirehose: { port: 0 }\ndashboard: { port: 0 }\n');
    const up = await startSds(['up', '--config-file', file]);
    const pid = up.child.pid;
    try {
      const running = await runSds(['status', '--config-file', file]);
      assert.equal(running.code, 0, running.stdout + running.stderr);
      assert.match(running.stdout, new RegExp(`sds up is running: pid ${pid}`));
      assert.match(running.stdout, /Kafka broker: 127\.0\.0\.1:\d+ \(answers\)/);
      assert.match(running.stdout, /Firehose: http:\/\/127\.0\.0\.1:\d+ \(answers\)/);
      assert.match(running.stdout, /Dashboard: http:\/\/127\.0\.0\.1:\d+\/ \(answers\)/);
      const json = JSON.parse((await runSds(['status', '--data-dir', join(t.dir, '.sds'), '--json'])).stdout) as { running: boolean; healthy: boolean; pid: number };
      assert.deepEqual([json.running, json.healthy, json.pid], [true, true, pid]);
      assert.equal(await up.stop(), 0, up.out());
      assert.ok(!existsSync(join(t.dir, '.sds', STATE_FILE)), 'a clean stop removes the state file');
      const stopped = await runSds(['status', '--config-file', file]);
      assert.equal(stopped.code, 3);
      assert.match(stopped.stdout, /sds up is not running \(no .*sds-up\.json\)/);
    } finally {
      up.kill();
    }
  } finally {
    t.remove();
  }
});

test('sds status: a state file left by a killed process is reported as stale (exit 3); one that sds up did not write is an error', async () => {
  const t = tempDir();
  try {
    const dataDir = join(t.dir, 'state');
    mkdirSync(dataDir);
    const pid = await deadPid();
    writeFileSync(join(dataDir, STATE_FILE), JSON.stringify({ pid, startedAt: '2024-01-01T00:00:00.000Z', configFile: null, bootstrap: '127.0.0.1:1', embeddedBroker: true, firehose: null, dashboard: null, functions: [], demoTopic: null }));
    const stale = await runSds(['status', '--data-dir', dataDir]);
    assert.equal(stale.code, 3);
    assert.match(stale.stdout, new RegExp(`left from pid ${pid} .*which is gone`));

    // Alive pid (this test), but nothing listens: running, not healthy.
    writeFileSync(join(dataDir, STATE_FILE), JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString(), configFile: null, bootstrap: '127.0.0.1:1', embeddedBroker: true, firehose: null, dashboard: null, functions: [], demoTopic: null }));
    const unhealthy = await runSds(['status', '--data-dir', dataDir]);
    assert.equal(unhealthy.code, 1);
    assert.match(unhealthy.stdout, /Kafka broker: 127\.0\.0\.1:1 \(DOES NOT ANSWER\)/);

    writeFileSync(join(dataDir, STATE_FILE), '{"pid": ');
    const corrupt = await runSds(['status', '--data-dir', dataDir]);
    assert.equal(corrupt.code, 1);
    assert.match(corrupt.stderr, /not the state file sds up writes \(not JSON\).*SDS_ERR_STATUS_STATE/);
    writeFileSync(join(dataDir, STATE_FILE), '{"pid": "12"}');
    assert.throws(() => readState(dataDir), /fields missing/);
    assert.equal((await runSds(['status', '--bogus'])).code, 2);
  } finally {
    t.remove();
  }
});

test('hostPort reads bootstrap addresses and URLs', () => {
  assert.deepEqual(hostPort('127.0.0.1:9092'), { host: '127.0.0.1', port: 9092 });
  assert.deepEqual(hostPort('http://[::1]:3000/'), { host: '::1', port: 3000 });
  assert.equal(hostPort('no port'), undefined);
});
