import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBroker, type RunningBroker } from '../../src/broker/broker.ts';
import { RawClient } from '../support/raw-client.ts';
import { ErrorCode } from '../../src/protocol/error-codes.ts';
import { encodeRequest } from '../../src/protocol/frame.ts';
import { CompressionCodec, encodeBatch } from '../../src/protocol/records/index.ts';
import { partitionDir } from '../../src/broker/partitions.ts';
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { RandomMessages } from '../support/random-message.ts';

let broker: RunningBroker;
const MAX_REQUEST = 2 * 1024 * 1024;

before(async () => {
  broker = await startBroker({ config: { maxRequestBytes: MAX_REQUEST } });
  const client = await RawClient.connect(broker.port);
  await client.request(19, 7, { topics: [{ name: 'target', numPartitions: 1, replicationFactor: 1, configs: [{ name: 'max.message.bytes', value: '50000' }] }] });
  client.close();
});
after(async () => {
  await broker.stop();
});

/** The broker still answers a fresh client. */
async function stillServing(): Promise<void> {
  const client = await RawClient.connect(broker.port);
  const res = await client.request(18, 3, { clientSoftwareName: 'probe', clientSoftwareVersion: '1' });
  assert.equal(res.errorCode, ErrorCode.NONE);
  client.close();
}

async function produce(records: Buffer, acks = -1, version = 9) {
  const client = await RawClient.connect(broker.port);
  try {
    const res = await client.request(0, version, { acks, timeoutMs: 1000, topicData: [{ name: 'target', partitionData: [{ index: 0, records }] }] });
    return res.responses[0]?.partitionResponses[0];
  } finally {
    client.close();
  }
}

const batch = (value = 'v', extra: object = {}) => encodeBatch({ records: [{ key: null, value: Buffer.from(value), timestamp: Date.now() }], ...extra });

test('garbage, oversized and negative frames close only that connection', async () => {
  for (const bytes of [
    Buffer.from([0, 0, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8]), // an unknown API key
    Buffer.from([0xff, 0xff, 0xff, 0xf0]), // negative size
    Buffer.from([0x7f, 0xff, 0xff, 0xff]), // 2 GiB, refused before any body arrives
    Buffer.from([0, 0, 0, 2, 0, 3]), // too short for a header
  ]) {
    const client = await RawClient.connect(broker.port);
    client.writeRaw(bytes);
    assert.equal(await client.waitClosed(), true, `closed after ${bytes.toString('hex')}`);
  }
  const big = await RawClient.connect(broker.port);
  const size = Buffer.alloc(4);
  size.writeInt32BE(MAX_REQUEST + 1);
  big.writeRaw(size);
  assert.equal(await big.waitClosed(), true);
  await stillServing();
});

test('an API version the broker does not advertise closes the connection; ApiVersions answers error 35 in v0', async () => {
  const client = await RawClient.connect(broker.port);
  client.send(3, 13, { topics: null }); // Metadata v13 is in the codec but not advertised
  assert.equal(await client.waitClosed(), true);

  const versions = await RawClient.connect(broker.port);
  // ApiVersions v9, header v2: key, version, correlation id, client id (int16 string), no tags.
  const header = Buffer.from([0, 18, 0, 9, 0, 0, 0, 77, 0, 1, 0x78, 0]);
  const frame = Buffer.concat([Buffer.alloc(4), header, Buffer.from([0xde, 0xad])]);
  frame.writeInt32BE(frame.length - 4);
  versions.writeRaw(frame);
  const answer = await versions.nextFrame();
  assert.ok(answer);
  assert.equal(answer.readInt32BE(0), 77);
  assert.equal(answer.readInt16BE(4), ErrorCode.UNSUPPORTED_VERSION);
  assert.equal(answer.readInt32BE(6), 1);
  assert.deepEqual([answer.readInt16BE(10), answer.readInt16BE(12), answer.readInt16BE(14)], [18, 0, 4]);
  versions.close();
  await stillServing();
});

test('Produce refuses bad batches with Kafka error codes and stores nothing of them', async () => {
  const good = await batch();
  const badCrc = Buffer.from(good);
  badCrc.writeUInt8(badCrc.readUInt8(badCrc.length - 1) ^ 0xff, badCrc.length - 1);
  assert.equal((await produce(badCrc))?.errorCode, ErrorCode.CORRUPT_MESSAGE);

  const magic1 = Buffer.from(good);
  magic1[16] = 1;
  assert.equal((await produce(magic1))?.errorCode, ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT);

  assert.equal((await produce(await batch('x'.repeat(60_000))))?.errorCode, ErrorCode.MESSAGE_TOO_LARGE);
  assert.equal((await produce(Buffer.concat([good, good])))?.errorCode, ErrorCode.INVALID_RECORD);
  assert.equal((await produce(await batch('v', { baseOffset: 5n })))?.errorCode, ErrorCode.INVALID_RECORD);
  const future = await encodeBatch({ records: [{ key: null, value: Buffer.from('f'), timestamp: Date.now() + 7_200_000 }] });
  assert.equal((await produce(future))?.errorCode, ErrorCode.INVALID_TIMESTAMP);
  assert.equal((await produce(good.subarray(0, 30)))?.errorCode, ErrorCode.CORRUPT_MESSAGE);
  assert.equal((await produce(Buffer.alloc(0)))?.errorCode, ErrorCode.INVALID_RECORD);
  assert.equal((await produce(good, 2))?.errorCode, ErrorCode.INVALID_REQUIRED_ACKS);
  const zstd = await encodeBatch({ codec: 4, records: [{ key: null, value: Buffer.from('z'), timestamp: Date.now() }] });
  assert.equal((await produce(zstd, -1, 5))?.errorCode, ErrorCode.UNSUPPORTED_COMPRESSION_TYPE);

  const ok = await produce(good);
  assert.equal(ok?.errorCode, ErrorCode.NONE);
  assert.equal(ok?.baseOffset, 0n, 'no refused batch took an offset');
});

test('acks=0: no response on success, the connection closes on error', async () => {
  const client = await RawClient.connect(broker.port);
  const records = await batch('quiet');
  client.send(0, 9, { acks: 0, timeoutMs: 1000, topicData: [{ name: 'target', partitionData: [{ index: 0, records }] }] });
  const next = await client.request(18, 3, { clientSoftwareName: 'x', clientSoftwareVersion: '1' });
  assert.equal(next.errorCode, ErrorCode.NONE, 'the next answer is the ApiVersions one, in order');
  client.send(0, 9, { acks: 0, timeoutMs: 1000, topicData: [{ name: 'no-such-topic', partitionData: [{ index: 0, records }] }] });
  assert.equal(await client.waitClosed(), true);
});

test('pipelined requests are answered in order even when an early one waits', async () => {
  const client = await RawClient.connect(broker.port);
  const ids = [
    client.send(1, 12, { replicaId: -1, maxWaitMs: 300, minBytes: 1 << 20, maxBytes: 1 << 20, topics: [{ topic: 'target', partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 << 20 }] }] }),
    ...Array.from({ length: 10 }, () => client.send(3, 12, { topics: null })),
  ];
  for (const id of ids) {
    const frame = await client.nextFrame();
    assert.equal(frame?.readInt32BE(0), id);
  }
  client.close();
});

test('mutated requests of every advertised API never take the broker down', async () => {
  const random = new RandomMessages(31337);
  const keys: Array<[number, number]> = [[0, 9], [1, 12], [2, 9], [3, 12], [19, 7], [20, 6], [21, 2], [32, 4], [33, 2], [37, 3], [44, 1], [60, 1], [23, 4], [35, 4], [3, 4], [1, 4], [19, 3]];
  for (let i = 0; i < 300; i++) {
    const [key, version] = keys[i % keys.length] as [number, number];
    const frame = encodeRequest(key as 3, version, i, 'fuzz', { topics: [{ name: 'target' }] });
    const mutated = Buffer.from(frame);
    for (let n = random.int(1, 4); n > 0; n--) mutated[random.int(4, mutated.length - 1)] = random.int(0, 255);
    const client = await RawClient.connect(broker.port);
    client.writeRaw(mutated);
    // An answer, a closed connection, or (a mutated long poll) a wait: all are fine.
    await client.nextFrame(100).catch(() => undefined);
    client.close();
  }
  await stillServing();
});

test('limits: max connections and idle connections', async () => {
  const small = await startBroker({ config: { maxConnections: 2, idleTimeoutMs: 300 } });
  try {
    const a = await RawClient.connect(small.port);
    const b = await RawClient.connect(small.port);
    const c = await RawClient.connect(small.port);
    assert.equal(await c.waitClosed(), true, 'the third connection is refused');
    assert.equal(await a.waitClosed(10_000), true, 'an idle connection is closed');
    b.close();
  } finally {
    await small.stop();
  }
});

test('a compressed batch on disk that no longer decodes: timestamp lookups answer CORRUPT_MESSAGE for that partition, the connection stays open', async () => {
  const client = await RawClient.connect(broker.port);
  try {
    await client.request(19, 7, { topics: [{ name: 'decayed', numPartitions: 1, replicationFactor: 1 }] });
    const base = Date.now();
    const records = Array.from({ length: 50 }, (_, i) => ({ key: null, value: Buffer.from(`record ${i} `.repeat(20)), timestamp: base + i }));
    const stored = await client.request(0, 9, { acks: -1, timeoutMs: 1000, topicData: [{ name: 'decayed', partitionData: [{ index: 0, records: await encodeBatch({ codec: CompressionCodec.Gzip, records }) }] }] });
    assert.equal(stored.responses[0]?.partitionResponses[0]?.errorCode, ErrorCode.NONE);

    // Scribble over the middle of the deflate stream; the 61-byte batch header stays intact.
    const file = join(partitionDir(broker.dataDir, 'decayed', 0), '00000000000000000000.log');
    const handle = openSync(file, 'r+');
    writeSync(handle, Buffer.alloc(64, 0xa5), 0, 64, 61 + 40);
    closeSync(handle);

    const lookup = (timestamp: bigint) => client.request(2, 9, { replicaId: -1, isolationLevel: 0, topics: [{ name: 'decayed', partitions: [{ partitionIndex: 0, timestamp }] }] });
    for (const timestamp of [BigInt(base + 10), -3n]) {
      const answer = (await lookup(timestamp)).topics[0]?.partitions[0];
      assert.equal(answer?.errorCode, ErrorCode.CORRUPT_MESSAGE, `timestamp ${timestamp}`);
      assert.equal(answer?.offset, -1n);
    }
    // Lookups that need no record still answer, on the same connection.
    assert.equal((await lookup(-1n)).topics[0]?.partitions[0]?.offset, 50n);
    assert.equal((await client.request(18, 3, { clientSoftwareName: 'probe', clientSoftwareVersion: '1' })).errorCode, ErrorCode.NONE);
  } finally {
    client.close();
  }
});
