/**
 * kcat (librdkafka 2.0.2 on Debian bookworm) producing a few lines with each compression
 * codec: `kcat -b 127.0.0.1:PORT -P -t capture-kcat -z <codec>`. librdkafka compresses with
 * gzip/snappy/lz4 only when the advertised Produce minimum is 0 (KAFKA-18659), which the
 * capture server does. Then a simple consumer (-C) and a group consumer (-G), both exiting at
 * the end of the (empty) partition, for librdkafka's classic consumer requests.
 * Skipped, with the install command printed, when kcat is missing.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { CodecName, ExpectedRecord, FixtureExpectation } from '../../test/support/capture-manifest.ts';
import type { CaptureServer, CapturedFrame } from './server.ts';
import type { Driver } from './driver.ts';

const TOPIC = 'capture-kcat';
const GROUP_ID = 'capture-kcat-group';
const FETCH_MAX_BYTES = 4_194_304;
const PARTITION_MAX_BYTES = 262_144;
/** Consumer settings, so the fixtures carry known values. */
const CONSUMER_SETTINGS = [
  '-X', `fetch.max.bytes=${FETCH_MAX_BYTES}`,
  '-X', `max.partition.fetch.bytes=${PARTITION_MAX_BYTES}`,
  '-X', 'auto.offset.reset=earliest',
];
/** librdkafka's default client.id. */
const CLIENT_ID = 'rdkafka';
/** librdkafka defaults for client.software.name and client.software.version (CONFIGURATION.md). */
const SOFTWARE_NAME = 'librdkafka';
const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const satisfies readonly CodecName[];
const RUN_TIMEOUT_MS = 20_000;

function lines(codec: CodecName): string[] {
  return [1, 2, 3].map((i) => `kcat ${codec} line ${i} ${'x'.repeat(20)}`);
}

function codecOfFile(file: string): CodecName {
  for (const codec of CODECS) if (file.endsWith(`-${codec}.bin`)) return codec;
  return 'none';
}

/** `kcat -V` mentions "librdkafka 2.0.2"; returns the kcat and librdkafka versions found. */
function versions(): { kcat: string; librdkafka: string } {
  const out = spawnSync('kcat', ['-V'], { encoding: 'utf8' });
  const text = `${out.stdout ?? ''}${out.stderr ?? ''}`;
  return {
    kcat: /Version\s+(\S+)/.exec(text)?.[1] ?? 'unknown',
    librdkafka: /librdkafka\s+([0-9][^\s)]*)/.exec(text)?.[1] ?? 'unknown',
  };
}

function produceArgs(port: number, codec: CodecName): string[] {
  return [
    '-b', `127.0.0.1:${port}`,
    '-P', '-t', TOPIC,
    '-z', codec,
    // Hold the lines long enough that they go out as one batch.
    '-X', 'linger.ms=100',
  ];
}

/** Runs kcat with `stdin` as its input; resolves when it exits with 0. */
function runKcat(args: readonly string[], stdin: string): Promise<void> {
  const what = `kcat ${args.join(' ')}`;
  return new Promise((resolve, reject) => {
    const child = spawn('kcat', args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (s: string) => {
      stderr += s;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${what} did not finish within ${RUN_TIMEOUT_MS} ms: ${stderr.trim()}`));
    }, RUN_TIMEOUT_MS);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`${what} exited with ${code}: ${stderr.trim()}`));
    });
    child.stdin.end(stdin);
  });
}

export const kcatDriver: Driver = {
  client: 'kcat',
  description:
    'kcat -b 127.0.0.1:PORT -P -t capture-kcat -z <codec> -X linger.ms=100, three lines on stdin, once per codec ' +
    '(none, gzip, snappy, lz4, zstd); produce fixtures are named produce-request-v<N>-<codec>.bin. Then kcat -C -t capture-kcat ' +
    '-o beginning -e and kcat -G capture-kcat-group capture-kcat -e (with fetch.max.bytes=4194304, max.partition.fetch.bytes=262144, ' +
    'auto.offset.reset=earliest); the -C run comes first, so its Fetch is the one kept.',

  unavailable(): string | null {
    const probe = spawnSync('kcat', ['-V'], { encoding: 'utf8' });
    if (probe.error === undefined) return null;
    return 'kcat is not installed: run `apt-get install -y kcat` (Debian/Ubuntu) and capture again';
  },

  clientVersion(): string {
    const v = versions();
    return `kcat ${v.kcat} (librdkafka ${v.librdkafka})`;
  },

  async run(server: CaptureServer): Promise<void> {
    for (const codec of CODECS) {
      server.variant = codec;
      await runKcat(produceArgs(server.port, codec), lines(codec).map((l) => `${l}\n`).join(''));
    }
    server.variant = null;
    const broker = ['-b', `127.0.0.1:${server.port}`];
    await runKcat([...broker, '-C', '-t', TOPIC, '-o', 'beginning', '-e', ...CONSUMER_SETTINGS], '');
    await runKcat([...broker, '-G', GROUP_ID, TOPIC, '-e', ...CONSUMER_SETTINGS], '');
  },

  expect(frame: CapturedFrame): FixtureExpectation {
    const base: FixtureExpectation = { clientId: CLIENT_ID };
    switch (frame.apiName) {
      case 'ApiVersions':
        return { ...base, clientSoftwareName: SOFTWARE_NAME, clientSoftwareVersion: versions().librdkafka };
      case 'Metadata':
        return { ...base, topics: [TOPIC] };
      case 'Produce': {
        const codec = codecOfFile(frame.file);
        const records: ExpectedRecord[] = lines(codec).map((value) => ({ key: null, value }));
        return { ...base, topic: TOPIC, partition: 0, acks: -1, transactionalId: null, codec, records };
      }
      case 'FindCoordinator':
        return { ...base, groupId: GROUP_ID, keyType: 0 };
      case 'JoinGroup':
        // librdkafka's default partition.assignment.strategy is "range,roundrobin".
        return { ...base, groupId: GROUP_ID, protocolType: 'consumer', protocolName: 'range' };
      case 'SyncGroup':
      case 'Heartbeat':
      case 'LeaveGroup':
      case 'OffsetFetch':
        return { ...base, groupId: GROUP_ID };
      case 'ListOffsets':
        return { ...base, topic: TOPIC, partition: 0 };
      case 'Fetch':
        return {
          ...base,
          topic: TOPIC,
          partition: 0,
          fetchOffset: '0',
          maxBytes: FETCH_MAX_BYTES,
          partitionMaxBytes: PARTITION_MAX_BYTES,
        };
      default:
        return base;
    }
  },
};
