/**
 * The local Firehose, in one process:
 *
 * - ingest: `@aws-sdk/client-firehose` PutRecordBatch calls (500 records of 1 KiB, a few in
 *   flight) against `startFirehose` with a FileBucket in a temp folder, UNCOMPRESSED and GZIP;
 *   the clock runs from the first call until every byte is in an object in the bucket (the
 *   stream's DeliveryToS3.Bytes; checked against the bucket's listing afterwards). Records the
 *   service answers with "Slow down." are sent again, as the forwarder does.
 * - reference: the same number of bytes written sequentially to a file in the same temp folder,
 *   one PutRecordBatch's worth (500 KiB) per write, each write followed by fdatasync.
 * - pipeline: pattern 3 as `sds up` runs it (`startStack(checkConfig(...))`): the embedded
 *   broker, a topic, the msk-to-firehose function behind an event source mapping, and a GZIP
 *   delivery stream; the stack is started first, then `records` records of 1 KiB are produced
 *   and the clock runs from the first send until the stream's DeliveryToS3.Records reaches them.
 *   DataFreshness (age of the oldest record not yet in the bucket) is sampled meanwhile.
 *
 * Not part of `npm test`. Alone: node --import tsx bench/firehose.ts [ingestMiB] [records] [rounds]
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { Producer } from '@platformatic/kafka';
import { checkConfig } from '../src/config/sds-config.ts';
import type { CompressionFormat } from '../src/runtime/firehose/compression.ts';
import type { DeliveryStream } from '../src/runtime/firehose/delivery-stream.ts';
import { startFirehose } from '../src/runtime/firehose/service.ts';
import { parseStreamSettings } from '../src/runtime/firehose/settings.ts';
import { startStack } from '../src/runtime/local-stack.ts';
import { FileBucket } from '../src/runtime/object-store/file-bucket.ts';

const RECORD_BYTES = 1024;
const RECORDS_PER_CALL = 500;
const CALL_BYTES = RECORD_BYTES * RECORDS_PER_CALL;
/** PutRecordBatch calls in flight at once (ingest), and producer sends in flight (pipeline). */
export const IN_FLIGHT = 4;
export const BUFFERING = { SizeInMBs: 5, IntervalInSeconds: 0 } as const;
/** The ingest runs: both formats as configured above, and UNCOMPRESSED cut by size only (5 MiB objects). */
export const INGEST_CASES = [
  { format: 'UNCOMPRESSED', intervalSeconds: 0 },
  { format: 'GZIP', intervalSeconds: 0 },
  { format: 'UNCOMPRESSED', intervalSeconds: 900 },
] as const satisfies readonly { format: CompressionFormat; intervalSeconds: number }[];
/** Pipeline settings. */
export const PIPELINE = { partitions: 3, batchSize: 500, compression: 'GZIP' } as const;
/** Distinct records cycled through: 4 MiB, far beyond gzip's 32 KiB window, so repeats do not help it. */
const POOL_RECORDS = 4096;
const TIMEOUT_MS = 600_000;

export interface IngestRun {
  readonly format: CompressionFormat;
  readonly intervalSeconds: number;
  readonly mbPerSec: number;
  readonly seconds: number;
  readonly objects: number;
  /** Bytes in the bucket (compressed for GZIP). */
  readonly storedBytes: number;
  readonly throttledRecords: number;
  /** Share of the time the main thread (client, service and bucket together) was busy. */
  readonly eventLoopBusy: number;
}

export interface PipelineRun {
  readonly recordsPerSec: number;
  readonly seconds: number;
  /** From the first send until the producer had every record acknowledged. */
  readonly produceSeconds: number;
  readonly objects: number;
  /** DataFreshness samples (ms), every ~5 ms while records were in flight. */
  readonly freshnessMedianMs: number;
  readonly freshnessMaxMs: number;
  readonly throttledRecords: number;
  readonly eventLoopBusy: number;
}

export interface FirehoseRound {
  readonly ingest: readonly IngestRun[];
  readonly referenceMbPerSec: number;
  readonly pipeline: PipelineRun;
}

export interface FirehoseBenchResult {
  readonly ingestBytes: number;
  readonly records: number;
  readonly rounds: readonly FirehoseRound[];
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function until(done: () => boolean, what: string, tick?: () => void): Promise<void> {
  const deadline = Date.now() + TIMEOUT_MS;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    tick?.();
    await new Promise((ok) => setTimeout(ok, 5));
  }
}

/**
 * 1 KiB JSON lines with random hex in them (gzip takes them to about half): a record is its
 * number and 1000-odd bytes of text, ending in a newline.
 */
function recordPool(): Buffer[] {
  return Array.from({ length: POOL_RECORDS }, (_, i) => {
    const head = `{"n":${i},"ts":"2026-11-28T00:00:00.000Z","level":"info","payload":"`;
    const tail = '"}\n';
    const hex = randomBytes(RECORD_BYTES).toString('hex').slice(0, RECORD_BYTES - head.length - tail.length);
    const record = Buffer.from(head + hex + tail);
    if (record.length !== RECORD_BYTES) throw new Error('record pool: wrong record size');
    return record;
  });
}

/** Sends `calls` PutRecordBatch calls, IN_FLIGHT at a time, sending again what was throttled. */
async function putAll(client: FirehoseClient, stream: string, pool: readonly Buffer[], calls: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let call = next++; call < calls; call = next++) {
      let records: Buffer[] = Array.from({ length: RECORDS_PER_CALL }, (_, i) => pool[(call * RECORDS_PER_CALL + i) % pool.length] as Buffer);
      for (let attempt = 0; records.length > 0; attempt++) {
        if (attempt > 0) await new Promise((ok) => setTimeout(ok, Math.min(200, 10 * 2 ** attempt)));
        const out = await client.send(new PutRecordBatchCommand({ DeliveryStreamName: stream, Records: records.map((Data) => ({ Data })) }));
        if ((out.FailedPutCount ?? 0) === 0) break;
        records = records.filter((_, i) => out.RequestResponses?.[i]?.ErrorCode !== undefined);
      }
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
}

async function listAll(bucket: FileBucket): Promise<{ objects: number; bytes: number }> {
  let objects = 0;
  let bytes = 0;
  let token: string | undefined;
  do {
    const page = await bucket.list('', token === undefined ? {} : { token });
    for (const o of page.objects) {
      objects++;
      bytes += o.size;
    }
    token = page.nextToken;
  } while (token !== undefined);
  return { objects, bytes };
}

/**
 * PutRecordBatch to objects in a local bucket: MB/s from the first call to the last byte stored.
 * With an interval above 0 the last buffer is cut by stopping the service (its close writes it),
 * and the clock includes that.
 */
async function ingest(format: CompressionFormat, intervalSeconds: number, ingestBytes: number, pool: readonly Buffer[], dir: string): Promise<IngestRun> {
  const name = `${format}-${intervalSeconds}`;
  const settings = parseStreamSettings('bench-ingest', {
    BucketARN: 'arn:aws:s3:::bench-bucket',
    BufferingHints: { SizeInMBs: BUFFERING.SizeInMBs, IntervalInSeconds: intervalSeconds },
    CompressionFormat: format,
  });
  if (Array.isArray(settings)) throw new Error(settings.join('; '));
  const bucket = new FileBucket(join(dir, `bucket-${name}`));
  const firehose = await startFirehose({ streams: [settings], dataDir: join(dir, `firehose-${name}`), bucket: () => bucket });
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await firehose.stop();
  };
  const client = new FirehoseClient({ endpoint: firehose.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
  const stream = firehose.streams.get('bench-ingest') as DeliveryStream;
  const calls = Math.ceil(ingestBytes / CALL_BYTES);
  const total = calls * CALL_BYTES;
  try {
    const elu = performance.eventLoopUtilization();
    const started = performance.now();
    await putAll(client, 'bench-ingest', pool, calls);
    if (intervalSeconds > 0) await stop();
    await until(() => stream.metrics.snapshot()['DeliveryToS3.Bytes'] >= total, `${total} bytes in the bucket`);
    const seconds = (performance.now() - started) / 1000;
    const eventLoopBusy = performance.eventLoopUtilization(elu).utilization;
    const m = stream.metrics.snapshot();
    const listed = await listAll(bucket);
    if (listed.objects !== m['DeliveryToS3.Objects']) throw new Error(`the bucket lists ${listed.objects} objects, the stream wrote ${m['DeliveryToS3.Objects']}`);
    if (format === 'UNCOMPRESSED' && listed.bytes !== total) throw new Error(`the bucket holds ${listed.bytes} bytes, ${total} were sent`);
    return { format, intervalSeconds, mbPerSec: total / 1e6 / seconds, seconds, objects: listed.objects, storedBytes: listed.bytes, throttledRecords: m.ThrottledRecords, eventLoopBusy };
  } finally {
    client.destroy();
    await stop();
  }
}

/** The disk's pace for the same bytes: 500 KiB writes to one file, each followed by fdatasync. */
async function reference(ingestBytes: number, dir: string): Promise<number> {
  const chunk = randomBytes(CALL_BYTES);
  const writes = Math.ceil(ingestBytes / CALL_BYTES);
  const path = join(dir, 'reference.bin');
  const handle = await open(path, 'w');
  try {
    const started = performance.now();
    for (let i = 0; i < writes; i++) {
      await handle.write(chunk, 0, chunk.length);
      await handle.datasync();
    }
    return (writes * CALL_BYTES) / 1e6 / ((performance.now() - started) / 1000);
  } finally {
    await handle.close();
    rmSync(path, { force: true });
  }
}

/** Pattern 3 through `startStack`: records/s from the first produce to the last record delivered to the bucket. */
async function pipeline(records: number, pool: readonly Buffer[], dir: string): Promise<PipelineRun> {
  const topic = 'bench-pipeline';
  const config = checkConfig(
    {
      dataDir: dir,
      broker: { port: 0 },
      topics: [{ name: topic, partitions: PIPELINE.partitions }],
      functions: {
        forwarder: {
          entry: join(import.meta.dirname, '../src/functions/msk-to-firehose/index.ts'),
          timeout: 60,
          environment: { DELIVERY_STREAM_NAME: 'to-s3' },
          eventSources: [{ Topics: [topic], StartingPosition: 'TRIM_HORIZON', BatchSize: PIPELINE.batchSize, MaximumBatchingWindowInSeconds: 0 }],
        },
      },
      firehose: { port: 0 },
      deliveryStreams: { 'to-s3': { BucketARN: 'arn:aws:s3:::bench-bucket', BufferingHints: BUFFERING, CompressionFormat: PIPELINE.compression } },
    },
    dir,
    undefined,
  );
  const stack = await startStack(config);
  try {
    const stream = stack.firehose?.streams.get('to-s3');
    if (stream === undefined) throw new Error('the stack has no delivery stream to-s3');
    const producer = new Producer({ clientId: 'sds-bench', bootstrapBrokers: [stack.bootstrap], acks: -1 });
    const freshness: number[] = [];
    const delivered = (): number => stream.metrics.snapshot()['DeliveryToS3.Records'];
    let produceSeconds = 0;
    const elu = performance.eventLoopUtilization();
    const started = performance.now();
    try {
      const CHUNK = 500;
      const sends: Promise<unknown>[] = [];
      let next = 0;
      const sender = async (): Promise<void> => {
        for (let from = next; from < records; from = next) {
          next += CHUNK;
          const messages = [];
          for (let i = from; i < Math.min(records, from + CHUNK); i++) messages.push({ topic, partition: i % PIPELINE.partitions, value: pool[i % pool.length] as Buffer });
          await producer.send({ messages });
        }
      };
      for (let i = 0; i < IN_FLIGHT; i++) sends.push(sender());
      const produced = Promise.all(sends).then(() => {
        produceSeconds = (performance.now() - started) / 1000;
      });
      await until(() => delivered() >= records, `${records} records delivered to the bucket`, () => freshness.push(stream.dataFreshnessMs()));
      await produced;
    } finally {
      await producer.close();
    }
    const seconds = (performance.now() - started) / 1000;
    const eventLoopBusy = performance.eventLoopUtilization(elu).utilization;
    const m = stream.metrics.snapshot();
    if (m['DeliveryToS3.Records'] !== records) throw new Error(`${m['DeliveryToS3.Records']} records delivered, ${records} produced`);
    return {
      recordsPerSec: records / seconds,
      seconds,
      produceSeconds,
      objects: m['DeliveryToS3.Objects'],
      freshnessMedianMs: median(freshness),
      freshnessMaxMs: Math.max(0, ...freshness),
      throttledRecords: m.ThrottledRecords,
      eventLoopBusy,
    };
  } finally {
    await stack.stop();
  }
}

/** `rounds` rounds of: ingest per format, the disk reference, the pipeline. */
export async function runFirehoseBenchmark(ingestMiB: number, records: number, rounds: number): Promise<FirehoseBenchResult> {
  const pool = recordPool();
  const ingestBytes = Math.ceil((ingestMiB * 2 ** 20) / CALL_BYTES) * CALL_BYTES;
  const results: FirehoseRound[] = [];
  for (let round = 0; round < rounds; round++) {
    const dir = mkdtempSync(join(tmpdir(), 'sds-bench-firehose-'));
    try {
      const runs: IngestRun[] = [];
      for (const c of INGEST_CASES) runs.push(await ingest(c.format, c.intervalSeconds, ingestBytes, pool, dir));
      const referenceMbPerSec = await reference(ingestBytes, dir);
      const p = await pipeline(records, pool, join(dir, 'stack'));
      console.error(
        `round ${round + 1}: ${runs.map((r) => `${r.format}/${r.intervalSeconds}s ${r.mbPerSec.toFixed(1)} MB/s (${r.objects} objects, ${r.throttledRecords} throttled, busy ${(r.eventLoopBusy * 100).toFixed(0)}%)`).join(', ')}, ` +
          `reference ${referenceMbPerSec.toFixed(1)} MB/s, pipeline ${p.recordsPerSec.toFixed(0)} records/s (produce ${p.produceSeconds.toFixed(2)} s, ` +
          `${p.objects} objects, ${p.throttledRecords} throttled, freshness median ${p.freshnessMedianMs} ms / max ${p.freshnessMaxMs} ms, busy ${(p.eventLoopBusy * 100).toFixed(0)}%)`,
      );
      results.push({ ingest: runs, referenceMbPerSec, pipeline: p });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return { ingestBytes, records, rounds: results };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [ingestMiB = '256', records = '20000', rounds = '3'] = process.argv.slice(2);
  const result = await runFirehoseBenchmark(Number(ingestMiB), Number(records), Number(rounds));
  console.log(JSON.stringify(result, null, 2));
}
