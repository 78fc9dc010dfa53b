import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SdsError } from '../../src/errors.ts';
import { checkConfig, loadConfig, loadConfigOrDefaults } from '../../src/config/sds-config.ts';

const HANDLER = resolve('src/functions/msk-consumer/index.ts');

function problemsOf(doc: unknown): string[] {
  try {
    checkConfig(doc, '/project', '/project/sds.config.yaml');
  } catch (error: unknown) {
    assert.ok(error instanceof SdsError);
    assert.equal(error.code, 'SDS_ERR_CONFIG_INVALID');
    return error.message.split('\n').slice(1).map((l) => l.trim());
  }
  return assert.fail('expected the config to be refused');
}

test('the repository\'s own config: a broker, MyTopic, and msk-consumer on MyTopic', () => {
  const config = loadConfig('sds.config.yaml');
  assert.equal(config.dataDir, resolve('.sds'));
  assert.deepEqual(config.cluster, { kind: 'embedded', host: '127.0.0.1', port: 9092, dataDir: resolve('.sds/broker'), autoCreateTopics: false, metricsPort: 11001, security: {} });
  assert.deepEqual(config.topics, [{ name: 'MyTopic', partitions: 1, replicationFactor: 1, configs: {} }]);
  const [fn] = config.functions;
  assert.ok(fn !== undefined);
  assert.equal(fn.settings.name, 'msk-consumer');
  assert.equal(fn.settings.modulePath, HANDLER);
  assert.equal(fn.settings.timeoutSeconds, 30);
  assert.equal(fn.settings.logDir, resolve('.sds/logs'));
  assert.equal(fn.eventSources[0]?.topic, 'MyTopic');
  assert.equal(fn.eventSources[0]?.startingPosition, 'TRIM_HORIZON');
  assert.equal(fn.eventSources[0]?.batchingWindowMs, 0);
});

test('defaults: no file is the embedded broker alone; Lambda\'s defaults for a function', () => {
  const none = loadConfigOrDefaults(undefined, join(tmpdir(), 'no-such-sds.config.yaml'));
  assert.equal(none.path, undefined);
  assert.equal(none.cluster.kind, 'embedded');
  assert.deepEqual([none.topics, none.functions], [[], []]);
  const config = checkConfig({ functions: { f: { entry: HANDLER } } }, '/elsewhere', undefined);
  const fn = config.functions[0];
  assert.deepEqual([fn?.settings.exportName, fn?.settings.timeoutSeconds, fn?.settings.memoryMb, fn?.concurrency, fn?.eventSources], ['handler', 3, 128, 5, []]);
  assert.equal(config.dataDir, '/elsewhere/.sds');
});

test('an external cluster by bootstrap or profile; paths are the file\'s, overrides win', () => {
  const external = checkConfig({ bootstrap: 'b-1.example:9092', profile: 'msk' }, '/p', '/p/sds.config.yaml');
  assert.deepEqual(external.cluster, { kind: 'external', bootstrap: 'b-1.example:9092', profile: 'msk' });
  const dir = mkdtempSync(join(tmpdir(), 'sds-config-'));
  try {
    const file = join(dir, 'sds.config.yaml');
    writeFileSync(file, `dataDir: state\nbroker: { port: 9999 }\nfunctions:\n  f:\n    entry: ${HANDLER}\n    eventSources:\n      - { Topics: [t], StartingPosition: LATEST, DestinationConfig: { OnFailure: { Destination: "file:failed.jsonl" } } }\n`);
    const config = loadConfig(file);
    assert.equal(config.dataDir, join(dir, 'state'));
    assert.deepEqual(config.functions[0]?.eventSources[0]?.onFailure, { kind: 'file', path: join(dir, 'failed.jsonl') });
    const overridden = loadConfig(file, { dataDir: '/tmp/x', brokerPort: 0 });
    assert.equal(overridden.dataDir, '/tmp/x');
    assert.deepEqual(overridden.cluster.kind === 'embedded' ? [overridden.cluster.port, overridden.cluster.dataDir] : [], [0, '/tmp/x/broker']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('every problem is reported at once, each with its path in the file', () => {
  const problems = problemsOf({
    brokers: {},
    bootstrap: 'x:1',
    broker: { port: 70000 },
    topics: [{ name: 'ok' }, { name: 'bad name', partitions: 0 }, { name: 'ok', replicationFactor: 'three' }, 'x'],
    functions: {
      'bad name!': { entry: HANDLER },
      f: {
        entry: 'missing.ts',
        timeout: 901,
        memorySize: 64,
        environment: { AWS_REGION: 'x', '1bad': 'y', nested: { a: 1 } },
        reservedConcurrentExecutions: 0,
        eventSources: [{ Topics: ['t'], BatchSize: 0, StartingPosition: 'EARLIEST' }, 'not a mapping', { Topics: ['u'], StartingPosition: 'LATEST' }, { Topics: ['u'], StartingPosition: 'LATEST' }],
        runtime: 'nodejs22.x',
      },
      g: 'text',
    },
  });
  const expected = [
    'brokers: unknown setting',
    'broker: leave it out when bootstrap or profile names an external cluster',
    'topics[1].name: expected a topic name',
    'topics[1].partitions: expected a whole number from 1 to 10000, got 0',
    'topics[2].name: topic ok is listed twice',
    'topics[2].replicationFactor: expected a whole number',
    'topics[3]: expected a mapping',
    'functions.bad name!: the function name "bad name!": use 1-64 letters',
    'functions.f.runtime: unknown setting',
    'functions.f.entry: /project/missing.ts does not exist',
    'functions.f.timeout: 901: expected a whole number of seconds from 1 to 900',
    'functions.f.memorySize: 64: expected a whole number of MB from 128 to 10240',
    'functions.f.environment.nested: expected a string, number or boolean',
    'functions.f.environment: "AWS_REGION": reserved by Lambda',
    'functions.f.environment: "1bad": names start with a letter',
    'functions.f.reservedConcurrentExecutions: expected a whole number from 1 to 100, got 0',
    'functions.f.eventSources[0].BatchSize: expected a whole number from 1 to 10000, got 0',
    'functions.f.eventSources[0].StartingPosition: expected TRIM_HORIZON, LATEST or AT_TIMESTAMP',
    'functions.f.eventSources[1]: expected a mapping of CreateEventSourceMapping settings',
    'functions.f.eventSources[3].Topics: the function already has an event source on u',
    'functions.g: expected a mapping',
  ];
  for (const e of expected) assert.ok(problems.some((p) => p.startsWith(e)), `missing "${e}" in:\n${problems.join('\n')}`);
  assert.equal(problems.length, expected.length, problems.join('\n'));
});

test('a file that is not YAML, not a mapping, or missing is refused with the reason', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sds-config-'));
  try {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'topics: [unclosed\n');
    assert.throws(() => loadConfig(bad), (e: unknown) => e instanceof SdsError && e.code === 'SDS_ERR_CONFIG_INVALID' && /not valid YAML/.test(e.message));
    writeFileSync(bad, '- a list\n');
    assert.throws(() => loadConfig(bad), (e: unknown) => e instanceof SdsError && e.code === 'SDS_ERR_CONFIG_INVALID' && /expected a mapping of sections/.test(e.message));
    assert.throws(() => loadConfig(join(dir, 'none.yaml')), (e: unknown) => e instanceof SdsError && e.code === 'SDS_ERR_CONFIG_READ');
    assert.throws(() => loadConfigOrDefaults(join(dir, 'none.yaml'), 'sds.config.yaml'), (e: unknown) => e instanceof SdsError && e.code === 'SDS_ERR_CONFIG_READ');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('delivery streams: CreateDeliveryStream\'s names and defaults; buckets local unless given as s3://', () => {
  const config = checkConfig({
    firehose: { port: 0 },
    deliveryStreams: {
      a: { BucketARN: 'arn:aws:s3:::local-one', CompressionFormat: 'GZIP', Prefix: 'data/!{timestamp:yyyy}/', ErrorOutputPrefix: 'errors/!{firehose:error-output-type}/' },
      b: { BucketARN: 'arn:aws:s3:::remote', BufferingHints: { SizeInMBs: 128, IntervalInSeconds: 0 } },
    },
    buckets: { remote: 's3://real-bucket?region=eu-west-1' },
  }, '/p', '/p/sds.config.yaml');
  const f = config.firehose;
  assert.ok(f !== undefined);
  assert.deepEqual([f.host, f.port], ['127.0.0.1', 0]);
  assert.deepEqual(f.streams.map((s) => [s.name, s.bucket, s.bufferSizeBytes, s.bufferIntervalMs, s.compression]), [
    ['a', 'local-one', 5 * 1024 * 1024, 300_000, 'GZIP'],
    ['b', 'remote', 128 * 1024 * 1024, 0, 'UNCOMPRESSED'],
  ]);
  assert.deepEqual([...f.buckets], [['remote', 's3://real-bucket?region=eu-west-1'], ['local-one', '/p/.sds/buckets/local-one']]);
  assert.equal(checkConfig({}, '/p', undefined).firehose, undefined);
});

test('bad delivery streams: unknown compression, out-of-range hints, invalid prefixes, all reported at once', () => {
  const problems = problemsOf({
    firehose: { port: -1, tls: true },
    deliveryStreams: {
      s: {
        BucketARN: 'arn:aws:s3:::Bad_Bucket',
        CompressionFormat: 'BROTLI',
        BufferingHints: { SizeInMBs: 129, IntervalInSeconds: 901 },
        Prefix: 'x/!{firehose:error-output-type}/',
        ErrorOutputPrefix: 'errors/!{timestamp:yyyy}/',
        ProcessingConfiguration: { Enabled: true, Processors: [{ Type: 'Lambda' }] },
      },
      t: { BucketARN: 'arn:aws:s3:::ok-bucket', BufferingHints: { SizeInMBs: 1 } },
    },
    buckets: { 'ok-bucket': 's3://UPPER' },
  });
  const expected = [
    'firehose.tls: unknown setting',
    'firehose.port: expected a whole number from 0 to 65535',
    'deliveryStreams.s: BucketARN: required',
    'deliveryStreams.s: BufferingHints.SizeInMBs: expected a whole number from 1 to 128, got 129',
    'deliveryStreams.s: BufferingHints.IntervalInSeconds: expected a whole number from 0 to 900, got 901',
    'deliveryStreams.s: CompressionFormat: expected one of UNCOMPRESSED, GZIP, ZIP, Snappy, HADOOP_SNAPPY, got "BROTLI"',
    'deliveryStreams.s: Prefix:',
    'deliveryStreams.s: ErrorOutputPrefix:',
    'deliveryStreams.s: ProcessingConfiguration.Processors[0].Type: only AppendDelimiterToRecord runs locally',
    'deliveryStreams.t: BufferingHints: give both SizeInMBs and IntervalInSeconds, or neither',
    'buckets.ok-bucket:',
  ];
  for (const e of expected) assert.ok(problems.some((p) => p.startsWith(e)), `missing "${e}" in:\n${problems.join('\n')}`);
});

test('the dashboard: on when the config has the section, with its defaults; bad values all reported', () => {
  assert.equal(checkConfig({}, '/p', undefined).dashboard, undefined);
  assert.deepEqual(checkConfig({ dashboard: null }, '/p', undefined).dashboard, { host: '127.0.0.1', port: 3000, intervalSeconds: 5, prometheus: [] });
  assert.deepEqual(loadConfig('sds.config.yaml').dashboard, { host: '127.0.0.1', port: 3000, intervalSeconds: 5, prometheus: [] });
  const problems = problemsOf({ dashboard: { port: 70000, intervalSeconds: 0, host: 5, theme: 'dark', prometheus: ['ftp://x', 'http://ok:11001/metrics', 7] }, broker: { metricsPort: 'x' } });
  const expected = [
    'dashboard.theme: unknown setting',
    'dashboard.host: expected a non-empty string, got 5',
    'dashboard.port: expected a whole number from 0 to 65535',
    'dashboard.intervalSeconds: expected a whole number from 1 to 300',
    'dashboard.prometheus[0]: expected an http(s) URL',
    'dashboard.prometheus[2]: expected an http(s) URL',
    'broker.metricsPort: expected a whole number from 0 to 65535',
  ];
  for (const e of expected) assert.ok(problems.some((p) => p.startsWith(e)), `missing "${e}" in:\n${problems.join('\n')}`);
  assert.deepEqual(problemsOf({ dashboard: [1] }), ['dashboard: expected a mapping with host, port, intervalSeconds, prometheus']);
});
