import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatRecord, jsonLine } from '../../../src/functions/msk-to-firehose/format.ts';
import { createHandler } from '../../../src/functions/msk-to-firehose/forwarder.ts';
import type { RecordFormat } from '../../../src/functions/msk-to-firehose/config.ts';
import { mskEvent, mskRecord } from './helpers.ts';

const BINARY = Buffer.from([0xff, 0xfe, 0x00, 0x80]);

test('json-lines: one JSON object per record, UTF-8 key and value as text, then a newline', () => {
  const line = jsonLine(mskRecord({ topic: 'orders', partition: 2, offset: 15, timestamp: 1_545_084_650_987, key: 'k-1', value: '{"id":1,"name":"é"}' }));
  assert.equal(
    line,
    '{"topic":"orders","partition":2,"offset":15,"timestamp":"2018-12-17T22:10:50.987Z","key":"k-1","value":"{\\"id\\":1,\\"name\\":\\"é\\"}"}\n',
  );
  assert.equal(line.indexOf('\n'), line.length - 1, 'a single line');
});

test('json-lines: binary keys and values are base64 with their encoding named', () => {
  const line = jsonLine(mskRecord({ offset: 1, key: BINARY, value: Buffer.concat([Buffer.from('ok'), BINARY]) }));
  assert.deepEqual(JSON.parse(line), {
    topic: 'orders',
    partition: 0,
    offset: 1,
    timestamp: '2018-12-17T22:10:50.987Z',
    key: '//4AgA==',
    keyEncoding: 'base64',
    value: Buffer.concat([Buffer.from('ok'), BINARY]).toString('base64'),
    valueEncoding: 'base64',
  });
});

test('json-lines: null keys and null values stay null, with no encoding field', () => {
  assert.deepEqual(JSON.parse(jsonLine(mskRecord({ offset: 3, key: null, value: 'v' }))), {
    topic: 'orders', partition: 0, offset: 3, timestamp: '2018-12-17T22:10:50.987Z', key: null, value: 'v',
  });
  assert.deepEqual(JSON.parse(jsonLine(mskRecord({ offset: 4, key: 'tomb', value: null }))), {
    topic: 'orders', partition: 0, offset: 4, timestamp: '2018-12-17T22:10:50.987Z', key: 'tomb', value: null,
  });
  // An empty (not null) value is text.
  assert.equal((JSON.parse(jsonLine(mskRecord({ offset: 5, value: '' }))) as { value: unknown }).value, '');
});

test('json-lines: a value with newlines stays on one line', () => {
  const line = jsonLine(mskRecord({ offset: 1, value: 'a\nb\r\n' }));
  assert.equal(line.split('\n').length, 2);
  assert.equal((JSON.parse(line) as { value: string }).value, 'a\nb\r\n');
});

test('raw: the value bytes exactly as produced, binary included; a null value is an empty record', () => {
  const value = Buffer.concat([BINARY, Buffer.from('\n tail')]);
  assert.deepEqual(formatRecord(mskRecord({ offset: 1, key: 'ignored', value }), 'raw'), value);
  assert.equal(formatRecord(mskRecord({ offset: 2, value: null }), 'raw').length, 0);
});

test('raw-newline: the value bytes and a newline; a null value is an empty line', () => {
  assert.deepEqual(formatRecord(mskRecord({ offset: 1, value: BINARY }), 'raw-newline'), Buffer.concat([BINARY, Buffer.from('\n')]));
  assert.deepEqual(formatRecord(mskRecord({ offset: 2, value: '{"a":1}' }), 'raw-newline'), Buffer.from('{"a":1}\n'));
  assert.deepEqual(formatRecord(mskRecord({ offset: 3, value: null }), 'raw-newline'), Buffer.from('\n'));
});

async function sentBy(format: RecordFormat): Promise<Buffer[]> {
  const sent: Buffer[] = [];
  const handler = createHandler({ deliveryStreamName: 's', format, maxAttempts: 1 }, (data) => {
    sent.push(...data.map((d) => Buffer.from(d)));
    return Promise.resolve({ FailedPutCount: 0, RequestResponses: data.map((_, i) => ({ RecordId: `r${i}` })) });
  });
  const summary = await handler(
    mskEvent([
      { topic: 'a', partition: 1, offset: 10, key: null, value: 'one' },
      { topic: 'a', partition: 1, offset: 11, key: BINARY, value: BINARY },
      { topic: 'a', partition: 0, offset: 5, key: 'k', value: null },
    ]),
  );
  assert.deepEqual(summary, { records: 3, calls: 1, retries: 0 });
  return sent;
}

test('the handler turns each Kafka record into one Firehose record, in event order, for every format', async () => {
  const lines = (await sentBy('json-lines')).map((b) => JSON.parse(b.toString('utf8')) as Record<string, unknown>);
  assert.deepEqual(lines.map((l) => [l['topic'], l['partition'], l['offset'], l['key'], l['value']]), [
    ['a', 1, 10, null, 'one'],
    ['a', 1, 11, '//4AgA==', '//4AgA=='],
    ['a', 0, 5, 'k', null],
  ]);
  assert.deepEqual(await sentBy('raw'), [Buffer.from('one'), BINARY, Buffer.alloc(0)]);
  assert.deepEqual(await sentBy('raw-newline'), [Buffer.from('one\n'), Buffer.concat([BINARY, Buffer.from('\n')]), Buffer.from('\n')]);
});

test('an event with no records makes no call', async () => {
  let calls = 0;
  const handler = createHandler({ deliveryStreamName: 's', format: 'json-lines', maxAttempts: 1 }, () => {
    calls += 1;
    return Promise.resolve({});
  });
  assert.deepEqual(await handler({ eventSource: 'SelfManagedKafka', bootstrapServers: 'h:1', records: {} }), { records: 0, calls: 0, retries: 0 });
  assert.equal(calls, 0);
});
