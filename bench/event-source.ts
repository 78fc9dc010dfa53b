/**
 * Event source mapping throughput against the plain consumer of the same client library
 * (@platformatic/kafka), in one process on one embedded broker: `records` records of ~100 bytes
 * are produced to a 3-partition topic first, then each round reads all of them with
 *
 * - a plain Consumer (a new group, from the earliest offset), and
 * - an EventSourceMapping (a new ConsumerGroupId, TRIM_HORIZON, no batching window) invoking a
 *   no-op handler through the real function host (worker threads), with BatchSize 100 and 1000.
 *
 * Each clock runs from the start of consuming (group join included) until the last of the
 * records was received (plain) or delivered to a completed invocation (mapping).
 * Not part of `npm test`.
 *
 * Alone: node --import tsx bench/event-source.ts [records] [rounds]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Admin, Consumer, Producer } from '@platformatic/kafka';
import { startBroker } from '../src/broker/broker.ts';
import { resolveConnection } from '../src/client/connection.ts';
import { startFunctionHost } from '../src/runtime/function-host/host.ts';
import { functionSettings } from '../src/runtime/function-host/settings.ts';
import { EventSourceMapping } from '../src/runtime/event-source/mapping.ts';
import { parseMappingSettings } from '../src/runtime/event-source/settings.ts';

const PARTITIONS = 3;
/** Values "vvv…v.<n>": about 100 bytes each. */
const VALUE_PREFIX = 'v'.repeat(92);
/** sds's default reservedConcurrentExecutions, and the mapping's default 5 invocation slots. */
const CONCURRENCY = 5;
export const BATCH_SIZES = [100, 1000] as const;
const TIMEOUT_MS = 300_000;

export interface EventSourceRound {
  readonly consumerRecordsPerSec: number;
  /** Records/s of the mapping, one entry per BATCH_SIZES. */
  readonly mappingRecordsPerSec: readonly number[];
}

export interface EventSourceBenchResult {
  readonly records: number;
  readonly partitions: number;
  readonly concurrency: number;
  readonly rounds: readonly EventSourceRound[];
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** Median records/s of the plain consumer, and of the mapping per batch size. */
export function medians(result: EventSourceBenchResult): { consumer: number; mapping: number[] } {
  return {
    consumer: median(result.rounds.map((r) => r.consumerRecordsPerSec)),
    mapping: BATCH_SIZES.map((_, i) => median(result.rounds.map((r) => r.mappingRecordsPerSec[i] ?? Number.NaN))),
  };
}

/** Resolves when `done()` holds; polled, so that the check itself costs nothing measurable. */
async function until(done: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + TIMEOUT_MS;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((ok) => setTimeout(ok, 1));
  }
}

async function prepareTopic(bootstrap: string, topic: string, records: number): Promise<void> {
  const admin = new Admin({ clientId: 'sds-bench', bootstrapBrokers: [bootstrap] });
  try {
    await admin.createTopics({ topics: [topic], partitions: PARTITIONS, replicas: 1 });
  } finally {
    await admin.close();
  }
  const producer = new Producer({ clientId: 'sds-bench', bootstrapBrokers: [bootstrap], acks: -1 });
  try {
    // Sends of 1000 records, a few in flight, spread over the partitions evenly.
    const CHUNK = 1000;
    let inFlight: Promise<unknown>[] = [];
    for (let from = 0; from < records; from += CHUNK) {
      const messages = [];
      for (let i = from; i < Math.min(records, from + CHUNK); i++) messages.push({ topic, partition: i % PARTITIONS, value: Buffer.from(`${VALUE_PREFIX}.${i}`) });
      inFlight.push(producer.send({ messages }));
      if (inFlight.length >= 8) {
        await Promise.all(inFlight);
        inFlight = [];
      }
    }
    await Promise.all(inFlight);
  } finally {
    await producer.close();
  }
}

/** The plain consumer: records/s from consume() to the last record's 'data' event. */
async function plainConsumer(bootstrap: string, topic: string, records: number, group: string): Promise<number> {
  const consumer = new Consumer({ clientId: 'sds-bench', groupId: group, bootstrapBrokers: [bootstrap], maxWaitTime: 500 });
  let received = 0;
  const started = performance.now();
  const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: 1000 });
  try {
    stream.on('data', () => void received++);
    await until(() => received >= records, `the plain consumer to receive ${records} records`);
    return records / ((performance.now() - started) / 1000);
  } finally {
    await stream.close().catch(() => undefined);
    // close(true) has a callback overload first: wrap it so that the promise is the one awaited.
    await new Promise<void>((ok) => consumer.close(true, () => ok()));
  }
}

/** The mapping through the function host: records/s from start() to the last record's invocation completing. */
async function mapping(bootstrap: string, topic: string, records: number, group: string, batchSize: number, dir: string): Promise<number> {
  const host = await startFunctionHost(
    functionSettings({ name: 'bench-noop', modulePath: join(import.meta.dirname, 'fixtures/noop-handler.ts'), logDir: join(dir, 'logs'), timeoutSeconds: 60 }),
    { concurrency: CONCURRENCY },
  );
  // Records in invocations that succeeded, from the mapping's own metrics (reading each event
  // here would cost main-thread time the mapping itself does not spend).
  let running: EventSourceMapping | undefined;
  const delivered = (): number => {
    const m = running?.metrics();
    return m === undefined ? 0 : m.InvokedEventCount - m.FailedInvokeEventCount;
  };
  try {
    const started = performance.now();
    running = await EventSourceMapping.start({
      settings: parseMappingSettings({ Topics: [topic], StartingPosition: 'TRIM_HORIZON', BatchSize: batchSize, MaximumBatchingWindowInSeconds: 0, ConsumerGroupId: group }),
      connection: resolveConnection({ bootstrap, clientId: 'sds-bench' }),
      invoke: host.invoke,
      functionName: 'bench-noop',
      name: group, // its own state file, so that each round is a new mapping
      dataDir: join(dir, 'mappings'),
    });
    await until(() => delivered() >= records, `the mapping to deliver ${records} records`);
    return records / ((performance.now() - started) / 1000);
  } finally {
    await running?.stop();
    await host.close();
  }
}

/** Produces once, then runs the plain consumer and the mapping with each batch size, `rounds` times. */
export async function runEventSourceBenchmark(records: number, rounds: number): Promise<EventSourceBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'sds-bench-esm-'));
  const broker = await startBroker({ port: 0, dataDir: join(dir, 'broker'), config: { groupInitialRebalanceDelayMs: 0 } });
  try {
    const topic = 'bench-event-source';
    await prepareTopic(broker.bootstrap, topic, records);
    const results: EventSourceRound[] = [];
    for (let round = 0; round < rounds; round++) {
      const consumerRecordsPerSec = await plainConsumer(broker.bootstrap, topic, records, `bench-consumer-r${round}`);
      const mappingRecordsPerSec: number[] = [];
      for (const batchSize of BATCH_SIZES) {
        mappingRecordsPerSec.push(await mapping(broker.bootstrap, topic, records, `bench-mapping-b${batchSize}-r${round}`, batchSize, dir));
      }
      console.error(`round ${round + 1}: consumer ${consumerRecordsPerSec.toFixed(0)} records/s, mapping ${mappingRecordsPerSec.map((r, i) => `BatchSize ${BATCH_SIZES[i]} ${r.toFixed(0)}`).join(', ')} records/s`);
      results.push({ consumerRecordsPerSec, mappingRecordsPerSec });
    }
    return { records, partitions: PARTITIONS, concurrency: CONCURRENCY, rounds: results };
  } finally {
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [records = '200000', rounds = '3'] = process.argv.slice(2);
  const result = await runEventSourceBenchmark(Number(records), Number(rounds));
  console.log(JSON.stringify({ ...result, medians: medians(result) }, null, 2));
}
