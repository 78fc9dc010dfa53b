// Consumer groups and idempotent producers through Apache Kafka's Java tools and clients: the
// client-machine commands of the Streaming Data Solution, the Java producer with its default
// settings (idempotence on, acks=all), and a VerifiableConsumer group that lives through a restart.
import { spawn } from 'node:child_process';
import { javaArgs, javaBinary } from '../../../scripts/conformance/apache-kafka.ts';
import { check, explain, stopChild, terminate } from '../../../scripts/conformance/process.ts';
import { expect, expectEqual, setup, waitFor } from '../scenario.ts';
import type { Scenario, ScenarioContext } from '../scenario.ts';
import {
  CLIENT,
  CONSOLE_CONSUMER,
  CONSOLE_PRODUCER,
  CONSUMER_GROUP_COMMAND,
  TOPIC_COMMAND,
  VERIFIABLE_PRODUCER,
  parseEvents,
} from './java-tools.ts';
import type { VerifiableEvent } from './java-tools.ts';

const PRODUCER_PERFORMANCE = 'org.apache.kafka.tools.ProducerPerformance';
const TRANSACTIONS_COMMAND = 'org.apache.kafka.tools.TransactionsCommand';
const VERIFIABLE_CONSUMER = 'org.apache.kafka.tools.VerifiableConsumer';

const range = (n: number, from = 0): number[] => Array.from({ length: n }, (_, i) => from + i);

/**
 * The rows of a table printed by kafka-consumer-groups or kafka-transactions, as objects keyed by
 * the header's column names (a header is the first line that has `firstColumn` and `marker`).
 */
function table(stdout: string, firstColumn: string, marker: string): Record<string, string>[] {
  const lines = stdout.split('\n').map((l) => l.trim());
  const at = lines.findIndex((l) => l.startsWith(firstColumn) && l.split(/\s+/).includes(marker));
  if (at < 0) return [];
  const header = (lines[at] ?? '').split(/\s+/);
  const rows: Record<string, string>[] = [];
  for (const line of lines.slice(at + 1)) {
    if (line === '' || line.startsWith(firstColumn)) continue;
    const cells = line.split(/\s+/);
    if (cells.length !== header.length) continue;
    rows.push(Object.fromEntries(header.map((h, i) => [h, cells[i] ?? ''])));
  }
  return rows;
}

interface GroupRow {
  readonly partition: number;
  readonly current: string;
  readonly end: string;
  readonly lag: string;
}

/** kafka-consumer-groups --describe --group: one row per partition of `topic`, in partition order. */
async function describeGroup(ctx: ScenarioContext, group: string, topic: string): Promise<GroupRow[]> {
  const result = check(
    await ctx.java(CONSUMER_GROUP_COMMAND, ['--bootstrap-server', ctx.bootstrap, '--describe', '--group', group]),
    'kafka-consumer-groups --describe',
  );
  const rows = table(result.stdout, 'GROUP', 'CURRENT-OFFSET')
    .filter((r) => r['TOPIC'] === topic)
    .map((r) => ({
      partition: Number(r['PARTITION']),
      current: r['CURRENT-OFFSET'] ?? '',
      end: r['LOG-END-OFFSET'] ?? '',
      lag: r['LAG'] ?? '',
    }))
    .sort((a, b) => a.partition - b.partition);
  expect(rows.length > 0, `kafka-consumer-groups --describe shows no row for ${topic}: ${JSON.stringify(result.stdout.trim().slice(0, 300))}`);
  return rows;
}

function acknowledged(events: readonly VerifiableEvent[], what: string, expected?: number): VerifiableEvent[] {
  const errors = events.filter((e) => e.name === 'producer_send_error');
  const acks = events.filter((e) => e.name === 'producer_send_success');
  if (expected !== undefined) {
    expect(errors.length === 0, `${what}: ${errors.length} producer_send_error, first: ${errors[0]?.exception ?? ''} ${errors[0]?.message ?? ''}`);
    expectEqual(acks.length, expected, `${what}: producer_send_success events`);
  }
  return acks;
}

// ---------------------------------------------------------------------------------------------
// 1. The client machine of the solution (pattern 1): the commands its documentation gives.

async function clientMachineCommands(bootstrap: string, ctx: ScenarioContext): Promise<void> {
  const topic = ctx.topic('MyTopic');
  const group = ctx.topic('solution-group');

  const created = check(
    await ctx.java(TOPIC_COMMAND, [
      '--bootstrap-server', bootstrap, '--create', '--replication-factor', '1', '--partitions', '1', '--topic', topic,
    ]),
    'kafka-topics --create',
  );
  expect(created.stdout.includes(`Created topic ${topic}.`), `kafka-topics --create printed ${JSON.stringify(created.stdout.trim())}`);

  const listed = check(await ctx.java(TOPIC_COMMAND, ['--bootstrap-server', bootstrap, '--list']), 'kafka-topics --list');
  const listedTopic = listed.stdout.split('\n').some((l) => l.trim() === topic);
  expect(listedTopic, `kafka-topics --list does not show ${topic}: ${JSON.stringify(listed.stdout.slice(0, 300))}`);
  ctx.observe('listed', listedTopic);

  const produced = check(
    await ctx.java(VERIFIABLE_PRODUCER, ['--bootstrap-server', bootstrap, '--topic', topic, '--throughput', '100', '--max-messages', '500'], {
      timeoutMs: 45_000,
    }),
    'kafka-verifiable-producer',
  );
  const acks = acknowledged(parseEvents(produced.stdout), 'kafka-verifiable-producer', 500);
  ctx.observe('acked', acks.length);

  const consume = async (what: string, fromBeginning: boolean): Promise<void> => {
    const result = check(
      await ctx.java(
        CONSOLE_CONSUMER,
        [
          '--bootstrap-server', bootstrap, '--topic', topic,
          ...(fromBeginning ? ['--from-beginning'] : []),
          '--group', group, '--max-messages', '500',
        ],
        { timeoutMs: 60_000 },
      ),
      what,
    );
    const values = result.stdout.split('\n').filter((l) => l !== '');
    expect(values.length === 500, `${what} read ${values.length} of 500 records: ${explain(result)}`);
    expectEqual(values, range(500).map(String), `${what}: values in order`);
    ctx.observe(`${what}: records`, values.length);
  };
  const described = async (what: string, expected: [current: string, end: string, lag: string]): Promise<void> => {
    const rows = await describeGroup(ctx, group, topic);
    expectEqual(rows.map((r) => [r.partition, r.current, r.end, r.lag]), [[0, ...expected]], `${what}: PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG`);
    ctx.observe(`${what}: current/end/lag`, expected.join('/'));
  };

  await consume('kafka-console-consumer --from-beginning', true);
  await described('--describe after the first read', ['500', '500', '0']);

  const reset = check(
    await ctx.java(CONSUMER_GROUP_COMMAND, [
      '--bootstrap-server', bootstrap, '--reset-offsets', '--to-earliest', '--execute', '--group', group, '--topic', topic,
    ]),
    'kafka-consumer-groups --reset-offsets --to-earliest --execute',
  );
  const resetRows = table(reset.stdout, 'GROUP', 'NEW-OFFSET').filter((r) => r['TOPIC'] === topic);
  expectEqual(
    resetRows.map((r) => [r['PARTITION'], r['NEW-OFFSET']]),
    [['0', '0']],
    `--reset-offsets PARTITION NEW-OFFSET (output ${JSON.stringify(reset.stdout.trim().slice(0, 300))})`,
  );
  ctx.observe('NEW-OFFSET', resetRows[0]?.['NEW-OFFSET'] ?? '');

  await described('--describe after the reset', ['0', '500', '500']);
  // Same group, no --from-beginning: the committed offset (0) decides where it starts.
  await consume('kafka-console-consumer (same group, after the reset)', false);
  await described('--describe after the second read', ['500', '500', '0']);
}

// ---------------------------------------------------------------------------------------------
// 2. The Java producer with its defaults (enable.idempotence=true, acks=all) and a Java consumer.

const KEYED = 1000;
const PERF = 2000;
const IDEMPOTENT_PARTITIONS = 3;

interface ProducerRow {
  readonly producerId: string;
  readonly lastSequence: number;
}

/** kafka-transactions describe-producers: the producers the partition keeps state for. */
async function describeProducers(ctx: ScenarioContext, topic: string, partition: number): Promise<ProducerRow[]> {
  const result = check(
    await ctx.java(TRANSACTIONS_COMMAND, [
      '--bootstrap-server', ctx.bootstrap, 'describe-producers', '--topic', topic, '--partition', String(partition),
    ]),
    `kafka-transactions describe-producers --partition ${partition}`,
  );
  return table(result.stdout, 'ProducerId', 'LastSequence').map((r) => ({
    producerId: r['ProducerId'] ?? '',
    lastSequence: Number(r['LastSequence']),
  }));
}

async function idempotentJavaProducer(bootstrap: string, ctx: ScenarioContext): Promise<void> {
  const topic = ctx.topic('java-idempotent');
  const group = ctx.topic('java-idempotent-group');
  await setup('create topic', () => ctx.createTopic(topic, IDEMPOTENT_PARTITIONS));

  // Only what the console needs to read keys: no producer property, so the Java defaults apply.
  const input = range(KEYED).map((i) => `key-${i}:value-${i}\n`).join('');
  check(
    await ctx.java(CONSOLE_PRODUCER, ['--bootstrap-server', bootstrap, '--topic', topic, '--property', 'parse.key=true', '--property', 'key.separator=:'], {
      input,
      timeoutMs: 45_000,
    }),
    'kafka-console-producer',
  );
  const perf = check(
    await ctx.java(
      PRODUCER_PERFORMANCE,
      ['--topic', topic, '--num-records', String(PERF), '--record-size', '100', '--throughput', '-1', '--producer-props', `bootstrap.servers=${bootstrap}`],
      { timeoutMs: 45_000 },
    ),
    'kafka-producer-perf-test',
  );
  const sent = /(\d+) records sent/.exec(perf.stdout.split('\n').filter((l) => l.includes('records sent')).at(-1) ?? '')?.[1];
  expectEqual(Number(sent), PERF, 'kafka-producer-perf-test: records sent');

  const consumed = check(
    await ctx.java(
      CONSOLE_CONSUMER,
      [
        '--bootstrap-server', bootstrap, '--topic', topic, '--group', group, '--from-beginning',
        '--max-messages', String(KEYED + PERF), '--timeout-ms', '30000',
        '--property', 'print.partition=true', '--property', 'print.offset=true',
        '--property', 'print.key=true', '--property', 'key.separator=\t',
      ],
      { timeoutMs: 60_000 },
    ),
    'kafka-console-consumer',
  );
  // "Partition:P <tab> Offset:O <tab> key <tab> value"
  const records = consumed.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((line) => {
      const [p, o, key, value] = line.split('\t');
      return { partition: Number(p?.replace('Partition:', '')), offset: Number(o?.replace('Offset:', '')), key, value, line };
    });
  expect(records.length === KEYED + PERF, `kafka-console-consumer read ${records.length} of ${KEYED + PERF} records: ${explain(consumed)}`);
  for (let p = 0; p < IDEMPOTENT_PARTITIONS; p++) {
    const offsets = records.filter((r) => r.partition === p).map((r) => r.offset);
    expectEqual(offsets, range(offsets.length), `offsets read from partition ${p}`);
  }
  // Every keyed line exactly once, with its value, in the order sent (per key's partition).
  const seen = new Map<number, number>();
  for (const r of records) {
    if (r.key === 'null') {
      expect(r.value?.length === 100, `a kafka-producer-perf-test record of ${r.value?.length ?? 0} bytes: ${r.line.slice(0, 120)}`);
      continue;
    }
    const i = Number(/^key-(\d+)$/.exec(r.key ?? '')?.[1] ?? NaN);
    expect(Number.isInteger(i) && r.value === `value-${i}`, `unexpected record: ${r.line.slice(0, 120)}`);
    expect(!seen.has(i), `key-${i} read twice`);
    seen.set(i, r.partition);
  }
  expectEqual(seen.size, KEYED, 'distinct keys read');
  for (let p = 0; p < IDEMPOTENT_PARTITIONS; p++) {
    const keys = records.filter((r) => r.partition === p && r.key !== 'null').map((r) => Number(r.key?.slice(4)));
    expectEqual(keys, [...keys].sort((a, b) => a - b), `keyed records of partition ${p} in the order sent`);
  }
  ctx.observe('records read', records.length);
  ctx.observe('distinct keys', seen.size);

  // The log holds nothing more than what was read (no duplicate written by a retry), and the
  // group's committed offsets reach its end.
  const rows = await describeGroup(ctx, group, topic);
  expectEqual(rows.map((r) => r.partition), range(IDEMPOTENT_PARTITIONS), 'partitions described');
  for (const r of rows) expect(r.current === r.end && r.lag === '0', `partition ${r.partition}: CURRENT-OFFSET ${r.current}, LOG-END-OFFSET ${r.end}, LAG ${r.lag}`);
  const logEnd = rows.reduce((n, r) => n + Number(r.end), 0);
  expectEqual(logEnd, KEYED + PERF, 'sum of the log end offsets');
  ctx.observe('log end offsets, summed', logEnd);

  // Idempotence was used: each producer got a producer id, and the partitions keep its last
  // sequence number; the sequences of each producer add up to the records it sent.
  const perProducer = new Map<string, number>();
  for (let p = 0; p < IDEMPOTENT_PARTITIONS; p++) {
    for (const row of await describeProducers(ctx, topic, p)) {
      expect(/^\d+$/.test(row.producerId) && Number.isInteger(row.lastSequence), `partition ${p}: producer row ${JSON.stringify(row)}`);
      perProducer.set(row.producerId, (perProducer.get(row.producerId) ?? 0) + row.lastSequence + 1);
    }
  }
  const totals = [...perProducer.values()].sort((a, b) => a - b);
  expectEqual(totals, [KEYED, PERF], 'records per producer id (sum of LastSequence + 1 over the partitions)');
  ctx.observe('producer ids', perProducer.size);
  ctx.observe('records per producer id', totals.join(','));
}

// ---------------------------------------------------------------------------------------------
// 3. VerifiableConsumer and VerifiableProducer running while the server restarts.

/** A Java tool running in the background, its stdout kept line by line. */
interface Background {
  readonly lines: readonly string[];
  /** Set once the process has exited. */
  readonly exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  stderr(): string;
  /** Resolves when the process has exited (it is killed when `timeoutMs` passes). */
  readonly exited: Promise<void>;
  /** SIGTERM (the tools' shutdown hooks then report), SIGKILL after a grace period. */
  stop(): Promise<void>;
}

function startJava(ctx: ScenarioContext, mainClass: string, args: readonly string[], timeoutMs: number): Background {
  if (ctx.signal.aborted) throw new Error(`not started (cancelled): ${mainClass}`);
  const child = spawn(javaBinary(), javaArgs(mainClass, args), { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let partial = '';
  let errText = '';
  let exit: Background['exit'];
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    if (errText.length < 256 * 1024) errText += chunk;
  });
  // Never outlive the scenario: its timeout, its abort, or the runner exiting.
  const kill = (): void => terminate(child);
  const killNow = (): void => {
    child.kill('SIGKILL');
  };
  const timer = setTimeout(kill, timeoutMs);
  ctx.signal.addEventListener('abort', kill, { once: true });
  process.once('exit', killNow);
  const exited = new Promise<void>((resolve) => {
    const done = (code: number | null, sig: NodeJS.Signals | null): void => {
      if (exit !== undefined) return;
      if (partial !== '') lines.push(partial);
      exit = { code, signal: sig };
      clearTimeout(timer);
      ctx.signal.removeEventListener('abort', kill);
      process.removeListener('exit', killNow);
      resolve();
    };
    child.on('close', done);
    child.on('error', (error) => {
      errText += `\ncannot run java: ${error.message}`;
      done(null, null);
    });
  });
  return {
    lines,
    get exit() {
      return exit;
    },
    stderr: () => errText,
    exited,
    stop: async () => {
      if (exit === undefined) await stopChild(child, 10_000);
      await exited;
    },
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/**
 * What VerifiableConsumer's JSON events (records_consumed, offsets_committed,
 * partitions_assigned, shutdown_complete) say so far; update() reads the lines added since.
 */
class ConsumerView {
  /** Offsets consumed per partition (a set: a record read twice counts once). */
  readonly consumed = new Map<number, Set<number>>();
  /** Records consumed, duplicates included. */
  records = 0;
  /** The highest successful commit per partition. */
  readonly committed = new Map<number, number>();
  /** The errors of the commits that failed. */
  readonly commitErrors: string[] = [];
  assignments = 0;
  shutdown = false;
  private read = 0;

  constructor(
    private readonly lines: readonly string[],
    private readonly topic: string,
  ) {}

  update(): this {
    for (; this.read < this.lines.length; this.read++) {
      const line = this.lines[this.read] ?? '';
      if (line.startsWith('{')) this.apply(JSON.parse(line));
    }
    return this;
  }

  private apply(event: unknown): void {
    if (!isObject(event)) return;
    const entries = (key: string): Record<string, unknown>[] => {
      const list = event[key];
      return Array.isArray(list) ? list.filter(isObject).filter((e) => e['topic'] === this.topic) : [];
    };
    switch (event['name']) {
      case 'records_consumed':
        for (const e of entries('partitions')) {
          const [partition, count, min, max] = [e['partition'], e['count'], e['minOffset'], e['maxOffset']].map(Number);
          // A batch's records of one partition are consecutive offsets (no compaction, no transactions here).
          expect(
            partition !== undefined && count !== undefined && min !== undefined && max !== undefined && max - min + 1 === count,
            `records_consumed with a gap: ${JSON.stringify(e)}`,
          );
          const set = this.consumed.get(partition) ?? new Set<number>();
          for (let o = min; o <= max; o++) set.add(o);
          this.consumed.set(partition, set);
          this.records += count;
        }
        break;
      case 'offsets_committed':
        if (event['success'] !== true) {
          this.commitErrors.push(typeof event['error'] === 'string' ? event['error'] : JSON.stringify(event['error'] ?? null));
          break;
        }
        for (const e of entries('offsets')) {
          const partition = Number(e['partition']);
          this.committed.set(partition, Math.max(this.committed.get(partition) ?? 0, Number(e['offset'])));
        }
        break;
      case 'partitions_assigned':
        this.assignments++;
        break;
      case 'shutdown_complete':
        this.shutdown = true;
        break;
      default:
        break;
    }
  }
}

const RESTART_PARTITIONS = 3;
// 30 s of sends at 100/s: room for a restart that takes 10-15 s on a loaded machine.
const SPANNING = 3000;

async function consumerAcrossRestart(bootstrap: string, ctx: ScenarioContext): Promise<void> {
  const topic = ctx.topic('verifiable-restart');
  const group = ctx.topic('verifiable-restart-group');
  await setup('create topic', () => ctx.createTopic(topic, RESTART_PARTITIONS));

  const consumer = startJava(
    ctx,
    VERIFIABLE_CONSUMER,
    ['--bootstrap-server', bootstrap, '--topic', topic, '--group-id', group, '--reset-policy', 'earliest'],
    170_000,
  );
  let producer: Background | undefined;
  try {
    const events = new ConsumerView(consumer.lines, topic);
    const view = (): ConsumerView => events.update();
    const alive = (b: Background, what: string): void => {
      if (b.exit !== undefined) throw new Error(`${what} exited early (${b.exit.code ?? b.exit.signal ?? '?'}): ${b.stderr().trim().split('\n').slice(-3).join(' / ').slice(0, 300)}`);
    };
    await waitFor(
      () => {
        alive(consumer, 'kafka-verifiable-consumer');
        return view().assignments > 0;
      },
      45_000,
      'partitions_assigned',
      ctx.signal,
    );

    // SPANNING records at 100/s, with the restart among them.
    producer = startJava(
      ctx,
      VERIFIABLE_PRODUCER,
      ['--bootstrap-server', bootstrap, '--topic', topic, '--throughput', '100', '--max-messages', String(SPANNING)],
      160_000,
    );
    await waitFor(
      () => {
        alive(consumer, 'kafka-verifiable-consumer');
        return view().records >= 200;
      },
      45_000,
      '200 records consumed before the restart',
      ctx.signal,
    );
    const t0 = performance.now();
    const restartBegan = Date.now();
    ctx.log('restarting (SIGTERM) with the producer and the consumer running');
    const next = await ctx.restart({ hard: false });
    const restartEnded = Date.now();
    ctx.note(`restart ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    // The producer spanning the restart runs with retries=0 (the tool's choice): sends in flight
    // when the server stopped fail; what matters is that every acknowledged one is consumed.
    await producer.exited;
    const spanning = parseEvents(producer.lines.join('\n'));
    const spanningAcks = acknowledged(spanning, 'kafka-verifiable-producer across the restart');
    const spanningErrors = spanning.filter((e) => e.name === 'producer_send_error').length;
    const summary = spanning.find((e) => e.name === 'tool_data');
    expect(summary !== undefined, `kafka-verifiable-producer across the restart ended without tool_data: ${producer.stderr().trim().slice(-300)}`);
    expectEqual(summary.sent, SPANNING, 'kafka-verifiable-producer across the restart: sent');
    // It really spanned the restart: acknowledgements before it began and after it ended.
    const ackedBefore = spanningAcks.filter((a) => (a.timestamp ?? Infinity) < restartBegan).length;
    const ackedAfter = spanningAcks.filter((a) => (a.timestamp ?? 0) > restartEnded).length;
    expect(ackedBefore > 0 && ackedAfter > 0, `kafka-verifiable-producer did not span the restart: ${ackedBefore} acknowledged before it, ${ackedAfter} after`);
    ctx.observe('producer acknowledged records before and after the restart', true);

    // A new producer after the restart: every send acknowledged.
    const after = check(
      await ctx.java(VERIFIABLE_PRODUCER, ['--bootstrap-server', next, '--topic', topic, '--max-messages', '200', '--value-prefix', '1'], {
        timeoutMs: 60_000,
      }),
      'kafka-verifiable-producer after the restart',
    );
    const afterAcks = acknowledged(parseEvents(after.stdout), 'kafka-verifiable-producer after the restart', 200);
    ctx.observe('acked after the restart', afterAcks.length);

    // Wait for the consumer to have read and committed past every acknowledged record.
    const acks = [...spanningAcks, ...afterAcks];
    const ends = new Map<number, number>();
    for (const a of acks) ends.set(a.partition ?? -1, Math.max(ends.get(a.partition ?? -1) ?? 0, (a.offset ?? -1) + 1));
    const missing = (v: ConsumerView): VerifiableEvent[] => acks.filter((a) => v.consumed.get(a.partition ?? -1)?.has(a.offset ?? -1) !== true);
    const caughtUp = (v: ConsumerView): boolean => missing(v).length === 0 && [...ends].every(([p, end]) => (v.committed.get(p) ?? 0) >= end);
    await waitFor(
      () => {
        alive(consumer, 'kafka-verifiable-consumer');
        return caughtUp(view());
      },
      60_000,
      'the consumer to read and commit every acknowledged record',
      ctx.signal,
    ).catch((error: unknown) => {
      const v = view();
      const first = missing(v)[0];
      throw new Error(
        `${error instanceof Error ? error.message : String(error)}: ${missing(v).length} acknowledged record(s) not consumed` +
          `${first === undefined ? '' : ` (first: partition ${first.partition ?? '?'} offset ${first.offset ?? '?'})`}, ` +
          `committed ${JSON.stringify([...v.committed])}, acknowledged ends ${JSON.stringify([...ends])}`,
        { cause: error },
      );
    });
    await consumer.stop();
    const final = view();
    expect(final.shutdown, `kafka-verifiable-consumer did not report shutdown_complete: ${consumer.stderr().trim().slice(-300)}`);

    // The group's committed offsets are the log end offsets (records written but not
    // acknowledged were read and committed too).
    const rows = await describeGroup(ctx, group, topic);
    for (const r of rows) {
      if (r.end === '0') continue;
      expect(r.current === r.end && r.lag === '0', `partition ${r.partition}: CURRENT-OFFSET ${r.current}, LOG-END-OFFSET ${r.end}, LAG ${r.lag}`);
    }

    ctx.observe('every acknowledged record consumed', missing(final).length === 0);
    ctx.observe('committed offsets at the log end', true);
    ctx.observe('shutdown_complete', final.shutdown);
    if (final.commitErrors.length > 0) ctx.log(`first failed commit: ${final.commitErrors[0] ?? ''}`);
    const duplicates = final.records - [...final.consumed.values()].reduce((n, s) => n + s.size, 0);
    ctx.note(
      `${spanningAcks.length} of ${SPANNING} acknowledged across the restart (${spanningErrors} send errors)` +
        `, ${duplicates} record(s) read twice, ${final.commitErrors.length} failed commit(s), ${final.assignments} assignment(s)`,
    );
  } finally {
    await Promise.all([consumer.stop(), producer?.stop()]);
  }
}

export const javaGroupScenarios: readonly Scenario[] = [
  {
    name: "The solution's client-machine commands: create, list, produce 500, consume in a group, reset to earliest, re-read",
    client: CLIENT,
    timeoutMs: 150_000,
    run: clientMachineCommands,
  },
  {
    name: "Kafka's Java producer with default settings (idempotence on) and a Java consumer: every record exactly once",
    client: CLIENT,
    timeoutMs: 120_000,
    run: idempotentJavaProducer,
  },
  {
    name: 'VerifiableConsumer against VerifiableProducer with a broker restart in the middle',
    client: CLIENT,
    disruptive: true,
    timeoutMs: 180_000,
    run: consumerAcrossRestart,
  },
];
