/** `sds consume` against the embedded broker over TCP: every option, exact output, and bad input. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker } from '../../src/broker/broker.ts';
import { runSds } from '../support/sds-cli.ts';
import { Background, createTopic, produce } from '../support/topic-data.ts';

const RECORDS = [
  { partition: 0, key: 'k0', value: 'v0', headers: { h1: 'a', h2: 'b' }, timestamp: 1000 },
  { partition: 0, key: null, value: '{"n":1,"list":[true]}', timestamp: 2000 },
  { partition: 0, key: 'k2', value: null, timestamp: 3000 },
  { partition: 1, key: Buffer.from([0xca, 0xfe]), value: Buffer.from([0xff, 0x00, 0x01]), timestamp: 4000 },
];

test('sds consume: positions, printed columns, value formats, JSON, group commits, timeouts and Ctrl-C', { timeout: 240_000 }, async () => {
  const broker = await startBroker({ port: 0, config: { groupInitialRebalanceDelayMs: 0 } });
  const b = ['--bootstrap-server', broker.bootstrap];
  try {
    await createTopic(broker.bootstrap, 'events', 2);
    await produce(broker.bootstrap, 'events', RECORDS);

    // Every column, in kafka-console-consumer's order, with its literals for a missing key, value and headers.
    const all = await runSds(['consume', ...b, '--topic', 'events', '--from-beginning', '--max-messages', '4',
      '--print-timestamp', '--print-partition', '--print-offset', '--print-headers', '--print-key']);
    assert.equal(all.code, 0, all.stderr);
    assert.equal(
      all.stdout,
      'CreateTime:1000\tPartition:0\tOffset:0\th1:a,h2:b\tk0\tv0\n' +
        'CreateTime:2000\tPartition:0\tOffset:1\tNO_HEADERS\tnull\t{"n":1,"list":[true]}\n' +
        'CreateTime:3000\tPartition:0\tOffset:2\tNO_HEADERS\tk2\tnull\n' +
        `CreateTime:4000\tPartition:1\tOffset:0\tNO_HEADERS\t${Buffer.from([0xca, 0xfe]).toString('utf8')}\t${Buffer.from([0xff, 0, 1]).toString('utf8')}\n`,
    );
    assert.equal(all.stderr, 'Processed a total of 4 messages\n');

    // One partition from an offset; json pretty-prints JSON values and leaves the others as text.
    const json = await runSds(['consume', ...b, '--topic', 'events', '--partition', '0', '--offset', '1', '--max-messages', '2',
      '--value-format', 'json', '--print-key', '--key-separator', ' | ']);
    assert.equal(json.code, 0, json.stderr);
    assert.equal(json.stdout, 'null | {\n  "n": 1,\n  "list": [\n    true\n  ]\n}\nk2 | null\n');

    const hex = await runSds(['consume', ...b, '--topic', 'events', '--partition', '1', '--offset', 'earliest', '--max-messages', '1', '--value-format', 'hex', '--key-format', 'base64', '--print-key']);
    assert.equal(hex.stdout, 'yv4=\tff0001\n', hex.stderr);
    const base64 = await runSds(['consume', ...b, '--topic', 'events', '--partition', '1', '--offset', '0', '--max-messages', '1', '--value-format', 'base64']);
    assert.equal(base64.stdout, '/wAB\n', base64.stderr);

    // --json: one object per record.
    const lines = await runSds(['consume', ...b, '--topic', 'events', '--from-beginning', '--max-messages', '4', '--json', '--value-format', 'json', '--key-format', 'hex']);
    assert.equal(lines.code, 0, lines.stderr);
    assert.deepEqual(lines.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as unknown), [
      { topic: 'events', partition: 0, offset: 0, timestamp: 1000, key: '6b30', value: 'v0', headers: [{ key: 'h1', value: 'a' }, { key: 'h2', value: 'b' }] },
      { topic: 'events', partition: 0, offset: 1, timestamp: 2000, key: null, value: { n: 1, list: [true] }, headers: [] },
      { topic: 'events', partition: 0, offset: 2, timestamp: 3000, key: '6b32', value: null, headers: [] },
      { topic: 'events', partition: 1, offset: 0, timestamp: 4000, key: 'cafe', value: '\ufffd\u0000\u0001', headers: [] },
    ]);

    // --timeout-ms: exits 0 once nothing more arrives; from the end (the default) there is nothing to read.
    const drained = await runSds(['consume', ...b, '--topic', 'events', '--from-beginning', '--timeout-ms', '5000']);
    assert.equal(drained.code, 0, drained.stderr);
    assert.equal(drained.stdout.split('\n').length, 5);
    assert.equal(drained.stderr, 'Processed a total of 4 messages\n');
    const none = await runSds(['consume', ...b, '--topic', 'events', '--timeout-ms', '1000']);
    assert.deepEqual([none.code, none.stdout, none.stderr], [0, '', 'Processed a total of 0 messages\n']);
    const pastEnd = await runSds(['consume', ...b, '--topic', 'events', '--partition', '0', '--offset', '50', '--timeout-ms', '1000']);
    assert.deepEqual([pastEnd.code, pastEnd.stdout], [0, ''], 'an offset past the end moves to the end (auto.offset.reset=latest)');

    // Without --from-beginning only records written after the start are printed.
    await createTopic(broker.bootstrap, 'tail', 1);
    await produce(broker.bootstrap, 'tail', [{ partition: 0, value: 'old' }]);
    const tail = new Background(['consume', ...b, '--topic', 'tail', '--max-messages', '1', '--timeout-ms', '60000']);
    try {
      let n = 0;
      await tail.until('a new record', async () => {
        await produce(broker.bootstrap, 'tail', [{ partition: 0, value: `new-${n++}` }]);
        return tail.child.exitCode !== null;
      });
      assert.equal(await tail.exited, 0);
      assert.match(tail.stdout, /^new-\d+\n$/);
    } finally {
      await tail.stop();
    }

    // LogAppendTime topics print the broker's append time.
    await createTopic(broker.bootstrap, 'appended', 1, { 'message.timestamp.type': 'LogAppendTime' });
    await produce(broker.bootstrap, 'appended', [{ partition: 0, value: 'x', timestamp: 1000 }]);
    const appended = await runSds(['consume', ...b, '--topic', 'appended', '--from-beginning', '--max-messages', '1', '--print-timestamp']);
    const at = Number(/^LogAppendTime:(\d+)\tx\n$/.exec(appended.stdout)?.[1]);
    assert.ok(Math.abs(at - Date.now()) < 120_000, appended.stdout);

    // A group: starts at its committed offsets and commits what it printed.
    const first = await runSds(['consume', ...b, '--topic', 'events', '--group', 'readers', '--from-beginning', '--max-messages', '3']);
    assert.deepEqual([first.code, first.stdout], [0, 'v0\n{"n":1,"list":[true]}\nnull\n'], first.stderr);
    const afterFirst = await runSds(['groups', 'describe', ...b, '--group', 'readers', '--json']);
    const offsets = (text: string): unknown =>
      (JSON.parse(text) as { offsets: { partition: number; currentOffset: number; lag: number }[] }[])[0]?.offsets.map((o) => [o.partition, o.currentOffset, o.lag]);
    assert.deepEqual(offsets(afterFirst.stdout), [[0, 3, 0], [1, 0, 1]], 'partition 0 committed after the 3 printed; partition 1 at its start');
    const second = await runSds(['consume', ...b, '--topic', 'events', '--group', 'readers', '--timeout-ms', '5000', '--value-format', 'hex']);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout, 'ff0001\n', 'the rest of partition 1 (no --from-beginning needed)');
    assert.equal(second.stderr, 'Processed a total of 1 messages\n');
    assert.deepEqual(offsets((await runSds(['groups', 'describe', ...b, '--group', 'readers', '--json'])).stdout), [[0, 3, 0], [1, 1, 0]]);

    // Ctrl-C: the records printed so far are committed, the group is left, the total printed, exit 0.
    const live = new Background(['consume', ...b, '--topic', 'events', '--group', 'stopper', '--from-beginning']);
    try {
      await live.until('all records printed', () => live.stdout.split('\n').length > 4);
      live.child.kill('SIGINT');
      assert.equal(await live.exited, 0, live.stderr);
      assert.equal(live.stderr, 'Processed a total of 4 messages\n');
    } finally {
      await live.stop();
    }
    const stopped = JSON.parse((await runSds(['groups', 'describe', ...b, '--group', 'stopper', '--json'])).stdout) as { state: string; offsets: { lag: number }[] }[];
    assert.deepEqual([stopped[0]?.state, stopped[0]?.offsets.map((o) => o.lag)], ['Empty', [0, 0]]);
  } finally {
    await broker.stop();
  }
});

test('sds consume: bad flags exit 2 with usage; a missing topic or partition, an unreachable broker or config file exit 1', { timeout: 120_000 }, async () => {
  const broker = await startBroker({ port: 0 });
  const b = ['--bootstrap-server', broker.bootstrap];
  const dir = await mkdtemp(join(tmpdir(), 'sds-consume-'));
  try {
    await createTopic(broker.bootstrap, 'known', 2);
    const usage = [
      ['consume', ...b],
      ['consume', ...b, '--topic', 'known', '--no-such-flag'],
      ['consume', ...b, '--topic', 'known', '--offset', '5'],
      ['consume', ...b, '--topic', 'known', '--group', 'g', '--partition', '0'],
      ['consume', ...b, '--topic', 'known', '--partition', '0', '--offset', '1', '--from-beginning'],
      ['consume', ...b, '--topic', 'known', '--partition', '0', '--offset', '-3'],
      ['consume', ...b, '--topic', 'known', '--partition', 'one'],
      ['consume', ...b, '--topic', 'known', '--max-messages', '0'],
      ['consume', ...b, '--topic', 'known', '--timeout-ms', '-1'],
      ['consume', ...b, '--topic', 'known', '--value-format', 'xml'],
      ['consume', ...b, '--topic', 'known', '--key-format', 'json'],
    ];
    for (const args of usage) {
      const r = await runSds(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /sds --help/, args.join(' '));
    }

    const missing = await runSds(['consume', ...b, '--topic', 'nope', '--timeout-ms', '1000']);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, 'sds: topic nope does not exist, or you may not describe it (sds topics list shows the topics you can see) [SDS_ERR_TOPIC_NOT_FOUND]\n');
    const partition = await runSds(['consume', ...b, '--topic', 'known', '--partition', '2']);
    assert.equal(partition.code, 1);
    assert.match(partition.stderr, /topic known has no partition 2 \(it has 2: 0-1\) \[SDS_ERR_PARTITION_NOT_FOUND\]/);

    const unreachable = await runSds(['consume', '--bootstrap-server', '127.0.0.1:1', '--topic', 'known']);
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.stderr, /^sds: consuming from topic known: cannot reach Kafka at 127\.0\.0\.1:1: connection refused.*\[SDS_ERR_CLIENT_UNREACHABLE\]\n$/);
    const noConfig = await runSds(['consume', ...b, '--topic', 'known', '--command-config', join(dir, 'missing.properties')]);
    assert.equal(noConfig.code, 1);
    assert.match(noConfig.stderr, /cannot read the client config file .*missing\.properties: no such file \[SDS_ERR_CLIENT_CONFIG\]/);
  } finally {
    await rm(dir, { recursive: true, force: true });
    await broker.stop();
  }
});
