/**
 * `sds produce`: kafka-verifiable-producer's flags and JSON events, plus values read from a file
 * or stdin (kafka-console-producer's one record per line) and a sample event generator. Without
 * --json it shows a progress bar on a terminal and prints a summary. Ctrl-C (or SIGTERM) stops
 * sending, waits for the answers to what was sent, prints the totals and exits 0; a second Ctrl-C
 * exits at once. Exit 1 when a record was not acknowledged.
 */
import { fstatSync, openSync, createReadStream, closeSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { SingleBar } from 'cli-progress';
import { InvalidArgumentError, Option, type Command } from 'commander';
import {
  COMPRESSIONS,
  compressionAvailable,
  counterSource,
  keyPolicy,
  lineSource,
  ProduceError,
  runVerifiableProducer,
  stockTickerSource,
  type Acks,
  type Compression,
  type ProducerEvent,
  type ProduceSummary,
  type RecordSource,
} from '../client/verifiable-producer.ts';
import { SdsError } from '../errors.ts';
import { addConnectionOptions, connectionFrom, type ConnectionFlags } from './connection-options.ts';
import { parsePositiveInt, UsageError } from './options.ts';

export const GENERATORS = ['stock-ticker'] as const;
type Generator = (typeof GENERATORS)[number];

interface ProduceFlags extends ConnectionFlags {
  topic: string;
  throughput: number;
  maxMessages?: number;
  acks: Acks;
  valuePrefix?: string;
  repeatingKeys?: number;
  key?: string;
  keySeparator?: string;
  header?: [string, string][];
  input?: string;
  generator?: Generator;
  compression?: Compression;
  json?: boolean;
}

/** -1 (no limit) or records per second above 0, fractions allowed (0.5 is one record every 2 s). */
export function parseThroughput(value: string): number {
  const n = Number(value);
  if (value.trim() === '-1') return -1;
  if (!/^\d+(\.\d+)?$/.test(value.trim()) || !Number.isFinite(n) || n <= 0) {
    throw new InvalidArgumentError('expected -1 (no limit) or records per second above 0.');
  }
  return n;
}

/** A count, or -1 for no limit as in Kafka's tool (returned as undefined). */
export function parseMaxMessages(value: string): number | undefined {
  if (value.trim() === '-1') return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError('expected a whole number from 0, or -1 for no limit.');
  return n;
}

export function parseAcks(value: string): Acks {
  if (value === 'all' || value === '-1') return -1;
  if (value === '0') return 0;
  if (value === '1') return 1;
  throw new InvalidArgumentError('expected all, -1, 0 or 1.');
}

/** `--header key=value`, repeatable; a record may carry the same header key twice, as Kafka allows. */
export function collectHeader(value: string, previous: [string, string][] = []): [string, string][] {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`expected key=value, got "${value}".`);
  return [...previous, [value.slice(0, eq), value.slice(eq + 1)]];
}

function checkCombinations(flags: ProduceFlags): void {
  const conflict = (a: string, b: string): never => {
    throw new UsageError(`sds produce: ${a} and ${b} cannot be used together`);
  };
  if (flags.input !== undefined && flags.generator !== undefined) conflict('--input', '--generator');
  if (flags.valuePrefix !== undefined && flags.input !== undefined) conflict('--value-prefix', '--input');
  if (flags.valuePrefix !== undefined && flags.generator !== undefined) conflict('--value-prefix', '--generator');
  if (flags.key !== undefined && flags.repeatingKeys !== undefined) conflict('--key', '--repeating-keys');
  if (flags.generator !== undefined && (flags.key !== undefined || flags.repeatingKeys !== undefined)) {
    throw new UsageError('sds produce: --generator keys each record by its ticker; drop --key and --repeating-keys');
  }
  if (flags.keySeparator !== undefined) {
    if (flags.input === undefined) throw new UsageError('sds produce: --key-separator reads keys from input lines: it needs --input FILE or --input -');
    if (flags.keySeparator === '') throw new UsageError('sds produce: --key-separator must not be empty');
    if (flags.key !== undefined) conflict('--key-separator', '--key');
    if (flags.repeatingKeys !== undefined) conflict('--key-separator', '--repeating-keys');
  }
  if (flags.compression !== undefined && !compressionAvailable(flags.compression)) {
    throw new UsageError(`sds produce: --compression ${flags.compression} needs Node.js 22.15 or later (this is ${process.version}); use gzip, snappy or lz4`);
  }
}

/** Opens --input before connecting, so that a bad path fails at once. */
function openInput(path: string): Readable {
  if (path === '-') return process.stdin;
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error: unknown) {
    throw new SdsError('SDS_ERR_CLI_READ_FILE', `cannot read --input ${path}: ${(error as Error).message}`, { cause: error });
  }
  if (fstatSync(fd).isDirectory()) {
    closeSync(fd);
    throw new SdsError('SDS_ERR_CLI_READ_FILE', `cannot read --input ${path}: it is a directory`);
  }
  return createReadStream('', { fd });
}

function sourceFrom(flags: ProduceFlags): RecordSource {
  const keys = keyPolicy({ ...(flags.key !== undefined ? { key: flags.key } : {}), ...(flags.repeatingKeys !== undefined ? { repeatingKeys: flags.repeatingKeys } : {}) });
  if (flags.generator === 'stock-ticker') return stockTickerSource();
  if (flags.input !== undefined) {
    return lineSource(openInput(flags.input), { keys, ...(flags.keySeparator !== undefined ? { keySeparator: flags.keySeparator } : {}) });
  }
  return counterSource({ keys, ...(flags.valuePrefix !== undefined ? { valuePrefix: flags.valuePrefix } : {}) });
}

/** JSON lines to stdout, written once per batch of events; after EPIPE (the reader went away) it stops the run. */
class JsonLines {
  private pending: string[] = [];
  private scheduled = false;
  private closed = false;

  constructor(private readonly onClosed: () => void) {
    process.stdout.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      this.closed = true;
      this.pending = [];
      this.onClosed();
    });
  }

  push(event: ProducerEvent): void {
    if (this.closed) return;
    this.pending.push(JSON.stringify(event));
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  flush(): void {
    this.scheduled = false;
    if (this.closed || this.pending.length === 0) return;
    const text = `${this.pending.join('\n')}\n`;
    this.pending = [];
    process.stdout.write(text);
  }
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(2);
}

function rate(n: number): string {
  return n >= 100 ? n.toFixed(0) : n.toFixed(1);
}

export function summaryLine(topic: string, s: ProduceSummary): string {
  const limit = s.targetThroughput < 0 ? 'no limit' : `limit ${s.targetThroughput}/s`;
  return `${s.sent} ${s.sent === 1 ? 'record' : 'records'} sent to ${topic}: ${s.acked} acknowledged, ${s.failed} failed, in ${seconds(s.elapsedMs)} s (${rate(s.avgThroughput)} records/s, ${limit})`;
}

/** The progress bar: acknowledged of --max-messages, or a running count when there is no end. */
function progressBar(topic: string, total: number | undefined): { update(sent: number, acked: number, failed: number): void; stop(): void } {
  const start = performance.now();
  const bounded = total !== undefined && total > 0;
  const bar = new SingleBar({
    stream: process.stdout,
    format: bounded
      ? `${topic} [{bar}] {percentage}% | {value}/{total} acknowledged | {failed} failed | {rate} records/s`
      : `${topic} | {value} acknowledged | {sent} sent | {failed} failed | {rate} records/s | Ctrl-C stops`,
    hideCursor: true,
    clearOnComplete: true,
    barsize: 30,
  });
  bar.start(bounded ? total : 0, 0, { sent: 0, failed: 0, rate: '0' });
  return {
    update(sent, acked, failed) {
      const elapsed = (performance.now() - start) / 1000;
      bar.update(acked, { sent, failed, rate: rate(elapsed > 0 ? acked / elapsed : 0) });
    },
    stop() {
      bar.stop();
    },
  };
}

async function runProduce(flags: ProduceFlags): Promise<void> {
  checkCombinations(flags);
  const connection = connectionFrom(flags, 'sds-produce');
  const source = sourceFrom(flags); // opens --input: a bad path fails before anything connects
  const stop = new AbortController();
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++;
    if (signals > 1) process.exit(signal === 'SIGINT' ? 130 : 143);
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const json = flags.json === true ? new JsonLines(() => stop.abort()) : undefined;
  const tty = json === undefined && process.stdout.isTTY;
  let bar: ReturnType<typeof progressBar> | undefined;
  let summary: ProduceSummary;
  try {
    summary = await runVerifiableProducer(
      connection,
      {
        topic: flags.topic,
        source,
        throughput: flags.throughput,
        ...(flags.maxMessages !== undefined ? { maxMessages: flags.maxMessages } : {}),
        acks: flags.acks,
        ...(flags.compression !== undefined ? { compression: flags.compression } : {}),
        headers: flags.header ?? [],
        signal: stop.signal,
      },
      {
        onEvent: (event) => {
          if (json !== undefined) json.push(event);
          else if (tty && event.name === 'startup_complete') bar = progressBar(flags.topic, flags.maxMessages);
        },
        onProgress: (p) => bar?.update(p.sent, p.acked, p.failed),
      },
    );
  } finally {
    json?.flush();
    bar?.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (json === undefined) {
    const lines = [summaryLine(flags.topic, summary)];
    if (tty) for (const p of summary.partitions) lines.push(`  partition ${p.partition}: ${p.records} records, offsets ${p.firstOffset}-${p.lastOffset}`);
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  if (summary.inputError !== undefined) throw summary.inputError;
  if (summary.failed > 0) {
    throw new ProduceError(
      'SDS_ERR_PRODUCE_FAILED',
      `${summary.failed} of ${summary.sent} records were not acknowledged; the first error: ${summary.firstError ?? 'unknown'}`,
    );
  }
}

const HELP = `
Values: by default each record's value is its number (0, 1, 2, ...; "P.0", "P.1", ... with
--value-prefix P) and its key is null, as kafka-verifiable-producer sends them. --input FILE sends
one record per line of FILE and --input - one per line of standard input, as kafka-console-producer
does (with --key-separator, each line is KEY<separator>VALUE). Standard input is read only with
--input -, so a script whose stdin is a pipe still gets the counter. --generator stock-ticker sends
sample events {"ticker","price","event_time"} keyed by ticker.

--json prints kafka-verifiable-producer's events, one JSON object per line: startup_complete,
producer_send_success (key, value, offset, topic, partition), producer_send_error (topic, key,
value, exception: an SDS_ERR_* code where Kafka prints a Java class, message), shutdown_complete
and tool_data (sent, acked, target_throughput, avg_throughput). Without --json: a progress bar on
a terminal, then a summary. Exit 1 when a record was not acknowledged.

The --throughput limit holds over the whole run and after pauses: by t seconds after the start at
most 1 + throughput x t records were sent. Without --max-messages it runs until the input ends or
Ctrl-C; the totals count every record sent, each acknowledged or failed.

Examples:
  sds produce --topic demo --max-messages 1000 --throughput 100
  sds produce --topic demo --json --max-messages 500 --repeating-keys 3 --value-prefix 1
  sds produce --topic tickers --generator stock-ticker --throughput 10
  cat events.txt | sds produce --topic demo --input - --key-separator :
`;

export function registerProduceCommand(program: Command): void {
  addConnectionOptions(program.command('produce').description('send records and report each acknowledgement (like kafka-verifiable-producer)'))
    .requiredOption('--topic <name>', 'the topic to write to (it must exist)')
    .option('--throughput <n>', 'records per second at most, -1 for no limit', parseThroughput, -1)
    .option('--max-messages <n>', 'stop after this many records (-1 or absent: until the input ends or Ctrl-C)', parseMaxMessages)
    .option('--acks <acks>', 'acknowledgement each record needs: all (-1), 1 (the leader) or 0 (none; offsets are then -1)', parseAcks, -1 as Acks)
    .option('--value-prefix <prefix>', 'values are "<prefix>.<n>" instead of "<n>"')
    .option('--repeating-keys <n>', 'keys "0" to "<n-1>", cycling (default: no key)', parsePositiveInt)
    .option('--key <key>', 'the same key for every record')
    .option('--key-separator <text>', 'with --input: each line is KEY<text>VALUE (kafka-console-producer\'s parse.key)')
    .option('--header <key=value>', 'a header on every record (repeatable)', collectHeader)
    .option('--input <file>', 'one record per line of this file, or of standard input with -')
    .addOption(new Option('--generator <name>', 'sample events instead of numbers').choices(GENERATORS))
    .addOption(new Option('--compression <codec>', 'compress record batches').choices(COMPRESSIONS))
    .option('--json', 'one JSON event per line, as kafka-verifiable-producer prints them')
    .addHelpText('after', HELP)
    .action(async (flags: ProduceFlags) => {
      await runProduce(flags);
    });
}
