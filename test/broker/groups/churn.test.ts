/**
 * Rebalance correctness under churn, over raw requests: a producer writes numbered records to
 * eight partitions while members keep joining and going away (a clean LeaveGroup, a closed
 * socket, a member that just stops heartbeating, one that dies with a JoinGroup in flight).
 * Members process what they fetch, then commit. Every answer the broker gives is written to
 * a ledger, and afterwards: one leader and one member list per generation, each member got
 * exactly what its leader assigned, no partition owned twice in a generation, commits only
 * from owners, and every acknowledged record processed at least once. A second test does the
 * same with @platformatic/kafka consumers coming and going (clean leaves only: a real client
 * cannot be made to crash from here), reading their generations from the join events.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Consumer, Producer, stringDeserializers, stringSerializers, type MessagesStream } from '@platformatic/kafka';
import type { RunningBroker } from '../../../src/broker/broker.ts';
import { ErrorCode } from '../../../src/protocol/error-codes.ts';
import { Reader, Writer } from '../../../src/protocol/primitives/index.ts';
import { readConsumerProtocolAssignment, writeConsumerProtocolAssignment } from '../../../src/protocol/generated/consumer-protocol-assignment.ts';
import { decodeBatch, encodeBatch, iterateBatches } from '../../../src/protocol/records/index.ts';
import { RawClient } from '../../support/raw-client.ts';
import { createTopic, eventually, groupBroker } from './helpers.ts';
import { JOIN_V, joinBody, subscription } from './raw.ts';

const TOPIC = 'churn';
const GROUP = 'churn-group';
const PARTITIONS = 8;
const SESSION_MS = 1000;
const REBALANCE_MS = 2000;
const CHURN_MS = 6000;
const MAX_LIVE = 4;

/** The answers that end a member's generation: it must (re)join. */
const GENERATION_OVER: number[] = [ErrorCode.REBALANCE_IN_PROGRESS, ErrorCode.ILLEGAL_GENERATION, ErrorCode.UNKNOWN_MEMBER_ID];

type Fate = 'leave' | 'close' | 'hang' | 'die-in-join' | 'drain';

interface Ledger {
  /** Every successful JoinGroup answer. */
  joins: { generation: number; memberId: string; leader: string; members: string[] | null }[];
  /** What each leader sent in its SyncGroup. */
  sent: { generation: number; leader: string; assignments: Map<string, number[]> }[];
  /** Every successful SyncGroup answer: the partitions the member owns in that generation. */
  owned: { generation: number; memberId: string; partitions: number[] }[];
  /** Every partition of an OffsetCommit the broker accepted. */
  commits: { generation: number; memberId: string; partition: number; offset: bigint; sentAt: number }[];
  processed: Set<string>;
  fates: Fate[];
  /** Assertion failures inside members, surfaced at once rather than as a drain timeout. */
  errors: unknown[];
  /** A logical clock: one process, so a smaller tick happened before. */
  clock: number;
  /** The tick at which the first JoinGroup answer of each generation arrived. */
  generationSeen: Map<number, number>;
  /** OffsetCommits (and Heartbeats) of evicted members, all of which the broker refused. */
  zombieRefusals: number;
}

/** mulberry32: the churn schedule is the same on every run. */
function seeded(seed: number): (min: number, max: number) => number {
  let s = seed >>> 0;
  return (min, max) => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const r = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    return min + Math.floor(r * (max - min + 1));
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** ConsumerProtocolAssignment v0 with its int16 version, as a consumer leader sends it. */
function encodeAssignment(partitions: number[]): Buffer {
  const w = new Writer();
  w.int16(0);
  writeConsumerProtocolAssignment(w, 0, { assignedPartitions: [{ topic: TOPIC, partitions }], userData: null });
  return w.toBuffer();
}

function decodeAssignment(bytes: Buffer): number[] {
  if (bytes.length === 0) return [];
  const r = new Reader(bytes);
  r.int16();
  return readConsumerProtocolAssignment(r, 0).assignedPartitions.flatMap((t) => (t.topic === TOPIC ? t.partitions : []));
}

/** Round robin over the sorted member ids: the leader's assignor. */
function assign(members: string[]): Map<string, number[]> {
  const sorted = [...members].sort();
  const out = new Map<string, number[]>(sorted.map((m) => [m, []]));
  for (let p = 0; p < PARTITIONS; p++) out.get(sorted[p % sorted.length] as string)?.push(p);
  return out;
}

const body = (memberId: string) => joinBody(GROUP, memberId, { sessionTimeoutMs: SESSION_MS, rebalanceTimeoutMs: REBALANCE_MS, protocols: [{ name: 'range', metadata: subscription([TOPIC]) }] });

class ChurnMember {
  memberId = '';
  /** Set from outside to end a member (the drain, the end of the test). */
  stop = false;
  ended = false;
  private gone = false;
  /** A member's life ends only after it owned partitions once, so that every fate happens to a real member. */
  private synced = false;
  private last: { generation: number; positions: Map<number, bigint> } | undefined;
  readonly finished: Promise<void>;

  private constructor(
    private readonly c: RawClient,
    private readonly ledger: Ledger,
    readonly fate: Fate,
    private readonly deadline: number,
  ) {
    this.finished = this.run().then(
      () => {
        this.ended = true;
      },
      (e: unknown) => {
        this.ended = true;
        ledger.errors.push(e);
      },
    );
  }

  static async start(port: number, ledger: Ledger, fate: Fate, lifeMs: number): Promise<ChurnMember> {
    return new ChurnMember(await RawClient.connect(port), ledger, fate, Date.now() + lifeMs);
  }

  private get due(): boolean {
    return this.stop || (this.fate !== 'drain' && this.synced && Date.now() > this.deadline);
  }

  private async run(): Promise<void> {
    try {
      while (!this.due) {
        const joined = await this.join();
        if (joined === null) continue;
        const generation = joined.generation;
        const owned = await this.sync(generation, joined.members);
        if (owned === null) continue;
        const positions = await this.committed(owned);
        this.last = { generation, positions };
        this.synced = true;
        while (!this.due && (await this.poll(generation, positions))) await sleep(20);
      }
      await this.end();
    } catch (e: unknown) {
      // Only a member that closed its own socket may see its requests fail.
      if (!this.gone) throw e;
    }
  }

  private async end(): Promise<void> {
    this.ledger.fates.push(this.fate);
    if (this.stop || this.fate === 'leave' || this.fate === 'drain') {
      if (this.memberId !== '') {
        const res = await this.c.request(13, 5, { groupId: GROUP, members: [{ memberId: this.memberId, groupInstanceId: null, reason: 'done' }] });
        assert.equal(res.errorCode, ErrorCode.NONE);
        assert.ok(([ErrorCode.NONE, ErrorCode.UNKNOWN_MEMBER_ID] as number[]).includes(res.members[0]?.errorCode ?? -1), `leave: ${res.members[0]?.errorCode}`);
      }
      this.close();
    } else if (this.fate === 'close') {
      this.close();
    } else if (this.fate === 'die-in-join') {
      // Rejoin (in a Stable group a leader's rejoin starts a rebalance) and vanish before the answer.
      this.gone = true;
      this.c.send(11, JOIN_V, body(this.memberId));
      this.c.close();
    } else if (this.fate === 'hang' && this.last !== undefined && this.memberId !== '') await this.zombie(this.memberId, this.last);
  }

  /**
   * 'hang': the member goes silent with its socket open until the session timeout evicts it,
   * then wakes up as a zombie and commits with its old generation: the broker must refuse.
   */
  private async zombie(memberId: string, last: { generation: number; positions: Map<number, bigint> }): Promise<void> {
    await eventually('a silent member to be evicted', async () => {
      const res = await this.c.request(15, 5, { groups: [GROUP] });
      return !(res.groups[0]?.members.some((m) => m.memberId === memberId) ?? false);
    });
    const partitions = [...last.positions].map(([partitionIndex]) => ({ partitionIndex, committedOffset: 0n }));
    if (partitions.length > 0) {
      const commit = await this.c.request(8, 8, { groupId: GROUP, generationIdOrMemberEpoch: last.generation, memberId, topics: [{ name: TOPIC, partitions }] });
      for (const p of commit.topics[0]?.partitions ?? []) assert.equal(p.errorCode, ErrorCode.UNKNOWN_MEMBER_ID, 'a zombie commit was accepted');
    }
    const hb = await this.c.request(12, 4, { groupId: GROUP, generationId: last.generation, memberId });
    assert.equal(hb.errorCode, ErrorCode.UNKNOWN_MEMBER_ID, 'a zombie heartbeat was accepted');
    this.ledger.zombieRefusals++;
  }

  close(): void {
    this.gone = true;
    this.c.close();
  }

  /** JoinGroup (MEMBER_ID_REQUIRED round trip included); null to try again. */
  private async join(): Promise<Ledger['joins'][number] | null> {
    const res = await this.c.request(11, JOIN_V, body(this.memberId));
    if (res.errorCode === ErrorCode.MEMBER_ID_REQUIRED) {
      this.memberId = res.memberId;
      return null;
    }
    if (res.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) {
      this.memberId = '';
      return null;
    }
    if (res.errorCode === ErrorCode.REBALANCE_IN_PROGRESS) return null;
    assert.equal(res.errorCode, ErrorCode.NONE, 'JoinGroup');
    assert.equal(res.memberId, this.memberId);
    const isLeader = res.leader === this.memberId;
    const joined = { generation: res.generationId, memberId: this.memberId, leader: res.leader, members: isLeader ? res.members.map((m) => m.memberId) : null };
    if (!this.ledger.generationSeen.has(res.generationId)) this.ledger.generationSeen.set(res.generationId, this.ledger.clock++);
    this.ledger.joins.push(joined);
    return joined;
  }

  private async sync(generation: number, members: string[] | null): Promise<number[] | null> {
    let assignments: Map<string, number[]> | undefined;
    if (members !== null) {
      assignments = assign(members);
      this.ledger.sent.push({ generation, leader: this.memberId, assignments });
    }
    const res = await this.c.request(14, 5, {
      groupId: GROUP,
      generationId: generation,
      memberId: this.memberId,
      protocolType: 'consumer',
      protocolName: 'range',
      assignments: [...(assignments ?? [])].map(([memberId, partitions]) => ({ memberId, assignment: encodeAssignment(partitions) })),
    });
    if (res.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) this.memberId = '';
    if (GENERATION_OVER.includes(res.errorCode)) return null;
    assert.equal(res.errorCode, ErrorCode.NONE, 'SyncGroup');
    const partitions = decodeAssignment(res.assignment);
    this.ledger.owned.push({ generation, memberId: this.memberId, partitions });
    return partitions;
  }

  /** Where to start: the committed offsets (0 when none). */
  private async committed(owned: number[]): Promise<Map<number, bigint>> {
    const res = await this.c.request(9, 8, { groups: [{ groupId: GROUP, topics: [{ name: TOPIC, partitionIndexes: owned }] }], requireStable: false });
    const group = res.groups[0];
    assert.equal(group?.errorCode, ErrorCode.NONE);
    const positions = new Map<number, bigint>();
    for (const p of group.topics[0]?.partitions ?? []) positions.set(p.partitionIndex, p.committedOffset < 0n ? 0n : p.committedOffset);
    return positions;
  }

  /** Fetch, process, commit, heartbeat; false once the generation is over for this member. */
  private async poll(generation: number, positions: Map<number, bigint>): Promise<boolean> {
    const advanced = new Set<number>();
    if (positions.size > 0) {
      const res = await this.c.request(1, 12, {
        replicaId: -1,
        maxWaitMs: 10,
        minBytes: 1,
        maxBytes: 1 << 20,
        topics: [{ topic: TOPIC, partitions: [...positions].map(([partition, fetchOffset]) => ({ partition, fetchOffset, partitionMaxBytes: 64 << 10 })) }],
      });
      for (const p of res.responses[0]?.partitions ?? []) {
        assert.equal(p.errorCode, ErrorCode.NONE);
        const records = p.records ?? Buffer.alloc(0);
        for (const b of iterateBatches(records, { allowPartialTail: true })) {
          for (const r of (await decodeBatch(records, { position: b.position, maxDecompressedBytes: 1 << 24 })).records) {
            if (r.offset < (positions.get(p.partitionIndex) ?? 0n)) continue;
            this.ledger.processed.add(r.value?.toString() ?? '');
            positions.set(p.partitionIndex, r.offset + 1n);
            advanced.add(p.partitionIndex);
          }
        }
      }
    }
    if (advanced.size > 0) {
      const partitions = [...advanced].map((partitionIndex) => ({ partitionIndex, committedOffset: positions.get(partitionIndex) ?? 0n }));
      const sentAt = this.ledger.clock++;
      const res = await this.c.request(8, 8, { groupId: GROUP, generationIdOrMemberEpoch: generation, memberId: this.memberId, topics: [{ name: TOPIC, partitions }] });
      const errors = new Set(res.topics.flatMap((t) => t.partitions.map((p) => p.errorCode)));
      assert.equal(errors.size, 1, 'one group error for every partition');
      const [error] = errors;
      if (error === ErrorCode.NONE) {
        for (const p of partitions) this.ledger.commits.push({ generation, memberId: this.memberId, partition: p.partitionIndex, offset: p.committedOffset, sentAt });
      } else {
        return this.generationOver(error ?? -1, 'OffsetCommit');
      }
    }
    const hb = await this.c.request(12, 4, { groupId: GROUP, generationId: generation, memberId: this.memberId });
    return hb.errorCode === ErrorCode.NONE || this.generationOver(hb.errorCode, 'Heartbeat');
  }

  private generationOver(errorCode: number, what: string): false {
    assert.ok(GENERATION_OVER.includes(errorCode), `${what}: error ${errorCode}`);
    if (errorCode === ErrorCode.UNKNOWN_MEMBER_ID) this.memberId = '';
    return false;
  }
}

/** Writes one numbered record to every partition per request until stopped; keeps what was acknowledged. */
class NumberedProducer {
  readonly acked = new Set<string>();
  readonly endOffsets: bigint[] = Array.from({ length: PARTITIONS }, () => 0n);
  stop = false;
  readonly finished: Promise<void>;

  constructor(private readonly c: RawClient) {
    this.finished = this.run();
  }

  private async run(): Promise<void> {
    for (let n = 0; !this.stop; n += PARTITIONS) {
      const partitionData = await Promise.all(
        Array.from({ length: PARTITIONS }, async (_, index) => ({ index, records: await encodeBatch({ records: [{ key: null, value: Buffer.from(String(n + index)), timestamp: Date.now() }] }) })),
      );
      const res = await this.c.request(0, 9, { acks: -1, timeoutMs: 5000, topicData: [{ name: TOPIC, partitionData }] });
      for (const p of res.responses[0]?.partitionResponses ?? []) {
        assert.equal(p.errorCode, ErrorCode.NONE);
        this.acked.add(String(n + p.index));
        this.endOffsets[p.index] = p.baseOffset + 1n;
      }
      await sleep(10);
    }
    this.c.close();
  }
}

function checkLedger(ledger: Ledger): void {
  const byGeneration = <T extends { generation: number }>(rows: T[]): Map<number, T[]> => {
    const out = new Map<number, T[]>();
    for (const r of rows) out.set(r.generation, [...(out.get(r.generation) ?? []), r]);
    return out;
  };
  const joins = byGeneration(ledger.joins);
  const sent = byGeneration(ledger.sent);
  for (const [generation, rows] of joins) {
    assert.equal(new Set(rows.map((r) => r.leader)).size, 1, `generation ${generation}: one leader`);
    assert.equal(new Set(rows.map((r) => r.memberId)).size, rows.length, `generation ${generation}: each member joined once`);
    const lists = rows.flatMap((r) => (r.members ? [r.members] : []));
    assert.ok(lists.length <= 1, `generation ${generation}: one member list`);
    if (lists[0]) for (const r of rows) assert.ok(lists[0].includes(r.memberId), `generation ${generation}: ${r.memberId} is not in the leader's member list`);
  }
  for (const [generation, rows] of sent) assert.equal(rows.length, 1, `generation ${generation}: one leader assignment`);
  for (const [generation, rows] of byGeneration(ledger.owned)) {
    for (const r of rows) assert.ok(joins.get(generation)?.some((j) => j.memberId === r.memberId), `generation ${generation}: ${r.memberId} synced without joining`);
    const leaderSent = sent.get(generation)?.[0];
    assert.ok(leaderSent, `generation ${generation}: members got assignments no leader sent`);
    const seen = new Map<number, string>();
    for (const r of rows) {
      assert.deepEqual(r.partitions, leaderSent.assignments.get(r.memberId) ?? [], `generation ${generation}: ${r.memberId} did not get what the leader assigned`);
      for (const p of r.partitions) {
        assert.equal(seen.get(p), undefined, `generation ${generation}: partition ${p} owned by ${seen.get(p)} and ${r.memberId}`);
        seen.set(p, r.memberId);
      }
    }
  }
  const perMember = new Map<string, number[]>();
  for (const r of ledger.owned) perMember.set(r.memberId, [...(perMember.get(r.memberId) ?? []), r.generation]);
  for (const [memberId, generations] of perMember) {
    assert.ok(generations.every((g, i) => i === 0 || g > (generations[i - 1] as number)), `${memberId} went back a generation: ${generations.join(',')}`);
  }
  for (const c of ledger.commits) {
    const owner = ledger.owned.find((o) => o.generation === c.generation && o.memberId === c.memberId);
    assert.ok(owner?.partitions.includes(c.partition), `a commit of partition ${c.partition} by a non-owner was accepted in generation ${c.generation}`);
    // Once any member has seen a later generation, the broker has left this one: its commits are fenced.
    for (const [generation, seenAt] of ledger.generationSeen) {
      assert.ok(generation <= c.generation || seenAt > c.sentAt, `a commit of generation ${c.generation} sent after generation ${generation} began was accepted`);
    }
  }
}

test('rebalance correctness under churn: one owner per partition per generation, every record processed', { timeout: 60_000 }, async () => {
  const broker: RunningBroker = await groupBroker({ groupMinSessionTimeoutMs: 100 });
  const ledger: Ledger = { joins: [], sent: [], owned: [], commits: [], processed: new Set(), fates: [], errors: [], clock: 0, generationSeen: new Map(), zombieRefusals: 0 };
  const members: ChurnMember[] = [];
  const random = seeded(20240611);
  const fates: Fate[] = ['leave', 'close', 'hang', 'die-in-join'];
  const admin = await RawClient.connect(broker.port);
  try {
    await createTopic(broker.port, TOPIC, PARTITIONS);
    const producer = new NumberedProducer(await RawClient.connect(broker.port));
    // Churn: start members with a seeded fate and lifetime, up to MAX_LIVE at a time.
    const churnEnd = Date.now() + CHURN_MS;
    let started = 0;
    while (Date.now() < churnEnd) {
      if (ledger.errors.length > 0) break;
      if (members.filter((m) => !m.ended).length < MAX_LIVE) {
        members.push(await ChurnMember.start(broker.port, ledger, fates[started % fates.length] as Fate, random(400, 2000)));
        started++;
      }
      await sleep(random(100, 400));
    }
    producer.stop = true;
    await producer.finished;
    for (const m of members) m.stop = true;

    // The drain: one last member reads to the end of every partition and commits it.
    const last = await ChurnMember.start(broker.port, ledger, 'drain', 0);
    const committedAtEnd = async () => {
      const res = await admin.request(9, 8, { groups: [{ groupId: GROUP, topics: [{ name: TOPIC, partitionIndexes: [...Array(PARTITIONS).keys()] }] }], requireStable: false });
      return res.groups[0]?.topics[0]?.partitions.map((p) => p.committedOffset) ?? [];
    };
    await eventually('the last member to process and commit everything', async () => {
      if (ledger.errors.length > 0) throw ledger.errors[0];
      if (![...producer.acked].every((v) => ledger.processed.has(v))) return false;
      const committed = await committedAtEnd();
      return committed.length === PARTITIONS && committed.every((o, p) => o === producer.endOffsets[p]);
    }, 20_000);
    last.stop = true;
    await Promise.all([...members, last].map((m) => m.finished));
    if (ledger.errors.length > 0) throw ledger.errors[0];

    checkLedger(ledger);
    const missing = [...producer.acked].filter((v) => !ledger.processed.has(v));
    assert.deepEqual(missing, [], 'every acknowledged record processed at least once');
    // The run exercised what it claims to.
    assert.ok(producer.acked.size >= PARTITIONS * 20, `only ${producer.acked.size} records produced`);
    assert.ok(new Set(ledger.owned.map((o) => o.generation)).size >= 5, 'too few generations');
    for (const f of fates) assert.ok(ledger.fates.includes(f), `no member ended by ${f}`);
    assert.ok(ledger.commits.length > 0);
    assert.ok(ledger.zombieRefusals > 0, 'no evicted member tried to commit');
    await eventually('the group to empty', async () => (await admin.request(15, 5, { groups: [GROUP] })).groups[0]?.groupState === 'Empty');
  } finally {
    for (const m of members) m.close();
    admin.close();
    await broker.stop();
  }
});

test('@platformatic/kafka consumers coming and going: every record processed, one owner per partition per generation', { timeout: 60_000 }, async () => {
  const broker = await groupBroker({ groupMinSessionTimeoutMs: 100 });
  const topic = 'churn-plat';
  const acked = new Set<string>();
  const processed = new Set<string>();
  const owned: { generation: number; memberId: string; partitions: number[] }[] = [];
  const random = seeded(7);
  const producer = new Producer({ clientId: 'churn-producer', bootstrapBrokers: [broker.bootstrap], serializers: stringSerializers });
  const members: { consumer: Consumer<string, string, string, string>; stream: MessagesStream<string, string, string, string>; read: Promise<void> }[] = [];
  // A consumer being closed can still be rejoining after a heartbeat cut short by its own
  // close; it then reports that its connection pool is closed. Only errors of live consumers count.
  const closing = new Set<Consumer<string, string, string, string>>();
  const consumerErrors: unknown[] = [];
  let producing = true;

  const start = async () => {
    const consumer = new Consumer({ clientId: 'churn-plat', groupId: 'churn-plat', bootstrapBrokers: [broker.bootstrap], deserializers: stringDeserializers, maxWaitTime: 50, sessionTimeout: 3000, rebalanceTimeout: 5000, heartbeatInterval: 100 });
    consumer.on('error', (e: unknown) => {
      if (!closing.has(consumer)) consumerErrors.push(e);
    });
    consumer.on('consumer:group:join', (e) => {
      if (e.generationId !== undefined) owned.push({ generation: e.generationId, memberId: e.memberId, partitions: (e.assignments ?? []).flatMap((a) => (a.topic === topic ? a.partitions : [])) });
    });
    const stream = await consumer.consume({ topics: [topic], mode: 'committed', fallbackMode: 'earliest', autocommit: false });
    // Commit after processing; a commit refused by a rebalance only means the record comes again.
    const read = (async () => {
      for await (const message of stream) {
        processed.add(message.value);
        await new Promise<void>((resolve) => {
          void message.commit(() => resolve());
        });
      }
    })();
    members.push({ consumer, stream, read });
  };
  const stop = async (i: number) => {
    const [m] = members.splice(i, 1);
    if (m === undefined) return;
    closing.add(m.consumer);
    await m.stream.close();
    await m.read;
    await m.consumer.close();
  };

  try {
    await createTopic(broker.port, topic, PARTITIONS);
    const production = (async () => {
      for (let n = 0; producing; n += PARTITIONS) {
        const messages = Array.from({ length: PARTITIONS }, (_, partition) => ({ topic, partition, value: String(n + partition) }));
        await producer.send({ acks: -1, messages });
        for (const m of messages) acked.add(m.value);
        await sleep(10);
      }
    })();
    await start();
    // Members join and leave on a seeded schedule, one to three at a time.
    for (let step = 0; step < 8; step++) {
      await sleep(random(300, 900));
      if (members.length === 1 || (members.length < 3 && random(0, 1) === 0)) await start();
      else await stop(random(0, members.length - 1));
    }
    producing = false;
    await production;
    while (members.length > 1) await stop(0);
    await eventually('the last consumer to process every record', () => [...acked].every((v) => processed.has(v)), 20_000);
    // Each send wrote one record to every partition, so each partition ends at the number of sends.
    const end = BigInt(acked.size / PARTITIONS);
    const admin = await RawClient.connect(broker.port);
    try {
      await eventually('the last consumer to commit the end of every partition', async () => {
        const res = await admin.request(9, 8, { groups: [{ groupId: 'churn-plat', topics: [{ name: topic, partitionIndexes: [...Array(PARTITIONS).keys()] }] }], requireStable: false });
        return res.groups[0]?.topics[0]?.partitions.every((p) => p.committedOffset === end) ?? false;
      });
    } finally {
      admin.close();
    }

    const generations = new Map<number, Map<number, string>>();
    const seen = new Map<string, number[]>();
    for (const o of owned) {
      // A follower that rejoins a stable group gets the same generation and assignment again (as in Kafka).
      const key = `${o.generation}/${o.memberId}`;
      const before = seen.get(key);
      if (before !== undefined) {
        assert.deepEqual(o.partitions, before, `generation ${o.generation}: ${o.memberId} got two assignments`);
        continue;
      }
      seen.set(key, o.partitions);
      const partitions = generations.get(o.generation) ?? new Map<number, string>();
      for (const p of o.partitions) {
        assert.equal(partitions.get(p), undefined, `generation ${o.generation}: partition ${p} owned by ${partitions.get(p)} and ${o.memberId}`);
        partitions.set(p, o.memberId);
      }
      generations.set(o.generation, partitions);
    }
    assert.deepEqual(consumerErrors, [], 'no consumer failed while in the group');
    assert.ok(generations.size >= 4, `only ${generations.size} generations`);
    assert.ok(acked.size >= PARTITIONS * 20, `only ${acked.size} records produced`);
  } finally {
    producing = false;
    while (members.length > 0) await stop(0).catch(() => undefined);
    await producer.close().catch(() => undefined);
    await broker.stop();
  }
});
