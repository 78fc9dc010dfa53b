/**
 * `sds produce` against Kafka's own ProducerPerformance on the same broker, in one run: both send
 * `records` records of about 1 KiB with acks=all and no rate limit, each to its own new topic.
 * sds's rate is the one it reports (acknowledged records over the run, from its start to the last
 * answer, as ProducerPerformance measures), so the ~1 s it takes Node.js to load the command is
 * left out; the wall time, start-up included, is returned too. Not part of `npm test`.
 *
 * Alone: node --import tsx bench/sds-produce.ts [records] [rounds] [partitions]
 * Needs Kafka's jars for ProducerPerformance: `bash scripts/conformance/install.sh`.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Admin } from '@platformatic/kafka';
import { kafkaInstalled, REPO_ROOT } from '../scripts/conformance/apache-kafka.ts';
import { startEmbedded } from '../scripts/conformance/embedded.ts';
import { run } from '../scripts/conformance/process.ts';
import type { RunningServer } from '../scripts/conformance/server.ts';
import { producerPerformance } from './broker.ts';

const SDS = join(REPO_ROOT, 'bin/sds.js');
/** Values "xxx…x.<n>": 1017 + 1 + the digits of n, so 1019 to 1024 bytes for up to a million records. */
const VALUE_PREFIX = 'x'.repeat(1017);

export interface SdsProduceRound {
  /** ProducerPerformance's records/s. */
  readonly kafkaRecordsPerSec: number;
  /** sds produce's own records/s (its summary line). */
  readonly sdsRecordsPerSec: number;
  /** sds produce from process start to exit. */
  readonly sdsWallSeconds: number;
}

export interface SdsProduceBenchResult {
  readonly server: string;
  readonly records: number;
  readonly partitions: number;
  readonly rounds: readonly SdsProduceRound[];
  /** Median sds records/s over median ProducerPerformance records/s. */
  readonly ratio: number;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function createTopic(bootstrap: string, topic: string, partitions: number): Promise<void> {
  const admin = new Admin({ clientId: 'bench-setup', bootstrapBrokers: [bootstrap] });
  try {
    await admin.createTopics({ topics: [topic], partitions, replicas: 1 });
  } finally {
    await admin.close();
  }
}

async function sdsProduce(bootstrap: string, topic: string, records: number): Promise<{ recordsPerSec: number; wallSeconds: number }> {
  const started = performance.now();
  const r = await run(
    process.execPath,
    [SDS, 'produce', '--bootstrap-server', bootstrap, '--topic', topic, '--throughput', '-1', '--max-messages', String(records), '--acks', 'all', '--value-prefix', VALUE_PREFIX],
    { timeoutMs: 300_000 },
  );
  const wallSeconds = (performance.now() - started) / 1000;
  // "N records sent to T: N acknowledged, 0 failed, in S s (R records/s, no limit)"
  const m = /: (\d+) acknowledged, 0 failed, in [\d.]+ s \(([\d.]+) records\/s/.exec(r.stdout);
  if (r.code !== 0 || m === null || Number(m[1]) !== records) throw new Error(`sds produce failed (${r.code}): ${r.stderr.slice(-500)}${r.stdout.slice(-500)}`);
  return { recordsPerSec: Number(m[2]), wallSeconds };
}

/** Runs both producers `rounds` times, alternating, on one embedded broker (or the server `start` gives). */
export async function runSdsProduceBenchmark(
  records: number,
  rounds = 1,
  partitions = 1,
  start: () => Promise<RunningServer> = () => startEmbedded(),
  serverName = 'embedded broker',
): Promise<SdsProduceBenchResult> {
  if (!kafkaInstalled()) throw new Error('the sds produce benchmark needs Kafka\'s jars: run `bash scripts/conformance/install.sh` first');
  const server = await start();
  try {
    const results: SdsProduceRound[] = [];
    for (let round = 0; round < rounds; round++) {
      const kafkaTopic = `bench-producer-performance-r${round}`;
      const sdsTopic = `bench-sds-produce-r${round}`;
      await createTopic(server.bootstrap, kafkaTopic, partitions);
      await createTopic(server.bootstrap, sdsTopic, partitions);
      const kafka = await producerPerformance(server.bootstrap, kafkaTopic, records);
      const sds = await sdsProduce(server.bootstrap, sdsTopic, records);
      results.push({ kafkaRecordsPerSec: kafka.recordsPerSec, sdsRecordsPerSec: sds.recordsPerSec, sdsWallSeconds: sds.wallSeconds });
    }
    const ratio = median(results.map((r) => r.sdsRecordsPerSec)) / median(results.map((r) => r.kafkaRecordsPerSec));
    return { server: serverName, records, partitions, rounds: results, ratio };
  } finally {
    await server.stop();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [records = '20000', rounds = '1', partitions = '1'] = process.argv.slice(2);
  const result = await runSdsProduceBenchmark(Number(records), Number(rounds), Number(partitions));
  console.log(JSON.stringify(result, null, 2));
}
