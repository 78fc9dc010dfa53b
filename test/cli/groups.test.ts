/** `sds groups` against the embedded broker over TCP: kafka-consumer-groups' tables, each reset mode, refusals and bad input. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker } from '../../src/broker/broker.ts';
import { runSds } from '../support/sds-cli.ts';
import { Background, createTopic, produce } from '../support/topic-data.ts';

const HEADER = 'GROUP           TOPIC           PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG             CONSUMER-ID     HOST            CLIENT-ID';

/** A kafka-consumer-groups --describe row with no member (the "-" columns). */
function row(group: string, topic: string, partition: number, current: number | string, end: number, lag: number | string): string {
  return `${group.padEnd(15)} ${topic.padEnd(15)} ${String(partition).padEnd(10)} ${String(current).padEnd(15)} ${String(end).padEnd(15)} ${String(lag).padEnd(15)} ${'-'.padEnd(15)} ${'-'.padEnd(15)} -`;
}

function plan(group: string, rows: readonly [topic: string, partition: number, offset: number][]): string {
  const lines = ['GROUP           TOPIC           PARTITION  NEW-OFFSET', ...rows.map(([t, p, o]) => `${group.padEnd(15)} ${t.padEnd(15)} ${String(p).padEnd(10)} ${o}`)];
  return `\n${lines.join('\n')}\n`;
}

test('sds groups: list, describe (offsets, members, state), reset-offsets in every mode, delete', { timeout: 300_000 }, async () => {
  const broker = await startBroker({ port: 0, config: { groupInitialRebalanceDelayMs: 0 } });
  const b = ['--bootstrap-server', broker.bootstrap];
  try {
    await createTopic(broker.bootstrap, 'orders', 2);
    // Partition 0: offsets 0-2 at 1000, 2000, 3000 ms; partition 1: offsets 0-1 at 4000, 5000 ms.
    await produce(broker.bootstrap, 'orders', [1000, 2000, 3000].map((timestamp) => ({ partition: 0, value: `p0-${timestamp}`, timestamp })));
    await produce(broker.bootstrap, 'orders', [4000, 5000].map((timestamp) => ({ partition: 1, value: `p1-${timestamp}`, timestamp })));

    assert.deepEqual(await runSds(['groups', 'list', ...b]), { code: 0, stdout: '', stderr: '' });
    const consumed = await runSds(['consume', ...b, '--topic', 'orders', '--group', 'billing', '--from-beginning', '--max-messages', '5']);
    assert.equal(consumed.code, 0, consumed.stderr);

    const describe = (group = 'billing'): ReturnType<typeof runSds> => runSds(['groups', 'describe', ...b, '--group', group]);
    const described = await describe();
    assert.equal(described.code, 0, described.stderr);
    assert.equal(described.stdout, `\n${HEADER}\n${row('billing', 'orders', 0, 3, 3, 0)}\n${row('billing', 'orders', 1, 2, 2, 0)}\n`);
    assert.equal(described.stderr, "\nConsumer group 'billing' has no active members.\n");

    await produce(broker.bootstrap, 'orders', [{ partition: 0, value: 'late-1', timestamp: 6000 }, { partition: 0, value: 'late-2', timestamp: 7000 }]);
    assert.equal((await describe()).stdout, `\n${HEADER}\n${row('billing', 'orders', 0, 3, 5, 2)}\n${row('billing', 'orders', 1, 2, 2, 0)}\n`, 'lag after more records');

    // Dry run (the default) prints the plan and changes nothing; --execute commits it.
    const dry = await runSds(['groups', 'reset-offsets', ...b, '--group', 'billing', '--topic', 'orders', '--to-earliest']);
    assert.deepEqual([dry.code, dry.stdout], [0, plan('billing', [['orders', 0, 0], ['orders', 1, 0]])], dry.stderr);
    assert.match(dry.stderr, /dry run: nothing was changed; add --execute/);
    assert.equal((await describe()).stdout, `\n${HEADER}\n${row('billing', 'orders', 0, 3, 5, 2)}\n${row('billing', 'orders', 1, 2, 2, 0)}\n`);
    const executed = await runSds(['groups', 'reset-offsets', ...b, '--group', 'billing', '--topic', 'orders', '--to-earliest', '--execute']);
    assert.deepEqual([executed.code, executed.stdout, executed.stderr], [0, plan('billing', [['orders', 0, 0], ['orders', 1, 0]]), '']);
    assert.equal((await describe()).stdout, `\n${HEADER}\n${row('billing', 'orders', 0, 0, 5, 5)}\n${row('billing', 'orders', 1, 0, 2, 2)}\n`);

    // Each mode, as a dry run against committed offsets 0 and 0.
    const reset = async (...args: string[]): Promise<string> => {
      const r = await runSds(['groups', 'reset-offsets', ...b, '--group', 'billing', '--dry-run', ...args]);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };
    assert.equal(await reset('--all-topics', '--to-latest'), plan('billing', [['orders', 0, 5], ['orders', 1, 2]]));
    assert.equal(await reset('--topic', 'orders:1', '--to-offset', '1'), plan('billing', [['orders', 1, 1]]));
    assert.equal(await reset('--topic', 'orders', '--to-offset', '4'), plan('billing', [['orders', 0, 4], ['orders', 1, 2]]), 'beyond the end: the end');
    assert.equal(await reset('--topic', 'orders:0,1', '--shift-by', '3'), plan('billing', [['orders', 0, 3], ['orders', 1, 2]]));
    assert.equal(await reset('--all-topics', '--shift-by', '-1'), plan('billing', [['orders', 0, 0], ['orders', 1, 0]]), 'before the start: the start');
    assert.equal(await reset('--all-topics', '--to-current'), plan('billing', [['orders', 0, 0], ['orders', 1, 0]]));
    assert.equal(await reset('--all-topics', '--to-datetime', '1970-01-01T00:00:02.500Z'), plan('billing', [['orders', 0, 2], ['orders', 1, 0]]));
    assert.equal(await reset('--all-topics', '--to-datetime', '1970-01-01T01:00:05+01:00'), plan('billing', [['orders', 0, 3], ['orders', 1, 1]]));
    assert.equal(await reset('--all-topics', '--to-datetime', '2999-01-01T00:00'), plan('billing', [['orders', 0, 5], ['orders', 1, 2]]), 'no later record: the end');
    const clamped = await runSds(['groups', 'reset-offsets', ...b, '--group', 'billing', '--topic', 'orders:0', '--to-offset', '99', '--execute', '--json']);
    assert.deepEqual(JSON.parse(clamped.stdout), { group: 'billing', executed: true, offsets: [{ topic: 'orders', partition: 0, offset: 5 }] });
    assert.equal(clamped.stderr, 'sds: warning: new offset 99 is above the latest offset of orders partition 0: using 5\n');
    assert.equal((await describe()).stdout, `\n${HEADER}\n${row('billing', 'orders', 0, 5, 5, 0)}\n${row('billing', 'orders', 1, 0, 2, 2)}\n`);

    // A group that does not exist yet can be given offsets (as with kafka-consumer-groups), but not shifted.
    const fresh = await runSds(['groups', 'reset-offsets', ...b, '--group', 'fresh', '--topic', 'orders:1', '--to-latest', '--execute']);
    assert.deepEqual([fresh.code, fresh.stdout], [0, plan('fresh', [['orders', 1, 2]])], fresh.stderr);
    const noOffset = await runSds(['groups', 'reset-offsets', ...b, '--group', 'fresh', '--topic', 'orders', '--shift-by', '1']);
    assert.equal(noOffset.code, 1);
    assert.match(noOffset.stderr, /cannot shift the offset of orders partition 0: group fresh has no committed offset there .*\[SDS_ERR_GROUP_NO_OFFSET\]/);

    // An active group: described with its member; reset and delete are refused.
    const member = new Background(['consume', ...b, '--topic', 'orders', '--group', 'live', '--from-beginning']);
    try {
      await member.until('the member to read everything', () => member.stdout.split('\n').length > 7);
      // Records are printed before their offsets are committed: describe until the commits landed.
      let active = await describe('live');
      const committed = (out: string): boolean => / 0 {10}5 {15}5 {15}0 /.test(out) && / 1 {10}2 {15}2 {15}0 /.test(out);
      for (let tries = 0; tries < 30 && !committed(active.stdout); tries++) {
        await new Promise((r) => setTimeout(r, 200));
        active = await describe('live');
      }
      const lines = active.stdout.split('\n');
      assert.equal(lines[1]?.replace(/ +/g, ' '), 'GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG CONSUMER-ID HOST CLIENT-ID');
      assert.match(lines[2] ?? '', /^live {12}orders {10}0 {10}5 {15}5 {15}0 {15}sds-consume-\S+ \/127\.0\.0\.1 {6}sds-consume$/);
      assert.match(lines[3] ?? '', /^live {12}orders {10}1 {10}2 {15}2 {15}0 {15}sds-consume-\S+ \/127\.0\.0\.1 {6}sds-consume$/);
      const header = lines[1] ?? '';
      assert.equal(header.indexOf('HOST'), (lines[2] ?? '').indexOf('/127'), 'columns line up');
      const members = await runSds(['groups', 'describe', ...b, '--group', 'live', '--members']);
      assert.match(members.stdout, /^\nGROUP {11}CONSUMER-ID {1,}HOST {12}CLIENT-ID {7}#PARTITIONS {5}\nlive {12}sds-consume-\S+ \/127\.0\.0\.1 {6}sds-consume {5}2 {15}\n$/);
      const state = await runSds(['groups', 'describe', ...b, '--group', 'live', '--state']);
      assert.equal(
        state.stdout,
        `\nGROUP           ${'COORDINATOR (ID)'.padEnd(Math.max(25, `${broker.bootstrap}  (1)`.length))} ASSIGNMENT-STRATEGY  STATE                #MEMBERS` +
          `\nlive            ${`${broker.bootstrap}  (1)`.padEnd(25)} roundrobin           Stable               1\n`,
      );
      const refused = await runSds(['groups', 'reset-offsets', ...b, '--group', 'live', '--all-topics', '--to-earliest', '--execute']);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /^sds: Assignments can only be reset if the group 'live' is inactive, but the current state is Stable\. Stop the group's consumers first .*\[SDS_ERR_GROUP_ACTIVE\]\n$/);
      const busy = await runSds(['groups', 'delete', ...b, '--group', 'live']);
      assert.equal(busy.code, 1);
      assert.match(busy.stderr, /consumer group live has active members and cannot be deleted: stop its consumers first .*\[SDS_ERR_GROUP_NOT_EMPTY\]/);
      assert.equal((await runSds(['groups', 'list', ...b, '--state', 'stable'])).stdout, `${'GROUP'.padEnd(25)} ${'STATE'.padEnd(20)}\n${'live'.padEnd(25)} ${'Stable'.padEnd(20)}\n`);
      member.child.kill('SIGTERM');
      assert.equal(await member.exited, 0);
    } finally {
      await member.stop();
    }

    assert.equal((await runSds(['groups', 'list', ...b])).stdout, 'billing\nfresh\nlive\n');
    assert.equal(
      (await runSds(['groups', 'list', ...b, '--state'])).stdout,
      ['GROUP', 'billing', 'fresh', 'live'].map((g, i) => `${g.padEnd(25)} ${(i === 0 ? 'STATE' : 'Empty').padEnd(20)}\n`).join(''),
    );
    assert.equal((await runSds(['groups', 'list', ...b, '--state', 'Stable,PreparingRebalance'])).stdout, `${'GROUP'.padEnd(25)} ${'STATE'.padEnd(20)}\n`);
    const json = JSON.parse((await runSds(['groups', 'describe', ...b, '--all-groups', '--json'])).stdout) as { group: string; state: string; offsets: unknown[] }[];
    assert.deepEqual(json.map((g) => [g.group, g.state, g.offsets.length]), [['billing', 'Empty', 2], ['fresh', 'Empty', 1], ['live', 'Empty', 2]]);

    const deleted = await runSds(['groups', 'delete', ...b, '--group', 'billing', '--group', 'fresh']);
    assert.deepEqual([deleted.code, deleted.stdout], [0, "Deletion of requested consumer groups ('billing', 'fresh') was successful.\n"], deleted.stderr);
    const gone = await describe('billing');
    assert.deepEqual([gone.code, gone.stdout, gone.stderr], [1, '', 'sds: consumer group billing does not exist (sds groups list shows the groups) [SDS_ERR_GROUP_NOT_FOUND]\n']);
    const again = await runSds(['groups', 'delete', ...b, '--group', 'billing', '--group', 'live']);
    assert.equal(again.code, 1);
    assert.equal(again.stdout, "These consumer groups were deleted successfully: 'live'\n");
    assert.match(again.stderr, /consumer group billing does not exist .*\[SDS_ERR_GROUP_NOT_FOUND\]/);
    assert.equal((await runSds(['groups', 'list', ...b])).stdout, '');
  } finally {
    await broker.stop();
  }
});

test('sds groups: bad flags exit 2 with usage; a missing topic, partition or group, an unreachable broker or config file exit 1', { timeout: 120_000 }, async () => {
  const broker = await startBroker({ port: 0 });
  const b = ['--bootstrap-server', broker.bootstrap];
  const dir = await mkdtemp(join(tmpdir(), 'sds-groups-'));
  try {
    await createTopic(broker.bootstrap, 'known', 1);
    const usage = [
      ['groups', 'frobnicate'],
      ['groups', 'list', ...b, '--state', 'Sleeping'],
      ['groups', 'list', ...b, '--no-such-flag'],
      ['groups', 'describe', ...b],
      ['groups', 'describe', ...b, '--group', 'g', '--all-groups'],
      ['groups', 'describe', ...b, '--group', 'g', '--members', '--state'],
      ['groups', 'reset-offsets', ...b, '--group', 'g', '--topic', 'known'],
      ['groups', 'reset-offsets', ...b, '--group', 'g', '--topic', 'known', '--to-earliest', '--to-latest'],
      ['groups', 'reset-offsets', ...b, '--group', 'g', '--to-earliest'],
      ['groups', 'reset-offsets', ...b, '--group', 'g', '--topic', 'known', '--all-topics', '--to-earliest'],
      ['groups', 'reset-offsets', ...b, '--group', 'g', '--topic', 'known', '--to-offset', 'x'],
      ['groups', 'reset-offsets', ...b, '--group', 'g', '--topic', 'known', '--shift-by', '1.5'],
      ['groups', 'reset-offsets', ...b, '--group', 'g', '--topic', 'known', '--to-datetime', 'yesterday'],
      ['groups', 'reset-offsets', ...b, '--group', 'g', '--topic', 'known:a', '--to-earliest'],
      ['groups', 'reset-offsets', ...b, '--group', 'g', '--topic', 'known', '--to-earliest', '--dry-run', '--execute'],
      ['groups', 'reset-offsets', ...b, '--topic', 'known', '--to-earliest'],
      ['groups', 'delete', ...b],
    ];
    for (const args of usage) {
      const r = await runSds(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /sds --help/, args.join(' '));
    }
    const fail = async (args: string[], message: RegExp): Promise<void> => {
      const r = await runSds(args);
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(' '));
    };
    await fail(['groups', 'reset-offsets', ...b, '--group', 'g', '--topic', 'nope', '--to-earliest'], /topic nope does not exist, or you may not describe it .*\[SDS_ERR_TOPIC_NOT_FOUND\]/);
    await fail(['groups', 'reset-offsets', ...b, '--group', 'g', '--topic', 'known:0,3', '--to-earliest'], /topic known has no partition 3 \(it has 1: 0-0\) \[SDS_ERR_PARTITION_NOT_FOUND\]/);
    await fail(['groups', 'describe', ...b, '--group', 'ghost'], /^sds: consumer group ghost does not exist .*\[SDS_ERR_GROUP_NOT_FOUND\]\n$/);
    await fail(['groups', 'delete', ...b, '--group', 'ghost'], /^sds: consumer group ghost does not exist .*\[SDS_ERR_GROUP_NOT_FOUND\]\n$/);
    await fail(['groups', 'list', '--bootstrap-server', '127.0.0.1:1'], /^sds: listing consumer groups: cannot reach Kafka at 127\.0\.0\.1:1: connection refused.*\[SDS_ERR_CLIENT_UNREACHABLE\]\n$/);
    await fail(['groups', 'list', ...b, '--command-config', join(dir, 'missing.properties')], /cannot read the client config file .*missing\.properties: no such file \[SDS_ERR_CLIENT_CONFIG\]/);
  } finally {
    await rm(dir, { recursive: true, force: true });
    await broker.stop();
  }
});
