// @platformatic/kafka 1.35 (the client of the project's own tools): produce and consume in a group,
// ListOffsets (earliest, latest, max timestamp, by timestamp) through the admin client, and one
// 900 KiB record. It speaks the flexible encodings only, unlike kafkajs, kcat and kafka-python.
import { Admin, Consumer, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import type { Message } from '@platformatic/kafka';
import { expect, expectEqual, setup } from '../scenario.ts';
import type { Scenario } from '../scenario.ts';
import { versions } from '../versions.ts';
import { largeValue, sha256 } from './java-tools.ts';

export const PLATFORMATIC = `@platformatic/kafka ${versions.platformatic}`;

type StringMessage = Message<string, string, string, string>;

export function platformaticProducer(bootstrap: string): Producer<string, string, string, string> {
  return new Producer({
    clientId: 'conformance-platformatic',
    bootstrapBrokers: [bootstrap],
    serializers: stringSerializers,
    retries: 5,
    retryDelay: 200,
    timeout: 15_000,
  });
}

/**
 * Consumes `topic` from the earliest offset in a new group until `count` distinct records (by
 * partition and offset) arrived, or `complete` says so: a group consumer is at-least-once, a
 * rebalance may re-deliver, and a producer's retry may have written a record twice.
 */
export async function platformaticConsume(
  bootstrap: string,
  groupId: string,
  topic: string,
  count: number,
  timeoutMs: number,
  signal: AbortSignal,
  maxBytes?: number,
  complete: (seen: readonly StringMessage[]) => boolean = (seen) => seen.length >= count,
): Promise<StringMessage[]> {
  const consumer = new Consumer({
    clientId: 'conformance-platformatic',
    groupId,
    bootstrapBrokers: [bootstrap],
    deserializers: stringDeserializers,
    maxWaitTime: 500,
    timeout: 15_000,
    retries: 5,
    retryDelay: 200,
    ...(maxBytes === undefined ? {} : { maxBytes, maxBytesPerPartition: maxBytes }),
  });
  const seen: StringMessage[] = [];
  const ids = new Set<string>();
  // close(true) has a callback overload first: wrap it so that the promise is the one awaited.
  const forceClose = (): Promise<void> => new Promise((ok) => consumer.close(true, () => ok()));
  const timer = setTimeout(() => void forceClose(), timeoutMs);
  const onAbort = (): void => void forceClose();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: true });
    for await (const message of stream) {
      const id = `${message.partition}:${message.offset}`;
      if (ids.has(id)) continue;
      ids.add(id);
      seen.push(message);
      if (complete(seen)) break;
    }
    expect(complete(seen), `stream ended after ${seen.length} of ${count} records (timeout ${timeoutMs} ms?)`);
    await stream.close();
    return seen;
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
    await forceClose();
  }
}

export const platformaticScenarios: readonly Scenario[] = [
  {
    name: 'produce (keys, headers, lz4) and consume in a group',
    client: PLATFORMATIC,
    async run(bootstrap, ctx) {
      const topic = ctx.topic('platformatic');
      await setup('create topic', () => ctx.createTopic(topic, 3));
      const producer = platformaticProducer(bootstrap);
      try {
        const result = await producer.send({
          acks: -1,
          // lz4, not zstd: platformatic's zstd needs node:zlib zstd (Node 22.15+), absent on Node 20.
          compression: 'lz4',
          messages: Array.from({ length: 30 }, (_, i) => ({
            topic,
            key: `key-${i % 7}`,
            value: `value-${i}-`.repeat(20),
            headers: { seq: String(i), client: 'platformatic' },
          })),
        });
        expect((result.offsets ?? []).length > 0, 'send() returned no offsets');
      } finally {
        await producer.close();
      }
      // Until every record is seen: a send retried on a slow machine (this producer is not idempotent) may have written one twice.
      const allSeqs = (seen: readonly StringMessage[]): boolean => new Set(seen.map((m) => m.headers.get('seq'))).size >= 30;
      const seen = await platformaticConsume(bootstrap, ctx.topic('platformatic-group'), topic, 30, 30_000, ctx.signal, undefined, allSeqs);
      const bySeq = new Map(seen.map((m) => [m.headers.get('seq'), m]));
      for (let i = 0; i < 30; i++) {
        const m = bySeq.get(String(i));
        expect(m !== undefined, `record seq=${i} not read`);
        expectEqual([m.key, m.value, m.headers.get('client')], [`key-${i % 7}`, `value-${i}-`.repeat(20), 'platformatic'], `record seq=${i}`);
      }
      for (const p of [0, 1, 2]) {
        const offsets = seen.filter((m) => m.partition === p).map((m) => Number(m.offset));
        expectEqual(offsets, offsets.map((_, i) => i), `offsets of partition ${p} in order from 0`);
      }
      const partitionOfKey = [...new Map(seen.map((m) => [m.key, m.partition]))].sort();
      ctx.observe('partition of each key', JSON.stringify(partitionOfKey));
    },
  },
  {
    name: 'ListOffsets: earliest, latest, max timestamp, by timestamp (admin.listOffsets)',
    client: PLATFORMATIC,
    async run(bootstrap, ctx) {
      const topic = ctx.topic('platformatic-offsets');
      await setup('create topic', () => ctx.createTopic(topic, 1));
      const base = BigInt(Math.floor(Date.now() / 1000) * 1000 - 600_000);
      const producer = platformaticProducer(bootstrap);
      try {
        // Offsets 0-3; the largest timestamp is on offset 2 (timestamps need not grow).
        const deltas = [0n, 1000n, 5000n, 2000n];
        for (const [i, d] of deltas.entries()) {
          await producer.send({ acks: -1, messages: [{ topic, partition: 0, value: `v${i}`, timestamp: base + d }] });
        }
      } finally {
        await producer.close();
      }
      const admin = new Admin({ clientId: 'conformance-platformatic', bootstrapBrokers: [bootstrap], timeout: 15_000 });
      try {
        const ask = async (timestamp: bigint): Promise<[string, string]> => {
          const topics = await admin.listOffsets({ topics: [{ name: topic, partitions: [{ partitionIndex: 0, timestamp }] }] });
          const p = topics.find((t) => t.name === topic)?.partitions.find((x) => x.partitionIndex === 0);
          expect(p !== undefined, `no answer for ${topic}/0`);
          return [String(p.offset), String(p.timestamp)];
        };
        expectEqual((await ask(-2n))[0], '0', 'earliest (-2) offset');
        expectEqual((await ask(-1n))[0], '4', 'latest (-1) offset');
        expectEqual(await ask(-3n), ['2', String(base + 5000n)], 'max timestamp (-3) offset and timestamp');
        expectEqual(await ask(base + 500n), ['1', String(base + 1000n)], 'offset and timestamp for base+500');
        expectEqual(await ask(base + 1500n), ['2', String(base + 5000n)], 'offset and timestamp for base+1500 (first record at or after it)');
        expectEqual(await ask(base + 60_000n), ['-1', '-1'], 'a timestamp after every record');
      } finally {
        await admin.close();
      }
    },
  },
  {
    name: 'one 900 KiB record',
    client: PLATFORMATIC,
    async run(bootstrap, ctx) {
      const topic = ctx.topic('platformatic-large');
      await setup('create topic', () => ctx.createTopic(topic, 1));
      const value = largeValue(900 * 1024);
      const producer = platformaticProducer(bootstrap);
      try {
        await producer.send({ acks: -1, messages: [{ topic, key: 'large', value }] });
      } finally {
        await producer.close();
      }
      const [m] = await platformaticConsume(bootstrap, ctx.topic('platformatic-large-group'), topic, 1, 30_000, ctx.signal, 2 * 1024 * 1024);
      expect(m !== undefined, 'no record read');
      expectEqual(m.value.length, value.length, 'value length');
      expect(sha256(m.value) === sha256(value), 'value differs from the one produced');
    },
  },
];

/** Creates a topic (replication factor 1) and waits until Metadata shows a leader for every partition. */
export async function platformaticCreateTopic(bootstrap: string, name: string, partitions: number, timeoutMs = 15_000): Promise<void> {
  const admin = new Admin({ clientId: 'conformance-setup', bootstrapBrokers: [bootstrap], timeout: 15_000, retries: 3, retryDelay: 200 });
  try {
    await admin.createTopics({ topics: [name], partitions, replicas: 1 });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const metadata = await admin.metadata({ topics: [name], forceUpdate: true });
      const topic = metadata.topics.get(name);
      if (topic !== undefined && topic.partitionsCount === partitions && topic.partitions.every((p) => p.leader >= 0)) return;
      if (Date.now() > deadline) throw new Error(`${name} has no leader for every partition after ${timeoutMs} ms`);
      await new Promise((ok) => setTimeout(ok, 50));
    }
  } finally {
    await admin.close();
  }
}
