// `sds consume` and `sds groups` against both servers, next to Kafka's own kafka-console-consumer and
// kafka-consumer-groups on the same topics and groups: the same records, the same tables.
import { spawn } from 'node:child_process';
import { Producer, stringSerializers } from '@platformatic/kafka';
import { join } from 'node:path';
import { REPO_ROOT } from '../../../scripts/conformance/apache-kafka.ts';
import { check, explain, terminate } from '../../../scripts/conformance/process.ts';
import { expect, expectEqual, setup, waitFor } from '../scenario.ts';
import type { Scenario, ScenarioContext } from '../scenario.ts';
import { CONSOLE_CONSUMER, CONSUMER_GROUP_COMMAND } from './java-tools.ts';

const CLIENT = 'sds client toolkit';
const SDS = join(REPO_ROOT, 'bin/sds.js');

function sds(ctx: ScenarioContext, args: readonly string[], timeoutMs = 60_000): ReturnType<ScenarioContext['exec']> {
  return ctx.exec(process.execPath, [SDS, ...args, '--bootstrap-server', ctx.bootstrap], { timeoutMs });
}

function groupsTool(ctx: ScenarioContext, args: readonly string[]): ReturnType<ScenarioContext['java']> {
  return ctx.java(CONSUMER_GROUP_COMMAND, ['--bootstrap-server', ctx.bootstrap, ...args]);
}

/**
 * Writes `count` records into `partitions` partitions, round robin, with keys, one header, and
 * timestamps a second apart from `base` (recent: Kafka's retention would delete older ones).
 */
async function writeRecords(ctx: ScenarioContext, topic: string, partitions: number, count: number, base = recentBase()): Promise<void> {
  // Idempotent, one send per partition: a retried request that spans partitions (one written, one
  // not yet led just after creation) would otherwise write the first one twice.
  const producer = new Producer({
    clientId: 'conformance-sds-consume',
    bootstrapBrokers: [ctx.bootstrap],
    serializers: stringSerializers,
    idempotent: true,
    retries: 5,
    retryDelay: 200,
    timeout: 15_000,
  });
  try {
    for (let p = 0; p < partitions; p++) {
      await producer.send({
        acks: -1,
        messages: Array.from({ length: count }, (_, i) => i)
          .filter((i) => i % partitions === p)
          .map((i) => ({ topic, partition: p, key: `key-${i}`, value: `value-${i}`, headers: { seq: String(i) }, timestamp: BigInt(base + i * 1000) })),
      });
    }
  } finally {
    await producer.close();
  }
}

/** A whole second, a minute ago. */
function recentBase(): number {
  return Math.floor(Date.now() / 1000) * 1000 - 60_000;
}

/** The lines of a table (kafka-consumer-groups' layout) with runs of spaces made one, blank lines left out. */
function rows(stdout: string): string[] {
  return stdout.split('\n').map((l) => l.trim().replace(/ +/g, ' ')).filter((l) => l !== '');
}

/** kafka-consumer-groups 4.1 prints rows in hash order (sds sorts them): compare the rows sorted, the header first. */
function sortedPlan(stdout: string): string[] {
  const [header, ...body] = rows(stdout);
  return [header ?? '', ...body.sort()];
}

/** Like sortedPlan, keeping the exact lines (the column alignment is compared too). */
function sortedTable(stdout: string): string[] {
  const [header, ...body] = stdout.split('\n').filter((l) => l !== '');
  return [header ?? '', ...body.sort()];
}

const sortedLines = (text: string): string[] => text.split('\n').filter((l) => l !== '').sort();

export const sdsConsumeScenarios: readonly Scenario[] = [
  {
    name: 'sds consume (no group, --partition/--offset) prints what kafka-console-consumer prints',
    client: CLIENT,
    timeoutMs: 120_000,
    async run(_bootstrap, ctx) {
      const topic = ctx.topic('sds-consume');
      await setup('create topic', () => ctx.createTopic(topic, 2));
      const base = recentBase();
      await setup('write records', () => writeRecords(ctx, topic, 2, 10, base));
      const groupsBefore = check(await sds(ctx, ['groups', 'list']), 'sds groups list').stdout;

      const columns = ['--print-timestamp', '--print-partition', '--print-offset', '--print-headers', '--print-key'];
      const ours = check(await sds(ctx, ['consume', '--topic', topic, '--from-beginning', '--max-messages', '10', ...columns]), 'sds consume --from-beginning');
      expectEqual(ours.stderr, 'Processed a total of 10 messages\n', 'sds consume stderr');
      // Without --group nothing is joined or committed: the group list is unchanged (kafka-console-consumer, run next, leaves a group).
      expectEqual(check(await sds(ctx, ['groups', 'list']), 'sds groups list').stdout, groupsBefore, 'groups after reading without a group');
      const properties = ['print.timestamp', 'print.partition', 'print.offset', 'print.headers', 'print.key'].flatMap((p) => ['--property', `${p}=true`]);
      const theirs = check(
        await ctx.java(CONSOLE_CONSUMER, ['--bootstrap-server', ctx.bootstrap, '--topic', topic, '--from-beginning', '--max-messages', '10', ...properties], { timeoutMs: 60_000 }),
        'kafka-console-consumer --from-beginning',
      );
      // Partitions interleave in any order; each partition's records come in offset order in both.
      expectEqual(sortedLines(ours.stdout), sortedLines(theirs.stdout), 'sds consume vs kafka-console-consumer (lines sorted)');
      expect(/Processed a total of 10 messages/.test(theirs.stderr), `kafka-console-consumer: ${explain(theirs)}`);
      ctx.observe('records', JSON.stringify(sortedLines(ours.stdout).map((l) => l.replace(/^CreateTime:\d+/, 'CreateTime:T'))));

      const oneArgs = ['--topic', topic, '--partition', '1', '--offset', '2', '--max-messages', '2', '--property', 'print.offset=true'];
      const one = check(await sds(ctx, ['consume', ...oneArgs.filter((a) => a !== '--property' && a !== 'print.offset=true'), '--print-offset']), 'sds consume --partition --offset');
      const oneJava = check(await ctx.java(CONSOLE_CONSUMER, ['--bootstrap-server', ctx.bootstrap, ...oneArgs], { timeoutMs: 60_000 }), 'kafka-console-consumer --partition --offset');
      expectEqual(one.stdout, oneJava.stdout, 'sds consume vs kafka-console-consumer, one partition from an offset');
      expectEqual(one.stdout, 'Offset:2\tvalue-5\nOffset:3\tvalue-7\n', 'partition 1 from offset 2');
      ctx.observe('partition 1 from offset 2', one.stdout);

      const json = check(await sds(ctx, ['consume', '--topic', topic, '--partition', '0', '--offset', 'earliest', '--max-messages', '1', '--json']), 'sds consume --json');
      const first = JSON.parse(json.stdout) as Record<string, unknown>;
      expectEqual(first, { topic, partition: 0, offset: 0, timestamp: base, key: 'key-0', value: 'value-0', headers: [{ key: 'seq', value: '0' }] }, 'sds consume --json');

      const idle = check(await sds(ctx, ['consume', '--topic', topic, '--timeout-ms', '2000']), 'sds consume --timeout-ms from the end');
      expectEqual([idle.stdout, idle.stderr], ['', 'Processed a total of 0 messages\n'], 'nothing new: exit after the timeout');

      const missing = await sds(ctx, ['consume', '--topic', `${topic}-missing`, '--timeout-ms', '2000']);
      expectEqual(missing.code, 1, 'exit code for a topic that does not exist');
      ctx.observe('missing topic', /does not exist.*SDS_ERR_TOPIC_NOT_FOUND/.test(missing.stderr));
    },
  },
  {
    name: 'sds consume --group, sds groups describe/reset-offsets/delete; kafka-consumer-groups shows the same',
    client: CLIENT,
    timeoutMs: 180_000,
    async run(_bootstrap, ctx) {
      const topic = ctx.topic('sds-groups');
      const group = ctx.topic('sds-groups-g');
      await setup('create topic', () => ctx.createTopic(topic, 2));
      const base = recentBase();
      await setup('write records', () => writeRecords(ctx, topic, 2, 20, base));

      const read = check(await sds(ctx, ['consume', '--topic', topic, '--group', group, '--from-beginning', '--max-messages', '20']), 'sds consume --group');
      expectEqual(sortedLines(read.stdout), Array.from({ length: 20 }, (_, i) => `value-${i}`).sort(), 'records read in the group');
      expectEqual(read.stderr, 'Processed a total of 20 messages\n', 'sds consume stderr');

      // The same table from sds and from Kafka's tool: lag 0 after the read.
      const describeBoth = async (what: string): Promise<string> => {
        const ours = check(await sds(ctx, ['groups', 'describe', '--group', group]), `sds groups describe (${what})`);
        const theirs = check(await groupsTool(ctx, ['--describe', '--group', group]), `kafka-consumer-groups --describe (${what})`);
        expectEqual(sortedTable(ours.stdout), sortedTable(theirs.stdout), `sds groups describe vs kafka-consumer-groups --describe (${what})`);
        expectEqual(ours.stderr.trim(), `Consumer group '${group}' has no active members.`, `sds groups describe stderr (${what})`);
        const table = rows(ours.stdout).slice(1).map((r) => r.split(' ').slice(2, 6).join(' '));
        ctx.observe(`describe ${what}: PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG`, JSON.stringify(table));
        return JSON.stringify(table);
      };
      expectEqual(await describeBoth('after the read'), JSON.stringify(['0 10 10 0', '1 10 10 0']), 'lag 0 after the read');

      // Reset to the earliest: the plan as Kafka's dry run prints it, then executed.
      const planArgs = ['--group', group, '--topic', topic, '--to-earliest'];
      const kafkaPlan = check(await groupsTool(ctx, ['--reset-offsets', ...planArgs, '--dry-run']), 'kafka-consumer-groups --reset-offsets --dry-run');
      const ourReset = check(await sds(ctx, ['groups', 'reset-offsets', ...planArgs, '--execute']), 'sds groups reset-offsets --execute');
      expectEqual(sortedPlan(ourReset.stdout), sortedPlan(kafkaPlan.stdout), 'reset plan: sds vs kafka-consumer-groups (rows sorted)');
      expectEqual(await describeBoth('after the reset'), JSON.stringify(['0 0 10 10', '1 0 10 10']), 'lag after --to-earliest');

      // Kafka's tool moves the offsets; sds reads on from there.
      check(await groupsTool(ctx, ['--reset-offsets', '--group', group, '--topic', topic, '--to-offset', '5', '--execute']), 'kafka-consumer-groups --reset-offsets --to-offset 5 --execute');
      const rest = check(await sds(ctx, ['consume', '--topic', topic, '--group', group, '--max-messages', '10', '--print-partition', '--print-offset']), 'sds consume --group after the reset');
      expectEqual(
        sortedLines(rest.stdout),
        [0, 1].flatMap((p) => [5, 6, 7, 8, 9].map((o) => `Partition:${p}\tOffset:${o}\tvalue-${o * 2 + p}`)).sort(),
        'records after --to-offset 5',
      );
      expectEqual(await describeBoth('after reading on'), JSON.stringify(['0 10 10 0', '1 10 10 0']), 'lag 0 again');

      // Other reset modes, as dry runs, against Kafka's plans.
      for (const mode of [['--to-latest'], ['--shift-by', '-3'], ['--to-offset', '99'], ['--to-datetime', new Date(base + 5000).toISOString()]]) {
        const args = ['--group', group, '--topic', `${topic}:1`, ...mode, '--dry-run'];
        const ours = check(await sds(ctx, ['groups', 'reset-offsets', ...args]), `sds groups reset-offsets ${mode.join(' ')}`);
        const theirs = check(await groupsTool(ctx, ['--reset-offsets', ...args]), `kafka-consumer-groups --reset-offsets ${mode.join(' ')}`);
        expectEqual(sortedPlan(ours.stdout), sortedPlan(theirs.stdout), `reset plan ${mode.join(' ')}: sds vs kafka-consumer-groups`);
        ctx.observe(`plan ${mode[0] ?? ''}`, rows(ours.stdout).at(-1)?.split(' ').slice(2).join(' ') ?? '');
      }

      const listed = check(await sds(ctx, ['groups', 'list', '--state', 'Empty']), 'sds groups list --state Empty');
      expect(rows(listed.stdout).includes(`${group} Empty`), `sds groups list --state Empty does not show ${group}: ${listed.stdout}`);

      expectEqual(check(await sds(ctx, ['groups', 'delete', '--group', group]), 'sds groups delete').stdout, `Deletion of requested consumer groups ('${group}') was successful.\n`, 'delete output');
      const kafkaList = check(await groupsTool(ctx, ['--list']), 'kafka-consumer-groups --list');
      expect(!kafkaList.stdout.split('\n').includes(group), `kafka-consumer-groups --list still shows ${group}`);
      const gone = await sds(ctx, ['groups', 'describe', '--group', group]);
      expectEqual(gone.code, 1, 'exit code of describing a deleted group');
      ctx.observe('deleted group', /does not exist.*SDS_ERR_GROUP_NOT_FOUND/.test(gone.stderr));
    },
  },
  {
    name: 'sds consume as a live group member: described like Kafka does, reset and delete refused, Ctrl-C leaves the group',
    client: CLIENT,
    timeoutMs: 120_000,
    async run(_bootstrap, ctx) {
      const topic = ctx.topic('sds-live');
      const group = ctx.topic('sds-live-g');
      await setup('create topic', () => ctx.createTopic(topic, 2));
      await setup('write records', () => writeRecords(ctx, topic, 2, 6));

      const child = spawn(process.execPath, [SDS, 'consume', '--bootstrap-server', ctx.bootstrap, '--topic', topic, '--group', group, '--from-beginning'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
      child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
      const exited = new Promise<number | null>((ok) => child.once('close', (code) => ok(code)));
      const kill = (): void => terminate(child);
      ctx.signal.addEventListener('abort', kill, { once: true });
      try {
        await waitFor(() => stdout.split('\n').length > 6, 60_000, 'sds consume to print the 6 records', ctx.signal);
        const ours = check(await sds(ctx, ['groups', 'describe', '--group', group]), 'sds groups describe (live)');
        const theirs = check(await groupsTool(ctx, ['--describe', '--group', group]), 'kafka-consumer-groups --describe (live)');
        expectEqual(sortedTable(ours.stdout), sortedTable(theirs.stdout), 'sds groups describe vs kafka-consumer-groups --describe (a live member)');
        const member = rows(ours.stdout).slice(1).map((r) => r.split(' ').slice(2).map((c) => c.replace(/^sds-consume-[0-9a-f-]{36}$/, 'sds-consume-ID')).join(' '));
        expectEqual(member, ['0 3 3 0 sds-consume-ID /127.0.0.1 sds-consume', '1 3 3 0 sds-consume-ID /127.0.0.1 sds-consume'], 'the member in the describe table');
        ctx.observe('live describe', JSON.stringify(member));

        const members = check(await sds(ctx, ['groups', 'describe', '--group', group, '--members']), 'sds groups describe --members');
        const javaMembers = check(await groupsTool(ctx, ['--describe', '--group', group, '--members']), 'kafka-consumer-groups --describe --members');
        expectEqual(rows(members.stdout), rows(javaMembers.stdout), 'sds groups describe --members vs kafka-consumer-groups');

        const refused = await sds(ctx, ['groups', 'reset-offsets', '--group', group, '--all-topics', '--to-earliest', '--execute']);
        expectEqual(refused.code, 1, 'exit code of resetting an active group');
        const javaRefused = check(await groupsTool(ctx, ['--reset-offsets', '--group', group, '--all-topics', '--to-earliest', '--execute']), 'kafka-consumer-groups --reset-offsets (active)');
        const sentence = `Assignments can only be reset if the group '${group}' is inactive, but the current state is Stable.`;
        expect(refused.stderr.includes(sentence) && javaRefused.stdout.includes(sentence), `refusals: sds ${JSON.stringify(refused.stderr)}, Kafka ${JSON.stringify(javaRefused.stdout.slice(0, 300))}`);
        const busy = await sds(ctx, ['groups', 'delete', '--group', group]);
        expectEqual(busy.code, 1, 'exit code of deleting an active group');
        ctx.observe('refusals', `${/SDS_ERR_GROUP_ACTIVE/.test(refused.stderr)} ${/SDS_ERR_GROUP_NOT_EMPTY/.test(busy.stderr)}`);

        child.kill('SIGINT');
        expectEqual(await exited, 0, 'sds consume exit code after Ctrl-C');
        expectEqual(stderr, 'Processed a total of 6 messages\n', 'sds consume stderr after Ctrl-C');
      } finally {
        ctx.signal.removeEventListener('abort', kill);
        kill();
        await exited;
      }
      const after = check(await groupsTool(ctx, ['--describe', '--group', group, '--state']), 'kafka-consumer-groups --describe --state');
      expect(/\bEmpty\b\s+0\s*$/m.test(after.stdout), `the group is not Empty with 0 members after Ctrl-C: ${after.stdout}`);
      ctx.observe('after Ctrl-C', 'Empty 0');
    },
  },
];
