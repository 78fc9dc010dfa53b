/**
 * `sds up` as a user runs it: the repository's example config in an empty folder (free ports,
 * absolute handler paths), 500 records from `sds produce` at 100 a second, then what each pattern
 * shows: the consumer's log, the bucket's objects, the dashboard's history; SIGTERM; and a second
 * `sds up` that resumes after the committed offsets.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { FileBucket } from '../../src/runtime/object-store/index.ts';
import { eventually } from '../broker/groups/helpers.ts';
import { runSds } from '../support/sds-cli.ts';
import { printed, startSds, withFreePorts, type SdsProcess } from '../support/sds-up.ts';

interface Up extends SdsProcess {
  readonly bootstrap: string;
  readonly dashboard: string;
}

async function up(dir: string): Promise<Up> {
  const running = await startSds(['up'], { cwd: dir });
  return { ...running, bootstrap: printed(running.out(), 'Kafka broker ready'), dashboard: printed(running.out(), 'Dashboard') };
}

/** The repository's sds.config.yaml, runnable from another folder next to other tests. */
function exampleConfig(): string {
  return withFreePorts(readFileSync('sds.config.yaml', 'utf8')).replace(/entry: (src\/functions\/\S+)/g, (_, path: string) => `entry: ${resolve(path)}`);
}

function consumedValues(dir: string): string[] {
  const log = join(dir, '.sds', 'logs', 'msk-consumer.log');
  return (existsSync(log) ? readFileSync(log, 'utf8') : '')
    .split('\n')
    .filter((l) => l.includes('\tINFO\t'))
    .map((l) => (JSON.parse(l.split('\t')[3] ?? '{}') as { value: string }).value);
}

async function bucketValues(dir: string): Promise<string[]> {
  const bucket = new FileBucket(join(dir, '.sds', 'buckets', 'sds-local-bucket'));
  const values: string[] = [];
  let token: string | undefined;
  do {
    const page = await bucket.list('', token === undefined ? {} : { token });
    for (const o of page.objects) {
      const lines = gunzipSync(await bucket.get(o.key)).toString('utf8').split('\n').filter((l) => l !== '');
      for (const line of lines) values.push((JSON.parse(line) as { value: string }).value);
    }
    token = page.nextToken;
  } while (token !== undefined);
  return values;
}

test('sds up end to end: 500 records reach the consumer\'s log, the bucket and the dashboard; a restart does not process them again', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sds-e2e-'));
  const expected = Array.from({ length: 500 }, (_, i) => String(i)).sort();
  try {
    writeFileSync(join(dir, 'sds.config.yaml'), exampleConfig());
    let running = await up(dir);
    try {
      const produced = await runSds(['produce', '--topic', 'MyTopic', '--max-messages', '500', '--throughput', '100', '--bootstrap-server', running.bootstrap], { timeoutMs: 120_000 });
      assert.equal(produced.code, 0, produced.stderr);

      await eventually('500 records in the msk-consumer log', () => consumedValues(dir).length >= 500, 60_000);
      assert.deepEqual(consumedValues(dir).sort(), expected);
      // The delivery stream buffers for 10 s (IntervalInSeconds) before it writes an object.
      await eventually('500 records in the bucket', async () => (await bucketValues(dir)).length >= 500, 60_000);
      assert.deepEqual((await bucketValues(dir)).sort(), expected);

      await eventually('the dashboard shows the traffic', async () => {
        const history = (await (await fetch(new URL('api/history', running.dashboard))).json()) as { series: Record<string, (number | null)[]> };
        return Object.entries(history.series).some(([name, values]) => /MessagesInPerSec|IncomingRecords/.test(name) && values.some((v) => v !== null && v > 0));
      }, 60_000);

      assert.equal(await running.stop(), 0, running.out());
      assert.match(running.out(), /SIGTERM: stopping/);

      running = await up(dir);
      const more = await runSds(['produce', '--topic', 'MyTopic', '--max-messages', '10', '--value-prefix', 'after-restart', '--bootstrap-server', running.bootstrap]);
      assert.equal(more.code, 0, more.stderr);
      await eventually('the records produced after the restart in the log', () => consumedValues(dir).filter((v) => v.startsWith('after-restart.')).length === 10, 60_000);
      const all = consumedValues(dir);
      assert.equal(all.length, 510, 'the 500 committed records were not processed again');
      assert.equal(new Set(all).size, 510);
      assert.equal(await running.stop(), 0, running.out());
    } finally {
      running.kill();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
