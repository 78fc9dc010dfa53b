/**
 * Broker benchmark: Apache Kafka's own ProducerPerformance and ConsumerPerformance against the
 * embedded broker and against Apache Kafka 4.1.1 (default settings, and with
 * log.flush.interval.messages=1 for the same durability as ours), in one run on this machine:
 * 1 KiB records, acks=all, 1 and 6 partitions, 1 and 4 producers at once; then the same topics
 * read back by ConsumerPerformance. Also the raw disk's fsync'd sequential write speed, each
 * server's start-up time (process start until a Metadata call lists it), the embedded broker's
 * in-process start-up, and each server's RSS idle and at its peak under load.
 * On the same servers: end-to-end latency through a consumer group and rebalance times (groups.ts).
 * Needs the conformance tools: `bash scripts/conformance/install.sh`.
 */
import { open, mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { kafkaInstalled, runJavaTool, startApacheKafka } from '../scripts/conformance/apache-kafka.ts';
import type { RunningServer } from '../scripts/conformance/server.ts';
import { startBroker } from '../src/broker/broker.ts';
import { buildPrecompiled, startSdsBroker } from './sds-broker.ts';
import { endToEndLatency, rebalanceTimes, type LatencyRun, type RebalanceRun } from './groups.ts';

export interface ProducerRun {
  recordsPerSec: number;
  mbPerSec: number;
  p50: number;
  p99: number;
  p999: number;
}

export interface ConsumerRun {
  recordsPerSec: number;
  mbPerSec: number;
}

/** One produce shape on one server: its runs, and the consumer runs reading what they wrote. */
export interface ServerResult {
  server: string;
  partitions: number;
  producers: number;
  runs: ProducerRun[];
  consumed: ConsumerRun[];
}

export interface ServerFootprint {
  server: string;
  startMs: number;
  rssIdleMb: number;
  rssPeakMb: number;
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
  footprints: ServerFootprint[];
  groups: GroupResult[];
  records: number;
  latencySeconds: number;
}

/** Records per second for the end-to-end latency runs. */
export const LATENCY_RATES = [1000, 10_000, 50_000] as const;
/** The produce shapes: partitions of the topic, and ProducerPerformance processes at once. */
export const SHAPES = [
  { partitions: 1, producers: 1 },
  { partitions: 1, producers: 4 },
  { partitions: 6, producers: 1 },
  { partitions: 6, producers: 4 },
] as const;
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

/** The server's process ids, found by its working directory on the command line. */
function serverPids(server: RunningServer): string[] {
  try {
    return execFileSync('pgrep', ['-f', dirname(server.dataDir)], { encoding: 'utf8' }).trim().split('\n');
  } catch {
    return [];
  }
}

/** RSS in MB of the server process. */
function rssMb(server: RunningServer): number {
  let kb = 0;
  for (const pid of serverPids(server)) {
    try {
      const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      kb = Math.max(kb, Number(m?.[1] ?? 0));
    } catch {
      // the process ended between pgrep and the read
    }
  }
  return kb / 1024;
}

/** Samples the server's RSS every 250 ms while `work` runs; returns the peak seen. */
async function peakRssDuring<T>(server: RunningServer, work: () => Promise<T>): Promise<{ value: T; peakMb: number }> {
  let peakMb = rssMb(server);
  const timer = setInterval(() => {
    peakMb = Math.max(peakMb, rssMb(server));
  }, 250);
  try {
    const value = await work();
    return { value, peakMb: Math.max(peakMb, rssMb(server)) };
  } finally {
    clearInterval(timer);
  }
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
  const m = /records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\).*?(\d+) ms 50th, \d+ ms 95th, (\d+) ms 99th, (\d+) ms 99.9th/.exec(r.stdout);
  if (r.code !== 0 || !m) throw new Error(`ProducerPerformance failed (${r.code}): ${r.stderr.slice(-500)}${r.stdout.slice(-500)}`);
  return { recordsPerSec: Number(m[1]), mbPerSec: Number(m[2]), p50: Number(m[3]), p99: Number(m[4]), p999: Number(m[5]) };
}

/**
 * `producers` ProducerPerformance processes at once, sharing `records`: the rates add up (each
 * tool times its own sends, without the JVM's start), the latencies are the worst of them.
 */
async function producersAtOnce(bootstrap: string, topic: string, records: number, producers: number): Promise<ProducerRun> {
  const runs = await Promise.all(Array.from({ length: producers }, () => producerPerformance(bootstrap, topic, Math.ceil(records / producers))));
  const sum = (key: 'recordsPerSec' | 'mbPerSec'): number => runs.reduce((total, r) => total + r[key], 0);
  const worst = (key: 'p50' | 'p99' | 'p999'): number => Math.max(...runs.map((r) => r[key]));
  return { recordsPerSec: sum('recordsPerSec'), mbPerSec: sum('mbPerSec'), p50: worst('p50'), p99: worst('p99'), p999: worst('p999') };
}

/** ConsumerPerformance reading `records` from the start of `topic` in a new group; the fetch rate leaves out the group join. */
export async function consumerPerformance(bootstrap: string, topic: string, records: number): Promise<ConsumerRun> {
  const r = await runJavaTool(
    'org.apache.kafka.tools.ConsumerPerformance',
    ['--bootstrap-server', bootstrap, '--topic', topic, '--messages', String(records), '--group', `${topic}-reader`, '--hide-header', '--timeout', '60000'],
    { timeoutMs: 300_000 },
  );
  // start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
  const line = r.stdout.trim().split('\n').filter((l) => /^\d{4}-/.test(l)).at(-1);
  const fields = line?.split(',').map((f) => f.trim()) ?? [];
  const consumed = Number(fields[4]);
  if (r.code !== 0 || fields.length < 10 || consumed < records) {
    throw new Error(`ConsumerPerformance failed (${r.code}, ${fields[4] ?? 'no'} records): ${r.stderr.slice(-500)}${r.stdout.slice(-500)}`);
  }
  return { mbPerSec: Number(fields[8]), recordsPerSec: Number(fields[9]) };
}

async function benchServer(
  name: string,
  start: () => Promise<RunningServer>,
  records: number,
  rounds: number,
): Promise<{ producer: ServerResult[]; footprint: ServerFootprint; groups: GroupResult }> {
  const server = await start();
  try {
    const rssIdleMb = rssMb(server);
    const { value: results, peakMb } = await peakRssDuring(server, async () => {
      const out: ServerResult[] = [];
      for (const { partitions, producers } of SHAPES) {
        const result: ServerResult = { server: name, partitions, producers, runs: [], consumed: [] };
        for (let round = 0; round < rounds; round++) {
          const topic = `bench-p${partitions}-x${producers}-r${round}`;
          await createTopic(server.bootstrap, topic, partitions);
          result.runs.push(await producersAtOnce(server.bootstrap, topic, records, producers));
          if (producers === 1) result.consumed.push(await consumerPerformance(server.bootstrap, topic, records));
        }
        out.push(result);
      }
      return out;
    });
    const footprint: ServerFootprint = { server: name, startMs: server.startMs, rssIdleMb, rssPeakMb: peakMb };
    const groups: GroupResult = { server: name, latency: [], rebalance: [] };
    for (let round = 0; round < rounds; round++) {
      for (const rate of LATENCY_RATES) {
        groups.latency.push(await endToEndLatency(server.bootstrap, `bench-latency-${rate}-r${round}`, rate, LATENCY_SECONDS));
      }
      groups.rebalance.push(await rebalanceTimes(server.bootstrap, `bench-rebalance-r${round}`));
    }
    return { producer: results, footprint, groups };
  } finally {
    await server.stop();
  }
}

export async function runBrokerBenchmarks(records: number, rounds: number): Promise<BrokerBenchResult> {
  if (!kafkaInstalled()) throw new Error('the broker benchmark needs Kafka\'s jars: run `bash scripts/conformance/install.sh` first');
  buildPrecompiled();
  const diskMbPerSec = await diskSpeed();
  const embeddedStartMs = await startupTimes(5);
  const runs = [
    await benchServer('embedded broker', () => startSdsBroker(), records, rounds),
    await benchServer('Apache Kafka 4.1.1', () => startApacheKafka(), records, rounds),
    await benchServer('Apache Kafka 4.1.1, flush every message', () => startApacheKafka({ flushEveryMessage: true }), records, rounds),
  ];
  return {
    diskMbPerSec,
    embeddedStartMs,
    servers: runs.flatMap((r) => r.producer),
    footprints: runs.map((r) => r.footprint),
    groups: runs.map((r) => r.groups),
    records,
    latencySeconds: LATENCY_SECONDS,
  };
}
