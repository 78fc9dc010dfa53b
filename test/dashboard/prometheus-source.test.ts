/** The Prometheus source: the embedded broker's endpoint over HTTP, MSK's JMX exporter dialect, and endpoints that misbehave. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startBroker } from '../../src/broker/broker.ts';
import { parsePrometheusText } from '../../src/dashboard/prometheus-text.ts';
import { PrometheusSource, toReading } from '../../src/dashboard/sources/prometheus.ts';
import { createTopic, produce } from '../support/topic-data.ts';

test('the embedded broker\'s endpoint: per-second metrics as counters, the rest as gauges, under MSK\'s names', async () => {
  const broker = await startBroker({ port: 0, metricsPort: 0 });
  try {
    assert.ok(broker.metricsUrl !== undefined);
    await createTopic(broker.bootstrap, 'orders', 1);
    await produce(broker.bootstrap, 'orders', Array.from({ length: 25 }, (_, i) => ({ partition: 0, value: `r${i}` })));
    const reading = await new PrometheusSource(broker.metricsUrl).read();
    assert.equal(reading.counters.get('MessagesInPerSec{broker="1"}'), 25);
    assert.equal(reading.counters.get('MessagesInPerSec{broker="1",topic="orders"}'), 25);
    assert.ok((reading.counters.get('BytesInPerSec{broker="1"}') ?? 0) > 25 * 2);
    assert.equal(reading.gauges.has('MessagesInPerSec{broker="1"}'), false, 'the counter stands for the rate');
    assert.equal(reading.gauges.get('GlobalTopicCount'), 1);
    for (const metric of ['CpuUser', 'CpuSystem', 'KafkaDataLogsDiskUsed', 'ConnectionCount', 'MemoryUsed']) {
      assert.ok(reading.gauges.has(`${metric}{broker="1"}`), metric);
    }
  } finally {
    await broker.stop();
  }
});

test('MSK open monitoring (JMX exporter): BrokerTopicMetrics counters become the per-broker and per-topic series', () => {
  const text = [
    '# TYPE kafka_server_BrokerTopicMetrics_Count untyped',
    'kafka_server_BrokerTopicMetrics_Count{name="BytesInPerSec",} 1000.0',
    'kafka_server_BrokerTopicMetrics_Count{name="BytesInPerSec",topic="orders",} 600.0',
    'kafka_server_BrokerTopicMetrics_Count{name="MessagesInPerSec",} 10.0',
    'kafka_server_BrokerTopicMetrics_Count{name="FailedFetchRequestsPerSec",} 3.0',
    'jvm_memory_bytes_used{area="heap",} 5.0E8',
  ].join('\n');
  const reading = toReading(parsePrometheusText(`${text.replace(/,}/g, '}')}\n`), 'b-1.example:11001');
  assert.deepEqual(Object.fromEntries(reading.counters), {
    'BytesInPerSec{broker="b-1.example:11001"}': 1000,
    'BytesInPerSec{broker="b-1.example:11001",topic="orders"}': 600,
    'MessagesInPerSec{broker="b-1.example:11001"}': 10,
  });
  assert.equal(reading.gauges.size, 0);
});

test('an endpoint that answers an error, or text that is not Prometheus\'s, fails the reading with the reason', async () => {
  const server = createServer((req, res) => {
    if (req.url === '/missing') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' }).end('kafka_CpuUser{broker="1" 12\n');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    await assert.rejects(new PrometheusSource(`${base}/missing`).read(), /answered HTTP 404/);
    await assert.rejects(new PrometheusSource(`${base}/metrics`).read(), /line 1/);
  } finally {
    server.close();
  }
});
