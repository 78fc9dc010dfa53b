/**
 * kill -9 of the embedded broker under load from clients we did not write: Apache Kafka's
 * VerifiableProducer (acks=all, once plain with the tool's retries=0, once idempotent with
 * retries), @platformatic/kafka's idempotent producer, and a VerifiableConsumer group. The broker
 * runs in a child process on a fixed port and is killed 3-5 times at seeded random moments, then
 * started again on the same data folder. At the end the whole topic is read back:
 *
 * - every acknowledged record is at its acknowledged partition and offset, with its value;
 * - no value of an idempotent producer is in the log twice;
 * - commits acknowledged before a kill survive it, and no committed offset passes the log end;
 * - the consumer saw every acknowledged record at least once.
 *
 * FAULTS_SEED=<n> replays a kill schedule.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Admin, Producer, stringSerializers } from '@platformatic/kafka';
import { kafkaInstalled, KAFKA_LIBS } from '../../scripts/conformance/apache-kafka.ts';
import { committedOffsets } from '../../src/client/groups.ts';
import { ErrorCode } from '../../src/protocol/error-codes.ts';
import { decodeBatch, iterateBatches } from '../../src/protocol/records/index.ts';
import { RawClient } from '../support/raw-client.ts';
import { createTopic } from '../support/topic-data.ts';
import { Children, faultSeed, freePort, seededRandom, sleep, waitFor, type Child } from './fixtures/processes.ts';

const BROKER = join(import.meta.dirname, 'fixtures/broker-child.ts');
const VERIFIABLE_PRODUCER = 'org.apache.kafka.tools.VerifiableProducer';
const VERIFIABLE_CONSUMER = 'org.apache.kafka.tools.VerifiableConsumer';
const TOPIC = 'faults';
const GROUP = 'faults-group';
const PARTITIONS = 3;
/** Records a second from each Java producer. */
const THROUGHPUT = 200;

interface Ack {
  readonly partition: number;
  readonly offset: number;
  readonly value: string;
}

type Json = Record<string, unknown>;

function events(child: Child, from: number): { events: Json[]; next: number } {
  const out: Json[] = [];
  let i = from;
  // The last line may still be partial: the Child keeps it apart until its newline arrives.
  for (; i < child.lines.length; i++) {
    const line = child.lines[i] ?? '';
    if (line.startsWith('{')) out.push(JSON.parse(line) as Json);
  }
  return { events: out, next: i };
}

/** What a VerifiableProducer printed: its acknowledged records and its failed sends. */
class ProducerView {
  readonly acks: (Ack & { readonly timestamp: number })[] = [];
  errors = 0;
  firstError = '';
  private read = 0;

  constructor(readonly child: Child) {}

  update(): this {
    const { events: list, next } = events(this.child, this.read);
    this.read = next;
    for (const e of list) {
      if (e['name'] === 'producer_send_success') {
        this.acks.push({ partition: Number(e['partition']), offset: Number(e['offset']), value: String(e['value']), timestamp: Number(e['timestamp']) });
      } else if (e['name'] === 'producer_send_error') {
        this.errors++;
        this.firstError ||= `${String(e['exception'])}: ${String(e['message'])}`;
      }
    }
    return this;
  }
}

/** What the VerifiableConsumer printed: offsets consumed, commits made. */
class ConsumerView {
  readonly consumed = new Map<number, Set<number>>();
  /** Records consumed, re-reads included. */
  records = 0;
  /** Every successful commit, in order. */
  readonly commits: { partition: number; offset: number }[] = [];
  readonly highestCommit = new Map<number, number>();
  failedCommits = 0;
  assignments = 0;
  private read = 0;

  constructor(readonly child: Child) {}

  update(): this {
    const { events: list, next } = events(this.child, this.read);
    this.read = next;
    const ofTopic = (e: Json, key: string): Json[] => (Array.isArray(e[key]) ? (e[key] as Json[]).filter((x) => x['topic'] === TOPIC) : []);
    for (const e of list) {
      if (e['name'] === 'records_consumed') {
        for (const p of ofTopic(e, 'partitions')) {
          const [partition, count, min, max] = [p['partition'], p['count'], p['minOffset'], p['maxOffset']].map(Number) as [number, number, number, number];
          const set = this.consumed.get(partition) ?? new Set<number>();
          for (let o = min; o <= max; o++) set.add(o);
          this.consumed.set(partition, set);
          this.records += count;
        }
      } else if (e['name'] === 'offsets_committed') {
        if (e['success'] !== true) {
          this.failedCommits++;
          continue;
        }
        for (const o of ofTopic(e, 'offsets')) {
          const commit = { partition: Number(o['partition']), offset: Number(o['offset']) };
          this.commits.push(commit);
          this.highestCommit.set(commit.partition, Math.max(this.highestCommit.get(commit.partition) ?? 0, commit.offset));
        }
      } else if (e['name'] === 'partitions_assigned') {
        this.assignments++;
      }
    }
    return this;
  }

  distinct(): number {
    return [...this.consumed.values()].reduce((n, s) => n + s.size, 0);
  }
}

/** The whole topic through raw Fetch requests: partition -> offset -> value; every batch's CRC checked. */
async function readTopic(port: number): Promise<Map<number, Map<number, string>>> {
  const client = await RawClient.connect(port);
  const out = new Map<number, Map<number, string>>();
  try {
    for (let partition = 0; partition < PARTITIONS; partition++) {
      const seen = new Map<number, string>();
      out.set(partition, seen);
      for (let offset = 0n; ;) {
        const res = await client.request(1, 12, { replicaId: -1, maxBytes: 4 << 20, topics: [{ topic: TOPIC, partitions: [{ partition, fetchOffset: offset, partitionMaxBytes: 4 << 20 }] }] });
        const p = res.responses[0]?.partitions[0];
        assert.equal(p?.errorCode, ErrorCode.NONE, `fetch of partition ${partition} at ${offset}`);
        const records = p?.records ?? Buffer.alloc(0);
        if (records.length === 0) break;
        for (const b of iterateBatches(records, { allowPartialTail: true })) {
          const batch = await decodeBatch(records, { position: b.position, maxDecompressedBytes: 1 << 26 });
          for (const r of batch.records) {
            assert.ok(!seen.has(Number(r.offset)), `partition ${partition}: offset ${r.offset} served twice`);
            seen.set(Number(r.offset), r.value?.toString() ?? '');
          }
          offset = b.header.baseOffset + BigInt(b.header.lastOffsetDelta) + 1n;
        }
      }
    }
  } finally {
    client.close();
  }
  return out;
}

async function groupCommitted(bootstrap: string): Promise<Map<number, number>> {
  const admin = new Admin({ clientId: 'faults-check', bootstrapBrokers: [bootstrap], retries: 5, retryDelay: 200 });
  try {
    const byTopic = (await committedOffsets(admin, GROUP)).get(TOPIC) ?? new Map<number, bigint>();
    return new Map([...byTopic].map(([p, o]) => [p, Number(o)]));
  } finally {
    await admin.close();
  }
}

/**
 * @platformatic/kafka's idempotent producer, one record per send, in the test process. A failed
 * send is sent again with the same value: the producer keeps its sequence number for it, so the
 * broker must recognise it as a duplicate if the first try was written before the kill.
 */
function platformaticLoad(bootstrap: string, stopped: () => boolean): { acks: Ack[]; errors: () => number; done: Promise<void> } {
  const acks: Ack[] = [];
  let errors = 0;
  const producer = new Producer<string, string, string, string>({
    clientId: 'faults-platformatic',
    bootstrapBrokers: [bootstrap],
    idempotent: true,
    serializers: stringSerializers,
    retries: 10,
    retryDelay: 250,
    timeout: 10_000,
  });
  const done = (async () => {
    try {
      for (let n = 0; !stopped(); n++) {
        const value = `3.${n}`;
        const partition = n % PARTITIONS;
        // Bounded so that a producer that can no longer write ends the run with its errors counted.
        for (let attempt = 0; attempt < 100; attempt++) {
          try {
            const result = await producer.send({ messages: [{ topic: TOPIC, partition, value }] });
            const at = result.offsets?.find((o) => o.topic === TOPIC && o.partition === partition);
            assert.ok(at !== undefined, `no offset in the produce result ${JSON.stringify(result, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}`);
            acks.push({ partition, offset: Number(at.offset), value });
            break;
          } catch (error: unknown) {
            if (error instanceof assert.AssertionError) throw error;
            errors++;
            if (stopped()) return;
            await sleep(100);
          }
        }
        await sleep(5);
      }
    } finally {
      await producer.close();
    }
  })();
  return { acks, errors: () => errors, done };
}

test('kill -9 of the broker under load: acknowledged records and commits survive, idempotent producers write once', { timeout: 170_000 }, async (t) => {
  assert.ok(kafkaInstalled(), `Apache Kafka's Java tools are missing in ${KAFKA_LIBS}: run bash scripts/conformance/install.sh`);
  const seed = faultSeed();
  const random = seededRandom(seed);
  t.diagnostic(`seed ${seed} (FAULTS_SEED=${seed} replays the kill schedule)`);
  const kills = 3 + Math.floor(random() * 3);
  const dir = mkdtempSync(join(tmpdir(), 'sds-faults-broker-'));
  const dataDir = join(dir, 'data');
  const children = new Children();
  const started = performance.now();
  let stopping = false;
  let platformaticDone: Promise<void> | undefined;
  try {
    const port = await freePort();
    const bootstrap = `127.0.0.1:${port}`;
    const startBroker = async (): Promise<Child> => {
      const broker = children.node('broker', BROKER, [dataDir, String(port)]);
      await broker.line(/^READY \d+/, 60_000);
      return broker;
    };
    let broker = await startBroker();
    await createTopic(bootstrap, TOPIC, PARTITIONS);

    // Short reconnect backoffs: the broker is back within seconds, and the run is bounded.
    const common = ['reconnect.backoff.max.ms=500', 'retry.backoff.max.ms=500', 'request.timeout.ms=10000'];
    const plainConfig = join(dir, 'plain.properties');
    writeFileSync(plainConfig, [...common, 'enable.idempotence=false', 'acks=all'].join('\n'));
    const idempotentConfig = join(dir, 'idempotent.properties');
    writeFileSync(idempotentConfig, [...common, 'enable.idempotence=true', 'acks=all', 'retries=2147483647', 'max.in.flight.requests.per.connection=5', 'delivery.timeout.ms=120000'].join('\n'));
    const consumerConfig = join(dir, 'consumer.properties');
    writeFileSync(consumerConfig, common.join('\n'));

    const consumer = new ConsumerView(
      children.java('VerifiableConsumer', VERIFIABLE_CONSUMER, ['--bootstrap-server', bootstrap, '--topic', TOPIC, '--group-id', GROUP, '--reset-policy', 'earliest', '--consumer.config', consumerConfig]),
    );
    const producerArgs = (prefix: number, config: string): string[] => [
      '--bootstrap-server', bootstrap, '--topic', TOPIC, '--throughput', String(THROUGHPUT), '--max-messages', '-1', '--value-prefix', String(prefix), '--producer.config', config,
    ];
    const plain = new ProducerView(children.java('VerifiableProducer (plain)', VERIFIABLE_PRODUCER, producerArgs(1, plainConfig)));
    const idempotent = new ProducerView(children.java('VerifiableProducer (idempotent)', VERIFIABLE_PRODUCER, producerArgs(2, idempotentConfig)));
    const platformatic = platformaticLoad(bootstrap, () => stopping);
    platformaticDone = platformatic.done;
    const javaChildren = [consumer.child, plain.child, idempotent.child];
    const allAlive = (): void => javaChildren.forEach((c) => c.assertRunning());

    await waitFor('every client to have its first record acknowledged or consumed', () => {
      allAlive();
      return plain.update().acks.length > 0 && idempotent.update().acks.length > 0 && platformatic.acks.length > 0 && consumer.update().records > 0;
    }, 90_000);

    const survived: string[] = [];
    for (let k = 0; k < kills; k++) {
      await sleep(1500 + random() * 3500);
      allAlive();
      await broker.kill();
      // Commits acknowledged so far must survive the kill (the consumer only ever commits forward).
      const before = new Map(consumer.update().highestCommit);
      await sleep(random() * 1000);
      broker = await startBroker();
      const after = await groupCommitted(bootstrap);
      for (const [p, o] of before) assert.ok((after.get(p) ?? 0) >= o, `kill ${k + 1}: partition ${p} had a commit of ${o} acknowledged, the restarted broker has ${after.get(p) ?? 'none'}`);
      survived.push(JSON.stringify(Object.fromEntries(before)));
    }
    const lastRestart = Date.now();

    // The load goes on after the last restart: each producer gets acknowledgements again.
    await waitFor('acknowledgements after the last restart', () => {
      allAlive();
      const since = (v: ProducerView): boolean => v.update().acks.some((a) => a.timestamp > lastRestart + 1000);
      return since(plain) && since(idempotent);
    }, 60_000, () => `plain: ${plain.acks.length} acks, ${plain.errors} errors (${plain.firstError}); idempotent: ${idempotent.acks.length} acks, ${idempotent.errors} errors (${idempotent.firstError})`);
    const platformaticBefore = platformatic.acks.length;
    await waitFor('@platformatic/kafka acknowledgements after the last restart', () => platformatic.acks.length > platformaticBefore, 60_000);

    // SIGTERM: the tools flush, print their last acknowledgements and exit.
    stopping = true;
    await Promise.all([plain.child.stop(), idempotent.child.stop(), platformatic.done]);
    plain.update();
    idempotent.update();

    const stored = await readTopic(port);
    const logEnd = new Map([...stored].map(([p, records]) => [p, records.size]));
    for (const [p, records] of stored) {
      for (let o = 0; o < records.size; o++) assert.ok(records.has(o), `partition ${p}: offset ${o} missing below the log end ${records.size}`);
    }

    // The consumer reads and commits up to the log end.
    await waitFor('the consumer to commit the log end of every partition', () => {
      consumer.child.assertRunning();
      consumer.update();
      return [...logEnd].every(([p, end]) => (consumer.highestCommit.get(p) ?? 0) >= end);
    }, 60_000, () => `committed ${JSON.stringify([...consumer.highestCommit])}, log end ${JSON.stringify([...logEnd])}`);
    await consumer.child.stop();
    consumer.update();
    const finalCommitted = await groupCommitted(bootstrap);

    const sources: [string, readonly Ack[]][] = [['plain VerifiableProducer', plain.acks], ['idempotent VerifiableProducer', idempotent.acks], ['@platformatic/kafka', platformatic.acks]];
    for (const [name, acks] of sources) {
      for (const a of acks) assert.equal(stored.get(a.partition)?.get(a.offset), a.value, `${name}: acknowledged ${a.value} at ${a.partition}/${a.offset} is not there`);
    }

    const counts = new Map<string, number>();
    for (const records of stored.values()) for (const v of records.values()) counts.set(v, (counts.get(v) ?? 0) + 1);
    const twice = (prefix: string): string[] => [...counts].filter(([v, n]) => v.startsWith(prefix) && n > 1).map(([v]) => v);
    assert.deepEqual(twice('2.'), [], 'values of the idempotent VerifiableProducer written twice');
    assert.deepEqual(twice('3.'), [], 'values of the idempotent @platformatic/kafka producer written twice');

    for (const c of consumer.commits) assert.ok(c.offset <= (logEnd.get(c.partition) ?? 0), `a commit of ${c.offset} on partition ${c.partition} passes the log end ${logEnd.get(c.partition)}`);
    for (const [p, end] of logEnd) assert.equal(finalCommitted.get(p) ?? 0, end, `partition ${p}: the group's committed offset is the log end`);
    const unseen = sources.flatMap(([, acks]) => acks).filter((a) => consumer.consumed.get(a.partition)?.has(a.offset) !== true);
    assert.equal(unseen.length, 0, `acknowledged records the consumer never saw, first: ${JSON.stringify(unseen[0])}`);

    const stats = {
      seconds: Math.round((performance.now() - started) / 1000),
      kills,
      records: [...logEnd.values()].reduce((n, e) => n + e, 0),
      plain: { acked: plain.acks.length, errors: plain.errors, duplicates: twice('1.').length },
      idempotent: { acked: idempotent.acks.length, errors: idempotent.errors },
      platformatic: { acked: platformatic.acks.length, errors: platformatic.errors() },
      consumer: { records: consumer.records, reread: consumer.records - consumer.distinct(), commits: consumer.commits.length, failedCommits: consumer.failedCommits, assignments: consumer.assignments },
    };
    t.diagnostic(JSON.stringify(stats));
    t.diagnostic(`highest commits before each kill: ${survived.join(' ')}`);
    if (idempotent.errors > 0) t.diagnostic(`idempotent VerifiableProducer, first send error: ${idempotent.firstError}`);
    assert.ok(plain.acks.length > 500 && idempotent.acks.length > 500 && platformatic.acks.length > 50, `too little load: ${JSON.stringify(stats)}`);
  } finally {
    stopping = true;
    await children.killAll();
    // Its sends fail at once with the broker gone; closing it lets the test process exit.
    await platformaticDone?.catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
});
