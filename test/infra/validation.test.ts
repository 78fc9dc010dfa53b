import assert from 'node:assert/strict';
import { test } from 'node:test';
import { App } from 'aws-cdk-lib';
import { InvalidPropsError } from '../../infra/constructs/validation.ts';
import { optionalWholeNumberPattern } from '../../infra/constructs/kafka-consumer-parameters.ts';
import { MskLambdaKdfStack } from '../../infra/stacks/msk-lambda-kdf-stack.ts';
import { MskLambdaStack } from '../../infra/stacks/msk-lambda-stack.ts';
import { MskStandaloneStack } from '../../infra/stacks/msk-standalone-stack.ts';
import { createApp } from '../../infra/create-app.ts';

/** The one error a construction throws, with every problem in it. */
function problemsOf(build: () => unknown): readonly string[] {
  try {
    build();
  } catch (error: unknown) {
    assert.ok(error instanceof InvalidPropsError, String(error));
    assert.equal(error.code, 'SDS_ERR_CONFIG_INVALID');
    for (const problem of error.problems) assert.ok(error.message.includes(problem), 'the message names every problem');
    return error.problems;
  }
  assert.fail('expected an InvalidPropsError');
}

test('MskStandalone: a bad subnet count, a broker count off the subnets, and other bad values are reported together', () => {
  const problems = problemsOf(() => new MskStandaloneStack(new App(), 'S', { subnetCount: 4, brokerCount: 31, kafkaVersion: '2.8.1', brokerInstanceType: 'kafka.m4.large', ebsVolumeSize: 0, clusterName: '9lives' }));
  assert.equal(problems.length, 6);
  assert.match(problems[0] ?? '', /^subnetCount: expected 2 or 3 subnets/);
  assert.match(problems[1] ?? '', /^brokerCount: expected a whole number from 1 to 30, got 31/);
  assert.ok(problems.some((p) => p.startsWith('kafkaVersion: expected one of 3.8.x')));
  assert.ok(problems.some((p) => p.startsWith('brokerInstanceType:')));
  assert.ok(problems.some((p) => p.startsWith('ebsVolumeSize:')));
  assert.ok(problems.some((p) => p.startsWith('clusterName:')));
});

test('MskStandalone: brokers must be a multiple of the subnets', () => {
  assert.deepEqual(problemsOf(() => new MskStandaloneStack(new App(), 'S', { subnetCount: 3, brokerCount: 4 })), [
    'brokerCount: 4 is not a multiple of the 3 subnets; use one of 3, 6, 9, 12, ...',
  ]);
  assert.doesNotThrow(() => new MskStandaloneStack(new App(), 'S', { subnetCount: 2, brokerCount: 4 }));
});

test('MskLambda: mapping defaults are checked by parseMappingSettings and function limits by the sds config check, in one error', () => {
  const problems = problemsOf(() => new MskLambdaStack(new App(), 'L', { consumer: { batchSize: 10_001, maximumBatchingWindowInSeconds: 301, topic: 'no spaces', consumerGroupId: 'a b' }, timeout: 901, memorySize: 64 }));
  assert.deepEqual(problems, [
    'Topics: expected exactly one topic name (letters, digits, ".", "_", "-"; at most 249 characters)',
    'BatchSize: expected a whole number from 1 to 10000, got 10001',
    'MaximumBatchingWindowInSeconds: expected a whole number from 0 to 300, got 301',
    'ConsumerGroupId: 1-200 characters of letters, digits and - / * : _ + = . @',
    'functions.msk-consumer.timeout: 901: expected a whole number of seconds from 1 to 900',
    'functions.msk-consumer.memorySize: 64: expected a whole number of MB from 128 to 10240',
  ]);
});

test('MskLambdaKdf: buffering hints, compression, prefixes and forwarder settings are checked with the local checks, in one error', () => {
  const problems = problemsOf(
    () =>
      new MskLambdaKdfStack(new App(), 'K', {
        consumer: { batchSize: 0 },
        stream: { sizeInMBs: 129, intervalInSeconds: 901, compressionFormat: 'BROTLI', prefix: 'data/!{timestamp:yyyy}/', errorOutputPrefix: 'errors/!{timestamp:yyyy}/' },
        forwarder: { recordFormat: 'xml', maxAttempts: 21 },
      }),
  );
  assert.ok(problems.includes('BatchSize: expected a whole number from 1 to 10000, got 0'));
  assert.ok(problems.includes('BufferingHints.SizeInMBs: expected a whole number from 1 to 128, got 129'));
  assert.ok(problems.includes('BufferingHints.IntervalInSeconds: expected a whole number from 0 to 900, got 901'));
  assert.ok(problems.some((p) => p.startsWith('CompressionFormat: expected one of UNCOMPRESSED, GZIP')));
  assert.ok(problems.some((p) => p.startsWith('ErrorOutputPrefix') && p.includes('error-output-type')), problems.join('\n'));
  assert.ok(problems.some((p) => p.startsWith('RECORD_FORMAT is "xml"')));
  assert.ok(problems.some((p) => p.startsWith('MAX_ATTEMPTS is "21"')));
  assert.equal(problems.length, 7);
});

test('the app reads subnetCount from the context and refuses a bad one', () => {
  assert.throws(() => createApp({ context: { subnetCount: 'two' } }), (error: unknown) => error instanceof InvalidPropsError && error.problems[0] === 'subnetCount: expected 2 or 3, got "two"');
  assert.throws(() => createApp({ context: { subnetCount: '5' } }), (error: unknown) => error instanceof InvalidPropsError && error.problems[0]?.startsWith('subnetCount: expected 2 or 3 subnets') === true);
});

test('optionalWholeNumberPattern matches exactly 0..max (and empty) for every max up to 999', () => {
  for (const max of [9, 10, 99, 100, 150, 300, 900, 999]) {
    const pattern = new RegExp(optionalWholeNumberPattern(max));
    assert.ok(pattern.test(''));
    for (let n = 0; n <= 1000; n++) assert.equal(pattern.test(String(n)), n <= max, `${n} against ${max}`);
  }
});
