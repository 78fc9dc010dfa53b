/**
 * kill -9 of the local stand-ins for the managed services, under load:
 *
 * - the local Firehose, in a child process taking PutRecordBatch calls from the AWS SDK without
 *   pause, is killed 3-5 times and started again on the same folder and port; after the last
 *   restart and a clean stop every acknowledged record is in the bucket's objects at least once;
 * - an event source mapping (function host and poller, as `sds up` runs them), in a child
 *   process consuming a topic of the embedded broker while records keep arriving, is killed 3-5
 *   times and started again; every record is handled at least once, and no committed offset is
 *   ever ahead of what the handler has seen.
 *
 * Duplicates are allowed (at least once) and reported. FAULTS_SEED=<n> replays a kill schedule.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { Admin, Producer, stringSerializers } from '@platformatic/kafka';
import { startBroker } from '../../src/broker/broker.ts';
import { committedOffsets } from '../../src/client/groups.ts';
import { FileBucket, TEMP_PREFIX } from '../../src/runtime/object-store/file-bucket.ts';
import { createTopic } from '../support/topic-data.ts';
import { Children, faultSeed, freePort, seededRandom, sleep, waitFor, type Child } from './fixtures/processes.ts';

const FIREHOSE = join(import.meta.dirname, 'fixtures/firehose-child.ts');
const MAPPING = join(import.meta.dirname, 'fixtures/mapping-child.ts');

test('kill -9 of the local Firehose under load: every acknowledged record reaches the bucket', { timeout: 170_000 }, async (t) => {
  const seed = faultSeed();
  const random = seededRandom(seed);
  t.diagnostic(`seed ${seed} (FAULTS_SEED=${seed} replays the kill schedule)`);
  const kills = 3 + Math.floor(random() * 3);
  const dir = mkdtempSync(join(tmpdir(), 'sds-faults-firehose-'));
  const children = new Children();
  let stopping = false;
  const senders: Promise<void>[] = [];
  let client: FirehoseClient | undefined;
  try {
    const port = await freePort();
    const start = async (): Promise<Child> => {
      const child = children.node('firehose', FIREHOSE, [dir, String(port)]);
      await child.line(/^ENDPOINT \S+/, 60_000);
      return child;
    };
    let firehose = await start();
    // One attempt per call: a call either is answered or failed, and only answers acknowledge.
    client = new FirehoseClient({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
      requestHandler: { connectionTimeout: 2000, requestTimeout: 15_000 },
    });
    const acked = new Set<string>();
    const stats = { calls: 0, failedCalls: 0, refused: 0 };
    for (let s = 0; s < 3; s++) {
      const firehoseClient = client;
      senders.push((async () => {
        for (let n = 0; !stopping; n++) {
          const records = Array.from({ length: 100 }, (_, i) => `s${s}.${n}.${i}`);
          stats.calls++;
          try {
            const answer = await firehoseClient.send(new PutRecordBatchCommand({ DeliveryStreamName: 'faults', Records: records.map((r) => ({ Data: Buffer.from(`${r}\n`) })) }));
            (answer.RequestResponses ?? []).forEach((r, i) => {
              const record = records[i];
              if (r.RecordId !== undefined && r.ErrorCode === undefined && record !== undefined) acked.add(record);
              else stats.refused++;
            });
          } catch {
            stats.failedCalls++;
            await sleep(50);
          }
        }
      })());
    }

    const bucketDir = join(dir, 'buckets', 'faults-bucket');
    const objectFiles = (): number =>
      existsSync(bucketDir) ? readdirSync(bucketDir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && !e.name.startsWith(TEMP_PREFIX)).length : 0;
    let landingKills = 0;
    await waitFor('the first acknowledged records', () => acked.size > 0, 60_000);
    for (let k = 0; k < kills; k++) {
      await sleep(1000 + random() * 2500);
      if (random() < 0.5) {
        // Some kills as soon as an object lands: before the journal's checkpoint moves past its
        // records, so that the restart delivers them again.
        landingKills++;
        const seen = objectFiles();
        const deadline = Date.now() + 10_000;
        while (objectFiles() === seen && Date.now() < deadline) await sleep(1);
      }
      firehose.assertRunning();
      await firehose.kill();
      await sleep(random() * 500);
      firehose = await start();
    }
    const afterLast = acked.size;
    await waitFor('acknowledgements after the last restart', () => acked.size >= afterLast + 1000, 60_000);
    stopping = true;
    await Promise.all(senders);

    // SIGTERM: the stream writes what it buffers, then the process exits 0.
    await firehose.stop(30_000);
    assert.equal(firehose.proc.exitCode, 0, `the local Firehose did not stop cleanly: ${firehose.stderr()}`);

    const bucket = new FileBucket(join(dir, 'buckets', 'faults-bucket'));
    const counts = new Map<string, number>();
    let objects = 0;
    let token: string | undefined;
    do {
      const page = await bucket.list('', token === undefined ? {} : { token });
      for (const o of page.objects) {
        objects++;
        for (const line of gunzipSync(await bucket.get(o.key)).toString('utf8').split('\n')) {
          if (line !== '') counts.set(line, (counts.get(line) ?? 0) + 1);
        }
      }
      token = page.nextToken;
    } while (token !== undefined);

    const missing = [...acked].filter((r) => !counts.has(r));
    const duplicates = [...counts.values()].reduce((n, c) => n + c - 1, 0);
    const unacknowledged = [...counts.keys()].filter((r) => !acked.has(r)).length;
    t.diagnostic(JSON.stringify({ kills, landingKills, acked: acked.size, inBucket: counts.size, objects, duplicates, unacknowledgedInBucket: unacknowledged, ...stats }));
    assert.equal(missing.length, 0, `${missing.length} acknowledged record(s) not in the bucket, first: ${missing[0]}`);
    assert.ok(acked.size >= 2000, `too little load: ${acked.size} records acknowledged`);
  } finally {
    stopping = true;
    await children.killAll();
    await Promise.allSettled(senders);
    client?.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
});

const TOPIC = 'esm-faults';
const PARTITIONS = 3;

/** "partition:offset" of every line of the handler's file; a torn last line is skipped. */
function handledLines(file: string): string[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter((l) => /^\d+:\d+$/.test(l));
}

/** Bytes the handler has written so far: cheap to poll for progress. */
function handledBytes(file: string): number {
  return existsSync(file) ? statSync(file).size : 0;
}

async function groupCommitted(bootstrap: string, group: string): Promise<Map<number, number>> {
  const admin = new Admin({ clientId: 'faults-check', bootstrapBrokers: [bootstrap] });
  try {
    const byTopic = (await committedOffsets(admin, group)).get(TOPIC) ?? new Map<number, bigint>();
    return new Map([...byTopic].map(([p, o]) => [p, Number(o)]));
  } finally {
    await admin.close();
  }
}

/** The first offset below `committed` that the handler has not seen, if any. */
function unhandledBelow(committed: ReadonlyMap<number, number>, handled: ReadonlySet<string>): string | undefined {
  for (const [p, end] of committed) {
    for (let o = 0; o < end; o++) if (!handled.has(`${p}:${o}`)) return `${p}:${o} (committed ${end})`;
  }
  return undefined;
}

test('kill -9 of an event source mapping under load: every record handled at least once, commits never ahead', { timeout: 170_000 }, async (t) => {
  const seed = faultSeed();
  const random = seededRandom(seed);
  t.diagnostic(`seed ${seed} (FAULTS_SEED=${seed} replays the kill schedule)`);
  const kills = 3 + Math.floor(random() * 3);
  const dir = mkdtempSync(join(tmpdir(), 'sds-faults-esm-'));
  const handledFile = join(dir, 'handled.txt');
  const broker = await startBroker({ port: 0, dataDir: join(dir, 'broker'), config: { groupInitialRebalanceDelayMs: 0 } });
  const children = new Children();
  let stopping = false;
  let producing: Promise<void> | undefined;
  let watching: Promise<void> | undefined;
  try {
    await createTopic(broker.bootstrap, TOPIC, PARTITIONS);
    // Ten records a send, each send to one partition: the acknowledged offsets are base..base+9.
    const produced = new Map<number, number>();
    const producer = new Producer<string, string, string, string>({ clientId: 'faults-producer', bootstrapBrokers: [broker.bootstrap], serializers: stringSerializers });
    producing = (async () => {
      try {
        for (let n = 0; !stopping; n++) {
          const partition = n % PARTITIONS;
          const result = await producer.send({ acks: -1, messages: Array.from({ length: 10 }, (_, i) => ({ topic: TOPIC, partition, value: `${n}.${i}` })) });
          const base = Number(result.offsets?.find((o) => o.partition === partition)?.offset ?? -1);
          assert.ok(base >= 0, 'no offset in the produce result');
          produced.set(partition, Math.max(produced.get(partition) ?? 0, base + 10));
          await sleep(10);
        }
      } finally {
        await producer.close();
      }
    })();

    const start = async (): Promise<{ child: Child; group: string }> => {
      const child = children.node('mapping', MAPPING, [broker.bootstrap, join(dir, 'state'), TOPIC, handledFile]);
      const ready = await child.line(/^READY (\S+)/, 60_000);
      return { child, group: ready[1] ?? '' };
    };
    let { child: mapping, group } = await start();

    // Commits are checked against the handler's file all along: read the commit first, then the
    // file, so that the file is at least as recent as the commit.
    const violations: string[] = [];
    let checks = 0;
    watching = (async () => {
      while (!stopping) {
        try {
          const committed = await groupCommitted(broker.bootstrap, group);
          const gap = unhandledBelow(committed, new Set(handledLines(handledFile)));
          checks++;
          if (gap !== undefined) violations.push(gap);
        } catch {
          // The admin client may fail while a member joins: the next round checks again.
        }
        await sleep(250);
      }
    })();

    for (let k = 0; k < kills; k++) {
      // Kill once it makes progress again, at a random moment after that.
      const before = handledBytes(handledFile);
      await waitFor(`the mapping to handle records after start ${k + 1}`, () => {
        mapping.assertRunning();
        return handledBytes(handledFile) > before;
      }, 60_000);
      await sleep(300 + random() * 2500);
      mapping.assertRunning();
      await mapping.kill();
      ({ child: mapping, group } = await start());
    }
    const lastStart = handledBytes(handledFile);
    await waitFor('the mapping to handle records after the last restart', () => {
      mapping.assertRunning();
      return handledBytes(handledFile) > lastStart + 2000;
    }, 60_000);
    stopping = true;
    await Promise.all([producing, watching]);

    const ends = new Map(produced);
    let handled = new Set<string>();
    await waitFor('every record handled and its offset committed', async () => {
      mapping.assertRunning();
      handled = new Set(handledLines(handledFile));
      const committed = await groupCommitted(broker.bootstrap, group);
      return [...ends].every(([p, end]) => committed.get(p) === end) && unhandledBelow(ends, handled) === undefined;
    }, 90_000, () => `handled ${handled.size} of ${[...ends.values()].reduce((n, e) => n + e, 0)}, first missing ${unhandledBelow(ends, handled) ?? 'none'}`);
    const finalCommitted = await groupCommitted(broker.bootstrap, group);
    await mapping.kill();

    const lines = handledLines(handledFile);
    const total = [...ends.values()].reduce((n, e) => n + e, 0);
    t.diagnostic(JSON.stringify({ kills, produced: total, handled: lines.length, distinct: new Set(lines).size, duplicates: lines.length - new Set(lines).size, commitChecks: checks }));
    assert.deepEqual(violations, [], 'committed offsets ahead of what the handler had seen');
    for (const [p, end] of ends) assert.equal(finalCommitted.get(p), end, `partition ${p}: committed offset at the log end`);
    assert.equal(unhandledBelow(ends, new Set(lines)), undefined, 'a record never handled');
    assert.ok(total >= 1000, `too little load: ${total} records`);
  } finally {
    stopping = true;
    await children.killAll();
    await Promise.allSettled([producing, watching]);
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
