// kafkajs 2.2.4 (dev dependency): produce with keys, headers and gzip; consume in a group; ListOffsets
// by timestamp through admin.fetchTopicOffsetsByTimestamp.
import { CompressionTypes, Kafka, logLevel, Partitioners } from 'kafkajs';
import type { Consumer, IHeaders, Message } from 'kafkajs';
import { expect, expectEqual, setup, waitFor } from '../scenario.ts';
import type { Scenario } from '../scenario.ts';
import { versions } from '../versions.ts';

export const KAFKAJS = `kafkajs ${versions.kafkajs}`;

export function kafkajsClient(bootstrap: string, clientId: string): Kafka {
  return new Kafka({
    brokers: [bootstrap],
    clientId,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3000,
    requestTimeout: 15_000,
    retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 2000 },
  });
}

export function headerText(headers: IHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  if (value === undefined) return undefined;
  const one = Array.isArray(value) ? value[0] : value;
  return one === undefined ? undefined : one.toString();
}

export interface Seen {
  readonly partition: number;
  readonly offset: string;
  readonly key: string;
  readonly value: string;
  readonly seq: string | undefined;
}

/**
 * Subscribes `consumer` from the beginning and collects records until `count` distinct ones (by
 * partition and offset) arrived: a group consumer is at-least-once, a rebalance may re-deliver.
 */
export async function consumeAll(consumer: Consumer, topic: string, count: number, timeoutMs: number, signal: AbortSignal): Promise<Seen[]> {
  const seen: Seen[] = [];
  const ids = new Set<string>();
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    eachMessage: ({ partition, message }) => {
      const id = `${partition}:${message.offset}`;
      if (ids.has(id)) return Promise.resolve();
      ids.add(id);
      seen.push({
        partition,
        offset: message.offset,
        key: message.key?.toString() ?? '',
        value: message.value?.toString() ?? '',
        seq: headerText(message.headers, 'seq'),
      });
      return Promise.resolve();
    },
  });
  await waitFor(() => seen.length >= count, timeoutMs, `${count} records (have ${seen.length})`, signal);
  return seen;
}

export const kafkajsScenarios: readonly Scenario[] = [
  {
    name: 'produce (keys, headers, none + gzip) and consume in a group',
    client: KAFKAJS,
    async run(bootstrap, ctx) {
      const topic = ctx.topic('kafkajs');
      await setup('create topic', () => ctx.createTopic(topic, 3));
      const kafka = kafkajsClient(bootstrap, 'conformance-kafkajs');
      const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
      const consumer = kafka.consumer({ groupId: ctx.topic('kafkajs-group'), maxWaitTimeInMs: 500 });
      try {
        await producer.connect();
        const messages = (from: number): Message[] =>
          Array.from({ length: 15 }, (_, j) => {
            const i = from + j;
            return { key: `key-${i % 7}`, value: `value-${i}-`.repeat(20), headers: { seq: String(i), client: 'kafkajs' } };
          });
        const plain = await producer.send({ topic, acks: -1, messages: messages(0) });
        const gzip = await producer.send({ topic, acks: -1, compression: CompressionTypes.GZIP, messages: messages(15) });
        for (const meta of [...plain, ...gzip]) expectEqual(meta.errorCode, 0, 'produce error code');
        const seen = await consumeAll(consumer, topic, 30, 30_000, ctx.signal);
        expectEqual(seen.length, 30, 'records read');
        const bySeq = new Map(seen.map((s) => [s.seq, s]));
        for (let i = 0; i < 30; i++) {
          const s = bySeq.get(String(i));
          expect(s !== undefined, `record seq=${i} not read`);
          expectEqual([s.key, s.value], [`key-${i % 7}`, `value-${i}-`.repeat(20)], `record seq=${i}`);
        }
        // The default (murmur2) partitioner puts a key on the same partition on every server.
        const partitionOfKey = new Map<string, number>();
        for (const s of seen) {
          const before = partitionOfKey.get(s.key);
          expect(before === undefined || before === s.partition, `${s.key} on partitions ${before} and ${s.partition}`);
          partitionOfKey.set(s.key, s.partition);
        }
        for (const p of [0, 1, 2]) {
          const offsets = seen.filter((s) => s.partition === p).map((s) => Number(s.offset));
          expectEqual(offsets, offsets.map((_, i) => i), `offsets of partition ${p} in order from 0`);
        }
        ctx.observe('partition of each key', JSON.stringify([...partitionOfKey].sort()));
      } finally {
        await consumer.disconnect().catch(() => undefined);
        await producer.disconnect().catch(() => undefined);
      }
    },
  },
  {
    name: 'ListOffsets by timestamp (admin.fetchTopicOffsetsByTimestamp)',
    client: KAFKAJS,
    async run(bootstrap, ctx) {
      const topic = ctx.topic('kafkajs-timestamps');
      await setup('create topic', () => ctx.createTopic(topic, 2));
      const kafka = kafkajsClient(bootstrap, 'conformance-kafkajs-offsets');
      const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
      const admin = kafka.admin();
      // Within the past hour: Kafka 4 refuses timestamps more than an hour ahead by default.
      const base = Math.floor(Date.now() / 1000) * 1000 - 600_000;
      try {
        await producer.connect();
        await admin.connect();
        const at = (delta: number, i: number): Message => ({ partition: 0, value: `v${i}`, timestamp: String(base + delta) });
        // Two batches on partition 0: offsets 0-2 at base+0/1000/2000, offsets 3-4 at base+3000/4000.
        await producer.send({ topic, acks: -1, messages: [at(0, 0), at(1000, 1), at(2000, 2)] });
        await producer.send({ topic, acks: -1, messages: [at(3000, 3), at(4000, 4)] });
        const query = async (ts: number): Promise<string[]> =>
          (await admin.fetchTopicOffsetsByTimestamp(topic, ts)).sort((a, b) => a.partition - b.partition).map((o) => o.offset);
        // Partition 1 is empty: no offset for any timestamp, so kafkajs answers its high watermark (0).
        expectEqual(await query(base), ['0', '0'], 'offsets for base');
        expectEqual(await query(base + 500), ['1', '0'], 'offsets for base+500 (inside the first batch)');
        expectEqual(await query(base + 2500), ['3', '0'], 'offsets for base+2500 (first record of the second batch)');
        expectEqual(await query(base + 4000), ['4', '0'], 'offsets for base+4000 (exact, last record)');
        expectEqual(await query(base + 60_000), ['5', '0'], 'offsets for a later timestamp (high watermark)');
        const marks = (await admin.fetchTopicOffsets(topic)).sort((a, b) => a.partition - b.partition).map((o) => [o.low, o.high]);
        expectEqual(marks, [['0', '5'], ['0', '0']], 'low and high watermarks');
      } finally {
        await admin.disconnect().catch(() => undefined);
        await producer.disconnect().catch(() => undefined);
      }
    },
  },
];
