/** kafka-console-consumer's default formatter, and the JSON form of a record. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConsumedRecord } from '../../src/client/consume.ts';
import { DEFAULT_FORMAT, formatJson, formatText, valueText } from '../../src/cli/record-format.ts';

const record: ConsumedRecord = {
  topic: 't',
  partition: 2,
  offset: 41n,
  timestamp: 1700000000000n,
  timestampType: 'CreateTime',
  key: Buffer.from('k'),
  value: Buffer.from('{"a":[1]}'),
  headers: [['h', Buffer.from('v')], ['empty', null]],
};

test('formatText: the value alone by default; every column in Kafka\'s order and separator', () => {
  assert.equal(formatText(record, DEFAULT_FORMAT), '{"a":[1]}\n');
  const all = { ...DEFAULT_FORMAT, printTimestamp: true, printPartition: true, printOffset: true, printHeaders: true, printKey: true };
  assert.equal(formatText(record, all), 'CreateTime:1700000000000\tPartition:2\tOffset:41\th:v,empty:null\tk\t{"a":[1]}\n');
  assert.equal(formatText({ ...record, key: null, value: null, headers: [], timestampType: 'LogAppendTime' }, { ...all, separator: ',' }), 'LogAppendTime:1700000000000,Partition:2,Offset:41,NO_HEADERS,null,null\n');
});

test('valueText and formatJson: utf8, base64, hex, json (pretty when it parses, as is when not)', () => {
  const bytes = Buffer.from([0x7b, 0x01, 0xff]);
  assert.equal(valueText(bytes, 'hex'), '7b01ff');
  assert.equal(valueText(bytes, 'base64'), 'ewH/');
  assert.equal(valueText(Buffer.from('{"a":1}'), 'json'), '{\n  "a": 1\n}');
  assert.equal(valueText(Buffer.from('not json'), 'json'), 'not json');
  assert.equal(valueText(null, 'json'), 'null');
  assert.deepEqual(JSON.parse(formatJson(record, { keyFormat: 'utf8', valueFormat: 'json' })), {
    topic: 't', partition: 2, offset: 41, timestamp: 1700000000000, key: 'k', value: { a: [1] }, headers: [{ key: 'h', value: 'v' }, { key: 'empty', value: null }],
  });
  assert.equal((JSON.parse(formatJson({ ...record, value: Buffer.from('x{') }, { keyFormat: 'hex', valueFormat: 'json' })) as { value: unknown }).value, 'x{');
  assert.equal((JSON.parse(formatJson(record, { keyFormat: 'hex', valueFormat: 'base64' })) as { key: unknown }).key, '6b');
});
