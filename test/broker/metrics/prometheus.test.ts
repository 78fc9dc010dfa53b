// The exposition of a hand-made snapshot: exact lines, the naming scheme, escaping, special
// values, and a round trip through the dashboard's strict parser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderPrometheus, type BrokerMetricsSnapshot } from '../../../src/broker/metrics/index.ts';
import { parsePrometheusText, sampleValue } from '../../../src/dashboard/prometheus-text.ts';

const snapshot: BrokerMetricsSnapshot = {
  timestamp: 1_700_000_000_000,
  brokerId: 1,
  clusterId: 'c',
  rateWindowSeconds: 60,
  broker: {
    BytesInPerSec: 2.5,
    BytesOutPerSec: 0,
    MessagesInPerSec: 0.5,
    ConnectionCount: 3,
    PartitionCount: 2,
    LeaderCount: 2,
    ProduceTotalTimeMsMean: 1.25,
    RequestBytesMean: 80,
    CpuUser: 10,
    CpuSystem: 5,
    CpuIdle: 85,
    MemoryUsed: 1_073_741_824,
    KafkaDataLogsDiskUsed: Number.NaN,
  },
  totals: { bytesIn: 150, bytesOut: 0, messagesIn: 30, requests: 9, requestBytes: 720, produceRequests: 4, produceTimeMs: 5 },
  topics: [{ topic: 'orders.v1', BytesInPerSec: 2.5, BytesOutPerSec: 0, MessagesInPerSec: 0.5, totals: { bytesIn: 150, bytesOut: 0, messagesIn: 30 } }],
  cluster: { GlobalTopicCount: 1, GlobalPartitionCount: 2, OfflinePartitionsCount: 0, UnderReplicatedPartitions: 0, ActiveControllerCount: 1 },
  consumerLag: [
    {
      consumerGroup: 'a"b\\c',
      topic: 'orders.v1',
      MaxOffsetLag: 4,
      SumOffsetLag: 6,
      EstimatedMaxTimeLag: 12.5,
      partitions: [
        { partition: 0, OffsetLag: 2, EstimatedTimeLag: 3 },
        { partition: 1, OffsetLag: 4, EstimatedTimeLag: 12.5 },
      ],
    },
  ],
};

test('series follow kafka_<MSK name>[_total|_sum|_count] with broker, topic, group and partition labels', () => {
  const lines = renderPrometheus(snapshot).split('\n');
  for (const expected of [
    '# TYPE kafka_BytesInPerSec gauge',
    'kafka_BytesInPerSec{broker="1"} 2.5',
    'kafka_BytesInPerSec{broker="1",topic="orders.v1"} 2.5',
    '# TYPE kafka_BytesInPerSec_total counter',
    'kafka_BytesInPerSec_total{broker="1"} 150',
    'kafka_BytesInPerSec_total{broker="1",topic="orders.v1"} 150',
    'kafka_MessagesInPerSec_total{broker="1",topic="orders.v1"} 30',
    'kafka_ProduceTotalTimeMsMean{broker="1"} 1.25',
    'kafka_ProduceTotalTimeMsMean_sum{broker="1"} 5',
    'kafka_ProduceTotalTimeMsMean_count{broker="1"} 4',
    'kafka_RequestBytesMean_sum{broker="1"} 720',
    'kafka_MemoryUsed{broker="1"} 1073741824',
    'kafka_KafkaDataLogsDiskUsed{broker="1"} NaN',
    'kafka_GlobalPartitionCount 2',
    'kafka_MaxOffsetLag{consumer_group="a\\"b\\\\c",topic="orders.v1"} 4',
    'kafka_EstimatedMaxTimeLag{consumer_group="a\\"b\\\\c",topic="orders.v1"} 12.5',
    'kafka_OffsetLag{consumer_group="a\\"b\\\\c",topic="orders.v1",partition="1"} 4',
  ]) {
    assert.ok(lines.includes(expected), `missing: ${expected}`);
  }
  assert.equal(lines.at(-1), '', 'the text ends with a line feed');
});

test('every family has HELP then TYPE, also with no series; the text parses back to the snapshot', () => {
  const text = renderPrometheus({ ...snapshot, consumerLag: [] });
  const lines = text.split('\n');
  const helpAt = lines.indexOf(lines.find((l) => l.startsWith('# HELP kafka_SumOffsetLag ')) as string);
  assert.ok(helpAt >= 0);
  assert.equal(lines[helpAt + 1], '# TYPE kafka_SumOffsetLag gauge');

  const families = parsePrometheusText(renderPrometheus(snapshot));
  assert.equal(families.length, 30);
  for (const f of families) assert.ok(f.help !== undefined && f.help !== '' && f.type !== 'untyped', f.name);
  assert.equal(sampleValue(families, 'kafka_SumOffsetLag', { consumer_group: 'a"b\\c', topic: 'orders.v1' }), 6);
  assert.equal(sampleValue(families, 'kafka_EstimatedTimeLag', { consumer_group: 'a"b\\c', topic: 'orders.v1', partition: '0' }), 3);
  assert.equal(sampleValue(families, 'kafka_CpuIdle', { broker: '1' }), 85);
  assert.ok(Number.isNaN(sampleValue(families, 'kafka_KafkaDataLogsDiskUsed', { broker: '1' })));
});
