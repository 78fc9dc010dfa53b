// The whole local solution as `npm start` runs it, on each server as an external cluster: the
// repository's example config (both functions on one topic, the local Firehose, the dashboard)
// with `bootstrap` pointing at the server, fed by Kafka's own verifiable producer with 500
// records at 100 a second. Every pattern must show them: the msk-consumer log, the bucket's gzip
// objects (one JSON line per record, the forwarder's default format), and the dashboard's
// history; SIGTERM stops it all with exit 0.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse, stringify } from 'yaml';
import { REPO_ROOT } from '../../../scripts/conformance/apache-kafka.ts';
import { FileBucket } from '../../../src/runtime/object-store/file-bucket.ts';
import { printed, startSds } from '../../support/sds-up.ts';
import { expect, expectEqual, setup, waitFor } from '../scenario.ts';
import type { Scenario } from '../scenario.ts';
import { VERIFIABLE_PRODUCER } from './java-tools.ts';

const RECORDS = 500;

/** The example config on an external cluster: the given topic, free ports, absolute handler paths. */
async function exampleConfigFor(bootstrap: string, topic: string): Promise<string> {
  const doc = parse(await readFile(join(REPO_ROOT, 'sds.config.yaml'), 'utf8')) as Record<string, unknown> & {
    functions: Record<string, { entry: string; eventSources: { Topics: string[] }[] }>;
  };
  delete doc['broker'];
  delete doc['dataDir'];
  doc['bootstrap'] = bootstrap;
  doc['topics'] = [];
  for (const fn of Object.values(doc.functions)) {
    fn.entry = join(REPO_ROOT, fn.entry);
    for (const source of fn.eventSources) source.Topics = [topic];
  }
  doc['firehose'] = { port: 0 };
  doc['dashboard'] = { port: 0, intervalSeconds: 1 };
  return stringify(doc);
}

export const sdsUpSolutionScenarios: readonly Scenario[] = [
  {
    name: 'sds up with the example config on this cluster: 500 records from kafka-verifiable-producer at 100/s reach the consumer log, the bucket and the dashboard',
    client: 'sds up + Kafka verifiable producer',
    timeoutMs: 150_000,
    async run(bootstrap, ctx) {
      const topic = ctx.topic('solution');
      await ctx.createTopic(topic, 1);
      const dir = await mkdtemp(join(tmpdir(), 'sds-conformance-solution-'));
      const config = join(dir, 'sds.config.yaml');
      await writeFile(config, await exampleConfigFor(bootstrap, topic));
      const up = await setup('sds up', () => startSds(['up', '--config-file', config]));
      try {
        const dashboard = printed(up.out(), 'Dashboard');
        await setup('kafka-verifiable-producer', () => ctx.java(VERIFIABLE_PRODUCER, ['--bootstrap-server', bootstrap, '--topic', topic, '--throughput', '100', '--max-messages', String(RECORDS)], { timeoutMs: 60_000 }));
        const expected = Array.from({ length: RECORDS }, (_, i) => String(i)).sort();

        const logged = async (): Promise<string[]> =>
          (await readFile(join(dir, '.sds', 'logs', 'msk-consumer.log'), 'utf8').catch(() => ''))
            .split('\n')
            .filter((l) => l.includes('\tINFO\t'))
            .map((l) => (JSON.parse(l.split('\t')[3] ?? '{}') as { value: string }).value);
        await waitFor(async () => (await logged()).length >= RECORDS, 60_000, `${RECORDS} records in the msk-consumer log`, ctx.signal);
        expectEqual((await logged()).sort(), expected, 'values in the msk-consumer log');

        const bucket = new FileBucket(join(dir, '.sds', 'buckets', 'sds-local-bucket'));
        const delivered = async (): Promise<string[]> => {
          const { objects } = await bucket.list('').catch(() => ({ objects: [] }));
          const texts = await Promise.all(objects.map(async (o) => gunzipSync(await bucket.get(o.key)).toString('utf8')));
          return texts.join('').split('\n').filter((l) => l !== '').map((l) => (JSON.parse(l) as { value: string }).value);
        };
        // The example stream buffers for 10 s before it writes an object.
        await waitFor(async () => (await delivered()).length >= RECORDS, 60_000, `${RECORDS} records in the bucket`, ctx.signal);
        expectEqual([...new Set(await delivered())].sort(), expected, 'records in the bucket');

        const history = (await (await fetch(new URL('api/history', dashboard))).json()) as { series: Record<string, (number | null)[]> };
        const moved = (metric: string): boolean => Object.entries(history.series).some(([id, values]) => id.startsWith(`${metric}{`) && values.some((v) => v !== null && v > 0));
        expect(moved('MessagesInPerSec') && moved('Invocations') && moved('IncomingRecords'), `the dashboard's history shows no traffic: ${Object.keys(history.series).join(', ')}`);

        ctx.observe('records logged', (await logged()).length);
        ctx.observe('records in the bucket', new Set(await delivered()).size);
        expectEqual(await up.stop(), 0, 'sds up exit status after SIGTERM');
      } finally {
        up.kill();
        await rm(dir, { recursive: true, force: true });
      }
    },
  },
];
