/**
 * A producer that resends batches after a dropped connection produces no duplicates: the
 * connection dies after the broker stored a batch but before its answer is read (or after),
 * mid-request, or while the resend races the original on a new connection. Each record must
 * be in the log once and each resend be answered with success and the original offset. Gaps
 * and stale epochs on one connection are in idempotent-produce.test.ts. Last, kafkajs's
 * idempotent producer behind a proxy that swallows Produce answers and cuts the connection.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import type { RunningBroker } from '../../../src/broker/broker.ts';
import { startBroker } from '../../../src/broker/broker.ts';
import { ErrorCode } from '../../../src/protocol/error-codes.ts';
import { encodeRequest } from '../../../src/protocol/frame.ts';
import { decodeBatch, encodeBatch, iterateBatches } from '../../../src/protocol/records/index.ts';
import type { ProduceRequest } from '../../../src/protocol/generated/produce.ts';
import type { Loose } from '../../../src/protocol/primitives/loose.ts';
import { RawClient } from '../../support/raw-client.ts';

interface Ids {
  producerId: bigint;
  producerEpoch: number;
}

let broker: RunningBroker;
let admin: RawClient;

before(async () => {
  broker = await startBroker({ port: 0 });
  admin = await RawClient.connect(broker.port);
});
after(async () => {
  admin.close();
  await broker.stop();
});

async function createTopic(name: string): Promise<void> {
  const res = await admin.request(19, 7, { topics: [{ name, numPartitions: 1, replicationFactor: 1 }] });
  assert.equal(res.topics[0]?.errorCode, ErrorCode.NONE);
}

async function initProducerId(): Promise<Ids> {
  const res = await admin.request(22, 4, { transactionalId: null, transactionTimeoutMs: 60_000 });
  assert.equal(res.errorCode, ErrorCode.NONE);
  return { producerId: res.producerId, producerEpoch: res.producerEpoch };
}

/** A batch of two records, `${label}a` and `${label}b`, at `baseSequence`. */
function batch(ids: Ids, baseSequence: number, label: string): Promise<Buffer> {
  return encodeBatch({ ...ids, baseSequence, records: [`${label}a`, `${label}b`].map((v) => ({ key: null, value: Buffer.from(v), timestamp: Date.now() })) });
}

function body(topic: string, records: Buffer): Loose<ProduceRequest> {
  return { acks: -1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: 0, records: Buffer.from(records) }] }] };
}

async function produce(client: RawClient, topic: string, records: Buffer): Promise<{ errorCode: number; baseOffset: bigint }> {
  const p = (await client.request(0, 9, body(topic, records))).responses[0]?.partitionResponses[0];
  return { errorCode: p?.errorCode ?? -1, baseOffset: p?.baseOffset ?? -2n };
}

/** The partition's records as [offset, value]. */
async function log(topic: string): Promise<[bigint, string][]> {
  const res = await admin.request(1, 12, { replicaId: -1, maxBytes: 1 << 22, topics: [{ topic, partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 << 22 }] }] });
  const records = res.responses[0]?.partitions[0]?.records ?? Buffer.alloc(0);
  const out: [bigint, string][] = [];
  for (const b of iterateBatches(records, { allowPartialTail: true })) {
    for (const r of (await decodeBatch(records, { position: b.position, maxDecompressedBytes: 1 << 24 })).records) out.push([r.offset, r.value?.toString() ?? '']);
  }
  return out;
}

async function logEnd(topic: string): Promise<bigint> {
  const res = await admin.request(2, 7, { replicaId: -1, isolationLevel: 0, topics: [{ name: topic, partitions: [{ partitionIndex: 0, timestamp: -1n }] }] });
  return res.topics[0]?.partitions[0]?.offset ?? -1n;
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Each value once, and where the log has it. */
function offsetsOf(entries: [bigint, string][]): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const [offset, value] of entries) {
    assert.equal(out.get(value), undefined, `${value} is in the log twice`);
    out.set(value, offset);
  }
  return out;
}

test('batches stored before the connection dropped are resent on a new one: success, original offsets, no duplicates', async () => {
  await createTopic('dropped');
  const ids = await initProducerId();
  const batches = await Promise.all([0, 1, 2, 3, 4].map((i) => batch(ids, i * 2, `r${i}-`)));

  // Five in flight, then the connection dies unread once the broker has stored them all.
  const first = await RawClient.connect(broker.port);
  for (const b of batches) first.send(0, 9, body('dropped', b));
  await until('the five batches to be stored', async () => (await logEnd('dropped')) === 10n);
  first.close();

  // The resend on a new connection: every batch is a duplicate of one stored.
  const second = await RawClient.connect(broker.port);
  for (const [i, b] of batches.entries()) assert.deepEqual(await produce(second, 'dropped', b), { errorCode: ErrorCode.NONE, baseOffset: BigInt(i * 2) }, `resend of batch ${i}`);
  // This time the answers were read; the client dies anyway and a new one resends two.
  second.close();
  const third = await RawClient.connect(broker.port);
  assert.deepEqual(await produce(third, 'dropped', batches[4] as Buffer), { errorCode: ErrorCode.NONE, baseOffset: 8n });
  assert.deepEqual(await produce(third, 'dropped', batches[2] as Buffer), { errorCode: ErrorCode.NONE, baseOffset: 4n });
  // The producer goes on where it was.
  assert.deepEqual(await produce(third, 'dropped', await batch(ids, 10, 'r5-')), { errorCode: ErrorCode.NONE, baseOffset: 10n });
  // A resend older than the five batches the broker keeps per producer is out of order, as in Kafka, and not stored.
  assert.equal((await produce(third, 'dropped', batches[0] as Buffer)).errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  third.close();

  const stored = await log('dropped');
  assert.deepEqual(
    stored.map(([, v]) => v),
    [0, 1, 2, 3, 4, 5].flatMap((i) => [`r${i}-a`, `r${i}-b`]),
  );
  offsetsOf(stored);
});

test('a connection dropped mid-request stores nothing; the whole batch resent is stored once', async () => {
  await createTopic('torn');
  const ids = await initProducerId();
  const b0 = await batch(ids, 0, 't0-');
  const c = await RawClient.connect(broker.port);
  assert.deepEqual(await produce(c, 'torn', b0), { errorCode: ErrorCode.NONE, baseOffset: 0n });
  const b1 = await batch(ids, 2, 't1-');
  // Everything but the last bytes of the batch, then the connection dies.
  const frame = encodeRequest(0, 9, 99, 'torn', body('torn', b1));
  const cut = await RawClient.connect(broker.port);
  cut.writeRaw(frame.subarray(0, frame.length - 7));
  // Let the partial frame reach the broker before the connection dies (not needed for the checks to hold).
  await new Promise((r) => setTimeout(r, 50));
  cut.close();
  assert.equal(await logEnd('torn'), 2n, 'nothing of the torn request was stored');
  assert.deepEqual(await produce(c, 'torn', b1), { errorCode: ErrorCode.NONE, baseOffset: 2n });
  assert.deepEqual(await produce(c, 'torn', b1), { errorCode: ErrorCode.NONE, baseOffset: 2n });
  c.close();
  assert.deepEqual((await log('torn')).map(([, v]) => v), ['t0-a', 't0-b', 't1-a', 't1-b']);
});

test('a resend racing its dropped original on another connection: each record once, the answer names where it is', async () => {
  await createTopic('race');
  const ids = await initProducerId();
  const answered = new Map<string, bigint>();
  const resender = await RawClient.connect(broker.port);
  for (let i = 0; i < 30; i++) {
    const b = await batch(ids, i * 2, `x${i}-`);
    // The original goes out on a connection that dies (it may or may not reach the broker);
    // the same batch follows on a live one, at once or after a head start of the original.
    const doomed = await RawClient.connect(broker.port);
    doomed.send(0, 9, body('race', b));
    if (i % 2 === 0) doomed.close();
    if (i % 3 === 1) await new Promise((r) => setImmediate(r));
    if (i % 3 === 2) await new Promise((r) => setTimeout(r, 5));
    const res = await produce(resender, 'race', b);
    assert.equal(res.errorCode, ErrorCode.NONE, `batch ${i}`);
    answered.set(`x${i}-a`, res.baseOffset);
    if (i % 2 === 1) doomed.close();
  }
  resender.close();
  // However late an original arrives now, it is a duplicate or out of order: never stored.
  assert.equal(await logEnd('race'), 60n);
  const stored = offsetsOf(await log('race'));
  assert.equal(stored.size, 60);
  for (const [value, offset] of answered) assert.equal(stored.get(value), offset, `${value}: answered ${offset}, stored at ${stored.get(value)}`);
});

/**
 * A TCP proxy to the broker that, when armed, swallows the next Produce answer and cuts both
 * sides: the client's request was served but it never learns so.
 */
class AnswerEater {
  private armed = false;
  eaten = 0;
  private readonly sockets = new Set<Socket>();
  private constructor(
    readonly server: Server,
    readonly port: number,
  ) {}

  static async start(target: number): Promise<AnswerEater> {
    const ready: { eater?: AnswerEater } = {};
    const server = createServer((client) => ready.eater?.pipe(client, target));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    assert.ok(address !== null && typeof address === 'object');
    ready.eater = new AnswerEater(server, address.port);
    return ready.eater;
  }

  arm(): void {
    this.armed = true;
  }

  private pipe(client: Socket, target: number): void {
    const upstream = connect({ port: target, host: '127.0.0.1' });
    this.sockets.add(client).add(upstream);
    const produceIds = new Set<number>();
    const cut = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', cut).on('close', cut);
    upstream.on('error', cut).on('close', cut);
    frames(client, (frame) => {
      // Request header: int16 api key, int16 version, int32 correlation id.
      if (frame.readInt16BE(0) === 0) produceIds.add(frame.readInt32BE(4));
      upstream.write(sized(frame));
    });
    frames(upstream, (frame) => {
      const id = frame.readInt32BE(0);
      if (this.armed && produceIds.has(id)) {
        this.armed = false;
        this.eaten++;
        cut();
        return;
      }
      if (!client.destroyed) client.write(sized(frame));
    });
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

function sized(frame: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeInt32BE(frame.length);
  return Buffer.concat([size, frame]);
}

/** Calls `onFrame` with each size-prefixed frame (without its size) read from the socket. */
function frames(socket: Socket, onFrame: (frame: Buffer) => void): void {
  let pending = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
      const size = pending.readInt32BE(0);
      onFrame(pending.subarray(4, 4 + size));
      pending = pending.subarray(4 + size);
    }
  });
}

test('kafkajs idempotent producer whose Produce answers are lost with the connection: retries store nothing twice', { timeout: 60_000 }, async () => {
  await createTopic('kjs-resend');
  const proxy = await AnswerEater.start(broker.port);
  const kafka = new Kafka({
    clientId: 'kjs-resend',
    brokers: [`127.0.0.1:${proxy.port}`],
    logLevel: logLevel.NOTHING,
    retry: { retries: 10, initialRetryTime: 50, maxRetryTime: 500 },
    // Every connection, the ones to the broker that Metadata names included, goes through the proxy.
    socketFactory: ({ onConnect }) => connect({ host: '127.0.0.1', port: proxy.port }, onConnect),
  });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  try {
    await producer.connect();
    const sent: string[] = [];
    for (let i = 0; i < 20; i++) {
      if (i % 3 === 1) proxy.arm();
      const values = [`k${i}a`, `k${i}b`];
      await producer.send({ topic: 'kjs-resend', acks: -1, messages: values.map((value) => ({ value, partition: 0 })) });
      sent.push(...values);
    }
    assert.ok(proxy.eaten >= 6, `only ${proxy.eaten} answers were lost`);
    assert.deepEqual((await log('kjs-resend')).map(([, v]) => v), sent);
    const described = await admin.request(61, 0, { topics: [{ name: 'kjs-resend', partitionIndexes: [0] }] });
    const active = described.topics[0]?.partitions[0]?.activeProducers ?? [];
    assert.deepEqual(
      active.map((p) => p.lastSequence),
      [sent.length - 1],
      'one producer, whose sequence counts each record once',
    );
  } finally {
    await producer.disconnect().catch(() => undefined);
    await proxy.stop();
  }
});
