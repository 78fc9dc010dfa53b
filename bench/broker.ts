/**
 * Broker benchmark: Apache Kafka's own ProducerPerformance against the embedded broker and
 * against Apache Kafka 4.1.1 (default settings, and with log.flush.interval.messages=1 for
 * the same durability as ours), in one run on this machine: 1 KiB records, acks=all, 1 and
 * 6 partitions. Also the raw disk's fsync'd sequential write speed, the embedded broker's
 * start-up time (in-process, empty data directory) and each server's RSS idle and after load.
 * On the same servers: end-to-end latency through a consumer group and rebalance times (groups.ts).
 * Needs the conformance tools: `bash scripts/conformance/install.sh`.
 */
import { open, mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { kafkaInstalled, runJavaTool, startApacheKafka } from '../scripts/conformance/apache-kafka.ts';
import { startEmbedded } from '../scripts/conformance/embedded.ts';
import type { RunningServer } from '../scripts/conformance/server.ts';
import { startBroker } from '../src/broker/broker.ts';
import { endToEndLatency, rebalanceTimes, type LatencyRun, type RebalanceRun } from './groups.ts';

export interface ProducerRun {
  recordsPerSec: number;
  mbPerSec: number;
  p50: number;
  p99: number;
}

export interface ServerResult {
  server: string;
  partitions: number;
  runs: ProducerRun[];
  rssIdleMb: number;
  rssLoadedMb: number;
}

export interface GroupResult {
  server: string;
  latency: LatencyRun[];
  rebalance: RebalanceRun[];
}

export interface BrokerBenchResult {
  diskMbPerSec: number;
  embeddedStartMs: number[];
  servers: ServerResult[];
  groups: GroupResult[];
  records: number;
  latencySeconds: number;
}

/** Records per second for the end-to-end latency runs. */
export const LATENCY_RATES = [1000, 10_000] as const;
const LATENCY_SECONDS = 10;

const RECORD_SIZE = 1024;

/** Sequential 1 MiB writes, each followed by fdatasync: what a fully durable log can reach. */
async function diskSpeed(): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'sds-disk-'));
  const fh = await open(join(dir, 'probe'), 'w');
  const block = Buffer.alloc(1 << 20, 0x5a);
  const blocks = 128;
  const start = performance.now();
  for (let i = 0; i < blocks; i++) {
    await fh.write(block);
    await fh.datasync();
  }
  const seconds = (performance.now() - start) / 1000;
  await fh.close();
  await rm(dir, { recursive: true, force: true });
  return (blocks * block.length) / 2 ** 20 / seconds;
}

async function startupTimes(samples: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < samples; i++) {
    const start = performance.now();
    const broker = await startBroker();
    out.push(performance.now() - start);
    await broker.stop();
  }
  return out;
}

/** RSS in MB of the server process, found by its working directory on the command line. */
function rssMb(server: RunningServer): number {
  const pids = execFileSync('pgrep', ['-f', dirname(server.dataDir)], { encoding: 'utf8' }).trim().split('\n');
  let kb = 0;
  for (const pid of pids) {
    try {
      const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      kb = Math.max(kb, Number(m?.[1] ?? 0));
    } catch {
      // the process ended between pgrep and the read
    }
  }
  return kb / 1024;
}

async function createTopic(bootstrap: string, topic: string, partitions: number): Promise<void> {
  const r = await runJavaTool('org.apache.kafka.tools.TopicCommand', ['--bootstrap-server', bootstrap, '--create', '--topic', topic, '--partitions', String(partitions), '--replication-factor', '1'], { timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`creating ${topic} failed: ${r.stderr}`);
}

export async function producerPerformance(bootstrap: string, topic: string, records: number): Promise<ProducerRun> {
  const r = await runJavaTool(
    'org.apache.kafka.tools.ProducerPerformance',
    ['--topic', topic, '--num-records', String(records), '--record-size', String(RECORD_SIZE), '--throughput', '-1', '--producer-props', `bootstrap.servers=${bootstrap}`, 'acks=all'],
    { timeoutMs: 300_000 },
  );
  // "N records sent, R records/sec (M MB/sec), A ms avg latency, X ms max latency, P50 ms 50th, P95 ms 95th, P99 ms 99th, P999 ms 99.9th."
  const m = /records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\).*?(\d+) ms 50th, \d+ ms 95th, (\d+) ms 99th/.exec(r.stdout);
  if (r.code !== 0 || !m) throw new Error(`ProducerPerformance failed (${r.code}): ${r.stderr.slice(-500)}${r.stdout.slice(-500)}`);
  return { recordsPerSec: Number(m[1]), mbPerSec: Number(m[2]), p50: Number(m[3]), p99: Number(m[4]) };
}

async function benchServer(
  name: string,
  start: () => Promise<RunningServer>,
  records: number,
  rounds: number,
): Promise<{ producer: ServerResult[]; groups: GroupResult }> {
  const server = await start();
  try {
    const results: ServerResult[] = [];
    const rssIdleMb = rssMb(server);
    for (const partitions of [1, 6]) {
      const runs: ProducerRun[] = [];
      for (let round = 0; round < rounds; round++) {
        const topic = `bench-p${partitions}-r${round}`;
        await createTopic(server.bootstrap, topic, partitions);
        runs.push(await producerPerformance(server.bootstrap, topic, records));
      }
      results.push({ server: name, partitions, runs, rssIdleMb, rssLoadedMb: rssMb(server) });
    }
    const groups: GroupResult = { server: name, latency: [], rebalance: [] };
    for (let round = 0; round < rounds; round++) {
      for (const rate of LATENCY_RATES) {
        groups.latency.push(await endToEndLatency(server.bootstrap, `bench-latency-${rate}-r${round}`, rate, LATENCY_SECONDS));
      }
      groups.rebalance.push(await rebalanceTimes(server.bootstrap, `bench-rebalance-r${round}`));
    }
    return { producer: results, groups };
  } finally {
    await server.stop();
  }
}

export async function runBrokerBenchmarks(records: number, rounds: number): Promise<BrokerBenchResult> {
  if (!kafkaInstalled()) throw new Error('the broker benchmark needs Kafka\'s jars: run `bash scripts/conformance/install.sh` first');
  const diskMbPerSec = await diskSpeed();
  const embeddedStartMs = await startupTimes(5);
  const runs = [
    await benchServer('embedded broker', () => startEmbedded(), records, rounds),
    await benchServer('Apache Kafka 4.1.1', () => startApacheKafka(), records, rounds),
    await benchServer('Apache Kafka 4.1.1, flush every message', () => startApacheKafka({ flushEveryMessage: true }), records, rounds),
  ];
  return {
    diskMbPerSec,
    embeddedStartMs,
    servers: runs.flatMap((r) => r.producer),
    groups: runs.map((r) => r.groups),
    records,
    latencySeconds: LATENCY_SECONDS,
  };
}
