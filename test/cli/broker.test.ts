import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { RawClient } from '../support/raw-client.ts';

test('sds broker start prints the bootstrap string, serves, and stops cleanly on SIGTERM', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sds-cli-broker-'));
  try {
    const child = spawn(process.execPath, ['bin/sds.js', 'broker', 'start', '--data-dir', dir, '--port', '0', '--log-level', 'silent'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /ready: 127\.0\.0\.1:(\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
    });
    const client = await RawClient.connect(port);
    const created = await client.request(19, 7, { topics: [{ name: 'from-cli', numPartitions: 1, replicationFactor: 1 }] });
    assert.equal(created.topics[0]?.errorCode, 0);
    client.close();
    const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    assert.equal(await exit, 0);
    assert.ok(existsSync(join(dir, 'from-cli-0', '.kafka_cleanshutdown')), 'logs closed cleanly');
    assert.ok(existsSync(join(dir, 'meta.properties')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sds broker start: bad flags exit 2, an unusable port or data directory exits 1 with a reason', async () => {
  const run = (...args: string[]) => spawnSync(process.execPath, ['bin/sds.js', 'broker', 'start', '--log-level', 'silent', ...args], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(run('--port', '70000').status, 2);
  assert.equal(run('--port', 'abc').status, 2);
  assert.equal(run('--log-level', 'loud').status, 2);
  assert.equal(run('--group-initial-rebalance-delay-ms', '-1').status, 2);
  assert.equal(run('--group-initial-rebalance-delay-ms', '1.5').status, 2);
  assert.equal(run('--max-partitions', '0').status, 2);
  assert.equal(run('--max-partitions', 'many').status, 2);

  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const address = blocker.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const dir = mkdtempSync(join(tmpdir(), 'sds-cli-broker-'));
  try {
    const busy = spawnSync(process.execPath, ['bin/sds.js', 'broker', 'start', '--data-dir', dir, '--port', String(port), '--log-level', 'silent'], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(busy.status, 1);
    assert.match(busy.stderr, /already in use.*SDS_ERR_BROKER_LISTEN/);
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    const notDir = run('--data-dir', join(file, 'sub'), '--port', '0');
    assert.equal(notDir.status, 1);
    assert.match(notDir.stderr, /SDS_ERR_BROKER_DATA_DIR/);
  } finally {
    blocker.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sds broker start with access-control flags: SASL_SSL and SSL listeners from sds certs create, ACLs on', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sds-cli-broker-secure-'));
  try {
    const certs = join(dir, 'certs');
    assert.equal(spawnSync(process.execPath, ['bin/sds.js', 'certs', 'create', '--dir', certs], { encoding: 'utf8', timeout: 30_000 }).status, 0);
    const args = [
      'bin/sds.js', 'broker', 'start', '--data-dir', join(dir, 'data'), '--log-level', 'silent',
      '--listener', 'SASL_SSL://127.0.0.1:0', '--listener', 'SSL://127.0.0.1:0',
      '--tls-certificate', join(certs, 'broker.pem'), '--tls-key', join(certs, 'broker-key.pem'), '--tls-ca', join(certs, 'ca.pem'), '--ssl-client-auth', 'required',
      '--sasl-mechanisms', 'SCRAM-SHA-512', '--authorizer', '--super-user', 'User:CN=client',
    ];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const ssl = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /ready: SASL_SSL:\/\/127\.0\.0\.1:\d+, SSL:\/\/(127\.0\.0\.1:\d+)/.exec(out);
        if (m) resolve(m[1] as string);
      });
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
    });
    const created = spawnSync(process.execPath, ['bin/sds.js', 'topics', 'create', '--topic', 'over-mtls', '--bootstrap-server', ssl, '--command-config', join(certs, 'client-mtls-client.properties')], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(created.status, 0, created.stderr);
    const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    assert.equal(await exit, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sds broker start: bad access-control flags exit 2 and say which', () => {
  const run = (...args: string[]) => spawnSync(process.execPath, ['bin/sds.js', 'broker', 'start', '--log-level', 'silent', ...args], { encoding: 'utf8', timeout: 20_000 });
  const cases: [string[], RegExp][] = [
    [['--listener', 'SSL:127.0.0.1:9094'], /not PROTOCOL:\/\/host:port/],
    [['--listener', 'GOPHER://127.0.0.1:70'], /must be one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL/],
    [['--listener', 'SSL://127.0.0.1:0'], /tls: an SSL or SASL_SSL listener needs the broker certificate and key/],
    [['--tls-certificate', '/no/such.pem', '--tls-key', '/no/key.pem'], /tls\.certificate: cannot read \/no\/such\.pem: no such file/],
    [['--ssl-client-auth', 'sometimes', '--tls-certificate', '/no/such.pem', '--tls-key', '/no/key.pem'], /tls\.clientAuth: expected none, requested or required/],
    [['--sasl-mechanisms', 'GSSAPI'], /sasl\.mechanisms: expected a list of SCRAM-SHA-512, SCRAM-SHA-256, PLAIN/],
    [['--reauth-ms', 'soon'], /sasl\.reauthMs: expected a whole number/],
    [['--super-user', 'User:admin'], /--super-user and --deny-if-no-acl need --authorizer/],
    [['--authorizer', '--super-user', 'admin'], /authorizer\.superUsers: expected a list of principals/],
  ];
  for (const [args, message] of cases) {
    const result = run(...args);
    assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, message, args.join(' '));
  }
});
