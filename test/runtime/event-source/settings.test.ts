import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MappingSettingsError, parseMappingSettings } from '../../../src/runtime/event-source/settings.ts';

test('defaults are AWS\'s for Kafka: BatchSize 100, a 500 ms window, retries until expiry', () => {
  assert.deepEqual(parseMappingSettings({ Topics: ['MyTopic'], StartingPosition: 'LATEST' }), {
    topic: 'MyTopic',
    batchSize: 100,
    batchingWindowMs: 500,
    startingPosition: 'LATEST',
    enabled: true,
    filters: [],
    maximumRetryAttempts: -1,
    maximumRecordAgeSeconds: -1,
    bisectBatchOnFunctionError: false,
    reportBatchItemFailures: false,
  });
});

test('every setting at its documented range', () => {
  const s = parseMappingSettings({
    Topics: ['t.1_x-y'],
    BatchSize: 10_000,
    MaximumBatchingWindowInSeconds: 0,
    StartingPosition: 'AT_TIMESTAMP',
    StartingPositionTimestamp: 1_700_000_000.5,
    ConsumerGroupId: 'my-group:v1',
    Enabled: false,
    FilterCriteria: { Filters: [{ Pattern: '{"value":["x"]}' }] },
    MaximumRetryAttempts: 10_000,
    MaximumRecordAgeInSeconds: 60,
    BisectBatchOnFunctionError: true,
    FunctionResponseTypes: ['ReportBatchItemFailures'],
  });
  assert.equal(s.batchingWindowMs, 0, 'once set, the window is whole seconds (0 included)');
  assert.equal(s.startingTimestampMs, 1_700_000_000_500);
  assert.equal(s.consumerGroupId, 'my-group:v1');
  assert.equal(s.enabled, false);
  assert.equal(s.maximumRetryAttempts, 10_000);
  assert.equal(s.reportBatchItemFailures, true);
  assert.equal(parseMappingSettings({ Topics: ['t'], StartingPosition: 'TRIM_HORIZON', MaximumBatchingWindowInSeconds: 300 }).batchingWindowMs, 300_000);
});

test('every problem is reported at once, by setting name', () => {
  try {
    parseMappingSettings({
      Topics: ['a', 'b'],
      BatchSize: 0,
      MaximumBatchingWindowInSeconds: 301,
      StartingPosition: 'AT_TIMESTAMP',
      ConsumerGroupId: 'has space',
      Enabled: 'yes',
      FilterCriteria: { Filters: [{ pattern: 'x' }] },
      MaximumRetryAttempts: -2,
      MaximumRecordAgeInSeconds: 59,
      FunctionResponseTypes: ['Other'],
      Colour: 'blue',
    } as Parameters<typeof parseMappingSettings>[0]);
    assert.fail('no error');
  } catch (e) {
    assert.ok(e instanceof MappingSettingsError);
    assert.equal(e.code, 'SDS_ERR_MAPPING_INVALID');
    const names = e.problems.map((p) => p.split(':')[0]);
    assert.deepEqual(names.sort(), [
      'BatchSize', 'Colour', 'ConsumerGroupId', 'Enabled', 'FilterCriteria', 'FunctionResponseTypes', 'MaximumBatchingWindowInSeconds',
      'MaximumRecordAgeInSeconds', 'MaximumRetryAttempts', 'StartingPositionTimestamp', 'Topics',
    ]);
  }
  assert.throws(() => parseMappingSettings({ Topics: ['t'] }), /StartingPosition: required/);
  assert.throws(() => parseMappingSettings({ Topics: ['t'], StartingPosition: 'LATEST', StartingPositionTimestamp: 5 }), /only with StartingPosition AT_TIMESTAMP/);
  assert.throws(() => parseMappingSettings({ Topics: ['t'], StartingPosition: 'LATEST', BatchSize: 1.5 }), /BatchSize: expected a whole number/);
});

test('DestinationConfig: a Kafka topic, a local bucket or a local file; bad filters are reported with the rest', () => {
  const parse = (Destination: string) => parseMappingSettings({ Topics: ['t'], StartingPosition: 'LATEST', DestinationConfig: { OnFailure: { Destination } } }).onFailure;
  assert.deepEqual(parse('kafka://failed-records'), { kind: 'kafka', topic: 'failed-records' });
  assert.deepEqual(parse('arn:aws:s3:::dest-bucket'), { kind: 'bucket', bucket: 'dest-bucket' });
  assert.deepEqual(parse('file:///var/tmp/failures.jsonl'), { kind: 'file', path: '/var/tmp/failures.jsonl' });
  assert.equal(parse('file:failures.jsonl')?.kind, 'file');
  assert.equal(parse(''), undefined, 'an empty Destination removes it, as in UpdateEventSourceMapping');
  try {
    parseMappingSettings({
      Topics: ['t'],
      StartingPosition: 'LATEST',
      DestinationConfig: { OnFailure: { Destination: 'arn:aws:sqs:us-east-1:123456789012:dlq' } },
      FilterCriteria: { Filters: [{ Pattern: '{"value":[{"wildcard":"*"}]}' }] },
    });
    assert.fail('no error');
  } catch (e) {
    assert.ok(e instanceof MappingSettingsError);
    assert.equal(e.problems.length, 2);
    assert.match(e.problems[0] ?? '', /^FilterCriteria: .*unknown operator "wildcard"/);
    assert.match(e.problems[1] ?? '', /^DestinationConfig: .*no local stand-in/);
  }
  for (const bad of ['kafka://', 'arn:aws:s3:::A_B', 'https://example.com/x', 'file:']) {
    assert.throws(() => parse(bad), /DestinationConfig/, bad);
  }
  assert.throws(() => parseMappingSettings({ Topics: ['t'], StartingPosition: 'LATEST', DestinationConfig: { OnSuccess: {} } }), /DestinationConfig: expected/);
});
