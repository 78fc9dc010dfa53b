/**
 * Consumer-group benchmarks, run against any server through @platformatic/kafka (the same client
 * code for every server, so that the ratio measures the server):
 *
 * - End-to-end latency: a producer (acks=all) sends 1 KiB records at a fixed rate, each stamped
 *   with the time it was handed to the client; one group member receives them. Latency is
 *   receive time minus stamp, after a warm-up that is discarded.
 * - Rebalance time for a group of 5 over 10 partitions: forming (5 members start together on an
 *   empty group), a fifth member joining four, and one of five leaving; each is the time until
 *   every remaining member holds an assignment of the same new generation.
 */
import { Admin, Consumer, Producer } from '@platformatic/kafka';
import type { MessagesStream } from '@platformatic/kafka';

const RECORD_SIZE = 1024;
const WARM_UP_MS = 2000;
const TICK_MS = 5;
const MAX_RECORDS_PER_SEND = 500;

export interface LatencyRun {
  rate: number;
  /** Records sent in the measured window, and how many of them arrived. */
  sent: number;
  received: number;
  p50: number;
  p99: number;
  p999: number;
}

export interface RebalanceRun {
  formMs: number;
  joinMs: number;
  leaveMs: number;
}

async function createTopic(bootstrap: string, topic: string, partitions: number): Promise<void> {
  const admin = new Admin({ clientId: 'sds-bench', bootstrapBrokers: [bootstrap] });
  try {
    await admin.createTopics({ topics: [topic], partitions, replicas: 1 });
  } finally {
    await admin.close();
  }
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;
}

type BufferConsumer = Consumer<Buffer, Buffer, Buffer, Buffer>;

interface Member {
  readonly consumer: BufferConsumer;
  stream?: MessagesStream<Buffer, Buffer, Buffer, Buffer>;
  generation: number;
}

function member(bootstrap: string, group: string): Member {
  const consumer: BufferConsumer = new Consumer({
    clientId: 'sds-bench',
    groupId: group,
    bootstrapBrokers: [bootstrap],
    // The same small intervals against every server, so that detection delays do not dominate.
    sessionTimeout: 10_000,
    rebalanceTimeout: 10_000,
    heartbeatInterval: 250,
    maxWaitTime: 500,
    minBytes: 1,
  });
  const m: Member = { consumer, generation: -1 };
  consumer.on('consumer:group:join', (event: { generationId: number }) => {
    m.generation = event.generationId;
  });
  return m;
}

async function closeMember(m: Member): Promise<void> {
  await m.stream?.close().catch(() => undefined);
  // close(true) has a callback overload first: wrap it so that the promise is the one awaited.
  await new Promise<void>((ok) => m.consumer.close(true, () => ok()));
}

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((ok) => setTimeout(ok, 1));
  }
}

/** Latency of records produced at `rate` per second for `seconds`, to one group member. */
export async function endToEndLatency(bootstrap: string, topic: string, rate: number, seconds: number): Promise<LatencyRun> {
  await createTopic(bootstrap, topic, 1);
  const producer = new Producer({ clientId: 'sds-bench', bootstrapBrokers: [bootstrap], acks: -1 });
  const m = member(bootstrap, `${topic}-group`);
  const latencies: number[] = [];
  try {
    const stream = await m.consumer.consume({ topics: [topic], mode: 'earliest', autocommit: 1000 });
    m.stream = stream;
    await until(() => m.generation > 0, 30_000, 'the consumer to join its group');
    const start = performance.now();
    const measureFrom = start + WARM_UP_MS;
    stream.on('data', (message: { value: Buffer }) => {
      const stamp = message.value.readDoubleLE(0);
      if (stamp >= measureFrom) latencies.push(performance.now() - stamp);
    });
    const end = start + WARM_UP_MS + seconds * 1000;
    const sends: Promise<unknown>[] = [];
    let sent = 0;
    while (performance.now() < end) {
      const due = Math.floor(((performance.now() - start) / 1000) * rate);
      if (due > sent) {
        const stamp = performance.now();
        const value = Buffer.alloc(RECORD_SIZE, 0x61);
        value.writeDoubleLE(stamp, 0);
        // At most 500 KiB per send: one batch must stay under the servers' 1 MiB message limit.
        for (let from = sent; from < due; from += MAX_RECORDS_PER_SEND) {
          const count = Math.min(MAX_RECORDS_PER_SEND, due - from);
          sends.push(producer.send({ messages: Array.from({ length: count }, () => ({ topic, value })) }));
        }
        sent = due;
      }
      await new Promise((ok) => setTimeout(ok, TICK_MS));
    }
    await Promise.all(sends);
    const expected = sent - Math.floor((WARM_UP_MS / 1000) * rate);
    await until(() => latencies.length >= expected, 30_000, `the last records of ${topic}`).catch(() => undefined);
    latencies.sort((a, b) => a - b);
    return { rate, sent: expected, received: latencies.length, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), p999: percentile(latencies, 0.999) };
  } finally {
    await closeMember(m);
    await producer.close().catch(() => undefined);
  }
}

/** Resolves when every member in `members` holds an assignment of one generation after `after`. */
function settled(members: readonly Member[], after: number): () => boolean {
  return () => {
    const first = members[0]?.generation ?? -1;
    return first > after && members.every((x) => x.generation === first);
  };
}

/** One round: a group of 5 forms, a fifth joins four, one of five leaves. */
export async function rebalanceTimes(bootstrap: string, topic: string): Promise<RebalanceRun> {
  await createTopic(bootstrap, topic, 10);
  const members: Member[] = [];
  const join = async (m: Member): Promise<void> => {
    m.stream = await m.consumer.consume({ topics: [topic], mode: 'latest', autocommit: false });
  };
  try {
    const formGroup = `${topic}-form`;
    const five = Array.from({ length: 5 }, () => member(bootstrap, formGroup));
    members.push(...five);
    let t0 = performance.now();
    await Promise.all(five.map(join));
    await until(settled(five, 0), 60_000, 'a group of 5 to form');
    const formMs = performance.now() - t0;

    const joinGroup = `${topic}-join`;
    const four = Array.from({ length: 4 }, () => member(bootstrap, joinGroup));
    members.push(...four);
    await Promise.all(four.map(join));
    await until(settled(four, 0), 60_000, 'a group of 4 to form');
    const before = four[0]?.generation ?? 0;
    const fifth = member(bootstrap, joinGroup);
    members.push(fifth);
    t0 = performance.now();
    await join(fifth);
    await until(settled([...four, fifth], before), 60_000, 'the fifth member to be assigned');
    const joinMs = performance.now() - t0;

    const leaving = five[4];
    if (leaving === undefined) throw new Error('no fifth member');
    const stay = five.slice(0, 4);
    const generation = stay[0]?.generation ?? 0;
    t0 = performance.now();
    await closeMember(leaving);
    members.splice(members.indexOf(leaving), 1);
    await until(settled(stay, generation), 60_000, 'the four remaining members to be reassigned');
    const leaveMs = performance.now() - t0;
    return { formMs, joinMs, leaveMs };
  } finally {
    await Promise.all(members.map(closeMember));
  }
}
