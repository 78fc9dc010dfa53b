// Restarts: the runner stops the server (SIGTERM, or SIGKILL for the hard variant) and starts it
// on the same data folder and port. Every acknowledged record, the partition counts, the offset
// sequence and the groups' committed offsets must survive. These scenarios run last.
//
// Records are written with kafkajs and read back with kcat partition by partition, so that these
// scenarios need no consumer group; the committed offsets have a scenario of their own.
import { Partitioners } from 'kafkajs';
import { check } from '../../../scripts/conformance/process.ts';
import { expect, expectEqual, retrying, setup } from '../scenario.ts';
import type { Scenario, ScenarioContext } from '../scenario.ts';
import { KAFKAJS, kafkajsClient } from './kafkajs.ts';

const PARTITIONS = 3;
const RECORDS = 120;

type Marks = [low: string, high: string][];

/** Right after a start Kafka answers some calls with retriable errors for a moment (the group
 *  coordinator loads __consumer_offsets, partitions become leaders); kafkajs' admin client does
 *  not retry all of them, an application would. */
function again<T>(ctx: ScenarioContext, fn: () => Promise<T>): Promise<T> {
  return retrying(fn, 20_000, ctx.signal);
}

async function watermarks(ctx: ScenarioContext, bootstrap: string, topic: string): Promise<Marks> {
  const admin = kafkajsClient(bootstrap, 'conformance-restart-admin').admin();
  try {
    await admin.connect();
    const offsets = await again(ctx, () => admin.fetchTopicOffsets(topic));
    return offsets.sort((a, b) => a.partition - b.partition).map((o): [string, string] => [o.low, o.high]);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function restartTimed(ctx: ScenarioContext, hard: boolean): Promise<string> {
  const t0 = performance.now();
  ctx.log(`restarting (${hard ? 'SIGKILL' : 'SIGTERM'})`);
  const next = await ctx.restart({ hard });
  ctx.note(`restart ${(Math.round(performance.now() - t0) / 1000).toFixed(1)} s`);
  return next;
}

async function recordsSurvive(bootstrap: string, ctx: ScenarioContext, hard: boolean): Promise<void> {
  const topic = ctx.topic(hard ? 'restart-hard' : 'restart');
  await setup('create topic', () => ctx.createTopic(topic, PARTITIONS));

  // Not idempotent (that needs InitProducerId, which is not what this scenario is about): a batch
  // that kafkajs retries may be stored twice, so what is compared is what the server acknowledged
  // (its high watermarks), not the number of sends.
  const producer = kafkajsClient(bootstrap, 'conformance-restart').producer({ createPartitioner: Partitioners.DefaultPartitioner });
  try {
    await producer.connect();
    // Several acks=all batches, so that recovery has more than one batch per partition to check.
    for (let b = 0; b < 4; b++) {
      const metas = await producer.send({
        topic,
        acks: -1,
        messages: Array.from({ length: RECORDS / 4 }, (_, j) => {
          const i = b * (RECORDS / 4) + j;
          return { key: `key-${i}`, value: `value-${i}`, headers: { seq: String(i) } };
        }),
      });
      for (const m of metas) expectEqual(m.errorCode, 0, 'produce error code');
    }
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
  const marks = await watermarks(ctx, bootstrap, topic);
  const stored = marks.reduce((n, [, high]) => n + Number(high), 0);
  expect(stored >= RECORDS, `high watermarks add up to ${stored}, fewer than the ${RECORDS} records acknowledged`);
  if (stored > RECORDS) ctx.note(`${stored - RECORDS} duplicate(s) from client retries`);

  const next = await restartTimed(ctx, hard);

  const admin = kafkajsClient(next, 'conformance-restart-after').admin();
  try {
    await admin.connect();
    const meta = await again(ctx, () => admin.fetchTopicMetadata({ topics: [topic] }));
    expectEqual(meta.topics[0]?.partitions.length, PARTITIONS, 'partition count after the restart');
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  expectEqual(await watermarks(ctx, next, topic), marks, 'low and high watermarks after the restart');

  const seqs = new Set<string>();
  for (let p = 0; p < PARTITIONS; p++) {
    const high = Number(marks[p]?.[1] ?? 0);
    if (high === 0) continue;
    const read = check(
      await ctx.exec('kcat', ['-C', '-b', next, '-t', topic, '-p', String(p), '-o', 'beginning', '-c', String(high), '-e', '-q', '-f', '%o\t%s\t%h\n']),
      `kcat -C partition ${p}`,
    );
    const rows = read.stdout.split('\n').filter((l) => l !== '').map((l) => l.split('\t'));
    expectEqual(rows.map((r) => Number(r[0])), Array.from({ length: high }, (_, i) => i), `offsets read from partition ${p}`);
    for (const [offset, value, headers] of rows) {
      const seq = /^seq=(\d+)$/.exec(headers ?? '')?.[1];
      expect(seq !== undefined && value === `value-${seq}`, `partition ${p} offset ${offset}: value ${value ?? ''} headers ${headers ?? ''}`);
      seqs.add(seq);
    }
  }
  expectEqual(seqs.size, RECORDS, 'distinct records read after the restart');

  // New records continue the offset sequence (nothing is overwritten or skipped).
  const producer2 = kafkajsClient(next, 'conformance-restart-after').producer({ createPartitioner: Partitioners.DefaultPartitioner });
  try {
    await producer2.connect();
    const [meta2] = await producer2.send({ topic, acks: -1, messages: [{ key: 'after', value: 'after', partition: 0 }] });
    expect(meta2 !== undefined, 'no produce answer');
    expectEqual(meta2.baseOffset, marks[0]?.[1], 'offset of the first record produced after the restart');
  } finally {
    await producer2.disconnect().catch(() => undefined);
  }
}

async function committedOffsetsSurvive(bootstrap: string, ctx: ScenarioContext): Promise<void> {
  const topic = ctx.topic('restart-group-topic');
  const group = ctx.topic('restart-group');
  await setup('create topic', () => ctx.createTopic(topic, PARTITIONS));
  const admin = kafkajsClient(bootstrap, 'conformance-restart-group').admin();
  try {
    await admin.connect();
    // A commit for an empty group (the way kafka-consumer-groups --reset-offsets does it).
    await admin.setOffsets({ groupId: group, topic, partitions: [{ partition: 1, offset: '7' }, { partition: 2, offset: '0' }] });
    const before = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    expectEqual(
      (before[0]?.partitions ?? []).sort((a, b) => a.partition - b.partition).map((p) => p.offset),
      ['-1', '7', '0'],
      'committed offsets before the restart',
    );
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  const next = await restartTimed(ctx, false);
  const admin2 = kafkajsClient(next, 'conformance-restart-group-after').admin();
  try {
    await admin2.connect();
    const after = await again(ctx, () => admin2.fetchOffsets({ groupId: group, topics: [topic] }));
    expectEqual(
      (after[0]?.partitions ?? []).sort((a, b) => a.partition - b.partition).map((p) => p.offset),
      ['-1', '7', '0'],
      'committed offsets after the restart',
    );
  } finally {
    await admin2.disconnect().catch(() => undefined);
  }
}

export const restartScenarios: readonly Scenario[] = [
  {
    name: 'restart (SIGTERM): records, partitions and offsets intact (read back with kcat)',
    client: KAFKAJS,
    disruptive: true,
    timeoutMs: 120_000,
    run: (bootstrap, ctx) => recordsSurvive(bootstrap, ctx, false),
  },
  {
    name: 'restart after SIGKILL: acknowledged records and offsets intact (read back with kcat)',
    client: KAFKAJS,
    disruptive: true,
    timeoutMs: 120_000,
    run: (bootstrap, ctx) => recordsSurvive(bootstrap, ctx, true),
  },
  {
    name: 'restart (SIGTERM): committed group offsets intact',
    client: KAFKAJS,
    disruptive: true,
    timeoutMs: 120_000,
    run: (bootstrap, ctx) => committedOffsetsSurvive(bootstrap, ctx),
  },
];
