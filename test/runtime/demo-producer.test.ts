import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startBroker } from '../../src/broker/broker.ts';
import { withAdmin } from '../../src/client/clients.ts';
import { resolveConnection } from '../../src/client/connection.ts';
import { readBack } from '../support/read-back.ts';
import { createTopic } from '../../src/client/topics.ts';
import { startDemoProducer } from '../../src/runtime/demo-producer.ts';
import { STOCK_TICKERS } from '../../src/client/verifiable-producer.ts';
import { eventually } from '../broker/groups/helpers.ts';
import { runSds } from '../support/sds-cli.ts';

test('the demo producer sends stock-ticker events (ticker, price, event_time) keyed by ticker until stopped', async () => {
  const broker = await startBroker({ port: 0, config: { groupInitialRebalanceDelayMs: 0 } });
  const connection = resolveConnection({ bootstrap: broker.bootstrap, clientId: 'demo-test' });
  try {
    await withAdmin(connection, 'create', (admin) => createTopic(admin, { topic: 'ticks', partitions: 2, replicationFactor: 1, configs: {}, ifNotExists: true }));
    const demo = startDemoProducer({ connection, topic: 'ticks', ratePerSecond: 4 });
    await eventually('8 events acknowledged', () => demo.sent() >= 8);
    await demo.stop();
    const sent = demo.sent();
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(demo.sent(), sent, 'no tick after stop');
    const records = await readBack(broker.bootstrap, 'ticks', sent);
    assert.equal(records.length, sent);
    for (const r of records) {
      const event = JSON.parse(r.value) as { ticker: string; price: number; event_time: string };
      assert.ok((STOCK_TICKERS as readonly string[]).includes(event.ticker), event.ticker);
      assert.equal(r.key, event.ticker);
      assert.equal(typeof event.price, 'number');
      assert.ok(!Number.isNaN(Date.parse(event.event_time)));
    }
  } finally {
    await broker.stop();
  }
});

test('the demo producer refuses a rate that is not a whole number from 1', () => {
  const connection = resolveConnection({ bootstrap: '127.0.0.1:1', clientId: 'demo-test' });
  assert.throws(() => startDemoProducer({ connection, topic: 't', ratePerSecond: 0 }), RangeError);
  assert.throws(() => startDemoProducer({ connection, topic: 't', ratePerSecond: 2.5 }), RangeError);
});

test('sds up --demo: the function log moves with no producer of ours; --demo without a topic is a usage error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sds-demo-'));
  try {
    const file = join(dir, 'sds.config.yaml');
    writeFileSync(file, `broker: { port: 0 }\ntopics: [{ name: ticks }]\nfunctions:\n  f:\n    entry: ${resolve('src/functions/msk-consumer/index.ts')}\n    eventSources: [{ Topics: [ticks], StartingPosition: TRIM_HORIZON, MaximumBatchingWindowInSeconds: 0 }]\n`);
    const child = spawn(process.execPath, [resolve('bin/sds.js'), 'up', '--demo', '--config-file', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    const exited = new Promise<number | null>((r) => child.once('exit', r));
    try {
      const log = join(dir, '.sds', 'logs', 'f.log');
      const tickers = (): string[] => (existsSync(log) ? readFileSync(log, 'utf8') : '').split('\n').filter((l) => l.includes('\tINFO\t')).map((l) => (JSON.parse((JSON.parse(l.split('\t')[3] ?? '{}') as { value: string }).value) as { ticker: string }).ticker);
      await eventually('demo events in the function log', () => tickers().length >= 5, 60_000);
      assert.match(out, /Demo: 5 stock-ticker events a second to ticks/);
      child.kill('SIGTERM');
      assert.equal(await exited, 0, out);
    } finally {
      child.kill('SIGKILL');
    }
    writeFileSync(file, 'broker: { port: 0 }\n');
    const refused = await runSds(['up', '--demo', '--config-file', file]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /--demo produces to the first topic of the config, and the config has none/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
