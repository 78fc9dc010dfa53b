import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Match } from 'aws-cdk-lib/assertions';
import { BUFFERING_LIMITS } from '../../src/runtime/firehose/settings.ts';
import { COMPRESSION_FORMATS } from '../../src/runtime/firehose/compression.ts';
import { readConfig, RECORD_FORMATS } from '../../src/functions/msk-to-firehose/config.ts';
import { MAX_MAX_ATTEMPTS } from '../../infra/constructs/forwarder-settings.ts';
import { MskLambdaKdfStack } from '../../infra/stacks/msk-lambda-kdf-stack.ts';
import { appWithChecks, dashboardMetrics, onlyResource, policyStatements, resourcesOf, synth } from './helpers.ts';

const { template, json } = synth(new MskLambdaKdfStack(appWithChecks(), 'MskLambdaKdf'));

test('the forwarder: our msk-to-firehose handler with DELIVERY_STREAM_NAME, RECORD_FORMAT and MAX_ATTEMPTS from the stack', () => {
  const [streamId] = onlyResource(json, 'AWS::KinesisFirehose::DeliveryStream');
  template.hasResourceProperties('AWS::Lambda::Function', {
    Runtime: 'nodejs22.x',
    Handler: 'index.handler',
    Timeout: 300,
    Environment: { Variables: { DELIVERY_STREAM_NAME: { Ref: streamId }, RECORD_FORMAT: { Ref: 'RecordFormat' }, MAX_ATTEMPTS: { Ref: 'MaxAttempts' }, NODE_OPTIONS: '--enable-source-maps' } },
  });
  assert.deepEqual(json.Parameters['RecordFormat']?.AllowedValues, [...RECORD_FORMATS]);
  assert.deepEqual([json.Parameters['MaxAttempts']?.MinValue, json.Parameters['MaxAttempts']?.MaxValue, json.Parameters['MaxAttempts']?.Default], [1, MAX_MAX_ATTEMPTS, 5]);
});

test('MaxAttempts\' range is the function\'s own (readConfig accepts 1-20)', () => {
  const env = (n: number) => ({ DELIVERY_STREAM_NAME: 's', AWS_REGION: 'us-east-1', MAX_ATTEMPTS: String(n) });
  assert.doesNotThrow(() => readConfig(env(MAX_MAX_ATTEMPTS)));
  assert.throws(() => readConfig(env(MAX_MAX_ATTEMPTS + 1)));
  assert.throws(() => readConfig(env(0)));
});

test('the delivery stream: Direct PUT, server-side encryption, error logging, buffering, compression and prefixes from the parameters', () => {
  template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
    DeliveryStreamType: 'DirectPut',
    DeliveryStreamEncryptionConfigurationInput: { KeyType: 'AWS_OWNED_CMK' },
    ExtendedS3DestinationConfiguration: {
      BufferingHints: { SizeInMBs: { Ref: 'SizeInMBs' }, IntervalInSeconds: { Ref: 'IntervalInSeconds' } },
      CompressionFormat: { Ref: 'CompressionFormat' },
      Prefix: { 'Fn::If': [Match.anyValue(), { Ref: 'AWS::NoValue' }, { Ref: 'Prefix' }] },
      ErrorOutputPrefix: { 'Fn::If': [Match.anyValue(), { Ref: 'AWS::NoValue' }, { Ref: 'ErrorOutputPrefix' }] },
      CloudWatchLoggingOptions: { Enabled: true, LogGroupName: Match.anyValue(), LogStreamName: { Ref: onlyResource(json, 'AWS::Logs::LogStream')[0] } },
    },
  });
  template.hasResourceProperties('AWS::Logs::LogStream', { LogStreamName: 'DestinationDelivery' });
  const p = json.Parameters;
  assert.deepEqual([p['SizeInMBs']?.MinValue, p['SizeInMBs']?.MaxValue, p['SizeInMBs']?.Default], [BUFFERING_LIMITS.SizeInMBs.min, BUFFERING_LIMITS.SizeInMBs.max, BUFFERING_LIMITS.SizeInMBs.default]);
  assert.deepEqual([p['IntervalInSeconds']?.MinValue, p['IntervalInSeconds']?.MaxValue, p['IntervalInSeconds']?.Default], [0, 900, 300]);
  assert.deepEqual(p['CompressionFormat']?.AllowedValues, [...COMPRESSION_FORMATS]);
  assert.equal(p['CompressionFormat']?.Default, 'UNCOMPRESSED');
  assert.equal(p['Prefix']?.MaxLength, 1024);
});

test('the output bucket: encrypted, public access blocked, TLS enforced, access logs, lifecycle rules', () => {
  const buckets = resourcesOf(json, 'AWS::S3::Bucket');
  assert.equal(buckets.length, 2);
  for (const [, bucket] of buckets) {
    assert.deepEqual(bucket.Properties?.['PublicAccessBlockConfiguration'], { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    assert.ok(JSON.stringify(bucket.Properties?.['BucketEncryption']).includes('AES256'));
  }
  template.hasResourceProperties('AWS::S3::Bucket', {
    LoggingConfiguration: { DestinationBucketName: Match.anyValue(), LogFilePrefix: 'output/' },
    LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Transitions: [{ StorageClass: 'INTELLIGENT_TIERING', TransitionInDays: 30 }] }), Match.objectLike({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } })]) },
  });
  const policies = resourcesOf(json, 'AWS::S3::BucketPolicy').map(([, r]) => JSON.stringify(r.Properties));
  assert.equal(policies.filter((p) => p.includes('"aws:SecureTransport":"false"')).length, 2);
});

test('IAM: Firehose writes only the output bucket and its log stream; the forwarder puts only into its stream', () => {
  const statements = policyStatements(json);
  const [bucketId] = resourcesOf(json, 'AWS::S3::Bucket').find(([, b]) => b.Properties?.['LoggingConfiguration'] !== undefined) ?? [];
  const bySid = (sid: string) => statements.find((s) => s.Sid === sid);
  assert.deepEqual(bySid('Bucket')?.Resource, { 'Fn::GetAtt': [bucketId, 'Arn'] });
  assert.deepEqual(bySid('Objects')?.Resource, { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/*']] });
  assert.ok(JSON.stringify(bySid('ErrorLog')?.Resource).includes(':log-stream:'));
  const [streamId] = onlyResource(json, 'AWS::KinesisFirehose::DeliveryStream');
  assert.deepEqual(bySid('DeliveryStream')?.Resource, { 'Fn::GetAtt': [streamId, 'Arn'] });
  assert.deepEqual(statements.filter((s) => s.Resource === '*').map((s) => s.Sid), ['Network']);
});

test('the dashboard: the function\'s section and the delivery stream\'s', () => {
  const { metricNames } = dashboardMetrics(json);
  for (const metric of ['Invocations', 'Errors', 'Duration', 'OffsetLag', 'IncomingRecords', 'IncomingBytes', 'DeliveryToS3.Records', 'DeliveryToS3.Success', 'DeliveryToS3.DataFreshness']) {
    assert.ok(metricNames.includes(metric), metric);
  }
});

test('parameter groups: mapping, delivery stream, forwarder; outputs', () => {
  const ui = json.Metadata['AWS::CloudFormation::Interface'] as { ParameterGroups: { Label: { default: string } }[] };
  assert.deepEqual(ui.ParameterGroups.map((g) => g.Label.default), ['Kafka event source mapping', 'Firehose delivery stream', 'Forwarder function']);
  assert.deepEqual(Object.keys(json.Outputs).sort(), ['CloudWatchDashboardName', 'ConsumerGroup', 'DeliveryStreamName', 'LambdaFunctionName', 'OutputBucketName']);
});
