import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Admin, Producer } from '@platformatic/kafka';
import { committedOffsets } from '../../src/client/groups.ts';
import { eventually } from '../broker/groups/helpers.ts';
import { runSds } from '../support/sds-cli.ts';
import { printed, startSds, type SdsProcess } from '../support/sds-up.ts';

const MSK_CONSUMER = resolve('src/functions/msk-consumer/index.ts');

/** Starts `sds up`, resolves once its summary is printed, with the bootstrap it printed. */
async function startUp(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<SdsProcess & { bootstrap: string }> {
  const running = await startSds(['up', ...args], { env });
  return { ...running, bootstrap: printed(running.out(), 'Kafka broker ready') };
}

function project(config: string): { dir: string; file: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'sds-up-'));
  const file = join(dir, 'sds.config.yaml');
  writeFileSync(file, config);
  return { dir, file, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

test('sds up: records produced to the topic appear in the function\'s log, offsets are committed, SIGTERM stops it all', async () => {
  const p = project(`topics:\n  - { name: orders, partitions: 2 }\nfunctions:\n  orders-fn:\n    entry: ${MSK_CONSUMER}\n    eventSources:\n      - { Topics: [orders], StartingPosition: TRIM_HORIZON, MaximumBatchingWindowInSeconds: 0 }\n`);
  const running = await startUp(['--config-file', p.file, '--port', '0', '--data-dir', join(p.dir, 'state')]);
  try {
    const out = running.out();
    const bootstrap = running.bootstrap;
    const group = /event source orders: BatchSize 100, window 0 ms, TRIM_HORIZON, group ([0-9a-f-]{36})/.exec(out)?.[1] ?? assert.fail(out);
    assert.match(out, /Topics: orders \(created\)/);
    assert.match(out, /logs: sds logs orders-fn --follow/);

    const producer = new Producer({ clientId: 'up-test', bootstrapBrokers: [bootstrap] });
    await producer.send({ acks: -1, messages: Array.from({ length: 20 }, (_, i) => ({ topic: 'orders', partition: i % 2, key: Buffer.from(`k${i}`), value: Buffer.from(`order ${i}`) })) });
    await producer.close();

    const log = join(p.dir, 'state', 'logs', 'orders-fn.log');
    const values = (): string[] => (existsSync(log) ? readFileSync(log, 'utf8') : '').split('\n').filter((l) => l.includes('\tINFO\t')).map((l) => (JSON.parse(l.split('\t')[3] ?? '{}') as { value: string }).value);
    await eventually('20 records in the function log', () => values().length === 20);
    assert.deepEqual(values().sort(), Array.from({ length: 20 }, (_, i) => `order ${i}`).sort());
    const admin = new Admin({ clientId: 'up-test', bootstrapBrokers: [bootstrap] });
    try {
      await eventually('offsets committed', async () => {
        const offsets = (await committedOffsets(admin, group)).get('orders');
        return offsets?.get(0) === 10n && offsets.get(1) === 10n;
      });
    } finally {
      await admin.close();
    }
    assert.equal(await running.stop(), 0, running.out());
    assert.match(running.out(), /SIGTERM: stopping/);
  } finally {
    running.kill();
    p.remove();
  }
});

test('sds up refuses a bad config with every problem, and a handler that does not load, starting nothing', async () => {
  const bad = project('topics:\n  - { name: "bad name" }\nfunctions:\n  f:\n    entry: missing.ts\n    timeout: 0\n');
  try {
    const result = await runSds(['up', '--config-file', bad.file, '--port', '0', '--data-dir', join(bad.dir, 'state')]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /3 settings are wrong/);
    assert.match(result.stderr, /topics\[0\]\.name/);
    assert.match(result.stderr, /functions\.f\.entry: .*missing\.ts does not exist/);
    assert.match(result.stderr, /functions\.f\.timeout: 0/);
    assert.match(result.stderr, /SDS_ERR_CONFIG_INVALID/);
    assert.ok(!existsSync(join(bad.dir, 'state')), 'nothing was started');
  } finally {
    bad.remove();
  }

  const broken = project('');
  try {
    writeFileSync(join(broken.dir, 'fn.ts'), 'export const handler = async (event: = 1;\n');
    writeFileSync(broken.file, 'topics: [{ name: t }]\nfunctions:\n  f:\n    entry: fn.ts\n    eventSources: [{ Topics: [t], StartingPosition: TRIM_HORIZON }]\n');
    const result = await runSds(['up', '--config-file', broken.file, '--port', '0', '--data-dir', join(broken.dir, 'state')]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /function f: cannot load its handler .*Runtime\.UserCodeSyntaxError.*SDS_ERR_FUNCTION_LOAD/s);
    assert.ok(!existsSync(join(broken.dir, 'state', 'event-source-mappings')), 'no mapping was started');
    assert.ok(existsSync(join(broken.dir, 'state', 'broker', 't-0', '.kafka_cleanshutdown')), 'the broker was stopped cleanly');
  } finally {
    broken.remove();
  }
});

test('sds up: a port in use (broker or dashboard) or a data directory that cannot be one is a clear error, with nothing left running', async () => {
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  const address = blocker.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const p = project('topics: []\n');
  try {
    const result = await runSds(['up', '--config-file', p.file, '--port', String(port), '--data-dir', join(p.dir, 'state')]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /already in use.*SDS_ERR_BROKER_LISTEN/);
    assert.equal((await runSds(['up', '--port', 'x'])).code, 2);

    // The dashboard's port, taken once the broker, topics and functions are up: they are stopped again.
    const d = project(`broker: { port: 0 }\ntopics: [{ name: t }]\ndashboard: { port: ${port} }\n`);
    try {
      const busy = await runSds(['up', '--config-file', d.file]);
      assert.equal(busy.code, 1);
      assert.match(busy.stderr, /dashboard cannot listen on 127\.0\.0\.1:\d+: port \d+ is already in use.*SDS_ERR_DASHBOARD_LISTEN/);
      assert.ok(!existsSync(join(d.dir, '.sds', 'sds-up.json')), 'nothing is left running');
    } finally {
      d.remove();
    }

    // A data directory that cannot be one (a file stands there).
    const f = project('broker: { port: 0 }\n');
    try {
      writeFileSync(join(f.dir, 'not-a-folder'), 'x');
      const bad = await runSds(['up', '--config-file', f.file, '--data-dir', join(f.dir, 'not-a-folder')]);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /data directory .*not-a-folder.* cannot be created or written: ENOTDIR.*SDS_ERR_BROKER_DATA_DIR/);
    } finally {
      f.remove();
    }
  } finally {
    blocker.close();
    p.remove();
  }
});

test('kill -9 of sds up in the middle of a batch: after a restart that batch is delivered again and no record is skipped', async () => {
  const p = project('');
  const records = join(p.dir, 'records.txt');
  const env = { ...process.env };
  writeFileSync(p.file, [
    'topics: [{ name: t }]',
    'functions:',
    '  recorder:',
    `    entry: ${resolve('test/fixtures/functions/recorder.ts')}`,
    `    environment: { RECORD_FILE: ${JSON.stringify(records)}, HANG_MARKER: ${JSON.stringify(join(p.dir, 'hung'))} }`,
    '    timeout: 900',
    '    eventSources: [{ Topics: [t], StartingPosition: TRIM_HORIZON, BatchSize: 10, MaximumBatchingWindowInSeconds: 0 }]',
    '',
  ].join('\n'));
  const args = ['--config-file', p.file, '--port', '0', '--data-dir', join(p.dir, 'state')];
  const lines = (): string[] => (existsSync(records) ? readFileSync(records, 'utf8').split('\n').filter((l) => l !== '') : []);
  let running = await startUp(args, env);
  try {
    const producer = new Producer({ clientId: 'up-test', bootstrapBrokers: [running.bootstrap] });
    await producer.send({ acks: -1, messages: Array.from({ length: 30 }, (_, i) => ({ topic: 't', partition: 0, value: Buffer.from(`r${i}`) })) });
    await producer.close();
    // The first batch (offsets 0-9) is invoked and hangs: the process dies in the middle of it.
    await eventually('the first batch to be invoked', () => lines().length === 10);
    running.kill();
    await running.exited;
    const before = lines();
    assert.deepEqual(before, Array.from({ length: 10 }, (_, i) => `0:${i}`));

    running = await startUp(args, env);
    await eventually('all 30 records delivered after the restart', () => lines().length >= 40);
    const after = lines().slice(before.length);
    assert.deepEqual(after, Array.from({ length: 30 }, (_, i) => `0:${i}`), 'the hung batch again, then the rest, in order, nothing skipped');
    assert.equal(await running.stop(), 0);
  } finally {
    running.kill();
    p.remove();
  }
});

test('sds up runs pattern 3: records produced to the topic land in gzip objects in the local bucket, read back with sds bucket', async () => {
  const p = project('');
  writeFileSync(p.file, [
    'topics: [{ name: MyTopic }]',
    'functions:',
    '  forwarder:',
    `    entry: ${resolve('src/functions/msk-to-firehose/index.ts')}`,
    '    timeout: 60',
    '    environment: { DELIVERY_STREAM_NAME: to-s3 }',
    '    eventSources: [{ Topics: [MyTopic], StartingPosition: TRIM_HORIZON, BatchSize: 200, MaximumBatchingWindowInSeconds: 0 }]',
    'firehose: { port: 0 }',
    'deliveryStreams:',
    '  to-s3:',
    '    BucketARN: arn:aws:s3:::local-bucket',
    '    BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 0 }',
    '    CompressionFormat: GZIP',
    '',
  ].join('\n'));
  const args = ['--config-file', p.file, '--data-dir', join(p.dir, 'state')];
  const running = await startUp([...args, '--port', '0']);
  try {
    const producer = new Producer({ clientId: 'up-test', bootstrapBrokers: [running.bootstrap] });
    await producer.send({ acks: -1, messages: Array.from({ length: 500 }, (_, i) => ({ topic: 'MyTopic', partition: 0, key: Buffer.from(`k${i}`), value: Buffer.from(`{"n":${i}}`) })) });
    await producer.close();
    const lines = async (): Promise<string[]> => {
      const listed = await runSds(['bucket', 'ls', 'local-bucket', '--json', ...args]);
      const keys = listed.stdout.split('\n').filter((l) => l !== '').map((l) => (JSON.parse(l) as { key: string }).key);
      const out: string[] = [];
      for (const key of keys) {
        assert.match(key, /^\d{4}\/\d{2}\/\d{2}\/\d{2}\/to-s3-1-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}-[0-9a-f-]{36}\.gz$/);
        out.push(...(await runSds(['bucket', 'cat', 'local-bucket', key, ...args])).stdout.split('\n').filter((l) => l !== ''));
      }
      return out;
    };
    let seen: string[] = [];
    for (let i = 0; i < 60 && seen.length < 500; i++) {
      await new Promise((r) => setTimeout(r, 500));
      seen = await lines();
    }
    const records = seen.map((l) => JSON.parse(l) as { topic: string; offset: number; key: string; value: string });
    assert.deepEqual([...new Set(records.map((r) => r.offset))].sort((a, b) => a - b), Array.from({ length: 500 }, (_, i) => i));
    assert.deepEqual([records[0]?.topic, records.find((r) => r.offset === 7)?.key, records.find((r) => r.offset === 7)?.value], ['MyTopic', 'k7', '{"n":7}']);
    assert.equal(await running.stop(), 0);
  } finally {
    running.kill();
    p.remove();
  }
});
