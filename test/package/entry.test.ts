import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as api from '../../src/index.ts';

/** Runs an ES module with plain Node (no TypeScript loader) from the repository's folder. */
function plainNode(source: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', source], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.once('error', fail);
    child.once('close', (code) => ok({ code, stdout, stderr }));
  });
}

test('the package entry, imported by name with plain Node, runs the broker and the stack in temporary folders', async () => {
  const result = await plainNode(`
    import { existsSync, mkdtempSync, rmSync } from 'node:fs';
    import { tmpdir } from 'node:os';
    import { join } from 'node:path';
    import { Kafka, logLevel } from 'kafkajs';
    import * as sds from 'streaming-data-solution';
    const broker = await sds.startBroker();
    const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 1 }] });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    const [meta] = await producer.send({ topic: 'orders', messages: [{ value: 'one' }, { value: 'two' }] });
    await producer.disconnect();
    await broker.stop();
    const dataDir = mkdtempSync(join(tmpdir(), 'sds-entry-'));
    const config = sds.checkConfig({ dataDir, broker: { port: 0 }, topics: [{ name: 't' }] }, process.cwd(), undefined);
    const stack = await sds.startStack(config);
    const created = stack.createdTopics;
    await stack.stop();
    console.log(JSON.stringify({ exports: Object.keys(sds).sort(), baseOffset: meta.baseOffset, brokerDirGone: !existsSync(broker.dataDir), created, stackData: existsSync(join(dataDir, 'broker')) }));
    rmSync(dataDir, { recursive: true, force: true });
  `);
  assert.equal(result.code, 0, result.stderr);
  const out = JSON.parse(result.stdout) as { exports: string[]; baseOffset: string; brokerDirGone: boolean; created: string[]; stackData: boolean };
  assert.deepEqual(out.exports, Object.keys(api).sort(), 'lib/index.js re-exports everything src/index.ts exports');
  assert.equal(out.baseOffset, '0');
  assert.equal(out.brokerDirGone, true, 'a broker without dataDir removes its temporary folder on stop');
  assert.deepEqual(out.created, ['t']);
  assert.equal(out.stackData, true, 'the stack kept its state in the dataDir given');
});

test('package.json points the package name and its types at the entry, and publishes no tests', () => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { exports: Record<string, Record<string, string>>; types: string; files: string[]; scripts: Record<string, string> };
  assert.equal(pkg.exports['.']?.['import'], './lib/index.js');
  assert.equal(pkg.exports['.']?.['types'], pkg.types);
  assert.ok(pkg.files.every((f) => !/^(test|bench|scripts)\b/.test(f)), pkg.files.join(', '));
  assert.match(pkg.scripts['prepack'] ?? '', /types/, 'the declarations are generated when packing');
  assert.equal(pkg.scripts['start'], 'node bin/sds.js up --demo');
});
