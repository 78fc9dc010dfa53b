/**
 * Soak: a steady stream of acks=all produce (SDS_SOAK_RATE records/s, default 500) and a
 * consumer group reading it, both with @platformatic/kafka, against a broker in a child
 * process for SDS_SOAK_SECONDS (default 600). The broker's RSS and open descriptors are
 * sampled throughout; after the warm-up (the first half) memory must show no growth trend,
 * the descriptors must hold steady and return to their idle count once the clients leave,
 * and every acknowledged record must have been consumed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Consumer, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import { startBrokerProcess } from './support/broker-process.ts';
import { MB, ProcessSampler, fdCount, rssBytes, slope } from './support/proc.ts';
import { connectionCount, createTopic, waitFor } from './support/kafka.ts';

const SECONDS = Number(process.env.SDS_SOAK_SECONDS ?? 600);
const RATE = Number(process.env.SDS_SOAK_RATE ?? 500);
const TOPIC = 'soak';
const PARTITIONS = 3;
/** About 40 samples in short runs, one every 5 s in long ones. */
const SAMPLE_MS = Math.min(5_000, Math.max(500, (SECONDS * 1000) / 40));
const TICK_MS = 100;
/** Growth the RSS trend of the second half may project over that half, and its slope per minute in long runs. */
const MAX_TREND_GROWTH = 32 * MB;
const MAX_SLOPE_PER_MINUTE = 3 * MB;
const PAD = 'x'.repeat(80);

test(`soak: ${RATE} records/s acks=all and a consumer group for ${SECONDS} s; memory and descriptors stay flat, every acked record is consumed`, { timeout: (SECONDS + 180) * 1000 }, async (t) => {
  const broker = await startBrokerProcess({ config: { groupInitialRebalanceDelayMs: 0 } });
  const total = Math.ceil(RATE * SECONDS) + RATE;
  const acked = new Uint8Array(total);
  const seen = new Uint8Array(total);
  let consumedUnique = 0;
  let deliveries = 0;
  let sendFailures = 0;
  let sent = 0;
  let producer: Producer<string, string, string, string> | undefined;
  let consumer: Consumer<string, string, string, string> | undefined;
  let sampler: ProcessSampler | undefined;
  try {
    await createTopic(broker.port, TOPIC, PARTITIONS);
    const idle = { fds: fdCount(broker.pid), rss: rssBytes(broker.pid) };
    sampler = new ProcessSampler(broker.pid, SAMPLE_MS);
    const bootstrapBrokers = [`127.0.0.1:${broker.port}`];

    consumer = new Consumer({
      clientId: 'soak-consumer',
      groupId: 'soak-group',
      bootstrapBrokers,
      deserializers: stringDeserializers,
      maxWaitTime: 200,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
    });
    const stream = await consumer.consume({ topics: [TOPIC], mode: 'earliest', autocommit: 1_000 });
    const consuming = (async () => {
      for await (const m of stream) {
        deliveries++;
        const seq = Number(m.key);
        if (seen[seq] === 0) {
          seen[seq] = 1;
          consumedUnique++;
        }
      }
    })();

    producer = new Producer({ clientId: 'soak-producer', bootstrapBrokers, serializers: stringSerializers, retries: 3 });
    const started = Date.now();
    const end = started + SECONDS * 1000;
    // Each tick sends what the rate owes by now, so a slow answer is caught up, not lost.
    while (Date.now() < end) {
      const owed = Math.min(total, Math.floor(((Date.now() - started) / 1000) * RATE)) - sent;
      if (owed > 0) {
        const from = sent;
        sent += owed;
        const messages = Array.from({ length: owed }, (_, i) => ({ topic: TOPIC, key: String(from + i), value: `${from + i} ${PAD}` }));
        try {
          await producer.send({ messages, acks: -1 });
          acked.fill(1, from, from + owed);
        } catch {
          sendFailures += owed;
        }
      }
      await new Promise((r) => setTimeout(r, TICK_MS));
    }
    const producedSeconds = (Date.now() - started) / 1000;
    const ackedCount = acked.reduce((n, a) => n + a, 0);
    await waitFor(() => consumedUnique >= ackedCount, 60_000, 200);
    const missing: number[] = [];
    for (let i = 0; i < sent && missing.length < 10; i++) if (acked[i] === 1 && seen[i] === 0) missing.push(i);

    await stream.close();
    await consuming;
    // close(true) has a callback overload first: wrap it so that the promise is the one awaited.
    const closing = consumer;
    consumer = undefined;
    await new Promise<void>((ok) => closing.close(true, () => ok()));
    await producer.close();
    producer = undefined;
    let after = { fds: -1, connections: -1 };
    await waitFor(async () => {
      after = { fds: fdCount(broker.pid), connections: await connectionCount(broker.metricsUrl) };
      return after.connections === 0 && after.fds <= idle.fds;
    }, 20_000, 250);
    sampler.stop();

    const samples = sampler.samples;
    const halfway = samples[Math.floor(samples.length / 2)]?.t ?? 0;
    const second = samples.filter((s) => s.t >= halfway && s.t <= producedSeconds * 1000);
    const rssSlope = slope(second.map((s) => ({ x: s.t, y: s.rss }))); // bytes per ms
    const span = (second.at(-1)?.t ?? 0) - (second[0]?.t ?? 0);
    const perMinute = rssSlope * 60_000;
    const fdsSecond = second.map((s) => s.fds);
    t.diagnostic(`sent ${sent} records in ${producedSeconds.toFixed(0)} s (${(sent / producedSeconds).toFixed(0)}/s), acked ${ackedCount}, failed sends ${sendFailures}; consumed ${consumedUnique} unique in ${deliveries} deliveries`);
    t.diagnostic(`broker idle: RSS ${(idle.rss / MB).toFixed(1)} MB, ${idle.fds} fds; ${sampler.summary()}`);
    t.diagnostic(`second half: RSS trend ${(perMinute / MB).toFixed(2)} MB/min (${((rssSlope * span) / MB).toFixed(1)} MB over ${(span / 1000).toFixed(0)} s), fds ${Math.min(...fdsSecond)}-${Math.max(...fdsSecond)}; after the clients left: ${after.fds} fds, ${after.connections} connections`);

    assert.ok(broker.alive(), `the broker is alive:\n${broker.stderr().slice(-2000)}`);
    // Only that the load really ran: how close to the rate a loaded machine gets is not asserted.
    assert.ok(sent >= RATE * SECONDS * 0.5, `the producer sent ${sent} of ${RATE * SECONDS} records`);
    assert.ok(ackedCount >= sent * 0.99, `${ackedCount} of ${sent} sends acknowledged`);
    assert.deepEqual(missing, [], 'every acknowledged record was consumed');
    assert.ok(second.length >= 5, `${second.length} samples in the second half`);
    assert.ok(rssSlope * span < MAX_TREND_GROWTH, `RSS trend over the second half: ${((rssSlope * span) / MB).toFixed(1)} MB`);
    if (span >= 240_000) assert.ok(perMinute < MAX_SLOPE_PER_MINUTE, `RSS trend ${(perMinute / MB).toFixed(2)} MB/min`);
    assert.ok(Math.max(...fdsSecond) - Math.min(...fdsSecond) <= 4, 'descriptors hold steady while the clients run');
    assert.ok(after.fds <= idle.fds && after.connections === 0, 'descriptors return to their idle count');
  } finally {
    sampler?.stop();
    const left = consumer;
    if (left !== undefined) await new Promise<void>((ok) => left.close(true, () => ok()));
    await producer?.close().catch(() => undefined);
    await broker.stop();
  }
});
