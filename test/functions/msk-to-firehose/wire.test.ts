/**
 * The handler module as Lambda loads it, through the real AWS SDK client, against a small real
 * HTTP server speaking Firehose's JSON 1.1 PutRecordBatch (FIREHOSE_ENDPOINT).
 */
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { FirehoseDeliveryError } from '../../../src/functions/msk-to-firehose/errors.ts';
import type { ForwarderHandler } from '../../../src/functions/msk-to-firehose/forwarder.ts';
import { jsonLine } from '../../../src/functions/msk-to-firehose/format.ts';
import { eventRecords } from '../../../src/functions/shared/kafka-event.ts';
import { startTestFirehose, type TestFirehose } from './firehose-test-server.ts';
import { mskEvent, numberedEvent } from './helpers.ts';

let firehose: TestFirehose;
let handler: ForwarderHandler;
const context = { getRemainingTimeInMillis: () => 60_000 };
const warnings: string[] = [];
const originalWarn = console.warn;

before(async () => {
  firehose = await startTestFirehose('kafka-to-s3');
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
    AWS_REGION: 'eu-west-1',
    DELIVERY_STREAM_NAME: 'kafka-to-s3',
    FIREHOSE_ENDPOINT: firehose.endpoint,
    MAX_ATTEMPTS: '3',
  });
  delete process.env['RECORD_FORMAT'];
  delete process.env['AWS_SESSION_TOKEN'];
  delete process.env['AWS_PROFILE'];
  ({ handler } = await import('../../../src/functions/msk-to-firehose/index.ts'));
  console.warn = (text: unknown) => warnings.push(String(text));
});

after(async () => {
  console.warn = originalWarn;
  await firehose.close();
});

beforeEach(() => {
  firehose.calls.length = 0;
  firehose.plans.length = 0;
  firehose.accepted.length = 0;
  warnings.length = 0;
});

test('records reach Firehose as JSON lines through the AWS SDK, signed, with base64 Data', async () => {
  const event = mskEvent([
    { topic: 'orders', partition: 0, offset: 7, key: 'k', value: '{"total":12}' },
    { topic: 'orders', partition: 0, offset: 8, key: null, value: Buffer.from([0xc3, 0x28]) },
    { topic: 'orders', partition: 1, offset: 3, key: Buffer.from([0xff]), value: null },
  ]);
  assert.deepEqual(await handler(event, context), { records: 3, calls: 1, retries: 0 });
  assert.equal(firehose.calls.length, 1);
  const call = firehose.calls[0];
  assert.ok(call !== undefined);
  assert.equal(call.streamName, 'kafka-to-s3');
  assert.equal(call.headers['content-type'], 'application/x-amz-json-1.1');
  assert.match(String(call.headers['authorization']), /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/firehose\/aws4_request/);
  assert.deepEqual(
    call.records.map((r) => r.toString('utf8')),
    eventRecords(event).map((r) => jsonLine(r)),
  );
  assert.deepEqual(JSON.parse(call.records[1]?.toString('utf8') ?? ''), {
    topic: 'orders', partition: 0, offset: 8, timestamp: '2018-12-17T22:10:50.987Z', key: null, value: 'wyg=', valueEncoding: 'base64',
  });
});

test('more than 500 records go in several calls', async () => {
  const summary = await handler(numberedEvent(1203), context);
  assert.deepEqual(summary, { records: 1203, calls: 3, retries: 0 });
  assert.deepEqual(firehose.calls.map((c) => c.records.length), [500, 500, 203]);
  assert.deepEqual(
    firehose.accepted.map((b) => (JSON.parse(b.toString('utf8')) as { value: string }).value),
    Array.from({ length: 1203 }, (_, i) => `v${i}`),
  );
});

test('failed entries are resent alone until Firehose takes them', async () => {
  firehose.plans.push({ failIndexes: [1, 3] }, { failIndexes: [1], errorCode: 'InternalFailure', errorMessage: 'Internal service failure.' });
  const summary = await handler(numberedEvent(5), context);
  assert.deepEqual(summary, { records: 5, calls: 3, retries: 2 });
  const values = (call: number): string[] => (firehose.calls[call]?.records ?? []).map((b) => (JSON.parse(b.toString('utf8')) as { value: string }).value);
  assert.deepEqual(values(0), ['v0', 'v1', 'v2', 'v3', 'v4']);
  assert.deepEqual(values(1), ['v1', 'v3']);
  assert.deepEqual(values(2), ['v3']);
  assert.equal(firehose.accepted.length, 5);
  assert.equal(warnings.length, 2);
  assert.match(warnings[0] ?? '', /"message":"retrying PutRecordBatch".*"errorCode":"ServiceUnavailableException"/);
});

test('a 500 ServiceUnavailableException and a dropped connection are retried whole', async () => {
  firehose.plans.push({ status: 500, type: 'ServiceUnavailableException', message: 'Slow down.' }, { dropConnection: true });
  assert.deepEqual(await handler(numberedEvent(4), context), { records: 4, calls: 3, retries: 2 });
  assert.deepEqual(firehose.calls.map((c) => c.records.length), [4, 4, 4]);
  assert.equal(firehose.accepted.length, 4);
  // What the SDK makes of each (the dropped socket surfaces as a TimeoutError "socket hang up").
  assert.deepEqual(warnings.map((w) => (JSON.parse(w) as { errorCode: string }).errorCode), ['ServiceUnavailableException', 'TimeoutError']);
});

test('when entries still fail after MAX_ATTEMPTS the handler throws with the count and the first error', async () => {
  firehose.plans.push({ failIndexes: [0, 2] }, { failIndexes: [0, 1] }, { failIndexes: [1] });
  await assert.rejects(handler(numberedEvent(3), context), (error: unknown) => {
    assert.ok(error instanceof FirehoseDeliveryError);
    assert.equal(error.undelivered, 1);
    assert.match(error.message, /^1 of 3 records could not be delivered to Firehose stream "kafka-to-s3": 1 still failing after 3 attempts \(MAX_ATTEMPTS 3\); first error: ServiceUnavailableException: Slow down\./);
    return true;
  });
  assert.equal(firehose.calls.length, 3);
});

test('ResourceNotFoundException and InvalidArgumentException throw at once', async () => {
  firehose.plans.push({ status: 400, type: 'ResourceNotFoundException', message: 'Firehose kafka-to-s3 under account 123456789012 not found.' });
  await assert.rejects(handler(numberedEvent(2), context), (error: unknown) => {
    assert.ok(error instanceof FirehoseDeliveryError);
    assert.equal(error.retryable, false);
    assert.equal(error.errorCode, 'ResourceNotFoundException');
    assert.match(error.message, /^2 of 2 records could not be delivered .*: PutRecordBatch failed with a non-retryable error; first error: ResourceNotFoundException: Firehose kafka-to-s3 under account 123456789012 not found\./);
    assert.ok(error.cause instanceof Error && error.cause.name === 'ResourceNotFoundException');
    return true;
  });
  assert.equal(firehose.calls.length, 1);
  firehose.plans.push({ status: 400, type: 'InvalidArgumentException', message: 'Records total too many bytes.' });
  await assert.rejects(handler(numberedEvent(2), context), (error: unknown) => error instanceof FirehoseDeliveryError && error.errorCode === 'InvalidArgumentException');
  assert.equal(firehose.calls.length, 2);
});
