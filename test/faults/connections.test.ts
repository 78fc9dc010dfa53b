/**
 * Connection faults against a broker in a child process, over real TCP: a thousand clients at
 * once, consumers that read their sockets slowly, and clients that pipeline requests and never
 * read. The broker must answer everyone it can, keep serving other clients meanwhile, release
 * what closed connections held, and keep its memory (RSS of the child) bounded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { RawClient } from '../support/raw-client.ts';
import { encodeRequest } from '../../src/protocol/frame.ts';
import { startBrokerProcess, type BrokerProcess } from './support/broker-process.ts';
import { MB, ProcessSampler, fdCount, openFileLimit, rssBytes } from './support/proc.ts';
import { batchOf, connectionCount, createTopic, endOffset, fetchBody, fetchValues, probe, produce, recordsIn, waitFor } from './support/kafka.ts';
import { LazyReader } from './support/lazy-reader.ts';

const CONNECTIONS = 1000;

/** Probes the broker with fresh connections every `everyMs` until stopped; records each latency. */
class Prober {
  readonly latencies: number[] = [];
  failures = 0;
  private running = true;
  private readonly done: Promise<void>;

  constructor(port: number, everyMs: number) {
    this.done = (async () => {
      while (this.running) {
        try {
          this.latencies.push(await probe(port, 10_000));
        } catch {
          this.failures++;
        }
        await new Promise((r) => setTimeout(r, everyMs));
      }
    })();
  }

  async stop(): Promise<{ count: number; max: number; failures: number }> {
    this.running = false;
    await this.done;
    return { count: this.latencies.length, max: Math.max(0, ...this.latencies), failures: this.failures };
  }
}

/**
 * A producer and a consumer of small records on `topic`, as fast as the broker answers; the
 * counts tell their throughput over any span of time.
 */
class SteadyTraffic {
  produced = 0;
  consumed = 0;
  private running = true;
  private readonly done: Promise<void>;

  constructor(port: number, topic: string) {
    this.done = Promise.all([this.producer(port, topic), this.consumer(port, topic)]).then(() => undefined);
  }

  private async producer(port: number, topic: string): Promise<void> {
    const client = await RawClient.connect(port);
    const values = Array.from({ length: 10 }, () => 'p'.repeat(1000));
    try {
      while (this.running) {
        await produce(client, topic, 0, await batchOf(values));
        this.produced += values.length;
      }
    } finally {
      client.close();
    }
  }

  private async consumer(port: number, topic: string): Promise<void> {
    const client = await RawClient.connect(port);
    let offset = 0n;
    try {
      while (this.running) {
        const res = await client.request(1, 12, fetchBody(topic, 0, offset, 1 << 20, 100));
        for (const r of await recordsIn(res.responses[0]?.partitions[0]?.records ?? null)) {
          if (r.offset < offset) continue;
          offset = r.offset + 1n;
          this.consumed++;
        }
      }
    } finally {
      client.close();
    }
  }

  /** Records produced and consumed per second over `ms`. */
  async rateOver(ms: number): Promise<{ produced: number; consumed: number }> {
    const [p, c] = [this.produced, this.consumed];
    await new Promise((r) => setTimeout(r, ms));
    return { produced: ((this.produced - p) * 1000) / ms, consumed: ((this.consumed - c) * 1000) / ms };
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }
}

/** Fills `topic` partition 0 with `bytes` of records in batches of about 800 KB (under message.max.bytes). */
async function fill(port: number, topic: string, bytes: number): Promise<void> {
  const client = await RawClient.connect(port);
  try {
    for (let written = 0; written < bytes; written += 800 * 1024) {
      await produce(client, topic, 0, await batchOf(Array.from({ length: 8 }, () => randomBytes(100 * 1024))));
    }
  } finally {
    client.close();
  }
}

/** Waits until the broker holds `connections` client connections and its descriptors are back to `fds`. */
async function released(broker: BrokerProcess, fds: number, connections = 0): Promise<{ connections: number; fds: number }> {
  let now = { connections: -1, fds: -1 };
  await waitFor(async () => {
    now = { connections: await connectionCount(broker.metricsUrl), fds: fdCount(broker.pid) };
    return now.connections === connections && now.fds <= fds;
  }, 15_000, 200);
  return now;
}

test(`${CONNECTIONS} concurrent connections are all answered, a separate client is served meanwhile, and all are released`, { timeout: 180_000 }, async (t) => {
  const need = CONNECTIONS + 200;
  if (openFileLimit(process.pid) < need) {
    t.skip(`needs ${need} open files in the test process (ulimit -n)`);
    return;
  }
  const broker = await startBrokerProcess({ config: { maxConnections: CONNECTIONS + 50 }, openFiles: need });
  const clients: RawClient[] = [];
  try {
    await createTopic(broker.port, 'many', 4);
    await probe(broker.port);
    const fdsBefore = fdCount(broker.pid);
    const prober = new Prober(broker.port, 100);
    const opened = Date.now();
    // Connect in waves: the listen backlog is finite, and a full one only delays a client.
    for (let i = 0; i < CONNECTIONS; i += 100) {
      clients.push(...(await Promise.all(Array.from({ length: Math.min(100, CONNECTIONS - i) }, () => RawClient.connect(broker.port)))));
    }
    const connectMs = Date.now() - opened;
    // A client is connected once the kernel completes the handshake; the broker accepts just after.
    let open = 0;
    await waitFor(async () => (open = await connectionCount(broker.metricsUrl)) >= CONNECTIONS, 10_000);
    assert.ok(open >= CONNECTIONS, `the broker counts ${open} connections`);
    const fdsOpen = fdCount(broker.pid);

    const started = Date.now();
    await Promise.all(
      clients.map(async (client, i) => {
        const versions = await client.request(18, 3, { clientSoftwareName: 'many', clientSoftwareVersion: String(i) });
        assert.equal(versions.errorCode, 0);
        const metadata = await client.request(3, 12, { topics: [{ name: 'many' }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
        assert.equal(metadata.topics[0]?.partitions.length, 4);
        const partition = i % 4;
        const offset = await produce(client, 'many', partition, await batchOf([`client-${i}`]));
        const read = await fetchValues(client, 'many', partition, offset);
        assert.equal(read[0]?.value, `client-${i}`, `client ${i} reads back its record`);
      }),
    );
    const workMs = Date.now() - started;
    const probes = await prober.stop();
    for (const c of clients) c.close();
    const after = await released(broker, fdsBefore);
    t.diagnostic(`connect ${connectMs} ms, ApiVersions+Metadata+Produce+Fetch on all ${workMs} ms; probes ${probes.count}, max ${probes.max} ms, failed ${probes.failures}`);
    t.diagnostic(`broker fds: ${fdsBefore} before, ${fdsOpen} with ${open} connections, ${after.fds} after; connections after ${after.connections}`);
    assert.equal(probes.failures, 0, 'every probe was answered');
    assert.ok(probes.count >= 2, `the separate client was served ${probes.count} times during the run`);
    assert.ok(probes.max < 5_000, `the slowest probe took ${probes.max} ms`);
    assert.equal(after.connections, 0, 'the broker counts no connection afterwards');
    assert.ok(after.fds <= fdsBefore, `descriptors back to ${fdsBefore} (now ${after.fds})`);
    assert.ok(broker.alive());
  } finally {
    for (const c of clients) c.close();
    await broker.stop();
  }
});

test('slow consumers of large fetches do not hold up other clients, and the broker memory stays bounded', { timeout: 120_000 }, async (t) => {
  const broker = await startBrokerProcess();
  const slow: LazyReader[] = [];
  let steady: SteadyTraffic | undefined;
  try {
    await createTopic(broker.port, 'bulk', 1);
    await createTopic(broker.port, 'steady', 1);
    await fill(broker.port, 'bulk', 8 * MB);
    steady = new SteadyTraffic(broker.port, 'steady');
    await steady.rateOver(2_000); // warm-up
    const before = await steady.rateOver(4_000);
    const rssBefore = rssBytes(broker.pid);
    const sampler = new ProcessSampler(broker.pid, 250);

    // Each slow consumer keeps 4 fetches of 4 MB outstanding and reads 256 KB/s.
    const FETCH = encodeRequest(1, 12, 1, 'slow', fetchBody('bulk', 0, 0n, 4 * MB));
    for (let i = 0; i < 6; i++) {
      const reader: LazyReader = await LazyReader.connect(broker.port, 256 * 1024, () => reader.write(FETCH));
      for (let k = 0; k < 4; k++) reader.write(FETCH);
      slow.push(reader);
    }
    const during = await steady.rateOver(10_000);
    sampler.stop();
    const slowRead = slow.reduce((n, r) => n + r.bytesRead, 0);
    const growth = (sampler.maxRss() - rssBefore) / MB;
    t.diagnostic(`steady records/s before: produce ${before.produced.toFixed(0)}, consume ${before.consumed.toFixed(0)}; with slow consumers: produce ${during.produced.toFixed(0)}, consume ${during.consumed.toFixed(0)}`);
    t.diagnostic(`slow consumers read ${(slowRead / MB).toFixed(1)} MB; broker RSS ${(rssBefore / MB).toFixed(0)} MB before, growth ${growth.toFixed(0)} MB; ${sampler.summary()}`);
    assert.ok(slowRead > 0, 'the slow consumers were answered');
    assert.ok(during.produced >= before.produced * 0.3, 'producers keep at least 30% of their throughput');
    assert.ok(during.consumed >= before.consumed * 0.3, 'consumers keep at least 30% of their throughput');
    assert.ok(growth < 200, `RSS grew ${growth.toFixed(0)} MB`);
    assert.ok(broker.alive());
  } finally {
    await steady?.stop();
    for (const r of slow) r.close();
    await broker.stop();
  }
});

test('clients that pipeline requests and never read are throttled, not buffered without bound', { timeout: 120_000 }, async (t) => {
  const broker = await startBrokerProcess();
  const stalled: LazyReader[] = [];
  let steady: SteadyTraffic | undefined;
  try {
    await createTopic(broker.port, 'bulk', 1);
    await createTopic(broker.port, 'steady', 1);
    await createTopic(broker.port, 'sink', 1);
    await fill(broker.port, 'bulk', 8 * MB);
    steady = new SteadyTraffic(broker.port, 'steady');
    await steady.rateOver(2_000);
    const before = await steady.rateOver(3_000);
    const fdsBefore = fdCount(broker.pid);
    const rssBefore = rssBytes(broker.pid);
    const sampler = new ProcessSampler(broker.pid, 250);

    // 3,000 requests per client, a third each: Fetch of 4 MB, Produce, Metadata.
    const produceFrame = encodeRequest(0, 9, 2, 'stalled', { acks: -1, timeoutMs: 30_000, topicData: [{ name: 'sink', partitionData: [{ index: 0, records: await batchOf(['never read']) }] }] });
    const frames = [
      encodeRequest(1, 12, 1, 'stalled', fetchBody('bulk', 0, 0n, 4 * MB)),
      produceFrame,
      encodeRequest(3, 12, 3, 'stalled', { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false }),
    ];
    const CLIENTS = 8;
    const PER_CLIENT = 3000;
    for (let i = 0; i < CLIENTS; i++) {
      const client = await LazyReader.connect(broker.port, 0);
      for (let k = 0; k < PER_CLIENT; k++) client.write(frames[k % 3] as Buffer);
      stalled.push(client);
    }
    const during = await steady.rateOver(8_000);
    const probeMs = await probe(broker.port);
    sampler.stop();
    // Every Produce the broker took was appended: the rest it never read.
    const produced = Number(await endOffset(broker.port, 'sink', 0));
    const growth = (sampler.maxRss() - rssBefore) / MB;
    for (const c of stalled) c.close();
    const after = await released(broker, fdsBefore, 2);
    t.diagnostic(`steady records/s before: produce ${before.produced.toFixed(0)}, consume ${before.consumed.toFixed(0)}; with stalled clients: produce ${during.produced.toFixed(0)}, consume ${during.consumed.toFixed(0)}; probe ${probeMs} ms`);
    t.diagnostic(`Produce requests taken: ${produced} of ${(CLIENTS * PER_CLIENT) / 3}; broker RSS ${(rssBefore / MB).toFixed(0)} MB before, growth ${growth.toFixed(0)} MB; fds ${fdsBefore} before, ${after.fds} after; ${sampler.summary()}`);
    assert.ok(produced < (CLIENTS * PER_CLIENT) / 3 / 10, 'the broker stopped reading from clients that do not read');
    assert.ok(growth < 200, `RSS grew ${growth.toFixed(0)} MB`);
    assert.ok(during.produced >= before.produced * 0.3, 'producers keep at least 30% of their throughput');
    assert.ok(during.consumed >= before.consumed * 0.3, 'consumers keep at least 30% of their throughput');
    assert.equal(after.connections, 2, 'only the steady clients remain');
    assert.ok(broker.alive());
  } finally {
    await steady?.stop();
    for (const c of stalled) c.close();
    await broker.stop();
  }
});
