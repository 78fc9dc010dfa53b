import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConnectionConfigError, parseBootstrap, readPropertiesFile, regionFromHost, resolveConnection } from '../../src/client/connection.ts';
import { isJks, KeyStoreError, readJks } from '../../src/client/jks.ts';

const FIXTURES = join(import.meta.dirname, '../fixtures/client');
const props = (entries: Record<string, string>): Map<string, string> => new Map(Object.entries(entries));
const configError = (pattern: RegExp) => (e: unknown) => e instanceof ConnectionConfigError && e.code === 'SDS_ERR_CLIENT_CONFIG' && pattern.test(e.message);

test('bootstrap lists: host:port entries, IPv6 in brackets; anything else is refused', () => {
  assert.deepEqual(parseBootstrap('a:1, b.example.com:9092,[::1]:9094'), [
    { host: 'a', port: 1 },
    { host: 'b.example.com', port: 9092 },
    { host: '::1', port: 9094 },
  ]);
  for (const bad of ['', ' , ', 'localhost', 'localhost:0', 'localhost:65536', 'localhost:-1', 'a:b', '::1:9092', 'http://a:9092']) {
    assert.throws(() => parseBootstrap(bad), configError(/bootstrap/), bad);
  }
});

test('PLAINTEXT by default; unknown properties are reported as ignored', () => {
  const c = resolveConnection({ bootstrap: 'localhost:9092', properties: props({ 'linger.ms': '5', 'client.id': 'mine' }) });
  assert.equal(c.securityProtocol, 'PLAINTEXT');
  assert.equal(c.clientId, 'mine');
  assert.equal(c.tls, undefined);
  assert.equal(c.sasl, undefined);
  assert.deepEqual(c.ignored, ['linger.ms']);
  assert.throws(() => resolveConnection({}), configError(/--bootstrap-server/));
  assert.equal(resolveConnection({ properties: props({ 'bootstrap.servers': 'h:1' }) }).brokers[0]?.host, 'h');
  assert.throws(() => resolveConnection({ bootstrap: 'h:1', properties: props({ 'security.protocol': 'TLS' }) }), configError(/security.protocol=TLS is not one of/));
});

test('a JKS truststore (the solution copies the JVM cacerts) is read as PEM certificates', async () => {
  const jks = await readFile(join(FIXTURES, 'truststore.jks'));
  assert.ok(isJks(jks));
  const { trusted } = readJks(jks, 'truststore.jks');
  const pem = await readFile(join(FIXTURES, 'ca.pem'), 'utf8');
  assert.deepEqual(trusted.map((t) => t.replace(/\s/g, '')), [pem.replace(/\s/g, '')]);

  const c = resolveConnection({
    bootstrap: 'b-1.demo.abc123.c2.kafka.eu-west-1.amazonaws.com:9094',
    properties: props({ 'security.protocol': 'SSL', 'ssl.truststore.location': join(FIXTURES, 'truststore.jks'), 'ssl.truststore.password': 'changeit' }),
  });
  assert.equal(c.securityProtocol, 'SSL');
  assert.deepEqual(c.tls?.ca, trusted);
  assert.equal(c.tls?.checkServerIdentity, undefined, 'host names are verified by default');
});

test('a damaged JKS file is refused, not read past its end', async () => {
  const jks = await readFile(join(FIXTURES, 'truststore.jks'));
  for (const cut of [8, 20, 40, jks.length - 30]) {
    assert.throws(() => readJks(jks.subarray(0, cut), 'cut.jks'), (e: unknown) => e instanceof KeyStoreError && /truncated/.test(e.message), `cut at ${cut}`);
  }
  const huge = Buffer.from(jks);
  huge.writeUInt32BE(0x7fffffff, 8); // an entry count far beyond the bytes
  assert.throws(() => readJks(huge, 'huge.jks'), KeyStoreError);
});

test('PEM trust and key material, inline or from files; host name checks can be turned off', () => {
  const pem = join(FIXTURES, 'ca.pem');
  const fromFile = resolveConnection({ bootstrap: 'h:1', properties: props({ 'security.protocol': 'SSL', 'ssl.truststore.type': 'PEM', 'ssl.truststore.location': pem }) });
  assert.match(String((fromFile.tls?.ca as string[])[0]), /BEGIN CERTIFICATE/);
  const inline = resolveConnection({
    bootstrap: 'h:1',
    properties: props({
      'security.protocol': 'SSL',
      'ssl.truststore.type': 'PEM',
      'ssl.truststore.certificates': '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----',
      'ssl.keystore.type': 'PEM',
      'ssl.keystore.certificate.chain': 'CHAIN',
      'ssl.keystore.key': 'KEY',
      'ssl.key.password': 'pw',
      'ssl.endpoint.identification.algorithm': '',
    }),
  });
  assert.equal(inline.tls?.cert, 'CHAIN');
  assert.equal(inline.tls?.key, 'KEY');
  assert.equal(inline.tls?.passphrase, 'pw');
  assert.equal(typeof inline.tls?.checkServerIdentity, 'function');
  assert.throws(
    () => resolveConnection({ bootstrap: 'h:1', properties: props({ 'security.protocol': 'SSL', 'ssl.keystore.key': 'KEY' }) }),
    configError(/go together/),
  );
});

test('key and trust stores that cannot be used say how to convert them', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sds-client-'));
  try {
    const p12 = join(dir, 'trust.p12');
    await writeFile(p12, Buffer.from([0x30, 0x82, 0x01, 0x00, 0x02, 0x01, 0x03]));
    assert.throws(
      () => resolveConnection({ bootstrap: 'h:1', properties: props({ 'security.protocol': 'SSL', 'ssl.truststore.type': 'PKCS12', 'ssl.truststore.location': p12 }) }),
      configError(/openssl pkcs12/),
    );
    assert.throws(
      () => resolveConnection({ bootstrap: 'h:1', properties: props({ 'security.protocol': 'SSL', 'ssl.keystore.location': join(FIXTURES, 'keystore.jks') }) }),
      configError(/keytool -importkeystore/),
    );
    assert.throws(
      () => resolveConnection({ bootstrap: 'h:1', properties: props({ 'security.protocol': 'SSL', 'ssl.truststore.location': join(dir, 'missing.jks') }) }),
      configError(/cannot read the truststore .*no such file/),
    );
    const pfx = resolveConnection({ bootstrap: 'h:1', properties: props({ 'security.protocol': 'SSL', 'ssl.keystore.type': 'PKCS12', 'ssl.keystore.location': p12, 'ssl.keystore.password': 'pw' }) });
    assert.ok(Buffer.isBuffer(pfx.tls?.pfx));
    assert.equal(pfx.tls?.passphrase, 'pw');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('SASL/SCRAM and PLAIN take their credentials from sasl.jaas.config', () => {
  const c = resolveConnection({
    bootstrap: 'h:9096',
    properties: props({
      'security.protocol': 'SASL_SSL',
      'sasl.mechanism': 'SCRAM-SHA-512',
      'sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="alice-secret";',
    }),
  });
  assert.deepEqual(c.sasl, { kind: 'password', mechanism: 'SCRAM-SHA-512', username: 'alice', password: 'alice-secret' });
  assert.ok(c.tls !== undefined, 'SASL_SSL uses TLS');
  const plain = resolveConnection({
    bootstrap: 'h:9092',
    properties: props({ 'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanism': 'plain', 'sasl.jaas.config': 'org.apache.kafka.common.security.plain.PlainLoginModule required username=u password=p;' }),
  });
  assert.deepEqual(plain.sasl, { kind: 'password', mechanism: 'PLAIN', username: 'u', password: 'p' });
  assert.equal(plain.tls, undefined);
  assert.throws(
    () => resolveConnection({ bootstrap: 'h:1', properties: props({ 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'SCRAM-SHA-512' }) }),
    configError(/needs sasl.jaas.config with username/),
  );
  assert.throws(() => resolveConnection({ bootstrap: 'h:1', properties: props({ 'security.protocol': 'SASL_SSL' }) }), configError(/sasl.mechanism=GSSAPI is not one of/));
});

test('MSK IAM: AWS_MSK_IAM or OAUTHBEARER with the IAM handler; the region comes from the host name', () => {
  const saved = { region: process.env['AWS_REGION'], fallback: process.env['AWS_DEFAULT_REGION'] };
  delete process.env['AWS_REGION'];
  delete process.env['AWS_DEFAULT_REGION'];
  try {
    const iam = resolveConnection({
      bootstrap: 'b-1.demo.abc123.c2.kafka.us-east-2.amazonaws.com:9098',
      properties: props({
        'security.protocol': 'SASL_SSL',
        'sasl.mechanism': 'AWS_MSK_IAM',
        'sasl.jaas.config': 'software.amazon.msk.auth.iam.IAMLoginModule required awsProfileName="dev";',
        'sasl.client.callback.handler.class': 'software.amazon.msk.auth.iam.IAMClientCallbackHandler',
      }),
    });
    assert.deepEqual(iam.sasl, { kind: 'msk-iam', region: 'us-east-2', awsProfile: 'dev' });
    const bearer = resolveConnection({
      bootstrap: 'localhost:9098',
      properties: props({
        'security.protocol': 'SASL_SSL',
        'sasl.mechanism': 'OAUTHBEARER',
        'sasl.jaas.config': 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;',
        'sasl.login.callback.handler.class': 'software.amazon.msk.auth.iam.IAMOAuthBearerLoginCallbackHandler',
      }),
    });
    assert.deepEqual(bearer.sasl, { kind: 'msk-iam', region: undefined });
    assert.throws(
      () => resolveConnection({ bootstrap: 'h:1', properties: props({ 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'OAUTHBEARER' }) }),
      configError(/Amazon MSK IAM only/),
    );
  } finally {
    if (saved.region !== undefined) process.env['AWS_REGION'] = saved.region;
    if (saved.fallback !== undefined) process.env['AWS_DEFAULT_REGION'] = saved.fallback;
  }
  assert.equal(regionFromHost('b-2.x.y.c3.kafka-serverless.ap-southeast-1.amazonaws.com'), 'ap-southeast-1');
  assert.equal(regionFromHost('localhost'), undefined);
});

test('command-config files: missing, a directory, or too large are clear errors', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sds-client-'));
  try {
    const file = join(dir, 'client.properties');
    await writeFile(file, 'security.protocol=SSL\n');
    assert.equal(readPropertiesFile(file).get('security.protocol'), 'SSL');
    assert.throws(() => readPropertiesFile(join(dir, 'nope.properties')), configError(/cannot read the client config file .*no such file/));
    assert.throws(() => readPropertiesFile(dir), configError(/cannot read the client config file/));
    const big = join(dir, 'big.properties');
    await writeFile(big, '');
    await truncate(big, (1 << 20) + 1);
    assert.throws(() => readPropertiesFile(big), configError(/the limit is/));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
