// Consumer groups whose members come from different client libraries: the classic protocol lets
// kafka-python, kcat (librdkafka) and @platformatic/kafka share one group as long as they offer a
// common assignor (roundrobin is the only one all three have), and the leader's assignor then
// decides for everyone. And a kafkajs group that grows and shrinks.
//
// Members report what they own (rebalance callbacks, kcat's "% Group … rebalanced" lines,
// platformatic's and kafkajs' join events); the broker's view (DescribeGroups) is read too. What
// is observed is what any correct coordinator gives: member and partition counts, the protocol,
// group states once settled, committed offsets. Which member gets which partitions is not
// observed: member ids are random, and roundrobin orders members by id.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Consumer, stringDeserializers } from '@platformatic/kafka';
import { AssignerProtocol, Partitioners } from 'kafkajs';
import type { Admin, Consumer as KafkajsConsumer, Kafka } from 'kafkajs';
import { REPO_ROOT } from '../../../scripts/conformance/apache-kafka.ts';
import { signal as signalChild, stopChild } from '../../../scripts/conformance/process.ts';
import { expect, expectEqual, retrying, setup, waitFor } from '../scenario.ts';
import type { Scenario, ScenarioContext } from '../scenario.ts';
import { kafkaPython, versions } from '../versions.ts';
import { KAFKAJS, kafkajsClient } from './kafkajs.ts';
import { PLATFORMATIC } from './platformatic.ts';

const PYTHON_MEMBER = join(REPO_ROOT, 'test/conformance/peers/kafka_python_group_member.py');
const PARTITIONS = 6;
const PER_PARTITION = 5;
/** Kafka's group.min.session.timeout.ms: a dead member is noticed as soon as Kafka allows. */
const SESSION_TIMEOUT_MS = 6000;
/** Bounds each wait for a group to settle after a member came or went. */
const SETTLE_MS = 45_000;

// ---------------------------------------------------------------------------------------------
// Who owns what, and who read what, as the members report it.

class Ownership {
  private readonly owned = new Map<string, ReadonlySet<number>>();

  set(member: string, partitions: Iterable<number>): void {
    this.owned.set(member, new Set(partitions));
  }

  /** A member that is gone (killed, closed) owns nothing, whatever it said last. */
  drop(member: string): void {
    this.owned.delete(member);
  }

  of(member: string): number[] {
    return [...(this.owned.get(member) ?? [])].sort((a, b) => a - b);
  }

  /** True when each of `members` owns some partitions, no one else owns any, and every partition has exactly one owner. */
  settled(members: readonly string[], partitions: number): boolean {
    const seen = new Set<number>();
    for (const [member, set] of this.owned) {
      if (set.size === 0) continue;
      if (!members.includes(member)) return false;
      for (const p of set) {
        if (seen.has(p)) return false;
        seen.add(p);
      }
    }
    return members.every((m) => (this.owned.get(m)?.size ?? 0) > 0) && seen.size === partitions && [...seen].every((p) => p >= 0 && p < partitions);
  }

  ownerOf(partition: number): string | undefined {
    for (const [member, set] of this.owned) if (set.has(partition)) return member;
    return undefined;
  }

  describe(): string {
    return JSON.stringify(Object.fromEntries([...this.owned].map(([m, s]) => [m, [...s].sort((a, b) => a - b)])));
  }
}

/** Waits until `who` share the partitions, as they report it; the error tells who owned what then. */
async function settled(ctx: ScenarioContext, owners: Ownership, who: readonly string[], what: string, timeoutMs = SETTLE_MS): Promise<void> {
  try {
    await waitFor(() => owners.settled(who, PARTITIONS), timeoutMs, what, ctx.signal);
  } catch (error) {
    throw new Error(`${error instanceof Error ? error.message : String(error)} (owners: ${owners.describe()})`, { cause: error });
  }
}

class Consumed {
  /** "partition:offset" -> value and the members that read it (a rebalance may re-deliver). */
  private readonly records = new Map<string, { value: string; readers: Set<string> }>();

  add(member: string, partition: number, offset: number | string, value: string): void {
    const id = `${partition}:${offset}`;
    const entry = this.records.get(id) ?? { value, readers: new Set<string>() };
    entry.readers.add(member);
    this.records.set(id, entry);
  }

  get(partition: number, offset: number): { value: string; readers: ReadonlySet<string> } | undefined {
    return this.records.get(`${partition}:${offset}`);
  }

  get size(): number {
    return this.records.size;
  }
}

/** Offsets [from, to) of every partition were read by the partition's current owner. */
function allRead(consumed: Consumed, owners: Ownership, partitions: number, from: number, to: number): boolean {
  for (let p = 0; p < partitions; p++) {
    const owner = owners.ownerOf(p);
    for (let o = from; o < to; o++) if (owner === undefined || consumed.get(p, o)?.readers.has(owner) !== true) return false;
  }
  return true;
}

/** Checks the values of offsets [from, to) and that the current owner of each partition read them. */
function checkPhase(consumed: Consumed, owners: Ownership, partitions: number, from: number, to: number, phase: string): void {
  for (let p = 0; p < partitions; p++) {
    const owner = owners.ownerOf(p);
    for (let o = from; o < to; o++) {
      const r = consumed.get(p, o);
      expect(r !== undefined, `${phase}: partition ${p} offset ${o} not read`);
      expectEqual(r.value, `${phase}-${p}-${o - from}`, `${phase}: value at partition ${p} offset ${o}`);
      expect(owner !== undefined && r.readers.has(owner), `${phase}: partition ${p} offset ${o} read by ${[...r.readers].join(', ')}, not by its owner ${owner ?? '(none)'}`);
    }
  }
}

/** Partition counts per member, largest first: what every correct roundrobin gives. */
function counts(owners: Ownership, members: readonly string[]): string {
  return members.map((m) => owners.of(m).length).sort((a, b) => b - a).join(',');
}

// ---------------------------------------------------------------------------------------------
// The broker's side: DescribeGroups, and committed against end offsets.

interface GroupView {
  readonly state: string;
  readonly protocol: string;
  /** client id -> partitions, one entry per member (sorted by client id, then partitions). */
  readonly members: readonly (readonly [string, readonly number[]])[];
}

async function describeGroup(admin: Admin, group: string, topic: string): Promise<GroupView> {
  const { groups } = await admin.describeGroups([group]);
  const g = groups[0];
  expect(g !== undefined, `DescribeGroups returned no group ${group}`);
  const members = g.members.map((m): [string, number[]] => {
    const decoded = m.memberAssignment.length === 0 ? null : AssignerProtocol.MemberAssignment.decode(m.memberAssignment);
    return [m.clientId, [...(decoded?.assignment[topic] ?? [])].sort((a, b) => a - b)];
  });
  members.sort((a, b) => (a[0] === b[0] ? a[1].join().localeCompare(b[1].join()) : a[0].localeCompare(b[0])));
  return { state: g.state, protocol: g.protocol, members };
}

/**
 * Waits until the coordinator says the group is Stable with `clients` as members and every
 * partition assigned to exactly one of them. A coordinator finishes a rebalance only when every
 * member has synced, so this may lag the members' own reports by a heartbeat.
 */
async function stableGroup(ctx: ScenarioContext, admin: Admin, group: string, topic: string, clients: readonly string[]): Promise<GroupView> {
  return retrying(
    async () => {
      const view = await describeGroup(admin, group, topic);
      const assigned = view.members.flatMap(([, ps]) => ps).sort((a, b) => a - b);
      const ok =
        view.state === 'Stable' &&
        JSON.stringify(view.members.map(([c]) => c)) === JSON.stringify([...clients].sort()) &&
        JSON.stringify(assigned) === JSON.stringify(Array.from({ length: PARTITIONS }, (_, i) => i)) &&
        view.members.every(([, ps]) => ps.length > 0);
      if (!ok) throw new Error(`group not settled on ${clients.length} members: ${JSON.stringify(view)}`);
      return view;
    },
    SETTLE_MS,
    ctx.signal,
  );
}

/** Committed offsets of `group` on `topic`, by partition ("-1" where none). */
async function committed(admin: Admin, group: string, topic: string): Promise<string[]> {
  const answer = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  return (answer.find((t) => t.topic === topic)?.partitions ?? []).sort((a, b) => a.partition - b.partition).map((p) => p.offset);
}

async function endOffsets(admin: Admin, topic: string): Promise<string[]> {
  return (await admin.fetchTopicOffsets(topic)).sort((a, b) => a.partition - b.partition).map((o) => o.high);
}

/** Waits until the group's committed offsets reach the end of every partition. */
async function committedToEnd(ctx: ScenarioContext, admin: Admin, group: string, topic: string): Promise<string[]> {
  const end = await endOffsets(admin, topic);
  let last: string[] = [];
  try {
    await retrying(
      async () => {
        last = await committed(admin, group, topic);
        if (JSON.stringify(last) !== JSON.stringify(end)) throw new Error('not yet');
      },
      30_000,
      ctx.signal,
    );
  } catch {
    throw new Error(`committed offsets ${JSON.stringify(last)} did not reach the end offsets ${JSON.stringify(end)}`);
  }
  return end;
}

/** Produces PER_PARTITION records "<phase>-<partition>-<i>" to every partition (acks=all). */
async function produce(kafka: Kafka, topic: string, phase: string): Promise<void> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  try {
    await producer.connect();
    const messages = Array.from({ length: PARTITIONS * PER_PARTITION }, (_, k) => {
      const p = k % PARTITIONS;
      const i = Math.floor(k / PARTITIONS);
      return { partition: p, value: `${phase}-${p}-${i}` };
    });
    for (const meta of await producer.send({ topic, acks: -1, messages })) expectEqual(meta.errorCode, 0, 'produce error code');
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------------------------
// Members in child processes (kafka-python, kcat): bounded, killed on abort and at the end.

interface Background {
  readonly name: string;
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
  /** The last lines of stderr, for failure messages. */
  tail(): string;
}

function background(
  ctx: ScenarioContext,
  name: string,
  file: string,
  args: readonly string[],
  timeoutMs: number,
  onStdout: (line: string) => void,
  onStderr: (line: string) => void = () => undefined,
): Background {
  const child = spawn(file, [...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const errLines: string[] = [];
  createInterface({ input: child.stdout }).on('line', onStdout);
  createInterface({ input: child.stderr }).on('line', (line) => {
    errLines.push(line);
    if (errLines.length > 40) errLines.shift();
    onStderr(line);
  });
  const exited = new Promise<void>((resolve) => {
    child.once('error', (error) => {
      ctx.log(`${name}: ${error.message}`);
      resolve();
    });
    child.once('close', () => resolve());
  });
  const timer = setTimeout(() => signalChild(child, 'SIGKILL'), timeoutMs);
  const onAbort = (): void => signalChild(child, 'SIGKILL');
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  void exited.then(() => {
    clearTimeout(timer);
    ctx.signal.removeEventListener('abort', onAbort);
  });
  return { name, child, exited, tail: () => errLines.slice(-5).join(' / ') };
}

function exitedAlready(b: Background): boolean {
  return b.child.exitCode !== null || b.child.signalCode !== null;
}

interface PythonLine {
  readonly event: string;
  readonly partitions?: number[];
  readonly partition?: number;
  readonly offset?: number;
  readonly value?: string;
  readonly error?: string;
}

function startPythonMember(ctx: ScenarioContext, python: string, topic: string, group: string, owners: Ownership, consumed: Consumed): Background & { closed(): boolean } {
  let closed = false;
  const b = background(ctx, 'kafka-python', python, [PYTHON_MEMBER, ctx.bootstrap, topic, group, String(SESSION_TIMEOUT_MS), '170'], 175_000, (line) => {
    let msg: PythonLine;
    try {
      msg = JSON.parse(line) as PythonLine;
    } catch {
      ctx.log(`kafka-python: ${line}`);
      return;
    }
    if (msg.event === 'assigned' || msg.event === 'revoked') {
      ctx.log(`kafka-python ${msg.event} ${JSON.stringify(msg.partitions)}`);
      owners.set('kafka-python', msg.event === 'assigned' ? (msg.partitions ?? []) : []);
    } else if (msg.event === 'record' && msg.partition !== undefined && msg.offset !== undefined) {
      consumed.add('kafka-python', msg.partition, msg.offset, msg.value ?? '');
    } else if (msg.event === 'commit-failed') {
      ctx.log(`kafka-python commit failed: ${msg.error ?? ''}`);
    } else if (msg.event === 'closed') {
      closed = true;
    }
  });
  return { ...b, closed: () => closed };
}

/** "topic [0], topic [3]" -> [0, 3] */
function kcatPartitions(list: string): number[] {
  return [...list.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1]));
}

function startKcatMember(ctx: ScenarioContext, topic: string, group: string, owners: Ownership, consumed: Consumed): Background {
  return background(
    ctx,
    'kcat',
    'kcat',
    [
      '-b', ctx.bootstrap, '-G', group,
      '-X', 'client.id=conformance-kcat',
      '-X', 'partition.assignment.strategy=roundrobin',
      '-X', `session.timeout.ms=${SESSION_TIMEOUT_MS}`,
      '-X', 'heartbeat.interval.ms=1000',
      '-X', 'auto.offset.reset=earliest',
      '-X', 'auto.commit.interval.ms=1000',
      '-u', '-f', '%p\t%o\t%s\n',
      topic,
    ],
    175_000,
    (line) => {
      const [p, o, value] = line.split('\t');
      if (p !== undefined && o !== undefined && value !== undefined) consumed.add('kcat', Number(p), Number(o), value);
    },
    (line) => {
      // "% Group G rebalanced (memberid M): assigned: T [0], T [3]" (or "revoked: …")
      const m = /% Group \S+ rebalanced \(memberid [^)]*\): (assigned|revoked): (.*)$/.exec(line);
      if (m === null) return;
      ctx.log(`kcat ${m[1] ?? ''} ${m[2] ?? ''}`);
      owners.set('kcat', m[1] === 'assigned' ? kcatPartitions(m[2] ?? '') : []);
    },
  );
}

// ---------------------------------------------------------------------------------------------
// An in-process @platformatic/kafka member.

interface PlatformaticMember {
  close(): Promise<void>;
  /** What made its stream end early, if anything. */
  failure(): unknown;
}

async function startPlatformaticMember(ctx: ScenarioContext, topic: string, group: string, owners: Ownership, consumed: Consumed): Promise<PlatformaticMember> {
  const consumer = new Consumer({
    clientId: 'conformance-platformatic',
    groupId: group,
    bootstrapBrokers: [ctx.bootstrap],
    deserializers: stringDeserializers,
    sessionTimeout: SESSION_TIMEOUT_MS,
    heartbeatInterval: 1000,
    // Its default; named because the group's protocol must be one every member offers.
    protocols: [{ name: 'roundrobin', version: 1 }],
    maxWaitTime: 500,
    timeout: 20_000,
    retries: 5,
    retryDelay: 200,
  });
  consumer.on('consumer:group:join', (payload) => {
    const partitions = (payload.assignments ?? []).filter((a) => a.topic === topic).flatMap((a) => a.partitions);
    ctx.log(`platformatic assigned ${JSON.stringify(partitions)}`);
    owners.set('platformatic', partitions);
  });
  const forceClose = (): Promise<void> => new Promise((ok) => consumer.close(true, () => ok()));
  const onAbort = (): void => void forceClose();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  let failure: unknown;
  try {
    // Committed offsets first, so that partitions taken over from another member continue where it stopped.
    const stream = await consumer.consume({ topics: [topic], mode: 'committed', fallbackMode: 'earliest', autocommit: false });
    const pump = (async () => {
      for await (const message of stream) {
        // A fetch sent before a rebalance can answer for partitions this member no longer owns
        // (the client does not drop them); committing those could move the new owner's offset back.
        const owned = consumer.assignments?.some((a) => a.topic === topic && a.partitions.includes(message.partition)) ?? false;
        if (!owned) {
          ctx.log(`platformatic: skipped partition ${message.partition} offset ${message.offset}, no longer assigned`);
          continue;
        }
        consumed.add('platformatic', message.partition, String(message.offset), message.value);
        // Committed one by one; a commit refused during a rebalance is retried by the next owner's read.
        await new Promise<void>((ok) => {
          void message.commit((error) => {
            if (error !== undefined && error !== null) ctx.log(`platformatic commit failed: ${error.message}`);
            ok();
          });
        });
      }
    })().catch((error: unknown) => {
      failure = error;
    });
    return {
      async close() {
        ctx.signal.removeEventListener('abort', onAbort);
        await stream.close().catch(() => undefined);
        await pump;
        await consumer.close().catch(() => forceClose());
      },
      failure: () => failure,
    };
  } catch (error) {
    ctx.signal.removeEventListener('abort', onAbort);
    await forceClose();
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// Scenario 1: kafka-python + kcat + platformatic in one group; kill -9 one; restart the server.

async function mixedGroup(bootstrap: string, ctx: ScenarioContext): Promise<void> {
  expect(kafkaPython !== null, 'kafka-python is not installed (bash scripts/conformance/install.sh)');
  const topic = ctx.topic('mixed-group-topic');
  const group = ctx.topic('mixed-group');
  await setup('create topic', () => ctx.createTopic(topic, PARTITIONS));
  const kafka = kafkajsClient(bootstrap, 'conformance-mixed-admin');
  const admin = kafka.admin();
  const owners = new Ownership();
  const consumed = new Consumed();
  const children: Background[] = [];
  let platformatic: PlatformaticMember | undefined;
  const members = ['kafka-python', 'kcat', 'platformatic'];
  const clientIds = ['conformance-kafka-python', 'conformance-kcat', 'conformance-platformatic'];
  const settle = (who: readonly string[], what: string, timeoutMs?: number): Promise<void> => settled(ctx, owners, who, what, timeoutMs);
  try {
    await admin.connect();
    // One at a time, so that kafka-python is the first member and so the leader, whose assignor
    // runs for everyone. Not librdkafka: as leader, librdkafka 2.0.2 fails to parse platformatic's
    // subscription (version 1 without its owned-partitions field) and assigns it nothing.
    const python = startPythonMember(ctx, kafkaPython.python, topic, group, owners, consumed);
    children.push(python);
    await settle(['kafka-python'], 'kafka-python to own every partition');
    ctx.observe('partitions per member (kafka-python alone)', counts(owners, ['kafka-python']));
    const kcat = startKcatMember(ctx, topic, group, owners, consumed);
    children.push(kcat);
    await settle(['kafka-python', 'kcat'], 'kafka-python and kcat to share the partitions');
    ctx.observe('partitions per member (kafka-python + kcat)', counts(owners, ['kafka-python', 'kcat']));
    platformatic = await startPlatformaticMember(ctx, topic, group, owners, consumed);
    await settle(members, 'the three members to share the partitions');

    const three = await stableGroup(ctx, admin, group, topic, clientIds);
    for (const m of members) expectEqual(owners.of(m), three.members.find(([c]) => c === `conformance-${m}`)?.[1], `partitions of ${m} (own report vs DescribeGroups)`);
    ctx.observe('protocol', three.protocol);
    ctx.observe('partitions per member (3 members)', counts(owners, members));

    await produce(kafka, topic, 'first');
    await waitFor(() => allRead(consumed, owners, PARTITIONS, 0, PER_PARTITION), 30_000, `every first-phase record read (${consumed.size} of ${PARTITIONS * PER_PARTITION})`, ctx.signal);
    checkPhase(consumed, owners, PARTITIONS, 0, PER_PARTITION, 'first');
    for (const c of children) expect(!exitedAlready(c), `${c.name} exited early: ${c.tail()}`);
    expect(platformatic.failure() === undefined, `platformatic stream failed: ${String(platformatic.failure())}`);

    // kill -9: no LeaveGroup, the coordinator finds out when the session times out.
    const killedAt = performance.now();
    signalChild(kcat.child, 'SIGKILL');
    await kcat.exited;
    owners.drop('kcat');
    const survivors = ['kafka-python', 'platformatic'];
    // Its last heartbeat, the session timeout, then one rebalance: bounded well below SETTLE_MS.
    await settle(survivors, 'the partitions of the killed kcat to move', SESSION_TIMEOUT_MS + 15_000);
    const two = await stableGroup(ctx, admin, group, topic, ['conformance-kafka-python', 'conformance-platformatic']);
    ctx.note(`kcat's partitions moved ${((performance.now() - killedAt) / 1000).toFixed(1)} s after kill -9 (session timeout ${SESSION_TIMEOUT_MS / 1000} s)`);
    for (const m of survivors) expectEqual(owners.of(m), two.members.find(([c]) => c === `conformance-${m}`)?.[1], `partitions of ${m} after the kill`);
    ctx.observe('partitions per member (after kill -9 of kcat)', counts(owners, survivors));

    await produce(kafka, topic, 'second');
    await waitFor(() => allRead(consumed, owners, PARTITIONS, PER_PARTITION, 2 * PER_PARTITION), 30_000, `every second-phase record read (${consumed.size} read)`, ctx.signal);
    checkPhase(consumed, owners, PARTITIONS, PER_PARTITION, 2 * PER_PARTITION, 'second');
    ctx.observe('distinct records read', consumed.size);

    const end = await committedToEnd(ctx, admin, group, topic);
    ctx.observe('committed offsets', end.join(','));

    // A clean stop: both remaining members leave the group.
    await platformatic.close();
    platformatic = undefined;
    await stopChild(python.child, 10_000);
    await python.exited;
    expect(python.closed(), `kafka-python did not close its consumer: ${python.tail()}`);
    const empty = await retrying(
      async () => {
        const view = await describeGroup(admin, group, topic);
        if (view.state !== 'Empty') throw new Error(`group state ${view.state} after every member left`);
        return view;
      },
      SETTLE_MS,
      ctx.signal,
    );
    ctx.observe('group after the members left', `${empty.state}, ${empty.members.length} members`);
    expectEqual(await committed(admin, group, topic), end, 'committed offsets after the members left');
  } finally {
    await platformatic?.close().catch(() => undefined);
    for (const c of children) await stopChild(c.child, 3000, true);
    await admin.disconnect().catch(() => undefined);
  }

  const next = await ctx.restart();
  const after = kafkajsClient(next, 'conformance-mixed-after').admin();
  try {
    await after.connect();
    // Right after a start the coordinator may still be loading (COORDINATOR_LOAD_IN_PROGRESS).
    const offsets = await retrying(() => committed(after, group, topic), 30_000, ctx.signal);
    ctx.observe('committed offsets after the restart', offsets.join(','));
    expectEqual(offsets, Array.from({ length: PARTITIONS }, () => String(2 * PER_PARTITION)), 'committed offsets after the restart');
  } finally {
    await after.disconnect().catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------------------------
// Scenario 2: three kafkajs members; one joins late, one leaves.

interface KafkajsMember {
  readonly name: string;
  readonly consumer: KafkajsConsumer;
}

/** Creates the member and hands it to `track` (so that it is disconnected whatever happens), then starts it. */
async function startKafkajsMember(
  kafka: Kafka,
  name: string,
  topic: string,
  group: string,
  owners: Ownership,
  consumed: Consumed,
  ctx: ScenarioContext,
  track: (member: KafkajsMember) => void,
): Promise<void> {
  const consumer = kafka.consumer({ groupId: group, sessionTimeout: 10_000, heartbeatInterval: 1000, maxWaitTimeInMs: 500 });
  track({ name, consumer });
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    const partitions = e.payload.memberAssignment[topic] ?? [];
    ctx.log(`${name} assigned ${JSON.stringify(partitions)}`);
    owners.set(name, partitions);
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    eachMessage: ({ partition, message }) => {
      consumed.add(name, partition, message.offset, message.value?.toString() ?? '');
      return Promise.resolve();
    },
  });
}

async function kafkajsGroup(bootstrap: string, ctx: ScenarioContext): Promise<void> {
  const topic = ctx.topic('kafkajs-members-topic');
  const group = ctx.topic('kafkajs-members-group');
  await setup('create topic', () => ctx.createTopic(topic, PARTITIONS));
  // One client per member: a member's client id is how DescribeGroups tells them apart.
  const client = (name: string): Kafka => kafkajsClient(bootstrap, `conformance-${name}`);
  const kafka = client('kafkajs-admin');
  const admin = kafka.admin();
  const owners = new Ownership();
  const consumed = new Consumed();
  const running: KafkajsMember[] = [];
  const settle = (who: readonly string[], what: string): Promise<void> => settled(ctx, owners, who, what);
  const start = async (name: string): Promise<void> => {
    await startKafkajsMember(client(name), name, topic, group, owners, consumed, ctx, (m) => running.push(m));
  };
  const step = async (who: readonly string[], label: string): Promise<void> => {
    await settle(who, `${label}: partitions shared by ${who.join(', ')}`);
    const view = await stableGroup(ctx, admin, group, topic, who.map((m) => `conformance-${m}`));
    for (const m of who) expectEqual(owners.of(m), view.members.find(([c]) => c === `conformance-${m}`)?.[1], `${label}: partitions of ${m} (own report vs DescribeGroups)`);
    ctx.observe(`${label}: partitions per member`, counts(owners, who));
    ctx.observe(`${label}: protocol`, view.protocol);
  };
  try {
    await admin.connect();
    await Promise.all([start('kafkajs-a'), start('kafkajs-b')]);
    await step(['kafkajs-a', 'kafkajs-b'], 'two members');
    await produce(kafka, topic, 'first');
    await waitFor(() => allRead(consumed, owners, PARTITIONS, 0, PER_PARTITION), 30_000, `every first-phase record read (${consumed.size} read)`, ctx.signal);
    checkPhase(consumed, owners, PARTITIONS, 0, PER_PARTITION, 'first');

    await start('kafkajs-c');
    await step(['kafkajs-a', 'kafkajs-b', 'kafkajs-c'], 'a third member joined');
    await produce(kafka, topic, 'second');
    await waitFor(() => allRead(consumed, owners, PARTITIONS, PER_PARTITION, 2 * PER_PARTITION), 30_000, `every second-phase record read (${consumed.size} read)`, ctx.signal);
    checkPhase(consumed, owners, PARTITIONS, PER_PARTITION, 2 * PER_PARTITION, 'second');

    // disconnect() sends LeaveGroup: the others rebalance at once, no session timeout involved.
    const leaving = running.find((m) => m.name === 'kafkajs-a');
    expect(leaving !== undefined, 'no member kafkajs-a');
    running.splice(running.indexOf(leaving), 1);
    await leaving.consumer.disconnect();
    owners.drop(leaving.name);
    await step(['kafkajs-b', 'kafkajs-c'], 'a member left');
    await produce(kafka, topic, 'third');
    await waitFor(() => allRead(consumed, owners, PARTITIONS, 2 * PER_PARTITION, 3 * PER_PARTITION), 30_000, `every third-phase record read (${consumed.size} read)`, ctx.signal);
    checkPhase(consumed, owners, PARTITIONS, 2 * PER_PARTITION, 3 * PER_PARTITION, 'third');
    ctx.observe('distinct records read', consumed.size);

    const end = await committedToEnd(ctx, admin, group, topic);
    expectEqual(end, Array.from({ length: PARTITIONS }, () => String(3 * PER_PARTITION)), 'end offsets');
    ctx.observe('committed offsets', end.join(','));
  } finally {
    for (const m of running) await m.consumer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}

export const mixedGroupScenarios: readonly Scenario[] = [
  {
    name: 'kafkajs consumer group with several members and a rebalance',
    client: KAFKAJS,
    timeoutMs: 150_000,
    run: kafkajsGroup,
  },
  {
    name: 'A group of three members from different clients over a 6-partition topic',
    client: `kafka-python ${versions.kafkaPython} + kcat ${versions.kcat} + ${PLATFORMATIC}`,
    disruptive: true,
    timeoutMs: 180_000,
    run: mixedGroup,
  },
];
