// `sds produce --json` next to Kafka's kafka-verifiable-producer with the same flags, against both
// servers: the same events in the same order with the same fields and types, the same keys, values,
// partitions and offsets, the same totals. Timestamps and avg_throughput are only checked for
// plausibility (they are clocks), and so is the rate.
import { join } from 'node:path';
import { REPO_ROOT } from '../../../scripts/conformance/apache-kafka.ts';
import { check } from '../../../scripts/conformance/process.ts';
import { expect, expectEqual, setup } from '../scenario.ts';
import type { Scenario } from '../scenario.ts';
import { VERIFIABLE_PRODUCER } from './java-tools.ts';

const CLIENT = 'sds client toolkit';
const SDS = join(REPO_ROOT, 'bin/sds.js');

type Json = Record<string, unknown>;

/** Every line of the tool's output that is a JSON object (Kafka's tool may log other lines). */
function jsonEvents(stdout: string): Json[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Json);
}

function typeOf(value: unknown): string {
  return value === null ? 'null' : typeof value;
}

/** An event's field names in order, with their JSON types (Kafka prints an integral double as 0.0, JavaScript as 0: both are numbers). */
function shape(event: Json): string {
  return Object.entries(event)
    .map(([k, v]) => `${k}:${typeOf(v)}`)
    .join(',');
}

/** Timestamps: whole milliseconds, in order, inside the run's wall-clock window (1 s of slack for clock reading). */
function plausibleTimes(events: readonly Json[], from: number, to: number, who: string): void {
  let previous = 0;
  for (const e of events) {
    const t = e['timestamp'];
    expect(typeof t === 'number' && Number.isInteger(t), `${who}: timestamp ${String(t)} of ${String(e['name'])} is not whole milliseconds`);
    expect(t >= from - 1000 && t <= to + 1000, `${who}: timestamp ${t} of ${String(e['name'])} is outside the run (${from}-${to})`);
    expect(t >= previous, `${who}: ${String(e['name'])} at ${t} is before the event printed ahead of it (${previous})`);
    previous = t;
  }
}

const N = 200;
const RATE = 100;
const KEYS = 5;
const PREFIX = 3;
const PARTITIONS = 3;

export const sdsProduceScenarios: readonly Scenario[] = [
  {
    name: `sds produce --json and kafka-verifiable-producer (${N} records at ${RATE}/s, --repeating-keys ${KEYS}, --value-prefix ${PREFIX}): the same events`,
    client: CLIENT,
    timeoutMs: 120_000,
    async run(bootstrap, ctx) {
      const ours = ctx.topic('sds-produce');
      const theirs = ctx.topic('verifiable-producer');
      await setup('create topics', async () => {
        await ctx.createTopic(ours, PARTITIONS);
        await ctx.createTopic(theirs, PARTITIONS);
      });
      const flags = ['--throughput', String(RATE), '--max-messages', String(N), '--value-prefix', String(PREFIX), '--repeating-keys', String(KEYS)];
      const sdsStart = Date.now();
      const sdsRun = check(await ctx.exec(process.execPath, [SDS, 'produce', '--bootstrap-server', bootstrap, '--topic', ours, '--json', ...flags], { timeoutMs: 60_000 }), 'sds produce');
      const sdsEnd = Date.now();
      const javaStart = Date.now();
      const javaRun = check(await ctx.java(VERIFIABLE_PRODUCER, ['--bootstrap-server', bootstrap, '--topic', theirs, ...flags], { timeoutMs: 60_000 }), 'kafka-verifiable-producer');
      const javaEnd = Date.now();
      const a = jsonEvents(sdsRun.stdout);
      const k = jsonEvents(javaRun.stdout);

      // The same event names, in the same order, each with the same fields in the same order and of the same types.
      expectEqual(a.map((e) => e['name']), k.map((e) => e['name']), 'event names in order (sds, then kafka-verifiable-producer)');
      expectEqual(a.map(shape), k.map(shape), 'fields and types of each event');
      const names = a.map((e) => String(e['name']));
      expectEqual(names[0], 'startup_complete', 'first event');
      expectEqual(names.slice(-2), ['shutdown_complete', 'tool_data'], 'last events');

      // The same records: key, value, partition and offset (acknowledgements of different partitions may interleave differently).
      const records = (events: readonly Json[]): string[] =>
        events
          .filter((e) => e['name'] === 'producer_send_success')
          .map((e) => JSON.stringify([e['partition'], e['offset'], e['key'], e['value']]))
          .sort();
      const ourRecords = records(a);
      expectEqual(ourRecords.length, N, 'producer_send_success events');
      expectEqual(ourRecords, records(k), 'partition, offset, key and value of every record');
      for (const e of a.filter((x) => x['topic'] !== undefined)) expectEqual(e['topic'], ours, 'topic of an sds event');

      const totals = (events: readonly Json[]): unknown[] => {
        const t = events.at(-1) ?? {};
        return [t['sent'], t['acked'], t['target_throughput']];
      };
      expectEqual(totals(a), totals(k), 'tool_data sent, acked, target_throughput');
      expectEqual(totals(a), [N, N, RATE], 'tool_data sent, acked, target_throughput');

      // Clocks: plausible, not equal.
      plausibleTimes(a, sdsStart, sdsEnd, 'sds');
      plausibleTimes(k, javaStart, javaEnd, 'kafka-verifiable-producer');
      for (const [events, who] of [[a, 'sds'], [k, 'kafka-verifiable-producer']] as const) {
        const avg = events.at(-1)?.['avg_throughput'];
        expect(typeof avg === 'number' && avg > 0 && avg < RATE * 1.2, `${who}: avg_throughput ${String(avg)} is implausible for --throughput ${RATE}`);
        const first = Number(events[0]?.['timestamp']);
        const last = Math.max(...events.filter((e) => e['name'] === 'producer_send_success').map((e) => Number(e['timestamp'])));
        expect(last - first >= ((N - 1) * 1000) / RATE * 0.9, `${who}: ${N} records at ${RATE}/s acknowledged within ${last - first} ms`);
      }
      // Ours holds the limit at every moment, not only on average.
      const start = Number(a[0]?.['timestamp']);
      a.filter((e) => e['name'] === 'producer_send_success')
        .map((e) => Number(e['timestamp']))
        .sort((x, y) => x - y)
        .forEach((t, i) => expect(i + 1 <= 1 + (RATE * (t - start + 1)) / 1000, `sds: ${i + 1} records acknowledged ${t - start} ms after startup_complete`));

      ctx.observe('events', names.length);
      const perPartition = new Map<number, number>();
      for (const e of a) if (e['name'] === 'producer_send_success') perPartition.set(Number(e['partition']), (perPartition.get(Number(e['partition'])) ?? 0) + 1);
      ctx.observe('records per partition', [...perPartition].sort(([x], [y]) => x - y).map(([p, n]) => `${p}:${n}`).join(','));
      ctx.note(`sds ${sdsEnd - sdsStart} ms, kafka-verifiable-producer ${javaEnd - javaStart} ms`);
    },
  },
];
