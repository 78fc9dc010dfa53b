/**
 * @platformatic/kafka 1.35 (flexible encodings): admin createTopics, an idempotent producer
 * (plain, then gzip, snappy and lz4; zstd needs Node 22's zlib), and a group consumer that
 * consumes from the earliest offset for a moment, commits an offset by hand and leaves.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Admin, Consumer, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import type { CodecName, ExpectedRecord, FixtureExpectation } from '../../test/support/capture-manifest.ts';
import type { CaptureServer, CapturedFrame } from './server.ts';
import { sleep, type Driver } from './driver.ts';
import { topicId } from './handlers.ts';

const CLIENT_ID = 'capture-platformatic';
const TOPIC = 'capture-platformatic';
const GROUP_ID = 'capture-platformatic-group';
const MAX_BYTES = 2_097_152;
const MAX_BYTES_PER_PARTITION = 131_072;
const COMMITTED_OFFSET = 3n;
/** Sent by the client in ApiVersions v3+ (dist/clients/base/options.js). */
const SOFTWARE_NAME = 'platformatic-kafka';

/** Codecs sent after the uncompressed batch; each gives produce-request-v<N>-<codec>.bin. */
const CODECS = ['gzip', 'snappy', 'lz4'] as const satisfies readonly CodecName[];

interface PlatMessage {
  key?: string;
  value: string;
  headers?: Record<string, string>;
}

const PLAIN: PlatMessage[] = [
  { key: 'key-1', value: 'platformatic value 1' },
  { value: 'platformatic value 2 (no key)' },
  { key: 'key-3', value: 'platformatic value 3 with headers', headers: { 'h-one': '1', 'h-two': 'two' } },
];

function compressedMessages(codec: CodecName): PlatMessage[] {
  return [
    { key: `${codec}-key-1`, value: `platformatic ${codec} value 1 `.repeat(4) },
    { value: `platformatic ${codec} value 2 `.repeat(4) },
  ];
}

function expected(messages: readonly PlatMessage[]): ExpectedRecord[] {
  return messages.map((m) => ({
    key: m.key ?? null,
    value: m.value,
    ...(m.headers === undefined ? {} : { headers: Object.entries(m.headers) }),
  }));
}

function codecOfFile(file: string): CodecName {
  for (const codec of CODECS) if (file.endsWith(`-${codec}.bin`)) return codec;
  return 'none';
}

/** A 22-character base64url topic id in the 8-4-4-4-12 hex form that @platformatic/kafka uses. */
function uuidText(id: string): string {
  const hex = Buffer.from(id, 'base64url').toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The installed version (package.json is not in the package's exports, so read it from disk). */
function installedVersion(): string {
  const entry = createRequire(import.meta.url).resolve('@platformatic/kafka');
  const pkg = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

export const platformaticDriver: Driver = {
  client: 'platformatic',
  description:
    '@platformatic/kafka against scripts/capture: Admin.createTopics, an idempotent Producer.send (3 messages: key, no key, headers; ' +
    'then 2 messages each with gzip, snappy, lz4), a Consumer with a groupId (consume from earliest ~1.5 s on empty fetches, commit by hand, close).',

  unavailable: () => null,

  clientVersion(): string {
    return `@platformatic/kafka ${installedVersion()}`;
  },

  async run(server: CaptureServer): Promise<void> {
    const bootstrapBrokers = [`127.0.0.1:${server.port}`];

    const admin = new Admin({ clientId: CLIENT_ID, bootstrapBrokers });
    await admin.createTopics({ topics: [TOPIC], partitions: 1, replicas: 1 });
    await admin.close();

    const producer = new Producer({ clientId: CLIENT_ID, bootstrapBrokers, serializers: stringSerializers, idempotent: true });
    await producer.send({ messages: PLAIN.map((m) => ({ topic: TOPIC, ...m })) });
    for (const codec of CODECS) {
      server.variant = codec;
      await producer.send({ compression: codec, messages: compressedMessages(codec).map((m) => ({ topic: TOPIC, ...m })) });
    }
    server.variant = null;
    await producer.close();

    const consumer = new Consumer({
      clientId: CLIENT_ID,
      groupId: GROUP_ID,
      bootstrapBrokers,
      deserializers: stringDeserializers,
      autocommit: false,
      maxWaitTime: 200,
      maxBytes: MAX_BYTES,
      maxBytesPerPartition: MAX_BYTES_PER_PARTITION,
      sessionTimeout: 10_000,
      heartbeatInterval: 300,
    });
    const stream = await consumer.consume({ topics: [TOPIC], mode: 'committed', fallbackMode: 'earliest' });
    stream.on('data', () => undefined);
    await sleep(1_500);
    await consumer.commit({ offsets: [{ topic: TOPIC, partition: 0, offset: COMMITTED_OFFSET, leaderEpoch: 0 }] });
    await stream.close();
    await consumer.close();
  },

  note(frame: CapturedFrame): string | undefined {
    if (frame.apiName !== 'Fetch' || frame.version > 12) return undefined;
    return (
      'platformatic bug: Fetch v4-12 carries topic names, but @platformatic/kafka (src/apis/consumer/fetch-v12.ts) writes the ' +
      "topic id there, as UUID text of the id from Metadata (\"we use topicId for consistency with newer versions\"); a broker " +
      'advertising Fetch max 12 sees an unknown topic named like a UUID.'
    );
  },

  expect(frame: CapturedFrame): FixtureExpectation {
    const base: FixtureExpectation = { clientId: CLIENT_ID };
    switch (frame.apiName) {
      case 'ApiVersions':
        return { ...base, clientSoftwareName: SOFTWARE_NAME, clientSoftwareVersion: installedVersion() };
      case 'Metadata':
      case 'CreateTopics':
        return { ...base, topics: [TOPIC] };
      case 'Produce': {
        const codec = codecOfFile(frame.file);
        return {
          ...base,
          topic: TOPIC,
          partition: 0,
          acks: -1,
          transactionalId: null,
          codec,
          producerId: '1000',
          records: expected(codec === 'none' ? PLAIN : compressedMessages(codec)),
        };
      }
      case 'FindCoordinator':
        return { ...base, groupId: GROUP_ID, keyType: 0 };
      case 'JoinGroup':
        return { ...base, groupId: GROUP_ID, protocolType: 'consumer', protocolName: 'roundrobin' };
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
          // Not the name: see note() below.
          topic: frame.version <= 12 ? uuidText(topicId(TOPIC)) : TOPIC,
          partition: 0,
          fetchOffset: '0',
          maxBytes: MAX_BYTES,
          partitionMaxBytes: MAX_BYTES_PER_PARTITION,
        };
      case 'OffsetCommit':
        return { ...base, groupId: GROUP_ID, topic: TOPIC, partition: 0, offset: COMMITTED_OFFSET.toString() };
      default:
        return base;
    }
  },
};
