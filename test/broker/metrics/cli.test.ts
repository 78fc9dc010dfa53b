// `sds broker start --metrics-port`: the URL is printed next to the ready line and serves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { parsePrometheusText, sampleValue } from '../../../src/dashboard/prometheus-text.ts';

test('sds broker start --metrics-port 0 prints the metrics URL, which serves the broker metrics', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sds-cli-metrics-'));
  try {
    const child = spawn(process.execPath, ['bin/sds.js', 'broker', 'start', '--data-dir', dir, '--port', '0', '--metrics-port', '0', '--log-level', 'silent'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /^Metrics \(Prometheus\): (http:\/\/127\.0\.0\.1:\d+\/metrics)$/m.exec(out);
        if (m) resolve(m[1] as string);
      });
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
    });
    assert.match(out, /^Kafka broker ready: 127\.0\.0\.1:\d+ .*\nMetrics \(Prometheus\): /m);
    const families = parsePrometheusText(await (await fetch(url)).text());
    assert.equal(sampleValue(families, 'kafka_ActiveControllerCount'), 1);
    assert.equal(sampleValue(families, 'kafka_GlobalTopicCount'), 0);
    const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    assert.equal(await exit, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sds broker start: a bad --metrics-port exits 2, a busy one exits 1 saying so', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sds-cli-metrics-'));
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  const busy = (holder.address() as { port: number }).port;
  try {
    const run = (...args: string[]) => spawnSync(process.execPath, ['bin/sds.js', 'broker', 'start', '--data-dir', dir, '--port', '0', '--log-level', 'silent', ...args], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(run('--metrics-port', 'http').status, 2);
    const taken = run('--metrics-port', String(busy));
    assert.equal(taken.status, 1);
    assert.match(taken.stderr, new RegExp(`port ${busy} is already in use`));
  } finally {
    await new Promise<void>((resolve) => holder.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  }
});
