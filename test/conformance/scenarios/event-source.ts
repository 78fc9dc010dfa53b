// The local Kafka event source mapping (src/runtime/event-source) against both servers: records
// delivered in order per partition, a handler that throws on one record retried, the batch
// bisected down to that record, which goes to a file destination, and the group's committed
// offsets at the end of the log. The same invocations and records on both servers.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { REPO_ROOT } from '../../../scripts/conformance/apache-kafka.ts';
import { Admin, Producer } from '@platformatic/kafka';
import { resolveConnection } from '../../../src/client/connection.ts';
import { committedOffsets } from '../../../src/client/groups.ts';
import type { MskEvent } from '../../../src/functions/shared/kafka-event.ts';
import { EventSourceMapping } from '../../../src/runtime/event-source/mapping.ts';
import { FileBucket } from '../../../src/runtime/object-store/file-bucket.ts';
import { parseMappingSettings } from '../../../src/runtime/event-source/settings.ts';
import type { InvokeOutcome } from '../../../src/runtime/function-host/types.ts';
import { startSds } from '../../support/sds-up.ts';
import { expect, expectEqual, setup } from '../scenario.ts';
import type { Scenario } from '../scenario.ts';
import { CONSOLE_PRODUCER } from './java-tools.ts';

const CLIENT = 'sds event source mapping';
const PER_PARTITION = 5;

export const eventSourceScenarios: readonly Scenario[] = [
  {
    name: 'event source mapping: ordered per partition, a throwing handler retried and bisected, the record to a file destination, offsets committed',
    client: CLIENT,
    timeoutMs: 90_000,
    async run(bootstrap, ctx) {
      const topic = ctx.topic('event-source');
      await ctx.createTopic(topic, 2);
      await setup('produce', async () => {
        const producer = new Producer({ clientId: 'conformance-event-source', bootstrapBrokers: [bootstrap], retries: 5, retryDelay: 200 });
        try {
          for (let p = 0; p < 2; p++) {
            const messages = Array.from({ length: PER_PARTITION }, (_, i) => ({ topic, partition: p, key: Buffer.from(`k${p}-${i}`), value: Buffer.from(p === 1 && i === 2 ? 'poison' : `v${p}-${i}`) }));
            await producer.send({ acks: -1, messages });
          }
        } finally {
          await producer.close();
        }
      });

      const dir = await mkdtemp(join(tmpdir(), 'sds-conformance-esm-'));
      const failures = join(dir, 'failures.jsonl');
      const invocations: string[][] = [];
      const invoke = (event: unknown): Promise<InvokeOutcome> => {
        const records = Object.values((JSON.parse(JSON.stringify(event)) as MskEvent).records).flat();
        const seen = records.map((r) => `${r.partition}:${r.offset}`);
        invocations.push(seen);
        ctx.log(`invoked ${seen.join(' ')}`);
        const poisoned = records.some((r) => Buffer.from(r.value ?? '', 'base64').toString() === 'poison');
        return Promise.resolve(
          poisoned
            ? { ok: false, requestId: `r${invocations.length}`, durationMs: 1, errorType: 'Error', errorMessage: 'poison', timedOut: false }
            : { ok: true, requestId: `r${invocations.length}`, durationMs: 1, result: null },
        );
      };
      const group = `${topic}-group`;
      const mapping = await EventSourceMapping.start({
        settings: parseMappingSettings({
          Topics: [topic],
          StartingPosition: 'TRIM_HORIZON',
          ConsumerGroupId: group,
          MaximumBatchingWindowInSeconds: 1,
          MaximumRetryAttempts: 1,
          BisectBatchOnFunctionError: true,
          DestinationConfig: { OnFailure: { Destination: `file:${failures}` } },
        }),
        connection: resolveConnection({ bootstrap, clientId: 'conformance-event-source' }),
        invoke,
        functionName: 'conformance',
        dataDir: dir,
        retryBackoff: { initialMs: 50, maxMs: 200 },
        group: { sessionTimeoutMs: 10_000, heartbeatIntervalMs: 500, rebalanceTimeoutMs: 30_000 },
      });
      const admin = new Admin({ clientId: 'conformance-event-source', bootstrapBrokers: [bootstrap] });
      try {
        let committed = new Map<number, bigint>();
        const done = async (): Promise<boolean> => {
          committed = (await committedOffsets(admin, group)).get(topic) ?? new Map<number, bigint>();
          return committed.get(0) === BigInt(PER_PARTITION) && committed.get(1) === BigInt(PER_PARTITION);
        };
        for (const deadline = Date.now() + 60_000; !(await done()); ) {
          if (Date.now() > deadline || ctx.signal.aborted) throw new Error(`offsets not committed: ${JSON.stringify([...committed].map(([p, o]) => `${p}:${o}`))}`);
          await new Promise((ok) => setTimeout(ok, 200));
        }
        ctx.observe('invocations', JSON.stringify(invocations));

        // Order: within a partition, each invocation starts where the one before it started (a
        // retry) or right after it ended.
        for (const p of [0, 1]) {
          const batches = invocations.map((i) => i.filter((s) => s.startsWith(`${p}:`)).map((s) => Number(s.split(':')[1]))).filter((b) => b.length > 0);
          let before: number[] | undefined;
          for (const batch of batches) {
            expect(batch.every((o, i) => o === (batch[0] ?? 0) + i), `partition ${p}: offsets out of order in ${JSON.stringify(batch)}`);
            expect(before === undefined || batch[0] === before[0] || batch[0] === (before.at(-1) ?? 0) + 1, `partition ${p}: ${JSON.stringify(batches)}`);
            before = batch;
          }
        }
        const poisonDeliveries = invocations.filter((i) => i.includes('1:2')).length;
        expect(poisonDeliveries >= 2, `the failing record was retried (delivered ${poisonDeliveries} times)`);

        const lines = (await readFile(failures, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as {
          requestContext: { condition: string };
          KafkaBatchInfo: { batchSize: number; recordsInfo: Record<string, { firstRecordOffset: string; lastRecordOffset: string }> };
          payload: string;
        });
        expectEqual(lines.length, 1, 'records in the file destination');
        const [line] = lines;
        expectEqual(line?.requestContext.condition, 'RetryAttemptsExhausted', 'condition');
        const info = Object.entries(line?.KafkaBatchInfo.recordsInfo ?? {}).map(([k, v]) => [k, v.firstRecordOffset, v.lastRecordOffset]);
        expectEqual(info, [[`${topic}-1`, '2', '2']], 'recordsInfo');
        const event = JSON.parse(line?.payload ?? '{}') as MskEvent;
        const set = Object.values(event.records).flat();
        expectEqual(set.map((r) => [r.partition, r.offset, Buffer.from(r.key ?? '', 'base64').toString()]), [[1, 2, 'k1-2']], 'the set-aside record');
        ctx.observe('destination', JSON.stringify({ condition: line?.requestContext.condition, batchSize: line?.KafkaBatchInfo.batchSize, partitions: Object.keys(line?.KafkaBatchInfo.recordsInfo ?? {}).map((k) => k.slice(topic.length)) }));
        ctx.observe('committed', JSON.stringify([...committed].sort(([a], [b]) => a - b).map(([p, o]) => [p, Number(o)])));
        ctx.note(`${invocations.length} invocations`);
      } finally {
        await mapping.stop();
        await admin.close();
        await rm(dir, { recursive: true, force: true });
      }
    },
  },
  {
    name: 'sds up with the solution\'s msk-consumer function on this cluster: lines from kafka-console-producer appear in the function log, offsets committed, SIGTERM stops cleanly',
    client: 'sds up + Kafka console producer',
    timeoutMs: 90_000,
    async run(bootstrap, ctx) {
      const topic = ctx.topic('pattern-2');
      await ctx.createTopic(topic, 1);
      const dir = await mkdtemp(join(tmpdir(), 'sds-conformance-up-'));
      const group = `${topic}-group`;
      const config = join(dir, 'sds.config.yaml');
      await writeFile(config, [
        `bootstrap: "${bootstrap}"`,
        'functions:',
        '  msk-consumer:',
        `    entry: ${join(REPO_ROOT, 'src/functions/msk-consumer/index.ts')}`,
        '    eventSources:',
        `      - { Topics: [${topic}], StartingPosition: TRIM_HORIZON, ConsumerGroupId: ${group}, MaximumBatchingWindowInSeconds: 0 }`,
        '',
      ].join('\n'));
      const up = await setup('sds up', () => startSds(['up', '--config-file', config]));
      const admin = new Admin({ clientId: 'conformance-up', bootstrapBrokers: [bootstrap] });
      try {
        const lines = ['first line', 'second line', 'h\u00e9llo'];
        await setup('kafka-console-producer', () => ctx.java(CONSOLE_PRODUCER, ['--bootstrap-server', bootstrap, '--topic', topic], { input: `${lines.join('\n')}\n` }));
        const logFile = join(dir, '.sds', 'logs', 'msk-consumer.log');
        const logged = async (): Promise<string[]> =>
          (await readFile(logFile, 'utf8').catch(() => ''))
            .split('\n')
            .filter((l) => l.includes('\tINFO\t'))
            .map((l) => (JSON.parse(l.split('\t')[3] ?? '{}') as { value: string }).value);
        let values: string[] = [];
        for (const deadline = Date.now() + 30_000; values.length < lines.length; values = await logged()) {
          expect(Date.now() < deadline && !ctx.signal.aborted, `the function logged ${JSON.stringify(values)}`);
          await new Promise((ok) => setTimeout(ok, 100));
        }
        expectEqual(values, lines, 'values in the function log');
        let committed: bigint | undefined;
        for (const deadline = Date.now() + 30_000; committed !== 3n; committed = (await committedOffsets(admin, group)).get(topic)?.get(0)) {
          expect(Date.now() < deadline && !ctx.signal.aborted, `committed offset ${String(committed)}`);
          await new Promise((ok) => setTimeout(ok, 100));
        }
        ctx.observe('logged', JSON.stringify(values));
        ctx.observe('committed', Number(committed));
        expectEqual(await up.stop(), 0, 'sds up exit status after SIGTERM');
      } finally {
        up.kill();
        await admin.close();
        await rm(dir, { recursive: true, force: true });
      }
    },
  },
  {
    name: 'sds up with pattern 3 on this cluster: 500 records from kafka-console-producer reach gzip objects in the local bucket through the forwarder and the local Firehose',
    client: 'sds up + Kafka console producer',
    timeoutMs: 120_000,
    async run(bootstrap, ctx) {
      const topic = ctx.topic('pattern-3');
      await ctx.createTopic(topic, 1);
      const dir = await mkdtemp(join(tmpdir(), 'sds-conformance-p3-'));
      const config = join(dir, 'sds.config.yaml');
      await writeFile(config, [
        `bootstrap: "${bootstrap}"`,
        'functions:',
        '  forwarder:',
        `    entry: ${join(REPO_ROOT, 'src/functions/msk-to-firehose/index.ts')}`,
        '    timeout: 60',
        '    environment: { DELIVERY_STREAM_NAME: to-s3, RECORD_FORMAT: raw-newline }',
        `    eventSources: [{ Topics: [${topic}], StartingPosition: TRIM_HORIZON, BatchSize: 200, MaximumBatchingWindowInSeconds: 0 }]`,
        'firehose: { port: 0 }',
        'deliveryStreams:',
        '  to-s3: { BucketARN: "arn:aws:s3:::local-bucket", BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 0 }, CompressionFormat: GZIP }',
        '',
      ].join('\n'));
      const up = await setup('sds up', () => startSds(['up', '--config-file', config]));
      try {
        const lines = Array.from({ length: 500 }, (_, i) => `line ${i}`);
        await setup('kafka-console-producer', () => ctx.java(CONSOLE_PRODUCER, ['--bootstrap-server', bootstrap, '--topic', topic], { input: `${lines.join('\n')}\n` }));
        const bucket = join(dir, '.sds', 'buckets', 'local-bucket');
        const delivered = async (): Promise<string[]> => {
          const store = new FileBucket(bucket);
          const { objects } = await store.list('').catch(() => ({ objects: [] }));
          const parts = await Promise.all(objects.map(async (o) => gunzipSync(await store.get(o.key)).toString('utf8')));
          return parts.join('').split('\n').filter((l) => l !== '');
        };
        let values: string[] = [];
        for (const deadline = Date.now() + 60_000; values.length < lines.length; values = await delivered()) {
          expect(Date.now() < deadline && !ctx.signal.aborted, `${values.length} records in the bucket`);
          await new Promise((ok) => setTimeout(ok, 250));
        }
        expectEqual([...new Set(values)].sort(), [...lines].sort(), 'records in the bucket');
        ctx.observe('records in the bucket', new Set(values).size);
        expectEqual(await up.stop(), 0, 'sds up exit status after SIGTERM');
      } finally {
        up.kill();
        await rm(dir, { recursive: true, force: true });
      }
    },
  },
];
