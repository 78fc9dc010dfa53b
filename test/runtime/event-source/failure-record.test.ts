import { test } from 'node:test';
import assert from 'node:assert/strict';
import { batchFailureRecord, topicFailureMessage } from '../../../src/runtime/event-source/failure-record.ts';
import { buildEvent, type PolledRecord } from '../../../src/runtime/event-source/event.ts';

const source = { bootstrapServers: ['b-1:9092', 'b-2:9092'], clusterArn: 'arn:aws:kafka:us-east-1:123456789012:cluster/demo/abc' };
const rec = (partition: number, offset: number, ms: number): PolledRecord => ({
  topic: 'Topic', partition, offset: BigInt(offset), timestamp: BigInt(ms), logAppendTime: false, key: Buffer.from('k'), value: Buffer.from('v'), headers: [],
});
const ctx = { requestId: '316aa6d0-8154-xmpl-9af7-85d5f4a6bc81', functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:myfunction', approximateInvokeCount: 3, now: new Date('2019-11-14T00:38:06.021Z') };

test('a batch that exhausted its retries: AWS\'s documented shape, with the event as a string for buckets', () => {
  const batch = [rec(0, 10, 1573691884835), rec(0, 11, 1573691885580), rec(1, 4, 1573691885000)];
  const record = batchFailureRecord(source, batch, { ...ctx, condition: 'RetryAttemptsExhausted' }, true);
  const event = JSON.stringify(buildEvent(source, batch));
  assert.deepEqual(record, {
    requestContext: { requestId: ctx.requestId, functionArn: ctx.functionArn, condition: 'RetryAttemptsExhausted', approximateInvokeCount: 3 },
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    version: '1.0',
    timestamp: '2019-11-14T00:38:06.021Z',
    KafkaBatchInfo: {
      batchSize: 3,
      eventSourceArn: source.clusterArn,
      bootstrapServers: 'b-1:9092,b-2:9092',
      payloadSize: Buffer.byteLength(event),
      recordsInfo: {
        'Topic-0': { firstRecordOffset: '10', lastRecordOffset: '11', firstRecordTimestamp: '2019-11-14T00:38:04.835Z', lastRecordTimestamp: '2019-11-14T00:38:05.580Z' },
        'Topic-1': { firstRecordOffset: '4', lastRecordOffset: '4', firstRecordTimestamp: '2019-11-14T00:38:05.000Z', lastRecordTimestamp: '2019-11-14T00:38:05.000Z' },
      },
    },
    payload: event,
  });
  const oversized = batchFailureRecord(source, [rec(0, 12, 0)], { ...ctx, approximateInvokeCount: 0, condition: 'MaximumPayloadSizeExceeded' }, false);
  assert.equal(oversized.responseContext, null, 'never invoked');
  assert.equal('payload' in oversized, false);
});

test('a Kafka topic destination gets one message per record, with the one-record event as an object', () => {
  const r = rec(2, 99, 1573691884835);
  const message = topicFailureMessage(source, r, ctx);
  assert.equal(message.requestContext.condition, 'RetriesExhausted');
  assert.deepEqual(message.KafkaBatchInfo.recordInfo, { offset: '99', timestamp: '2019-11-14T00:38:04.835Z' });
  assert.equal(message.KafkaBatchInfo.batchSize, 1);
  assert.deepEqual(message.payload, buildEvent(source, [r]));
  assert.equal(message.KafkaBatchInfo.payloadSize, Buffer.byteLength(JSON.stringify(message.payload)));
});
