import { test } from 'node:test';
import assert from 'node:assert/strict';
import { handler } from '../../src/functions/msk-consumer/index.ts';
import { buildEvent } from '../../src/runtime/event-source/event.ts';

/** Runs the handler, collecting what it logs (one JSON line per record). */
async function run(event: Parameters<typeof handler>[0]): Promise<{ result: Awaited<ReturnType<typeof handler>>; lines: unknown[] }> {
  const lines: unknown[] = [];
  const original = console.log;
  console.log = (text: unknown) => lines.push(JSON.parse(String(text)));
  try {
    return { result: await handler(event), lines };
  } finally {
    console.log = original;
  }
}

test('msk-consumer logs every record as one JSON line and returns the count', async () => {
  const event = buildEvent({ bootstrapServers: ['127.0.0.1:9092'], clusterArn: 'arn:aws:kafka:us-east-1:123456789012:cluster/demo/abc' }, [
    { topic: 'MyTopic', partition: 0, offset: 15n, timestamp: 1545084650987n, logAppendTime: false, key: Buffer.from('recordKey'), value: Buffer.from('{"key":"value"}'), headers: [['headerKey', Buffer.from('headerValue')]] },
    { topic: 'MyTopic', partition: 1, offset: 2n, timestamp: 1545084650988n, logAppendTime: true, key: null, value: Buffer.from([0xff, 0xfe, 0x00]), headers: [['bin', Buffer.from([0x80])]] },
    { topic: 'MyTopic', partition: 1, offset: 3n, timestamp: 1545084650989n, logAppendTime: true, key: Buffer.from('tomb'), value: null, headers: [] },
  ]);
  const { result, lines } = await run(event);
  assert.deepEqual(result, { processed: 3 });
  assert.deepEqual(lines, [
    {
      topic: 'MyTopic', partition: 0, offset: 15, timestamp: '2018-12-17T22:10:50.987Z', timestampType: 'CREATE_TIME',
      key: 'recordKey', value: '{"key":"value"}', headers: [{ key: 'headerKey', value: 'headerValue' }],
    },
    {
      topic: 'MyTopic', partition: 1, offset: 2, timestamp: '2018-12-17T22:10:50.988Z', timestampType: 'LOG_APPEND_TIME',
      key: null, value: '//4A', valueEncoding: 'base64', headers: [{ key: 'bin', value: 'gA==', valueEncoding: 'base64' }],
    },
    {
      topic: 'MyTopic', partition: 1, offset: 3, timestamp: '2018-12-17T22:10:50.989Z', timestampType: 'LOG_APPEND_TIME',
      key: 'tomb', value: null, headers: [],
    },
  ]);
});

test('msk-consumer accepts an event with no records', async () => {
  const { result, lines } = await run({ eventSource: 'SelfManagedKafka', bootstrapServers: 'h:1', records: {} });
  assert.deepEqual(result, { processed: 0 });
  assert.deepEqual(lines, []);
});
