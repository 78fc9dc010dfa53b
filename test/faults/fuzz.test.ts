/**
 * Protocol fuzzing over TCP against a broker in a child process. The seeds are the request
 * frames captured from real clients (test/fixtures/kafka/<client>/*.bin, listed by each
 * folder's manifest.json); each input is one to three seeded mutations of one of them (bit
 * flips, truncation, insertions, deletions, repeats, splices, edge values in lengths and
 * counts, API keys and versions, lying size prefixes, record batches damaged behind a fixed
 * CRC). Every input goes on a fresh connection, followed by a clean ApiVersions request; the
 * broker must answer both with well-formed responses, or close the connection, and never crash
 * or grow its memory without bound. SDS_FUZZ_SEED and SDS_FUZZ_ITERATIONS change the run;
 * inputs of a failing run are written to test-output/fuzz/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { FrameDecoder, decodeRequestBody, decodeResponse, encodeRequest, isKnownApiKey, readRequestFrame } from '../../src/protocol/frame.ts';
import { API_SPECS } from '../../src/protocol/generated/apis.ts';
import { DEFAULT_BROKER_CONFIG } from '../../src/broker/config.ts';
import type { CaptureManifest } from '../support/capture-manifest.ts';
import { RawClient } from '../support/raw-client.ts';
import { startBrokerProcess, type BrokerProcess } from './support/broker-process.ts';
import { MB, ProcessSampler, fdCount, rssBytes } from './support/proc.ts';
import { createTopic, probe, produce } from './support/kafka.ts';
import { Random, mutate, type FuzzInput, type Seed } from './support/mutations.ts';
import { bombBatch, lz4Bomb, zstdBomb } from './support/bombs.ts';

const SEED = Number(process.env.SDS_FUZZ_SEED ?? 0x5d5f022);
const ITERATIONS = Number(process.env.SDS_FUZZ_ITERATIONS ?? 20000);
const PARALLEL = 16;
/** The run stops early (and says so) rather than pass the test's timeout. */
const BUDGET_MS = 100_000;
const OUTPUT = resolve('test-output/fuzz');
const FIXTURES = join(import.meta.dirname, '../fixtures/kafka');
const PROBE_ID = 0x7eadbeef;
const PROBE = encodeRequest(18, 3, PROBE_ID, 'fuzz-probe', { clientSoftwareName: 'fuzz', clientSoftwareVersion: '1' });
/** Requests that may rightly wait longer than a fuzz round: long polls and group rebalances. */
const MAY_WAIT = new Set([1, 11, 14]);
/**
 * Well-formed CreateTopics and CreatePartitions requests asking for more partitions than this,
 * but no more than the broker's limit, are not sent: the broker would rightly create them, at
 * about 2 ms and one open file each, so a mutated count of 9,000 takes half a minute. Counts
 * past the limit are sent: the broker must refuse them at once.
 */
const MAX_NEW_PARTITIONS = 64;

function loadSeeds(): Seed[] {
  const seeds: Seed[] = [];
  for (const client of readdirSync(FIXTURES).sort()) {
    const manifest = JSON.parse(readFileSync(join(FIXTURES, client, 'manifest.json'), 'utf8')) as CaptureManifest;
    for (const f of manifest.fixtures) seeds.push({ name: `${client}/${f.file}`, frame: readFileSync(join(FIXTURES, client, f.file)) });
  }
  return seeds;
}

type Outcome = 'answered' | 'closed' | 'waiting';

/** A connection that collects answer frames; a frame the decoder refuses counts as a malformed answer. */
class FuzzConnection {
  readonly frames: Buffer[] = [];
  closed = false;
  malformed: string | undefined;
  private readonly decoder = new FrameDecoder(256 * MB);
  private wake: (() => void) | undefined;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      try {
        this.frames.push(...this.decoder.push(chunk));
      } catch (e: unknown) {
        this.malformed = `undecodable answer framing: ${String(e)}`;
        socket.destroy();
      }
      this.wake?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
    socket.on('error', () => undefined);
  }

  static open(port: number): Promise<FuzzConnection> {
    return new Promise((ok, fail) => {
      const socket = connect({ port, host: '127.0.0.1' }, () => ok(new FuzzConnection(socket)));
      socket.once('error', fail);
    });
  }

  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** Waits until `done` holds, the connection closes, or the time is up. */
  async until(done: () => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done() && !this.closed && Date.now() < deadline) {
      await new Promise<void>((r) => {
        this.wake = r;
        setTimeout(r, Math.min(50, Math.max(1, deadline - Date.now())));
      });
    }
    this.wake = undefined;
  }

  close(): void {
    this.socket.destroy();
  }
}

/** What the broker should make of a frame: its header as the broker reads it, if it can. */
function headerOf(frame: Buffer): { apiKey: number; version: number; correlationId: number } | undefined {
  try {
    const { header } = readRequestFrame(frame);
    return { apiKey: header.requestApiKey, version: header.requestApiVersion, correlationId: header.correlationId };
  } catch {
    return undefined;
  }
}

/** Decodes an answer to the request `h`; a problem as text, or undefined when it is well formed. */
function answerProblem(h: { apiKey: number; version: number; correlationId: number }, frame: Buffer): string | undefined {
  if (!isKnownApiKey(h.apiKey)) return `an answer to unknown API key ${h.apiKey}`;
  const attempts = h.apiKey === 18 ? [h.version, 0] : [h.version]; // ApiVersions refuses a version in the v0 form
  let last = '';
  for (const version of attempts) {
    try {
      const { correlationId } = decodeResponse(h.apiKey, version, frame);
      if (correlationId !== h.correlationId) return `correlation id ${correlationId}, expected ${h.correlationId}`;
      return undefined;
    } catch (e: unknown) {
      last = String(e);
    }
  }
  return `${API_SPECS[h.apiKey].name} v${h.version} answer does not decode: ${last}`;
}

/**
 * Sends one input and the probe; resolves the outcome, or throws with what was wrong. A
 * well-framed input must be answered (unless it is an acks=0 Produce) and then the probe, or
 * the connection closed. A lying size prefix may leave the broker waiting for bytes that never
 * come: then only the absence of malformed answers is checked.
 */
async function exercise(port: number, input: FuzzInput): Promise<Outcome> {
  const conn = await FuzzConnection.open(port);
  try {
    conn.write(input.bytes);
    conn.write(PROBE);
    const probed = (): boolean => conn.frames.some((f) => f.length >= 4 && f.readInt32BE(0) === PROBE_ID);
    if (!input.framed) {
      await conn.until(probed, 1_000);
      if (conn.malformed !== undefined) throw new Error(conn.malformed);
      return probed() ? 'answered' : conn.closed ? 'closed' : 'waiting';
    }
    const h = headerOf(input.bytes.subarray(4));
    const mayWait = h !== undefined && MAY_WAIT.has(h.apiKey);
    await conn.until(probed, mayWait ? 3_000 : 10_000);
    if (conn.malformed !== undefined) throw new Error(conn.malformed);
    if (!probed()) {
      if (conn.closed) return 'closed';
      if (mayWait) return 'waiting';
      throw new Error(`neither answered nor closed after 10 s (${conn.frames.length} answers)`);
    }
    const before = conn.frames.findIndex((f) => f.readInt32BE(0) === PROBE_ID);
    if (before > 1) throw new Error(`${before} answers to one request`);
    const probeProblem = answerProblem({ apiKey: 18, version: 3, correlationId: PROBE_ID }, conn.frames[before] as Buffer);
    if (probeProblem !== undefined) throw new Error(`the probe's answer: ${probeProblem}`);
    if (before === 1) {
      if (h === undefined) throw new Error('an answer to a request whose header does not decode');
      const problem = answerProblem(h, conn.frames[0] as Buffer);
      if (problem !== undefined) throw new Error(problem);
    } else if (h !== undefined && h.apiKey !== 0 && h.correlationId !== PROBE_ID) {
      // Only an acks=0 Produce goes unanswered.
      throw new Error(`${isKnownApiKey(h.apiKey) ? API_SPECS[h.apiKey].name : h.apiKey} request served without an answer`);
    }
    return 'answered';
  } finally {
    conn.close();
  }
}

/** Partitions each request in `bytes` would create, read as the broker reads them. */
function partitionsCreated(bytes: Buffer): number[] {
  const counts: number[] = [];
  let frames: Buffer[];
  try {
    frames = new FrameDecoder(1 << 30).push(bytes);
  } catch {
    return counts;
  }
  for (const frame of frames) {
    try {
      const { header, body } = readRequestFrame(frame);
      const version = header.requestApiVersion;
      if (header.requestApiKey === 19) counts.push(decodeRequestBody(19, version, body).topics.reduce((n, t) => n + Math.max(t.numPartitions, t.assignments.length), 0));
      if (header.requestApiKey === 37) counts.push(decodeRequestBody(37, version, body).topics.reduce((n, t) => n + t.count, 0));
    } catch {
      // not decodable: the broker will refuse it
    }
  }
  return counts;
}

/** Writes the inputs to test-output/fuzz/ for a person to replay; returns the folder. */
function record(label: string, inputs: { iteration: number; input: FuzzInput; error?: string }[], stderr: string): string {
  const dir = join(OUTPUT, `${label}-seed-${SEED}`);
  mkdirSync(dir, { recursive: true });
  for (const { iteration, input } of inputs) writeFileSync(join(dir, `input-${iteration}.bin`), input.bytes);
  const summary = inputs.map(({ iteration, input, error }) => ({ iteration, description: input.description, framed: input.framed, error, hex: input.bytes.toString('hex') }));
  writeFileSync(join(dir, 'inputs.json'), JSON.stringify({ seed: SEED, inputs: summary }, null, 2));
  writeFileSync(join(dir, 'broker-stderr.txt'), stderr);
  return dir;
}

/** Topics and a group the captured requests name, so that mutated requests reach deep into the handlers. */
async function prepare(broker: BrokerProcess): Promise<void> {
  for (const client of ['kafkajs', 'kcat', 'platformatic']) await createTopic(broker.port, `capture-${client}`, 1);
}

test(`${ITERATIONS} mutated captured requests never crash the broker, each is answered or closed, memory stays bounded`, { timeout: 180_000 }, async (t) => {
  const seeds = loadSeeds();
  assert.ok(seeds.length >= 40, `${seeds.length} captured frames`);
  // Short group timeouts, so fuzzed JoinGroups do not hold groups for long.
  const broker = await startBrokerProcess({ config: { groupInitialRebalanceDelayMs: 0, groupMaxSessionTimeoutMs: 10_000, idleTimeoutMs: 20_000 } });
  const sampler = new ProcessSampler(broker.pid, 500);
  const failures: { iteration: number; input: FuzzInput; error: string }[] = [];
  const outcomes: Record<Outcome, number> = { answered: 0, closed: 0, waiting: 0 };
  const inFlight = new Map<number, FuzzInput>();
  let crashed: { iteration: number; input: FuzzInput }[] | undefined;
  let next = 0;
  let skipped = 0;
  let rssWarm = 0;
  let fdsWarm = 0;
  const started = Date.now();
  try {
    await prepare(broker);
    const worker = async (): Promise<void> => {
      while (next < ITERATIONS && crashed === undefined && Date.now() - started < BUDGET_MS) {
        const iteration = next++;
        if (iteration === 300) [rssWarm, fdsWarm] = [rssBytes(broker.pid), fdCount(broker.pid)];
        // Each input comes from its own generator: (seed, iteration) reproduces it alone.
        const input = mutate(seeds, new Random(SEED ^ Math.imul(iteration + 1, 0x9e3779b1)));
        if (partitionsCreated(input.bytes).some((n) => n > MAX_NEW_PARTITIONS && n <= DEFAULT_BROKER_CONFIG.maxPartitions)) {
          skipped++;
          continue;
        }
        inFlight.set(iteration, input);
        try {
          outcomes[await exercise(broker.port, input)]++;
        } catch (e: unknown) {
          if (broker.alive()) failures.push({ iteration, input, error: e instanceof Error ? e.message : String(e) });
        }
        if (!broker.alive()) crashed ??= [...inFlight].map(([i, inp]) => ({ iteration: i, input: inp }));
        inFlight.delete(iteration);
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
    const elapsed = Date.now() - started;
    if (crashed !== undefined) {
      const dir = record('crash', crashed, broker.stderr());
      assert.fail(`the broker died; the inputs in flight are in ${dir}:\n${broker.stderr().slice(-3000)}`);
    }
    // Closed connections are released, long polls end: then the broker must be as it was.
    await new Promise((r) => setTimeout(r, 3_000));
    const latency = await probe(broker.port).catch((e: unknown) => {
      const dir = record('after-run', [...failures], broker.stderr());
      return assert.fail(`a clean client was refused after the run (broker log in ${dir}): ${String(e)}`);
    });
    const rssEnd = rssBytes(broker.pid);
    const fdsEnd = fdCount(broker.pid);
    sampler.stop();
    t.diagnostic(`seed ${SEED}: ${next} of ${ITERATIONS} inputs from ${seeds.length} captured frames in ${(elapsed / 1000).toFixed(1)} s; answered ${outcomes.answered}, closed ${outcomes.closed}, still waiting ${outcomes.waiting}, failed ${failures.length}; not sent (too many partitions) ${skipped}`);
    t.diagnostic(`RSS MB after warm-up ${(rssWarm / MB).toFixed(0)}, max ${(sampler.maxRss() / MB).toFixed(0)}, end ${(rssEnd / MB).toFixed(0)}; a clean ApiVersions+Metadata after the run took ${latency} ms; fds ${fdsWarm} after warm-up, ${fdsEnd} at the end`);
    if (failures.length > 0) {
      const dir = record('failures', failures, broker.stderr());
      assert.fail(`${failures.length} inputs were mishandled (written to ${dir}), first: ${failures[0]?.input.description}: ${failures[0]?.error}`);
    }
    // Past the warm-up sample; how many more fit the budget depends on the machine.
    assert.ok(next > 300, `only ${next} inputs within the time budget`);
    assert.ok(outcomes.answered > 0 && outcomes.closed > 0, 'both answers and closed connections were seen');
    assert.ok(rssEnd - rssWarm < 100 * MB, `RSS grew ${((rssEnd - rssWarm) / MB).toFixed(0)} MB after warm-up`);
    assert.ok(sampler.maxRss() - rssWarm < 300 * MB, `RSS peaked ${((sampler.maxRss() - rssWarm) / MB).toFixed(0)} MB above warm-up`);
  } finally {
    sampler.stop();
    await broker.stop();
  }
});

test('decompression bombs stored through Produce and inflated by a timestamp lookup are refused before they fill memory', { timeout: 120_000 }, async (t) => {
  const broker = await startBrokerProcess();
  const client = await RawClient.connect(broker.port).catch(async (e: unknown) => {
    await broker.stop();
    throw e;
  });
  try {
    // Each bomb fits under message.max.bytes (1 MB) but inflates to GiBs (zstd) or ~240 MiB (LZ4).
    const bombs = [
      { name: 'zstd', codec: 4, payload: zstdBomb(2 * 1024 * MB) },
      { name: 'lz4', codec: 3, payload: lz4Bomb(60) },
    ];
    const rssBefore = rssBytes(broker.pid);
    const sampler = new ProcessSampler(broker.pid, 100);
    for (const bomb of bombs) {
      const topic = `bomb-${bomb.name}`;
      await createTopic(broker.port, topic, 1);
      await produce(client, topic, 0, await bombBatch(bomb.codec, bomb.payload, 1000));
      // ListOffsets by timestamp inflates the batch to find the first record at that time.
      for (const timestamp of [-3n, 1n]) {
        const lookup = await RawClient.connect(broker.port);
        try {
          const res = await lookup.request(2, 7, { replicaId: -1, isolationLevel: 0, topics: [{ name: topic, partitions: [{ partitionIndex: 0, timestamp }] }] });
          t.diagnostic(`${bomb.name} (${bomb.payload.length} bytes), timestamp ${timestamp}: error code ${res.topics[0]?.partitions[0]?.errorCode}`);
        } catch (e: unknown) {
          t.diagnostic(`${bomb.name}, timestamp ${timestamp}: ${String(e)}`);
        } finally {
          lookup.close();
        }
        assert.ok(broker.alive(), `the broker survived the ${bomb.name} bomb:\n${broker.stderr().slice(-2000)}`);
      }
    }
    sampler.stop();
    const growth = (sampler.maxRss() - rssBefore) / MB;
    t.diagnostic(`broker RSS ${(rssBefore / MB).toFixed(0)} MB before, peak growth ${growth.toFixed(0)} MB`);
    await probe(broker.port);
    assert.ok(growth < 100, `RSS peaked ${growth.toFixed(0)} MB above its start`);
  } finally {
    client.close();
    await broker.stop();
  }
});
