// The broker's Prometheus endpoint over real HTTP: the text parses strictly, every family
// has HELP and TYPE, values match metrics(), label values are escaped, other paths and
// methods are refused, a busy port is a clear error, and the endpoint stops with the broker.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker, type RunningBroker } from '../../../src/broker/broker.ts';
import { SdsError } from '../../../src/errors.ts';
import { parsePrometheusText, sampleValue } from '../../../src/dashboard/prometheus-text.ts';
import { RawClient } from '../../support/raw-client.ts';
import { createTopic } from '../groups/helpers.ts';

let broker: RunningBroker;
const ODD_GROUP = 'we"ird\\gro\nup';

before(async () => {
  broker = await startBroker({ metricsPort: 0 });
  await createTopic(broker.port, 'orders', 2);
  const producer = new Kafka({ clientId: 'http-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING }).producer();
  await producer.connect();
  try {
    await producer.send({ topic: 'orders', acks: -1, messages: [{ partition: 0, value: 'one' }, { partition: 1, value: 'two' }, { partition: 1, value: 'three' }] });
  } finally {
    await producer.disconnect();
  }
  const client = await RawClient.connect(broker.port);
  try {
    const res = await client.request(8, 8, { groupId: ODD_GROUP, generationIdOrMemberEpoch: -1, memberId: '', topics: [{ name: 'orders', partitions: [{ partitionIndex: 1, committedOffset: 0n }] }] });
    assert.equal(res.topics[0]?.partitions[0]?.errorCode, 0);
  } finally {
    client.close();
  }
});
after(async () => {
  await broker.stop();
});

function metricsUrl(): string {
  assert.ok(broker.metricsUrl);
  return broker.metricsUrl;
}

test('GET /metrics serves text format 0.0.4 with HELP and TYPE for every family, under MSK names', async () => {
  assert.match(metricsUrl(), /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
  const res = await fetch(metricsUrl());
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  const text = await res.text();
  const snapshot = await broker.metrics();
  const families = parsePrometheusText(text);
  for (const f of families) {
    assert.match(f.name, /^kafka_[A-Z][A-Za-z]+(_total|_sum|_count)?$/, f.name);
    assert.ok(f.help !== undefined && f.help.length > 0, `HELP for ${f.name}`);
    assert.ok(f.type === 'gauge' || f.type === 'counter', `TYPE for ${f.name}`);
    if (/_(total|sum|count)$/.test(f.name)) assert.equal(f.type, 'counter', f.name);
  }
  const names = families.map((f) => f.name);
  for (const msk of ['BytesInPerSec', 'BytesOutPerSec', 'MessagesInPerSec', 'ConnectionCount', 'ProduceTotalTimeMsMean', 'RequestBytesMean', 'CpuUser', 'CpuSystem', 'CpuIdle', 'MemoryUsed', 'KafkaDataLogsDiskUsed', 'GlobalTopicCount', 'GlobalPartitionCount', 'OfflinePartitionsCount', 'UnderReplicatedPartitions', 'ActiveControllerCount', 'MaxOffsetLag', 'SumOffsetLag', 'EstimatedMaxTimeLag']) {
    assert.ok(names.includes(`kafka_${msk}`), `kafka_${msk} is served`);
  }
  // No Kafka traffic happened between the scrape and the snapshot, so the counters agree.
  const topic = snapshot.topics.find((t) => t.topic === 'orders');
  assert.equal(sampleValue(families, 'kafka_MessagesInPerSec_total', { broker: '1', topic: 'orders' }), 3);
  assert.equal(sampleValue(families, 'kafka_BytesInPerSec_total', { broker: '1', topic: 'orders' }), topic?.totals.bytesIn);
  assert.equal(sampleValue(families, 'kafka_BytesInPerSec_total', { broker: '1' }), snapshot.totals.bytesIn);
  assert.equal(sampleValue(families, 'kafka_ProduceTotalTimeMsMean_count', { broker: '1' }), snapshot.totals.produceRequests);
  assert.equal(sampleValue(families, 'kafka_GlobalTopicCount'), 1);
  assert.equal(sampleValue(families, 'kafka_GlobalPartitionCount'), 2);
  assert.equal(sampleValue(families, 'kafka_ActiveControllerCount'), 1);
  // The clients of before() may still be closing on the broker's side: only a count is asserted.
  assert.ok((sampleValue(families, 'kafka_ConnectionCount', { broker: '1' }) as number) >= 0);
  const disk = sampleValue(families, 'kafka_KafkaDataLogsDiskUsed', { broker: '1' }) as number;
  assert.ok(disk >= 0 && disk <= 100, `disk used ${disk}`);
  const cpu = ['CpuUser', 'CpuSystem', 'CpuIdle'].map((m) => sampleValue(families, `kafka_${m}`, { broker: '1' }) as number);
  assert.ok(Math.abs(cpu.reduce((a, b) => a + b, 0) - 100) < 1e-6, `CPU split ${cpu.join(', ')} sums to 100`);
});

test('label values are escaped: a group id with a quote, a backslash and a line feed round-trips', async () => {
  const text = await (await fetch(metricsUrl())).text();
  assert.ok(text.includes('kafka_SumOffsetLag{consumer_group="we\\"ird\\\\gro\\nup",topic="orders"} 2\n'), 'escaped in the text');
  const families = parsePrometheusText(text);
  assert.equal(sampleValue(families, 'kafka_SumOffsetLag', { consumer_group: ODD_GROUP, topic: 'orders' }), 2);
  assert.equal(sampleValue(families, 'kafka_MaxOffsetLag', { consumer_group: ODD_GROUP, topic: 'orders' }), 2);
  assert.equal(sampleValue(families, 'kafka_OffsetLag', { consumer_group: ODD_GROUP, topic: 'orders', partition: '1' }), 2);
  assert.ok((sampleValue(families, 'kafka_EstimatedMaxTimeLag', { consumer_group: ODD_GROUP, topic: 'orders' }) as number) >= 0);
});

test('other paths answer 404, other methods 405', async () => {
  const base = new URL(metricsUrl());
  for (const path of ['/', '/metric', '/metrics/x']) assert.equal((await fetch(new URL(path, base))).status, 404, path);
  assert.equal((await fetch(new URL('/metrics?name=x', base))).status, 200, 'a query string is ignored');
  for (const method of ['POST', 'PUT', 'DELETE']) {
    const res = await fetch(metricsUrl(), { method });
    assert.equal(res.status, 405, method);
    assert.equal(res.headers.get('allow'), 'GET');
  }
});

test('a metrics port in use fails the start with SDS_ERR_METRICS_LISTEN and leaves nothing behind', async () => {
  const holder: Server = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  const busy = (holder.address() as { port: number }).port;
  const dataDir = mkdtempSync(join(tmpdir(), 'sds-metrics-busy-'));
  try {
    await assert.rejects(startBroker({ dataDir, metricsPort: busy }), (e: unknown) => {
      assert.ok(e instanceof SdsError);
      assert.equal(e.code, 'SDS_ERR_METRICS_LISTEN');
      assert.match(e.message, new RegExp(`127\\.0\\.0\\.1:${busy}: port ${busy} is already in use`));
      return true;
    });
    // The data directory was unlocked and the Kafka port released: a broker starts on it.
    const again = await startBroker({ dataDir });
    await again.stop();
  } finally {
    await new Promise<void>((resolve) => holder.close(() => resolve()));
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('without metricsPort there is no endpoint; with one, it stops with the broker', async () => {
  const plain = await startBroker();
  assert.equal(plain.metricsUrl, undefined);
  assert.equal((await plain.metrics()).cluster.ActiveControllerCount, 1);
  await plain.stop();

  const served = await startBroker({ metricsPort: 0 });
  const url = served.metricsUrl as string;
  // A keep-alive connection from a scraper must not hold the stop.
  assert.equal((await fetch(url)).status, 200);
  await served.stop();
  await assert.rejects(fetch(url));
});
