// Apache Kafka's own command-line tools (4.1.1 jars): kafka-topics, kafka-verifiable-producer,
// kafka-console-producer/-consumer and kafka-consumer-groups, run as their main classes.
import { createHash } from 'node:crypto';
import { check, explain } from '../../../scripts/conformance/process.ts';
import { expect, expectEqual, setup } from '../scenario.ts';
import type { Scenario, ScenarioContext } from '../scenario.ts';

export const CLIENT = 'Kafka Java tools 4.1.1';
export const TOPIC_COMMAND = 'org.apache.kafka.tools.TopicCommand';
export const VERIFIABLE_PRODUCER = 'org.apache.kafka.tools.VerifiableProducer';
export const CONSOLE_PRODUCER = 'org.apache.kafka.tools.ConsoleProducer';
export const CONSOLE_CONSUMER = 'org.apache.kafka.tools.consumer.ConsoleConsumer';
export const CONSUMER_GROUP_COMMAND = 'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand';

async function createWithTopicCommand(ctx: ScenarioContext, bootstrap: string, topic: string, partitions: number): Promise<void> {
  const result = check(
    await ctx.java(TOPIC_COMMAND, [
      '--bootstrap-server', bootstrap, '--create', '--topic', topic,
      '--partitions', String(partitions), '--replication-factor', '1',
    ]),
    'kafka-topics --create',
  );
  expect(result.stdout.includes(`Created topic ${topic}.`), `kafka-topics --create printed ${JSON.stringify(result.stdout.trim())}`);
}

/** Checks kafka-topics --describe: the summary line and one line per partition, each with a leader. */
async function describeShows(ctx: ScenarioContext, bootstrap: string, topic: string, partitions: number): Promise<void> {
  const result = check(await ctx.java(TOPIC_COMMAND, ['--bootstrap-server', bootstrap, '--describe', '--topic', topic]), 'kafka-topics --describe');
  const lines = result.stdout.split('\n').filter((l) => l.includes(`Topic: ${topic}`));
  const summary = lines.find((l) => l.includes('PartitionCount:'));
  expect(summary !== undefined, `no summary line in --describe output: ${JSON.stringify(result.stdout.slice(0, 300))}`);
  const count = /PartitionCount:\s*(\d+)/.exec(summary)?.[1];
  expectEqual(Number(count), partitions, 'PartitionCount');
  const rf = /ReplicationFactor:\s*(\d+)/.exec(summary)?.[1];
  expectEqual(Number(rf), 1, 'ReplicationFactor');
  const rows = lines.filter((l) => /\bPartition:\s*\d+/.test(l));
  expectEqual(
    rows.map((l) => Number(/\bPartition:\s*(\d+)/.exec(l)?.[1])),
    Array.from({ length: partitions }, (_, i) => i),
    'partition rows',
  );
  for (const row of rows) {
    const leader = /Leader:\s*(\S+)/.exec(row)?.[1];
    expect(leader !== undefined && /^\d+$/.test(leader), `partition without a leader: ${row.trim()}`);
  }
  ctx.observe('partitions', partitions);
}

export interface VerifiableEvent {
  readonly name: string;
  /** When the tool printed it (ms since the epoch). */
  readonly timestamp?: number;
  readonly offset?: number;
  readonly partition?: number;
  readonly value?: string;
  readonly acked?: number;
  readonly sent?: number;
  readonly exception?: string;
  readonly message?: string;
}

export function parseEvents(stdout: string): VerifiableEvent[] {
  const events: VerifiableEvent[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const parsed: unknown = JSON.parse(line);
    if (typeof parsed === 'object' && parsed !== null && 'name' in parsed && typeof parsed.name === 'string') {
      events.push(parsed as VerifiableEvent);
    }
  }
  return events;
}

export const javaToolScenarios: readonly Scenario[] = [
  {
    name: 'kafka-topics --create (1 partition), --describe',
    client: CLIENT,
    async run(bootstrap, ctx) {
      const topic = ctx.topic('topics-one');
      await createWithTopicCommand(ctx, bootstrap, topic, 1);
      await describeShows(ctx, bootstrap, topic, 1);
    },
  },
  {
    name: 'kafka-topics --create (3 partitions), --describe',
    client: CLIENT,
    async run(bootstrap, ctx) {
      const topic = ctx.topic('topics-three');
      await createWithTopicCommand(ctx, bootstrap, topic, 3);
      await describeShows(ctx, bootstrap, topic, 3);
    },
  },
  {
    name: 'kafka-topics --list',
    client: CLIENT,
    async run(bootstrap, ctx) {
      const topics = [ctx.topic('list-a'), ctx.topic('list-b')];
      await setup('create topics', async () => {
        for (const t of topics) await ctx.createTopic(t, 1);
      });
      const result = check(await ctx.java(TOPIC_COMMAND, ['--bootstrap-server', bootstrap, '--list']), 'kafka-topics --list');
      const listed = new Set(result.stdout.split('\n').map((l) => l.trim()));
      for (const t of topics) expect(listed.has(t), `--list does not show ${t}: ${JSON.stringify(result.stdout.slice(0, 300))}`);
    },
  },
  {
    name: 'kafka-topics --create --replication-factor 2 is refused',
    client: CLIENT,
    async run(bootstrap, ctx) {
      const topic = ctx.topic('rf-two');
      const result = await ctx.java(TOPIC_COMMAND, [
        '--bootstrap-server', bootstrap, '--create', '--topic', topic, '--partitions', '1', '--replication-factor', '2',
      ]);
      expect(!result.timedOut, 'kafka-topics timed out');
      expect(result.code === 1, `kafka-topics exited ${result.code} (expected 1): ${result.stdout.trim().slice(0, 200)}`);
      const output = result.stdout + result.stderr;
      expect(
        output.includes('InvalidReplicationFactorException'),
        `no InvalidReplicationFactorException in the output: ${output.trim().split('\n').slice(-2).join(' / ').slice(0, 300)}`,
      );
      ctx.observe('error', 'InvalidReplicationFactorException');
      const list = check(await ctx.java(TOPIC_COMMAND, ['--bootstrap-server', bootstrap, '--list']), 'kafka-topics --list');
      expect(!list.stdout.split('\n').includes(topic), `the refused topic ${topic} exists anyway`);
    },
  },
  {
    name: 'kafka-verifiable-producer: 500 records at 100/s, all acknowledged',
    client: CLIENT,
    async run(bootstrap, ctx) {
      const topic = ctx.topic('verifiable');
      await setup('create topic', () => ctx.createTopic(topic, 1));
      const result = check(
        await ctx.java(
          VERIFIABLE_PRODUCER,
          ['--bootstrap-server', bootstrap, '--topic', topic, '--throughput', '100', '--max-messages', '500'],
          { timeoutMs: 45_000 },
        ),
        'kafka-verifiable-producer',
      );
      const events = parseEvents(result.stdout);
      const errors = events.filter((e) => e.name === 'producer_send_error');
      expect(errors.length === 0, `${errors.length} producer_send_error, first: ${errors[0]?.exception ?? ''} ${errors[0]?.message ?? ''}`);
      const acks = events.filter((e) => e.name === 'producer_send_success');
      expectEqual(acks.length, 500, 'producer_send_success events');
      const offsets = acks.map((e) => e.offset ?? -1).sort((a, b) => a - b);
      expectEqual(offsets, Array.from({ length: 500 }, (_, i) => i), 'acknowledged offsets');
      const summary = events.find((e) => e.name === 'tool_data');
      expectEqual(summary?.acked, 500, 'tool_data.acked');
      ctx.observe('acked', acks.length);
    },
  },
  {
    name: 'kafka-console-consumer --group reads 500 records; kafka-consumer-groups --describe shows lag 0',
    client: CLIENT,
    timeoutMs: 90_000,
    async run(bootstrap, ctx) {
      const topic = ctx.topic('console');
      const group = ctx.topic('console-group');
      await setup('create topic', () => ctx.createTopic(topic, 1));
      await setup('produce 500 records', async () => {
        const produced = check(
          await ctx.java(VERIFIABLE_PRODUCER, ['--bootstrap-server', bootstrap, '--topic', topic, '--max-messages', '500']),
          'kafka-verifiable-producer',
        );
        const acked = parseEvents(produced.stdout).filter((e) => e.name === 'producer_send_success').length;
        expectEqual(acked, 500, 'acknowledged');
      });
      const consumed = check(
        await ctx.java(
          CONSOLE_CONSUMER,
          [
            '--bootstrap-server', bootstrap, '--topic', topic, '--group', group, '--from-beginning',
            '--max-messages', '500', '--timeout-ms', '30000',
          ],
          { timeoutMs: 60_000 },
        ),
        'kafka-console-consumer',
      );
      const values = consumed.stdout.split('\n').filter((l) => l !== '');
      expect(values.length === 500, `kafka-console-consumer read ${values.length} of 500 records: ${explain(consumed)}`);
      expectEqual(values, Array.from({ length: 500 }, (_, i) => String(i)), 'values in order');
      const described = check(
        await ctx.java(CONSUMER_GROUP_COMMAND, ['--bootstrap-server', bootstrap, '--describe', '--group', group]),
        'kafka-consumer-groups --describe',
      );
      // GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG CONSUMER-ID HOST CLIENT-ID
      const row = described.stdout.split('\n').find((l) => l.split(/\s+/)[1] === topic);
      expect(row !== undefined, `no row for ${topic}: ${JSON.stringify(described.stdout.trim().slice(0, 300))}`);
      const [, , partition, current, end, lag] = row.trim().split(/\s+/);
      expectEqual([partition, current, end, lag], ['0', '500', '500', '0'], 'PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG');
      ctx.observe('committed', Number(current));
    },
  },
  {
    name: 'kafka-console-producer/-consumer: one 900 KiB record',
    client: CLIENT,
    async run(bootstrap, ctx) {
      const topic = ctx.topic('large-java');
      await setup('create topic', () => ctx.createTopic(topic, 1));
      const value = largeValue(900 * 1024);
      check(
        await ctx.java(
          CONSOLE_PRODUCER,
          [
            '--bootstrap-server', bootstrap, '--topic', topic,
            '--producer-property', 'max.request.size=2097152',
            '--producer-property', 'acks=all',
          ],
          { input: `${value}\n` },
        ),
        'kafka-console-producer',
      );
      const consumed = check(
        await ctx.java(CONSOLE_CONSUMER, [
          '--bootstrap-server', bootstrap, '--topic', topic, '--partition', '0', '--offset', 'earliest',
          '--max-messages', '1', '--timeout-ms', '20000',
        ]),
        'kafka-console-consumer',
      );
      const got = consumed.stdout.replace(/\n$/, '');
      expectEqual(got.length, value.length, 'value length');
      expect(sha256(got) === sha256(value), 'value differs from the one produced');
    },
  },
];

/** A printable value of `size` bytes that does not compress to nothing (so codecs do real work). */
export function largeValue(size: number): string {
  const out: string[] = [];
  let length = 0;
  for (let i = 0; length < size; i++) {
    const chunk = createHash('sha256').update(String(i)).digest('hex');
    out.push(chunk);
    length += chunk.length;
  }
  return out.join('').slice(0, size);
}

export function sha256(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}
