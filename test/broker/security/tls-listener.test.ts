/**
 * TLS on the embedded broker's own listeners, with certificates from `sds certs create` and
 * the client properties files it writes: SSL, mutual TLS (the certificate's subject is the
 * principal), SCRAM over TLS, and the mix-ups: plaintext to a TLS port, TLS to a plaintext
 * port, no or an untrusted client certificate.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker, type BrokerOptions, type RunningBroker } from '../../../src/broker/broker.ts';
import { withAdmin, type Limits } from '../../../src/client/clients.ts';
import { readPropertiesFile, resolveConnection } from '../../../src/client/connection.ts';
import { createDevCertificates, type DevCertificates } from '../../../src/certs/create.ts';
import { ErrorCode } from '../../../src/protocol/error-codes.ts';
import { RawClient } from '../../support/raw-client.ts';

// No retries, so refusals show at once; generous limits, so a loaded machine is not mistaken for one.
const QUICK: Limits = { connectTimeoutMs: 15_000, requestTimeoutMs: 30_000, retries: 0, retryDelayMs: 100 };

function certificates(t: TestContext, clients = ['client']): DevCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'sds-tls-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return createDevCertificates({ dir, clients, hosts: ['localhost', '127.0.0.1'] });
}

async function tlsBroker(t: TestContext, certs: DevCertificates, options: Partial<BrokerOptions>): Promise<RunningBroker> {
  const broker = await startBroker({
    tls: { certificate: readFileSync(certs.broker.certificate, 'utf8'), key: readFileSync(certs.broker.key, 'utf8'), ca: readFileSync(certs.ca.certificate, 'utf8'), clientAuth: 'required' },
    ...options,
  });
  t.after(() => broker.stop());
  return broker;
}

function listener(broker: RunningBroker, protocol: string): { port: number; bootstrap: string } {
  const found = broker.listeners.find((l) => l.protocol === protocol);
  assert.ok(found, `no ${protocol} listener`);
  return found;
}

function fromFile(bootstrap: string, file: string, extra: Record<string, string> = {}) {
  const properties = readPropertiesFile(file);
  for (const [k, v] of Object.entries(extra)) properties.set(k, v);
  return resolveConnection({ bootstrap, properties });
}

test('SSL: clients trusting the CA through client-ssl.properties work; plaintext and TLS mix-ups are refused', { timeout: 30_000 }, async (t) => {
  const certs = certificates(t);
  const broker = await tlsBroker(t, certs, {
    listeners: [{ protocol: 'PLAINTEXT', port: 0 }, { protocol: 'SSL', port: 0 }],
    tls: { certificate: readFileSync(certs.broker.certificate, 'utf8'), key: readFileSync(certs.broker.key, 'utf8') },
  });
  const ssl = listener(broker, 'SSL');
  const connection = fromFile(ssl.bootstrap, certs.sslProperties);
  await withAdmin(connection, 'creating a topic', (a) => a.createTopics({ topics: ['over-tls'], partitions: 1, replicas: 1 }), QUICK);
  assert.deepEqual(await withAdmin(connection, 'listing', (a) => a.listTopics(), QUICK), ['over-tls']);

  // Plaintext bytes to the TLS port: the handshake fails and the connection closes unanswered.
  const plain = await RawClient.connect(ssl.port);
  plain.send(18, 3, { clientSoftwareName: 'test', clientSoftwareVersion: '1' });
  assert.equal(await plain.nextFrame(), null);
  // TLS to the plaintext port: the ClientHello is no Kafka frame.
  const plaintextPort = listener(broker, 'PLAINTEXT').bootstrap;
  await assert.rejects(withAdmin(fromFile(plaintextPort, certs.sslProperties), 'listing', (a) => a.listTopics(), QUICK));
  // The broker still serves.
  assert.deepEqual(await withAdmin(connection, 'listing', (a) => a.listTopics(), QUICK), ['over-tls']);
});

test('mutual TLS: the client certificate is required, and its subject is the principal ACLs see', { timeout: 30_000 }, async (t) => {
  const certs = certificates(t);
  const client = certs.clients[0];
  assert.ok(client !== undefined);
  assert.equal(client.principal, 'User:CN=client');
  const broker = await tlsBroker(t, certs, {
    listeners: [{ protocol: 'SSL', port: 0 }, { protocol: 'PLAINTEXT', port: 0 }],
    authorizer: { superUsers: [client.principal], allowEveryoneIfNoAclFound: false },
  });
  const ssl = listener(broker, 'SSL');
  const mtls = fromFile(ssl.bootstrap, client.properties);
  await withAdmin(mtls, 'creating a topic', (a) => a.createTopics({ topics: ['mine'], partitions: 1, replicas: 1 }), QUICK);
  // Without a certificate the handshake is refused.
  await assert.rejects(withAdmin(fromFile(ssl.bootstrap, certs.sslProperties), 'listing', (a) => a.listTopics(), QUICK));
  // The same broker denies User:ANONYMOUS, which has no ACL, on the plaintext listener.
  const anonymous = await RawClient.connect(listener(broker, 'PLAINTEXT').port);
  const created = await anonymous.request(19, 7, { topics: [{ name: 'theirs', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
  assert.equal(created.topics[0]?.errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  const metadata = await anonymous.request(3, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
  assert.deepEqual(metadata.topics.map((x) => x.name), [], 'topics User:ANONYMOUS may not describe are left out');
});

test('mutual TLS requested: no certificate is User:ANONYMOUS, an untrusted one is refused', { timeout: 30_000 }, async (t) => {
  const certs = certificates(t);
  const stranger = certificates(t, ['stranger']).clients[0];
  assert.ok(stranger !== undefined);
  const broker = await tlsBroker(t, certs, {
    listeners: [{ protocol: 'SSL', port: 0 }],
    tls: { certificate: readFileSync(certs.broker.certificate, 'utf8'), key: readFileSync(certs.broker.key, 'utf8'), ca: readFileSync(certs.ca.certificate, 'utf8'), clientAuth: 'requested' },
  });
  const ssl = listener(broker, 'SSL');
  await withAdmin(fromFile(ssl.bootstrap, certs.sslProperties), 'listing', (a) => a.listTopics(), QUICK);
  const untrusted = fromFile(ssl.bootstrap, certs.sslProperties, { 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': stranger.keystore });
  await assert.rejects(withAdmin(untrusted, 'listing', (a) => a.listTopics(), QUICK));
});

test('SASL_SSL: SCRAM-SHA-512 over TLS, as on Amazon MSK port 9096', { timeout: 30_000 }, async (t) => {
  const certs = certificates(t);
  const broker = await tlsBroker(t, certs, { listeners: [{ protocol: 'SASL_SSL', port: 0 }], users: [{ name: 'alice', password: 'alice-pw', mechanisms: ['SCRAM-SHA-512'] }] });
  const saslSsl = listener(broker, 'SASL_SSL');
  const jaas = 'org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="alice-pw";';
  const connection = fromFile(saslSsl.bootstrap, certs.sslProperties, { 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'SCRAM-SHA-512', 'sasl.jaas.config': jaas });
  await withAdmin(connection, 'creating a topic', (a) => a.createTopics({ topics: ['scram-tls'], partitions: 1, replicas: 1 }), QUICK);
  const wrong = fromFile(saslSsl.bootstrap, certs.sslProperties, { 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'SCRAM-SHA-512', 'sasl.jaas.config': jaas.replace('alice-pw', 'nope') });
  await assert.rejects(withAdmin(wrong, 'listing', (a) => a.listTopics(), QUICK), /authentication/i);
  // TLS without a login on the SASL_SSL port gets no answer to anything but ApiVersions and SASL.
  await assert.rejects(withAdmin(fromFile(saslSsl.bootstrap, certs.sslProperties), 'listing', (a) => a.listTopics(), QUICK));
});

test('listeners that cannot start are refused before anything binds', async () => {
  await assert.rejects(startBroker({ listeners: [{ protocol: 'SSL', port: 0 }] }), /SSL\) needs TLS/);
  await assert.rejects(startBroker({ listeners: [] }), /at least one listener/);
  await assert.rejects(startBroker({ listeners: [{ protocol: 'PLAINTEXT', port: 19999 }, { protocol: 'SASL_PLAINTEXT', port: 19999 }] }), /same address/);
});
