/**
 * kafkajs 2.2.4 (classic encodings only): admin createTopics, a producer (plain and gzip),
 * and a group consumer that runs until it has fetched a few times, then commits an offset by
 * hand and leaves the group.
 */
import { createRequire } from 'node:module';
import kafkajs from 'kafkajs';
import type { ExpectedRecord, FixtureExpectation } from '../../test/support/capture-manifest.ts';
import type { CaptureServer, CapturedFrame } from './server.ts';
import { sleep, waitFor, type Driver } from './driver.ts';

const { Kafka, logLevel, CompressionTypes } = kafkajs;

const CLIENT_ID = 'capture-kafkajs';
const TOPIC = 'capture-kafkajs';
const GROUP_ID = 'capture-kafkajs-group';
const MAX_BYTES = 5_242_880;
const MAX_BYTES_PER_PARTITION = 262_144;
const COMMITTED_OFFSET = '3';

interface KafkajsMessage {
  key: string | null;
  value: string;
  headers?: Record<string, string>;
}

const PLAIN: KafkajsMessage[] = [
  { key: 'key-1', value: 'kafkajs value 1' },
  { key: null, value: 'kafkajs value 2 (null key)' },
  { key: 'key-3', value: 'kafkajs value 3 with headers', headers: { 'h-one': '1', 'h-two': 'two' } },
];

const GZIP: KafkajsMessage[] = [
  { key: 'gzip-key-1', value: 'kafkajs gzip value 1 '.repeat(4) },
  { key: null, value: 'kafkajs gzip value 2 '.repeat(4) },
];

function expected(messages: readonly KafkajsMessage[]): ExpectedRecord[] {
  return messages.map((m) => ({
    key: m.key,
    value: m.value,
    ...(m.headers === undefined ? {} : { headers: Object.entries(m.headers) }),
  }));
}

export const kafkajsDriver: Driver = {
  client: 'kafkajs',
  description:
    'kafkajs 2.2.4 against scripts/capture: admin.createTopics, producer.send (3 messages: key, null key, headers; then 2 gzip messages), ' +
    'a group consumer (subscribe fromBeginning, run ~1-3 s on empty fetches, commitOffsets by hand, disconnect).',

  unavailable: () => null,

  clientVersion(): string {
    const require = createRequire(import.meta.url);
    const pkg = require('kafkajs/package.json') as { version: string };
    return `kafkajs ${pkg.version}`;
  },

  async run(server: CaptureServer): Promise<void> {
    const kafka = new Kafka({
      clientId: CLIENT_ID,
      brokers: [`127.0.0.1:${server.port}`],
      logLevel: logLevel.NOTHING,
      retry: { retries: 2, initialRetryTime: 100 },
    });

    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
    await admin.disconnect();

    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    await producer.send({ topic: TOPIC, acks: -1, messages: PLAIN });
    server.variant = 'gzip';
    await producer.send({ topic: TOPIC, acks: -1, compression: CompressionTypes.GZIP, messages: GZIP });
    server.variant = null;
    await producer.disconnect();

    const consumer = kafka.consumer({
      groupId: GROUP_ID,
      maxBytes: MAX_BYTES,
      maxBytesPerPartition: MAX_BYTES_PER_PARTITION,
      maxWaitTimeInMs: 200,
      heartbeatInterval: 300,
      sessionTimeout: 10_000,
    });
    let fetches = 0;
    consumer.on(consumer.events.FETCH, () => {
      fetches += 1;
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [TOPIC], fromBeginning: true });
    await consumer.run({ autoCommit: false, eachMessage: async () => {} });
    // Empty fetches: run until a few have gone by (and a heartbeat with them), at most 3 s.
    await waitFor(() => fetches >= 4, 3_000);
    await consumer.commitOffsets([{ topic: TOPIC, partition: 0, offset: COMMITTED_OFFSET }]);
    await sleep(100);
    await consumer.disconnect();
  },

  expect(frame: CapturedFrame): FixtureExpectation {
    const base: FixtureExpectation = { clientId: CLIENT_ID };
    switch (frame.apiName) {
      case 'Metadata':
      case 'CreateTopics':
        return { ...base, topics: [TOPIC] };
      case 'Produce': {
        const gzip = frame.file.endsWith('-gzip.bin');
        return {
          ...base,
          topic: TOPIC,
          partition: 0,
          acks: -1,
          transactionalId: null,
          codec: gzip ? 'gzip' : 'none',
          records: expected(gzip ? GZIP : PLAIN),
        };
      }
      case 'FindCoordinator':
        return { ...base, groupId: GROUP_ID, keyType: 0 };
      case 'JoinGroup':
        return { ...base, groupId: GROUP_ID, protocolType: 'consumer', protocolName: 'RoundRobinAssigner' };
      case 'SyncGroup':
      case 'Heartbeat':
      case 'LeaveGroup':
      case 'OffsetFetch':
        return { ...base, groupId: GROUP_ID };
      case 'ListOffsets':
        return { ...base, topic: TOPIC, partition: 0 };
      case 'Fetch':
        return {
          ...base,
          topic: TOPIC,
          partition: 0,
          fetchOffset: '0',
          maxBytes: MAX_BYTES,
          partitionMaxBytes: MAX_BYTES_PER_PARTITION,
        };
      case 'OffsetCommit':
        return { ...base, groupId: GROUP_ID, topic: TOPIC, partition: 0, offset: COMMITTED_OFFSET };
      default:
        return base;
    }
  },
};
