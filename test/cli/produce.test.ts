/** `sds produce` against the embedded broker over TCP: kafka-verifiable-producer's events, the rate, inputs, summaries and bad input. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command, CommanderError } from 'commander';
import { startBroker } from '../../src/broker/broker.ts';
import { registerProduceCommand } from '../../src/cli/produce.ts';
import { UsageError } from '../../src/cli/options.ts';
import { SdsError } from '../../src/errors.ts';
import { partitionForKey } from '../../src/client/verifiable-producer.ts';
import { createTopic } from '../broker/groups/helpers.ts';
import { readBack } from '../support/read-back.ts';
import { runSds } from '../support/sds-cli.ts';

interface Event {
  readonly timestamp: number;
  readonly name: string;
  readonly [field: string]: unknown;
}

function events(stdout: string): Event[] {
  return stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as Event);
}

const successes = (list: readonly Event[]): Event[] => list.filter((e) => e.name === 'producer_send_success');

test('sds produce --json: kafka-verifiable-producer\'s events, the rate over the whole run, and the records in the topic', { timeout: 120_000 }, async () => {
  const broker = await startBroker({ port: 0, config: { groupInitialRebalanceDelayMs: 0 } });
  const b = ['--bootstrap-server', broker.bootstrap];
  try {
    await createTopic(broker.port, 'events', 3);
    const N = 300;
    const RATE = 200;
    const run = await runSds(['produce', ...b, '--topic', 'events', '--json', '--throughput', String(RATE), '--max-messages', String(N), '--value-prefix', '9', '--repeating-keys', '3']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, '');
    const list = events(run.stdout);
    assert.deepEqual(list.map((e) => e.name), ['startup_complete', ...Array<string>(N).fill('producer_send_success'), 'shutdown_complete', 'tool_data']);
    for (const e of list) assert.ok(Number.isInteger(e.timestamp) && e.timestamp > 1.5e12, `timestamp of ${e.name}`);
    assert.deepEqual(Object.keys(list[0] ?? {}), ['timestamp', 'name']);
    assert.deepEqual(Object.keys(list.at(-2) ?? {}), ['timestamp', 'name']);
    const tool = list.at(-1) ?? { timestamp: 0, name: '' };
    assert.deepEqual(Object.keys(tool), ['timestamp', 'name', 'sent', 'acked', 'target_throughput', 'avg_throughput']);
    assert.deepEqual([tool['sent'], tool['acked'], tool['target_throughput']], [N, N, RATE]);
    assert.equal(typeof tool['avg_throughput'], 'number');

    const acks = successes(list);
    for (const s of acks) {
      assert.deepEqual(Object.keys(s), ['timestamp', 'name', 'key', 'value', 'offset', 'topic', 'partition']);
      assert.ok(typeof s['key'] === 'string' && typeof s['value'] === 'string' && typeof s['topic'] === 'string');
      assert.ok(Number.isInteger(s['offset']) && Number.isInteger(s['partition']));
      const n = Number(s['value'].slice(2));
      assert.equal(s['value'], `9.${n}`);
      assert.equal(s['key'], String(n % 3));
      assert.equal(s['partition'], partitionForKey(s['key'], 3));
      assert.equal(s['topic'], 'events');
    }
    assert.deepEqual(acks.map((s) => Number((s['value'] as string).slice(2))).sort((x, y) => x - y), Array.from({ length: N }, (_, i) => i));
    for (const p of [0, 1, 2]) {
      const offsets = acks.filter((s) => s['partition'] === p).map((s) => s['offset']);
      assert.deepEqual(offsets, offsets.map((_, i) => i), `partition ${p}: offsets contiguous from 0`);
    }

    // The rate from the printed timestamps: no prefix of the run over 1 + rate x t, and the run spans (N - 1) / rate.
    const start = list[0]?.timestamp ?? 0;
    const times = acks.map((s) => s.timestamp).sort((x, y) => x - y);
    times.forEach((t, i) => assert.ok(i + 1 <= 1 + (RATE * (t - start + 1)) / 1000, `${i + 1} acknowledged ${t - start} ms after startup_complete`));
    assert.ok((times.at(-1) ?? 0) - start >= ((N - 1) * 1000) / RATE - 1, 'the last record not before (N - 1) / rate');
    assert.ok((times.at(-1) ?? 0) - (times[0] ?? 0) >= ((N - 1) * 1000) / RATE - 100, 'acknowledgements spread over the run, not in a burst');

    const stored = await readBack(broker.bootstrap, 'events', N);
    const byPlace = new Map(stored.map((r) => [`${r.partition}:${r.offset}`, r]));
    assert.equal(byPlace.size, N);
    for (const s of acks) assert.deepEqual([byPlace.get(`${s['partition'] as number}:${s['offset'] as number}`)?.value, byPlace.get(`${s['partition'] as number}:${s['offset'] as number}`)?.key], [s['value'], s['key']]);
  } finally {
    await broker.stop();
  }
});

test('sds produce: file and stdin input, key separator, headers, generator, summaries, Ctrl-C', { timeout: 120_000 }, async () => {
  const broker = await startBroker({ port: 0, config: { groupInitialRebalanceDelayMs: 0 } });
  const b = ['--bootstrap-server', broker.bootstrap];
  const dir = await mkdtemp(join(tmpdir(), 'sds-produce-'));
  try {
    await createTopic(broker.port, 'lines', 1);
    await createTopic(broker.port, 'ticks', 2);
    await createTopic(broker.port, 'plain', 1);

    // A file, one record per line, keys split off, headers on every record.
    const file = join(dir, 'records.txt');
    await writeFile(file, 'k1:first\r\nk2:second:with colon\nk3:\n');
    const fromFile = await runSds(['produce', ...b, '--topic', 'lines', '--input', file, '--key-separator', ':', '--header', 'source=file', '--header', 'empty=', '--json']);
    assert.equal(fromFile.code, 0, fromFile.stderr);
    assert.deepEqual(successes(events(fromFile.stdout)).map((e) => [e['key'], e['value'], e['offset']]), [['k1', 'first', 0], ['k2', 'second:with colon', 1], ['k3', '', 2]]);
    assert.deepEqual(events(fromFile.stdout).at(-1)?.['sent'], 3);

    // Standard input with --input -; --max-messages stops before the end.
    const fromStdin = await runSds(['produce', ...b, '--topic', 'lines', '--input', '-', '--max-messages', '2', '--json'], { input: 'a\nb\nc\n' });
    assert.equal(fromStdin.code, 0, fromStdin.stderr);
    assert.deepEqual(successes(events(fromStdin.stdout)).map((e) => [e['key'], e['value'], e['offset']]), [[null, 'a', 3], [null, 'b', 4]]);
    const stored = await readBack(broker.bootstrap, 'lines', 5);
    assert.deepEqual(stored.map((r) => [r.key, r.value, r.headers]), [
      ['k1', 'first', { source: 'file', empty: '' }],
      ['k2', 'second:with colon', { source: 'file', empty: '' }],
      ['k3', '', { source: 'file', empty: '' }],
      [null, 'a', {}],
      [null, 'b', {}],
    ]);

    // Without --input - standard input is not read: the counter, as kafka-verifiable-producer.
    const counter = await runSds(['produce', ...b, '--topic', 'plain', '--max-messages', '3', '--key', 'same', '--json'], { input: 'ignored\n' });
    assert.deepEqual(successes(events(counter.stdout)).map((e) => [e['key'], e['value']]), [['same', '0'], ['same', '1'], ['same', '2']]);

    // The stock ticker generator: JSON values keyed by ticker.
    const ticks = await runSds(['produce', ...b, '--topic', 'ticks', '--generator', 'stock-ticker', '--max-messages', '20', '--throughput', '1000', '--compression', 'gzip', '--json']);
    assert.equal(ticks.code, 0, ticks.stderr);
    const tickEvents = successes(events(ticks.stdout));
    assert.equal(tickEvents.length, 20);
    for (const e of tickEvents) {
      const v = JSON.parse(e['value'] as string) as Record<string, unknown>;
      assert.deepEqual(Object.keys(v), ['ticker', 'price', 'event_time']);
      assert.equal(e['key'], v['ticker']);
      assert.equal(typeof v['price'], 'number');
      assert.match(v['event_time'] as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.equal(e['partition'], partitionForKey(e['key'] as string, 2));
    }

    // A record the broker refuses (over message.max.bytes): producer_send_error, exact totals, exit 1.
    const big = join(dir, 'big.txt');
    await writeFile(big, `small\n${'y'.repeat(1_100_000)}\nafter\n`);
    const refused = await runSds(['produce', ...b, '--topic', 'plain', '--input', big, '--throughput', '100', '--json']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /1 of 3 records were not acknowledged; the first error: .*MESSAGE_TOO_LARGE.*SDS_ERR_PRODUCE_FAILED/);
    const refusedEvents = events(refused.stdout);
    assert.deepEqual(refusedEvents.map((e) => e.name), ['startup_complete', 'producer_send_success', 'producer_send_error', 'producer_send_success', 'shutdown_complete', 'tool_data']);
    const error = refusedEvents[2] ?? { timestamp: 0, name: '' };
    assert.deepEqual(Object.keys(error), ['timestamp', 'name', 'topic', 'key', 'value', 'exception', 'message']);
    assert.deepEqual([error['topic'], error['key'], (error['value'] as string).length, error['exception']], ['plain', null, 1_100_000, 'SDS_ERR_CLIENT_KAFKA']);
    assert.match(error['message'] as string, /MESSAGE_TOO_LARGE/);
    assert.deepEqual([refusedEvents.at(-1)?.['sent'], refusedEvents.at(-1)?.['acked']], [3, 2]);

    // Not a terminal, no --json: one summary line.
    const summary = await runSds(['produce', ...b, '--topic', 'plain', '--max-messages', '50', '--acks', '1']);
    assert.equal(summary.code, 0, summary.stderr);
    assert.match(summary.stdout, /^50 records sent to plain: 50 acknowledged, 0 failed, in \d+\.\d\d s \([\d.]+ records\/s, no limit\)\n$/);

    // Ctrl-C without --max-messages: stops, waits for the answers, prints the totals, exits 0.
    const child = spawn(process.execPath, [resolve(import.meta.dirname, '../../bin/sds.js'), 'produce', ...b, '--topic', 'plain', '--throughput', '50', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    const exited = new Promise<number | null>((ok) => child.once('close', ok));
    const deadline = Date.now() + 30_000;
    while (successes(out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Event)).length < 5 && Date.now() < deadline) await new Promise((ok) => setTimeout(ok, 50));
    child.kill('SIGINT');
    assert.equal(await exited, 0);
    const stopped = events(out);
    assert.deepEqual(stopped.slice(-2).map((e) => e.name), ['shutdown_complete', 'tool_data']);
    const acked = successes(stopped).length;
    assert.ok(acked >= 5);
    assert.deepEqual([stopped.at(-1)?.['sent'], stopped.at(-1)?.['acked']], [acked, acked]);
  } finally {
    await broker.stop();
    await rm(dir, { recursive: true, force: true });
  }
});

/** Parses `sds produce ARGS` in this process; resolves to what the command wrote to stderr, or rejects with what it threw. */
async function parseInProcess(args: readonly string[]): Promise<string> {
  let stderr = '';
  const program = new Command('sds').exitOverride().configureOutput({ writeErr: (text) => (stderr += text), writeOut: () => undefined });
  registerProduceCommand(program);
  try {
    await program.parseAsync(['produce', ...args], { from: 'user' });
  } catch (error: unknown) {
    if (error instanceof CommanderError) throw new Error(stderr, { cause: error });
    throw error;
  }
  return stderr;
}

test('sds produce: bad flags and flag combinations are usage errors (exit 2), before anything connects', async () => {
  const usage = async (args: string[], message: RegExp): Promise<void> => {
    // CommanderError and UsageError are what `sds` turns into exit code 2 (src/cli/main.ts).
    await assert.rejects(parseInProcess(['--bootstrap-server', '127.0.0.1:1', '--topic', 't', ...args]), (error: unknown) => {
      assert.ok(error instanceof Error);
      assert.ok(!(error instanceof SdsError) || error instanceof UsageError, `${args.join(' ')}: ${String(error)}`);
      assert.match(error.message, message, args.join(' '));
      return true;
    });
  };
  await usage(['--bogus'], /unknown option '--bogus'/);
  await usage(['--throughput', '0'], /expected -1 \(no limit\) or records per second above 0/);
  await usage(['--throughput', 'fast'], /--throughput/);
  await usage(['--max-messages', 'x'], /expected a whole number from 0, or -1/);
  await usage(['--acks', '2'], /expected all, -1, 0 or 1/);
  await usage(['--repeating-keys', '0'], /positive whole number/);
  await usage(['--header', 'novalue'], /expected key=value/);
  await usage(['--generator', 'weather'], /Allowed choices are stock-ticker/);
  await usage(['--compression', 'brotli'], /Allowed choices are none, gzip, snappy, lz4, zstd/);
  await usage(['--input', '-', '--generator', 'stock-ticker'], /--input and --generator cannot be used together/);
  await usage(['--input', '-', '--value-prefix', '1'], /--value-prefix and --input/);
  await usage(['--key', 'k', '--repeating-keys', '2'], /--key and --repeating-keys/);
  await usage(['--key-separator', ':'], /--key-separator reads keys from input lines/);
  await usage(['--generator', 'stock-ticker', '--repeating-keys', '2'], /keys each record by its ticker/);
  await assert.rejects(parseInProcess(['--max-messages', '1']), /required option '--topic <name>'/);
  // An unreadable --input fails before connecting too (exit 1).
  const dir = await mkdtemp(join(tmpdir(), 'sds-produce-'));
  try {
    await assert.rejects(parseInProcess(['--topic', 't', '--input', join(dir, 'absent.txt')]), { code: 'SDS_ERR_CLI_READ_FILE', message: /cannot read --input .*absent\.txt: ENOENT/ });
    await assert.rejects(parseInProcess(['--topic', 't', '--input', dir]), { code: 'SDS_ERR_CLI_READ_FILE', message: /it is a directory/ });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('sds produce: exit 2 for usage, 1 for an unreachable cluster, a missing topic, an unreadable file or a bad line', { timeout: 120_000 }, async () => {
  const broker = await startBroker({ port: 0 });
  const b = ['--bootstrap-server', broker.bootstrap];
  try {
    await createTopic(broker.port, 't', 1);
    const [bogus, conflict, unreachable, missing, noFile, badLine] = await Promise.all([
      runSds(['produce', ...b, '--topic', 't', '--bogus']),
      runSds(['produce', ...b, '--topic', 't', '--key', 'k', '--repeating-keys', '2']),
      runSds(['produce', '--bootstrap-server', '127.0.0.1:1', '--topic', 't', '--max-messages', '1']),
      runSds(['produce', ...b, '--topic', 'nope', '--max-messages', '1', '--json']),
      runSds(['produce', ...b, '--topic', 't', '--input', join(tmpdir(), 'sds-produce-absent', 'x.txt')]),
      runSds(['produce', ...b, '--topic', 't', '--input', '-', '--key-separator', '\t'], { input: 'k\tv\nno tab here\nk\tw\n' }),
    ]);
    assert.deepEqual([bogus.code, bogus.stdout], [2, '']);
    assert.match(bogus.stderr, /unknown option '--bogus'[\s\S]*sds --help/);
    assert.deepEqual([conflict.code, conflict.stdout], [2, '']);
    assert.match(conflict.stderr, /--key and --repeating-keys cannot be used together/);
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.stderr, /cannot reach Kafka at 127\.0\.0\.1:1: connection refused.*SDS_ERR_CLIENT_UNREACHABLE/);
    assert.deepEqual([missing.code, missing.stdout], [1, ''], 'nothing printed, not even startup_complete');
    assert.match(missing.stderr, /topic nope does not exist.*SDS_ERR_TOPIC_NOT_FOUND/);
    assert.equal(noFile.code, 1);
    assert.match(noFile.stderr, /cannot read --input .*x\.txt: ENOENT.*SDS_ERR_CLI_READ_FILE/);
    // A line without the separator: the lines before it are sent and counted, then exit 1.
    assert.equal(badLine.code, 1, badLine.stderr);
    assert.match(badLine.stdout, /^1 record sent to t: 1 acknowledged, 0 failed/);
    assert.match(badLine.stderr, /input line 2 has no key separator "\\t": "no tab here".*SDS_ERR_PRODUCE_INPUT/);
  } finally {
    await broker.stop();
  }
});
