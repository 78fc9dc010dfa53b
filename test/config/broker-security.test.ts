/**
 * The access-control part of the config's broker section: listeners, TLS files, SASL, the
 * authorizer and users with passwords from the environment or owner-only files. Every bad
 * setting is named with its path, all at once, before anything starts.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { SdsError } from '../../src/errors.ts';
import { checkConfig, loadConfig } from '../../src/config/sds-config.ts';

function folder(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'sds-config-security-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function problemsOf(doc: unknown, dir: string): string[] {
  try {
    checkConfig(doc, dir, join(dir, 'sds.config.yaml'));
  } catch (error: unknown) {
    assert.ok(error instanceof SdsError);
    assert.equal(error.code, 'SDS_ERR_CONFIG_INVALID');
    return error.message.split('\n').slice(1).map((l) => l.trim());
  }
  return assert.fail('expected the config to be refused');
}

function secretFile(dir: string, name: string, text: string, mode = 0o600): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  chmodSync(path, mode);
  return path;
}

/** A key and a (not really signed) certificate-shaped PEM: the config only checks the files are there and readable. */
function tlsFiles(dir: string, keyMode = 0o600): { certificate: string; key: string } {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  writeFileSync(join(dir, 'broker.pem'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  secretFile(dir, 'broker-key.pem', privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, keyMode);
  return { certificate: 'broker.pem', key: 'broker-key.pem' };
}

test('a full security section is read: listeners, TLS, SASL, authorizer, users and the client profile', (t) => {
  const dir = folder(t);
  secretFile(dir, 'admin-password', 'admin-pw\n');
  process.env['SDS_TEST_ALICE_PASSWORD'] = 'alice-pw';
  t.after(() => delete process.env['SDS_TEST_ALICE_PASSWORD']);
  const config = checkConfig(
    {
      broker: {
        listeners: ['PLAINTEXT://127.0.0.1:9092', 'SASL_SSL://127.0.0.1:9096', 'SSL://[::1]:9094'],
        tls: { ...tlsFiles(dir), ca: 'broker.pem', clientAuth: 'required' },
        sasl: { mechanisms: ['SCRAM-SHA-512'], reauthMs: 3_600_000 },
        authorizer: { superUsers: ['User:admin', 'User:CN=ops'], allowEveryoneIfNoAclFound: false },
        users: [
          { name: 'alice', passwordEnv: 'SDS_TEST_ALICE_PASSWORD', mechanisms: ['SCRAM-SHA-512'] },
          { name: 'admin', passwordFile: 'admin-password', iterations: 4096 },
        ],
        clientProfile: 'admin',
      },
      profiles: { admin: { properties: { 'security.protocol': 'SASL_SSL' } } },
    },
    dir,
    join(dir, 'sds.config.yaml'),
  );
  assert.equal(config.cluster.kind, 'embedded');
  if (config.cluster.kind !== 'embedded') return;
  const s = config.cluster.security;
  assert.deepEqual(s.listeners, [
    { protocol: 'PLAINTEXT', host: '127.0.0.1', port: 9092 },
    { protocol: 'SASL_SSL', host: '127.0.0.1', port: 9096 },
    { protocol: 'SSL', host: '::1', port: 9094 },
  ]);
  assert.match(s.tls?.key ?? '', /BEGIN PRIVATE KEY/);
  assert.equal(s.tls?.clientAuth, 'required');
  assert.deepEqual(s.sasl, { mechanisms: ['SCRAM-SHA-512'], reauthMs: 3_600_000 });
  assert.deepEqual(s.authorizer, { superUsers: ['User:admin', 'User:CN=ops'], allowEveryoneIfNoAclFound: false });
  assert.deepEqual(s.users, [
    { name: 'alice', password: 'alice-pw', mechanisms: ['SCRAM-SHA-512'] },
    { name: 'admin', password: 'admin-pw', iterations: 4096 },
  ]);
  assert.equal(s.clientProfile, 'admin');
});

test('bad security settings are each reported with their path', (t) => {
  const dir = folder(t);
  secretFile(dir, 'open-password', 'pw\n', 0o644);
  secretFile(dir, 'empty-password', '');
  delete process.env['SDS_TEST_UNSET'];
  const problems = problemsOf(
    {
      broker: {
        port: 9092,
        listeners: ['PLAINTEXT:/127.0.0.1:9092', 'KERBEROS://127.0.0.1:88', 'SSL://127.0.0.1:99999', 42],
        sasl: { mechanisms: ['GSSAPI'], reauthMs: -1, extra: true },
        authorizer: { superUsers: ['admin'] },
        users: [
          { name: 'a' },
          { name: 'b', passwordEnv: 'SDS_TEST_UNSET' },
          { name: 'c', passwordFile: 'open-password' },
          { name: 'd', passwordFile: 'empty-password' },
          { name: 'e', passwordFile: 'missing', passwordEnv: 'X' },
          { name: 'e', passwordEnv: 'HOME', mechanisms: ['MD5'], iterations: 100 },
          'f',
        ],
        clientProfile: 'nope',
      },
    },
    dir,
  );
  const expected = [
    /^broker\.listeners\[0\]: .*not PROTOCOL:\/\/host:port/,
    /^broker\.listeners\[1\]: .*must be one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL/,
    /^broker\.listeners\[2\]: .*above 65535/,
    /^broker\.listeners\[3\]: expected PROTOCOL:\/\/host:port/,
    /^broker\.listeners: give either listeners or host and port/,
    /^broker\.sasl\.extra: unknown setting/,
    /^broker\.sasl\.mechanisms: expected a list of SCRAM-SHA-512, SCRAM-SHA-256, PLAIN/,
    /^broker\.sasl\.reauthMs: expected a whole number/,
    /^broker\.authorizer\.superUsers: expected a list of principals/,
    /^broker\.users\[0\]: give passwordEnv .* or passwordFile/,
    /^broker\.users\[1\]\.passwordEnv: the environment variable SDS_TEST_UNSET is not set/,
    /^broker\.users\[2\]\.passwordFile: .*can be read by other users \(mode 644\); run: chmod 600/,
    /^broker\.users\[3\]\.passwordFile: .*is empty/,
    /^broker\.users\[4\]: give passwordEnv or passwordFile, not both/,
    /^broker\.users\[5\]\.name: user e is listed twice/,
    /^broker\.users\[5\]\.mechanisms: expected a list of SCRAM-SHA-256, SCRAM-SHA-512/,
    /^broker\.users\[5\]\.iterations: expected a whole number from 4096 to 16384/,
    /^broker\.users\[6\]: expected a mapping/,
    /^broker\.clientProfile: there is no profile "nope"/,
  ];
  for (const pattern of expected) assert.ok(problems.some((p) => pattern.test(p)), `no problem matches ${pattern}:\n${problems.join('\n')}`);
});

test('TLS: listeners that need it, missing files, a key others can read, and client auth without a CA', (t) => {
  const dir = folder(t);
  const noTls = problemsOf({ broker: { listeners: ['SASL_SSL://127.0.0.1:9096'] } }, dir);
  assert.ok(noTls.some((p) => /^broker\.tls: an SSL or SASL_SSL listener needs/.test(p)), noTls.join('\n'));
  const files = tlsFiles(dir, 0o644);
  const bad = problemsOf({ broker: { listeners: ['SSL://127.0.0.1:9094'], tls: { ...files, clientAuth: 'always' } } }, dir);
  assert.ok(bad.some((p) => /^broker\.tls\.key: .*can be read by other users/.test(p)), bad.join('\n'));
  assert.ok(bad.some((p) => /^broker\.tls\.clientAuth: expected none, requested or required/.test(p)), bad.join('\n'));
  chmodSync(join(dir, files.key), 0o600);
  const noCa = problemsOf({ broker: { listeners: ['SSL://127.0.0.1:9094'], tls: { ...files, clientAuth: 'required' } } }, dir);
  assert.deepEqual(noCa, ['broker.tls.ca: clientAuth required needs the CA certificates client certificates are checked against']);
  const missing = problemsOf({ broker: { listeners: ['SSL://127.0.0.1:9094'], tls: { certificate: 'nope.pem', key: files.key } } }, dir);
  assert.ok(missing.some((p) => /^broker\.tls\.certificate: cannot read .*nope\.pem: no such file/.test(p)), missing.join('\n'));
  writeFileSync(join(dir, 'not-a-cert.pem'), 'hello');
  const notPem = problemsOf({ broker: { listeners: ['SSL://127.0.0.1:9094'], tls: { certificate: 'not-a-cert.pem', key: files.key } } }, dir);
  assert.ok(notPem.some((p) => /^broker\.tls\.certificate: .*holds no PEM/.test(p)), notPem.join('\n'));
});

test('a config file with credentials in a profile must be readable by its owner alone', (t) => {
  const dir = folder(t);
  const path = join(dir, 'sds.config.yaml');
  writeFileSync(path, [
    'profiles:',
    '  local:',
    '    properties:',
    '      security.protocol: SASL_PLAINTEXT',
    '      sasl.mechanism: SCRAM-SHA-512',
    '      sasl.jaas.config: org.apache.kafka.common.security.scram.ScramLoginModule required username="a" password="b";',
    '',
  ].join('\n'));
  chmodSync(path, 0o644);
  assert.throws(() => loadConfig(path), (e: unknown) => e instanceof SdsError && /profiles: hold credentials, but .* can be read by other users \(mode 644\); run: chmod 600/.test(e.message));
  chmodSync(path, 0o600);
  assert.equal(loadConfig(path).path, path);
});

test('--port moves the first listener when the config has listeners', (t) => {
  const dir = folder(t);
  const path = join(dir, 'sds.config.yaml');
  writeFileSync(path, 'broker:\n  listeners: [PLAINTEXT://127.0.0.1:9092, SASL_PLAINTEXT://127.0.0.1:9095]\n');
  const config = loadConfig(path, { brokerPort: 19092 });
  assert.ok(config.cluster.kind === 'embedded');
  assert.deepEqual(config.cluster.security.listeners?.map((l) => l.port), [19092, 9095]);
});
