import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildEvent, eventJson, recordJson, toMskRecord, type PolledRecord } from '../../../src/runtime/event-source/event.ts';
import { headerEntries, keyBytes, valueBytes } from '../../../src/functions/shared/kafka-event.ts';

// The example event of AWS's "Using Lambda with Amazon MSK" page, verbatim.
const AWS_EXAMPLE = {
  eventSource: 'aws:kafka',
  eventSourceArn: 'arn:aws:kafka:us-east-1:123456789012:cluster/vpc-2priv-2pub/751d2973-a626-431c-9d4e-d7975eb44dd7-2',
  bootstrapServers:
    'b-2.demo-cluster-1.a1bcde.c1.kafka.us-east-1.amazonaws.com:9092,b-1.demo-cluster-1.a1bcde.c1.kafka.us-east-1.amazonaws.com:9092',
  records: {
    'mytopic-0': [
      {
        topic: 'mytopic',
        partition: 0,
        offset: 15,
        timestamp: 1545084650987,
        timestampType: 'CREATE_TIME',
        key: 'cmVjb3JkS2V5',
        value: 'eyJrZXkiOiJ2YWx1ZSJ9',
        headers: [{ headerKey: [104, 101, 97, 100, 101, 114, 86, 97, 108, 117, 101] }],
      },
    ],
  },
};

function polled(partial: Partial<PolledRecord>): PolledRecord {
  return { topic: 'mytopic', partition: 0, offset: 0n, timestamp: 0n, logAppendTime: false, key: null, value: null, headers: [], ...partial };
}

test('the event for the records of AWS\'s example equals AWS\'s example, field by field', () => {
  const event = buildEvent(
    {
      clusterArn: AWS_EXAMPLE.eventSourceArn,
      bootstrapServers: AWS_EXAMPLE.bootstrapServers.split(','),
    },
    [
      polled({
        offset: 15n,
        timestamp: 1545084650987n,
        key: Buffer.from('recordKey'),
        value: Buffer.from('{"key":"value"}'),
        headers: [['headerKey', Buffer.from('headerValue')]],
      }),
    ],
  );
  assert.deepEqual(event, AWS_EXAMPLE);
  assert.equal(JSON.stringify(event), JSON.stringify(AWS_EXAMPLE), 'the same JSON text, key order included');
});

test('records are grouped by topic-partition in offset order; self-managed Kafka has no ARN', () => {
  const event = buildEvent({ bootstrapServers: ['127.0.0.1:9092'] }, [
    polled({ topic: 'a', partition: 1, offset: 7n }),
    polled({ topic: 'a', partition: 0, offset: 3n, logAppendTime: true }),
    polled({ topic: 'a', partition: 1, offset: 8n }),
    polled({ topic: 'a-1', partition: 0, offset: 1n }),
  ]);
  assert.equal(event.eventSource, 'SelfManagedKafka');
  assert.equal('eventSourceArn' in event, false);
  assert.equal(event.bootstrapServers, '127.0.0.1:9092');
  assert.deepEqual(
    Object.entries(event.records).map(([k, rs]) => [k, rs.map((r) => r.offset)]),
    [
      ['a-1', [7, 8]],
      ['a-0', [3]],
      ['a-1-0', [1]],
    ],
  );
  assert.equal(event.records['a-0']?.[0]?.timestampType, 'LOG_APPEND_TIME');
});

test('null keys and values are left out; binary header bytes round-trip through the handler helpers', () => {
  const binary = Buffer.from([0, 127, 128, 255]);
  const event = buildEvent({ bootstrapServers: ['h:1'] }, [polled({ value: binary, headers: [['bin', binary], ['empty', null], ['bin', Buffer.from('x')]] })]);
  const record = event.records['mytopic-0']?.[0];
  assert.ok(record !== undefined);
  assert.equal('key' in record, false);
  assert.deepEqual(record.headers, [{ bin: [0, 127, -128, -1] }, { empty: [] }, { bin: [120] }]);
  assert.equal(keyBytes(record), null);
  assert.deepEqual(valueBytes(record), binary);
  assert.deepEqual(headerEntries(record), [
    ['bin', binary],
    ['empty', Buffer.alloc(0)],
    ['bin', Buffer.from('x')],
  ]);
});

test('the event text assembled from each record\'s JSON is exactly JSON.stringify of the event', () => {
  const sources = [{ bootstrapServers: ['b-1:9092', 'b-2:9092'] }, { bootstrapServers: ['[::1]:9092'], clusterArn: 'arn:aws:kafka:us-east-1:123456789012:cluster/demo/abc' }];
  const records = [
    polled({ topic: 'orders', partition: 1, offset: 7n, key: null, value: Buffer.from('"quoted" \u00e9') }),
    polled({ topic: 'orders', partition: 0, offset: 3n, headers: [['h', Buffer.from([0, 200])], ['empty', null]] }),
    polled({ topic: 'orders', partition: 1, offset: 8n, value: null }),
    polled({ topic: '123', partition: 0, offset: 0n }),
  ];
  for (const source of sources) {
    for (let n = 0; n <= records.length; n++) {
      const some = records.slice(0, n);
      assert.equal(eventJson(source, some), JSON.stringify(buildEvent(source, some)));
    }
  }
});

test('a record\'s JSON text is JSON.stringify of its event form, for every kind of record', () => {
  const cases = [
    polled({}),
    polled({ key: null, value: null, headers: [] }),
    polled({ topic: 'a"b\\c', logAppendTime: true, offset: 9_007_199_254_740_991n, timestamp: 0n }),
    polled({ headers: [['n\u00e9\n', Buffer.from([255, 0, 128, 127])], ['', Buffer.alloc(0)], ['none', null]] }),
    polled({ key: Buffer.from([0xff, 0xfe]), value: Buffer.alloc(0) }),
  ];
  for (const r of cases) assert.equal(recordJson(r), JSON.stringify(toMskRecord(r)));
});
