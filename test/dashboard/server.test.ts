/** The dashboard server over real HTTP: page and assets, the JSON API, the event stream, bad requests, a slow client. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { Collector, type Source } from '../../src/dashboard/collector.ts';
import { startDashboardServer, type RunningDashboard } from '../../src/dashboard/server.ts';
import { ReadingBuilder } from '../../src/dashboard/series.ts';
import { SdsError } from '../../src/errors.ts';

/** A source whose readings the test sets. */
function settableSource(): Source & { next: (gauges: Record<string, number>, counters?: Record<string, number>) => void } {
  let reading = new ReadingBuilder().build();
  return {
    name: 'test',
    read: () => Promise.resolve(reading),
    next(gauges, counters = {}) {
      const b = new ReadingBuilder();
      for (const [k, v] of Object.entries(gauges)) b.gauges.set(k, v);
      for (const [k, v] of Object.entries(counters)) b.counters.set(k, v);
      reading = b.build();
    },
  };
}

async function withServer(fn: (s: { url: string; collector: Collector; source: ReturnType<typeof settableSource>; server: RunningDashboard }) => Promise<void>): Promise<void> {
  const source = settableSource();
  let now = Date.now() - 60_000;
  const collector = new Collector({ sources: [source], intervalMs: 5000, now: () => (now += 5000) });
  const server = await startDashboardServer({ collector, port: 0 });
  try {
    await fn({ url: server.url, collector, source, server });
  } finally {
    await server.stop();
    await collector.stop();
  }
}

test('the page, its assets and the history as JSON', async () => {
  await withServer(async ({ url, collector, source }) => {
    const page = await fetch(url);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /<script src="assets\/dashboard\.js">/);
    for (const asset of ['assets/dashboard.js', 'assets/dashboard.css', 'assets/uPlot.min.css']) {
      const res = await fetch(new URL(asset, url));
      assert.equal(res.status, 200, asset);
      assert.ok((await res.arrayBuffer()).byteLength > 100, asset);
    }
    const head = await fetch(url, { method: 'HEAD' });
    assert.equal(head.status, 200);

    source.next({ GlobalTopicCount: 2 }, { 'MessagesInPerSec{broker="1"}': 100 });
    await collector.collect();
    source.next({ GlobalTopicCount: 3 }, { 'MessagesInPerSec{broker="1"}': 600 });
    await collector.collect();
    const history = (await (await fetch(new URL('api/history?range=3600', url))).json()) as { t: number[]; series: Record<string, unknown[]>; sources: Record<string, { ok: boolean }> };
    assert.equal(history.t.length, 2);
    assert.deepEqual(history.series['GlobalTopicCount'], [2, 3]);
    assert.deepEqual(history.series['MessagesInPerSec{broker="1"}'], [null, 100]);
    assert.equal(history.sources['test']?.ok, true);
  });
});

test('bad requests: unknown paths, other methods, unknown or out-of-range parameters', async () => {
  await withServer(async ({ url }) => {
    const answer = async (path: string, init?: RequestInit): Promise<[number, string]> => {
      const res = await fetch(new URL(path, url), init);
      return [res.status, ((await res.json()) as { error: string }).error];
    };
    assert.deepEqual((await answer('nope'))[0], 404);
    const [status, error] = await answer('api/history', { method: 'POST', body: '{}' });
    assert.equal(status, 405);
    assert.match(error, /read-only/);
    assert.equal((await answer('api/history', { method: 'DELETE' }))[0], 405);
    assert.match((await answer('api/history?rnage=60'))[1], /unknown query parameter "rnage"/);
    for (const bad of ['0', '3601', '-5', '1e3', 'abc', '']) assert.equal((await answer(`api/history?range=${bad}`))[0], 400, bad);
    assert.equal((await answer('api/events?x=1'))[0], 400);
    assert.equal((await answer('../../etc/passwd'))[0], 404);
  });
});

/** Reads server-sent events from a raw socket; returns the socket and the events seen so far. */
function openEvents(url: string) {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  socket.write(`GET /api/events HTTP/1.1\r\nHost: ${hostname}\r\nAccept: text/event-stream\r\n\r\n`);
  const received = { text: '', closed: false };
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (received.text += chunk));
  socket.on('close', () => (received.closed = true));
  const samples = (): { t: number; values: Record<string, number> }[] =>
    [...received.text.matchAll(/event: sample\ndata: (.*)\n\n/g)].map((m) => JSON.parse(m[1] ?? '') as { t: number; values: Record<string, number> });
  return { socket, received, samples };
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(check(), `timed out waiting for ${what}`);
}

test('the event stream: a sample per collection; a client that disconnects mid-stream is forgotten', async () => {
  await withServer(async ({ url, collector, source }) => {
    const a = openEvents(url);
    const b = openEvents(url);
    await until(() => a.received.text.includes('retry: 5000') && b.received.text.includes('retry: 5000'), 'both streams open');
    source.next({ GlobalTopicCount: 1 });
    await collector.collect();
    await until(() => a.samples().length === 1 && b.samples().length === 1, 'the first sample on both');
    assert.equal(a.samples()[0]?.values['GlobalTopicCount'], 1);

    b.socket.destroy();
    await until(() => b.received.closed, 'b closed');
    source.next({ GlobalTopicCount: 2 });
    await collector.collect();
    await collector.collect();
    await until(() => a.samples().length === 3, 'a keeps getting samples');
    assert.deepEqual(a.samples().map((s) => s.values['GlobalTopicCount']), [1, 2, 2]);
    a.socket.destroy();
  });
});

test('a client that never reads its event stream is dropped once 1 MiB waits for it; the others go on', async () => {
  await withServer(async ({ url, collector, source }) => {
    const slow = openEvents(url);
    const fine = openEvents(url);
    await until(() => slow.received.text.includes('retry:') && fine.received.text.includes('retry:'), 'streams open');
    slow.socket.pause();
    // About 300 KB per sample: 100 samples are far more than the socket buffers and the 1 MiB allowance.
    const big = Object.fromEntries(Array.from({ length: 6000 }, (_, i) => [`SumOffsetLag{consumer_group="group-${i}",topic="a-topic-with-a-long-name"}`, i]));
    source.next(big);
    for (let i = 0; i < 100; i++) {
      await collector.collect();
      await new Promise((r) => setImmediate(r));
    }
    await until(() => fine.samples().length === 100, 'the reading client gets every sample');
    slow.socket.resume();
    await until(() => slow.received.closed, 'the slow client dropped');
    assert.ok(slow.samples().length < 100, `the slow client got ${slow.samples().length} samples`);
    fine.socket.destroy();
  });
});

test('a port in use is a clear error', async () => {
  await withServer(async ({ server, collector }) => {
    await assert.rejects(startDashboardServer({ collector, port: server.port }), (e: unknown) => e instanceof SdsError && e.code === 'SDS_ERR_DASHBOARD_LISTEN' && /already in use/.test(e.message));
  });
});
