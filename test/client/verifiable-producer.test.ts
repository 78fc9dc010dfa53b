/** The verifiable producer against the embedded broker over TCP: rate, events, offsets, and what is really in the topic. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { startBroker } from '../../src/broker/broker.ts';
import { resolveConnection } from '../../src/client/connection.ts';
import {
  counterSource,
  keyPolicy,
  lineSource,
  partitionForKey,
  runVerifiableProducer,
  STOCK_TICKERS,
  stockTickerSource,
  ThroughputLimiter,
  type ProducerEvent,
} from '../../src/client/verifiable-producer.ts';
import { readBack } from '../support/read-back.ts';
import { createTopic } from '../broker/groups/helpers.ts';

type Success = Extract<ProducerEvent, { name: 'producer_send_success' }>;

test('ThroughputLimiter: one record at the start, the rate after, and no burst after a pause', async () => {
  let now = 0;
  const limiter = new ThroughputLimiter(100, () => now); // 10 ms per record; holds 1 + 100 x 20 ms = 3
  assert.equal(await limiter.take(50), 1, 'one record at once');
  now = 25;
  assert.equal(await limiter.take(50), 2, '2.5 records earned: two go');
  now = 10_000;
  assert.equal(await limiter.take(50), 3, 'after a 10 s pause: the capacity only, not 1000 records');
  limiter.giveBack(2);
  assert.equal(await limiter.take(50), 2, 'records given back can go');
  now = 10_010;
  assert.equal(await limiter.take(1), 1);
  const unlimited = new ThroughputLimiter(-1, () => 0);
  assert.equal(await unlimited.take(1000), 1000);
  // A real wait: the second record goes 1/rate after the first (bounded wait, not a timing assertion).
  const start = performance.now();
  const real = new ThroughputLimiter(50);
  assert.equal(await real.take(1), 1);
  assert.equal(await real.take(1), 1);
  assert.ok(performance.now() - start >= 19, 'waited for the next token');
  const slow = new ThroughputLimiter(0.001);
  assert.equal(await slow.take(1), 1);
  const aborted = new AbortController();
  aborted.abort();
  assert.equal(await slow.take(1, aborted.signal), 0, 'an aborted wait takes nothing');
});

test('sources: counter values and prefix, repeating keys, stock ticker events, lines with key separators', async () => {
  const counter = counterSource({ valuePrefix: '7', keys: keyPolicy({ repeatingKeys: 3 }) });
  assert.deepEqual(await counter.next(4), [
    { key: '0', value: '7.0' },
    { key: '1', value: '7.1' },
    { key: '2', value: '7.2' },
    { key: '0', value: '7.3' },
  ]);
  assert.deepEqual(await counter.next(1), [{ key: '1', value: '7.4' }]);
  assert.deepEqual(await counterSource().next(2), [{ key: null, value: '0' }, { key: null, value: '1' }]);
  assert.deepEqual(await counterSource({ keys: keyPolicy({ key: 'k' }) }).next(1), [{ key: 'k', value: '0' }]);

  const ticks = (await stockTickerSource().next(50)) ?? [];
  for (const t of ticks) {
    const event = JSON.parse(t.value) as { ticker: string; price: number; event_time: string };
    assert.deepEqual(Object.keys(event), ['ticker', 'price', 'event_time']);
    assert.ok((STOCK_TICKERS as readonly string[]).includes(event.ticker));
    assert.equal(t.key, event.ticker);
    assert.ok(event.price >= 0 && event.price <= 100);
    assert.match(t.value, /"price":\d{1,3}(\.\d{1,2})?,/, 'a price in cents');
    assert.equal(new Date(event.event_time).toISOString(), event.event_time);
  }

  const lines = lineSource(Readable.from(['a:1\r\nb:2:x\n', 'c:\n']), { keySeparator: ':' });
  const read = [];
  for (let r = await lines.next(2); r !== null; r = await lines.next(2)) read.push(...r);
  assert.deepEqual(read, [{ key: 'a', value: '1' }, { key: 'b', value: '2:x' }, { key: 'c', value: '' }]);
  const bad = lineSource(Readable.from(['k:v\nno separator\nk:w\n']), { keySeparator: ':' });
  assert.deepEqual(await bad.next(10), [{ key: 'k', value: 'v' }], 'the lines before the bad one');
  await assert.rejects(bad.next(10), { code: 'SDS_ERR_PRODUCE_INPUT', message: /input line 2 has no key separator/ });
  const plain = lineSource(Readable.from(['x\n\ny\n']), { keys: keyPolicy({ repeatingKeys: 2 }) });
  assert.deepEqual(await plain.next(10), [{ key: '0', value: 'x' }, { key: '1', value: '' }, { key: '0', value: 'y' }]);
  assert.equal(await plain.next(10), null);
});

test('runVerifiableProducer: 300 records at 200/s, events, exact counts, offsets, and the records in the topic', { timeout: 120_000 }, async () => {
  const broker = await startBroker({ port: 0, config: { groupInitialRebalanceDelayMs: 0 } });
  try {
    await createTopic(broker.port, 'verified', 3);
    const connection = resolveConnection({ bootstrap: broker.bootstrap, properties: new Map(), clientId: 'test' });
    const events: ProducerEvent[] = [];
    const N = 300;
    const RATE = 200;
    const summary = await runVerifiableProducer(
      connection,
      {
        topic: 'verified',
        source: counterSource({ valuePrefix: '5', keys: keyPolicy({ repeatingKeys: 4 }) }),
        throughput: RATE,
        maxMessages: N,
        headers: [['origin', 'test'], ['origin', 'twice']],
      },
      { onEvent: (e) => events.push(e) },
    );
    assert.deepEqual(
      events.map((e) => e.name),
      ['startup_complete', ...Array<string>(N).fill('producer_send_success'), 'shutdown_complete', 'tool_data'],
    );
    const start = events[0];
    const tool = events.at(-1);
    assert.ok(start?.name === 'startup_complete' && tool?.name === 'tool_data');
    assert.deepEqual(Object.keys(tool), ['timestamp', 'name', 'sent', 'acked', 'target_throughput', 'avg_throughput']);
    assert.deepEqual([tool.sent, tool.acked, tool.target_throughput], [N, N, RATE]);
    assert.deepEqual([summary.sent, summary.acked, summary.failed], [N, N, 0]);

    const successes = events.filter((e): e is Success => e.name === 'producer_send_success');
    for (const s of successes) {
      assert.deepEqual(Object.keys(s), ['timestamp', 'name', 'key', 'value', 'offset', 'topic', 'partition']);
      assert.equal(s.topic, 'verified');
      assert.ok(Number.isInteger(s.timestamp) && Number.isInteger(s.offset) && Number.isInteger(s.partition));
      const n = Number(s.value.slice(2));
      assert.equal(s.value, `5.${n}`);
      assert.equal(s.key, String(n % 4), 'keys 0..3 cycling');
      assert.equal(s.partition, partitionForKey(s.key, 3));
    }
    assert.deepEqual(successes.map((s) => Number(s.value.slice(2))).sort((a, b) => a - b), Array.from({ length: N }, (_, i) => i));
    for (const p of [0, 1, 2]) {
      const offsets = successes.filter((s) => s.partition === p).map((s) => s.offset);
      assert.deepEqual(offsets, offsets.map((_, i) => i), `partition ${p}: contiguous offsets from 0, acknowledged in order`);
    }
    assert.deepEqual(summary.partitions.map((p) => [p.partition, p.records, p.firstOffset, p.lastOffset]),
      [0, 1, 2].map((p) => { const n = successes.filter((s) => s.partition === p).length; return [p, n, 0, n - 1]; }).filter(([, n]) => n !== 0));

    // The rate, from the events' own timestamps: no prefix of the run is ahead of 1 + rate x t ...
    const times = successes.map((s) => s.timestamp).sort((a, b) => a - b);
    times.forEach((t, i) => {
      const allowed = 1 + (RATE * (t - start.timestamp + 1)) / 1000;
      assert.ok(i + 1 <= allowed, `${i + 1} records acknowledged ${t - start.timestamp} ms after the start: over the limit`);
    });
    // ... so the last one cannot come before (N - 1) / rate. How far below the rate a loaded
    // machine falls is not this test's business: speed is measured in bench/, not asserted.
    assert.ok((times.at(-1) ?? 0) - start.timestamp >= ((N - 1) * 1000) / RATE - 1);
    assert.ok(tool.avg_throughput <= (RATE * N) / (N - 1) + 1, `avg_throughput ${tool.avg_throughput}`);

    // What the events say is what the topic holds, headers included.
    const stored = await readBack(broker.bootstrap, 'verified', N);
    const byPlace = new Map(stored.map((r) => [`${r.partition}:${r.offset}`, r]));
    assert.equal(byPlace.size, N);
    for (const s of successes) {
      const r = byPlace.get(`${s.partition}:${s.offset}`);
      assert.deepEqual([r?.key, r?.value], [s.key, s.value]);
      assert.deepEqual(r?.headers, { origin: 'twice' }, 'both headers stored; the consumer\'s map keeps the last');
    }
  } finally {
    await broker.stop();
  }
});

test('runVerifiableProducer: no limit, acks 0 and 1, compression, abort, and a missing topic', { timeout: 120_000 }, async () => {
  const broker = await startBroker({ port: 0 });
  try {
    await createTopic(broker.port, 'fast', 2);
    const connection = resolveConnection({ bootstrap: broker.bootstrap, properties: new Map(), clientId: 'test' });
    let successes = 0;
    const fast = await runVerifiableProducer(
      connection,
      { topic: 'fast', source: counterSource(), throughput: -1, maxMessages: 5000, acks: 1, compression: 'lz4' },
      { onEvent: (e) => void (e.name === 'producer_send_success' && successes++) },
    );
    assert.deepEqual([fast.sent, fast.acked, fast.failed, successes], [5000, 5000, 0, 5000]);
    assert.equal(fast.partitions.reduce((n, p) => n + p.records, 0), 5000);
    for (const p of fast.partitions) assert.equal(p.lastOffset - p.firstOffset + 1, p.records, 'no gaps, no duplicates');

    const noAcks: ProducerEvent[] = [];
    const zero = await runVerifiableProducer(connection, { topic: 'fast', source: counterSource(), throughput: -1, maxMessages: 10, acks: 0 }, { onEvent: (e) => noAcks.push(e) });
    assert.deepEqual([zero.sent, zero.acked], [10, 10]);
    assert.ok(noAcks.every((e) => e.name !== 'producer_send_success' || e.offset === -1), 'acks=0: offset -1, as Kafka reports it');

    // Aborted mid-run: what was sent is waited for and counted exactly.
    const stop = new AbortController();
    const events: ProducerEvent[] = [];
    const onEvent = (e: ProducerEvent): void => {
      events.push(e);
      if (events.filter((x) => x.name === 'producer_send_success').length === 5) stop.abort();
    };
    const stopped = await runVerifiableProducer(connection, { topic: 'fast', source: counterSource(), throughput: 100, signal: stop.signal }, { onEvent });
    assert.ok(stopped.sent >= 5);
    assert.equal(stopped.acked, stopped.sent);
    assert.equal(events.filter((e) => e.name === 'producer_send_success').length, stopped.sent);
    assert.deepEqual(events.slice(-2).map((e) => e.name), ['shutdown_complete', 'tool_data']);

    await assert.rejects(
      runVerifiableProducer(connection, { topic: 'missing', source: counterSource(), throughput: -1, maxMessages: 1 }),
      { code: 'SDS_ERR_TOPIC_NOT_FOUND' },
    );
  } finally {
    await broker.stop();
  }
});
