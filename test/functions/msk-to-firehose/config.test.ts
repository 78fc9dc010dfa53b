import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DEFAULT_MAX_ATTEMPTS, readConfig } from '../../../src/functions/msk-to-firehose/config.ts';
import { ForwarderConfigError } from '../../../src/functions/msk-to-firehose/errors.ts';

const base = { DELIVERY_STREAM_NAME: 'kafka-to-s3', AWS_REGION: 'eu-west-1' };

test('defaults: json-lines, 5 attempts, AWS endpoint', () => {
  assert.deepEqual(readConfig(base), { deliveryStreamName: 'kafka-to-s3', format: 'json-lines', maxAttempts: 5, region: 'eu-west-1' });
  assert.equal(DEFAULT_MAX_ATTEMPTS, 5);
});

test('every setting is read', () => {
  assert.deepEqual(readConfig({ ...base, RECORD_FORMAT: 'raw-newline', MAX_ATTEMPTS: '8', FIREHOSE_ENDPOINT: 'http://127.0.0.1:4573' }), {
    deliveryStreamName: 'kafka-to-s3', format: 'raw-newline', maxAttempts: 8, region: 'eu-west-1', endpoint: 'http://127.0.0.1:4573',
  });
  assert.equal(readConfig({ ...base, RECORD_FORMAT: 'raw' }).format, 'raw');
  assert.equal(readConfig({ DELIVERY_STREAM_NAME: 's', AWS_DEFAULT_REGION: 'us-west-2' }).region, 'us-west-2');
  // A local endpoint needs no region.
  assert.equal(readConfig({ DELIVERY_STREAM_NAME: 's', FIREHOSE_ENDPOINT: 'http://localhost:1' }).region, 'us-east-1');
});

function problems(env: Record<string, string>): readonly string[] {
  try {
    readConfig(env);
  } catch (error: unknown) {
    assert.ok(error instanceof ForwarderConfigError);
    return error.problems;
  }
  assert.fail('expected a ForwarderConfigError');
}

test('an unknown RECORD_FORMAT is refused, naming the accepted values', () => {
  const [problem] = problems({ ...base, RECORD_FORMAT: 'csv' });
  assert.equal(problem, 'RECORD_FORMAT is "csv"; use one of json-lines, raw, raw-newline');
});

test('a missing DELIVERY_STREAM_NAME is refused, and every problem is reported at once', () => {
  const found = problems({ RECORD_FORMAT: 'JSON', MAX_ATTEMPTS: '0', FIREHOSE_ENDPOINT: 'localhost:4573' });
  assert.equal(found.length, 4);
  assert.match(found[0] ?? '', /^DELIVERY_STREAM_NAME is not set/);
  assert.match(found[1] ?? '', /^RECORD_FORMAT is "JSON"/);
  assert.match(found[2] ?? '', /^MAX_ATTEMPTS is "0"; use a whole number from 1 to 20/);
  assert.match(found[3] ?? '', /^FIREHOSE_ENDPOINT is "localhost:4573"/);
  assert.deepEqual(problems({ DELIVERY_STREAM_NAME: 's' }), ["AWS_REGION is not set; Lambda sets it, elsewhere set it to the stream's region"]);
  for (const bad of ['2.5', '-1', '21', 'five']) assert.equal(problems({ ...base, MAX_ATTEMPTS: bad }).length, 1, bad);
  assert.equal(problems({ ...base, DELIVERY_STREAM_NAME: '  ' }).length, 1);
});

// Lambda loads the module once per execution environment; a throw there is an init error.
const index = fileURLToPath(new URL('../../../src/functions/msk-to-firehose/index.ts', import.meta.url));

function load(env: Record<string, string>): { status: number | null; stderr: string } {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !['DELIVERY_STREAM_NAME', 'RECORD_FORMAT', 'MAX_ATTEMPTS', 'FIREHOSE_ENDPOINT'].includes(k)),
  );
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `await import(${JSON.stringify(index)}); console.log('loaded');`], {
    env: { ...clean, AWS_REGION: 'us-east-1', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: result.status, stderr: result.stderr + result.stdout };
}

test('the module refuses to load with an unknown RECORD_FORMAT or no DELIVERY_STREAM_NAME', () => {
  const badFormat = load({ DELIVERY_STREAM_NAME: 's', RECORD_FORMAT: 'parquet' });
  assert.notEqual(badFormat.status, 0);
  assert.match(badFormat.stderr, /ForwarderConfigError: msk-to-firehose is misconfigured: RECORD_FORMAT is "parquet"; use one of json-lines, raw, raw-newline/);
  const noStream = load({});
  assert.notEqual(noStream.status, 0);
  assert.match(noStream.stderr, /DELIVERY_STREAM_NAME is not set/);
  const good = load({ DELIVERY_STREAM_NAME: 's', RECORD_FORMAT: 'raw' });
  assert.equal(good.status, 0, good.stderr);
  assert.match(good.stderr, /loaded/);
});
