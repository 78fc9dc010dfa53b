/**
 * TLS client connections for real: a TLS terminator (node:tls, test certificates) in front of
 * the embedded broker, which advertises the terminator's port. Trust from a JKS truststore,
 * an untrusted certificate, and the two protocol mix-ups users make.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { startBroker, type RunningBroker } from '../../src/broker/broker.ts';
import { withAdmin, type Limits } from '../../src/client/clients.ts';
import { resolveConnection } from '../../src/client/connection.ts';
import { SdsError } from '../../src/errors.ts';

const FIXTURES = join(import.meta.dirname, '../fixtures/client');
// No retries, so refusals show at once; generous limits, so a loaded machine is not mistaken for one.
const QUICK: Limits = { connectTimeoutMs: 15_000, requestTimeoutMs: 30_000, retries: 0, retryDelayMs: 100 };

interface Setup {
  broker: RunningBroker;
  tlsPort: number;
  close(): Promise<void>;
}

async function tlsInFront(): Promise<Setup> {
  const sockets = new Set<Socket>();
  const server: Server = createTlsServer({ cert: readFileSync(join(FIXTURES, 'server.pem')), key: readFileSync(join(FIXTURES, 'server.key')) });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const tlsPort = (server.address() as { port: number }).port;
  const broker = await startBroker({ port: 0, advertisedPort: tlsPort });
  server.on('secureConnection', (client: Socket) => {
    const upstream = connect(broker.port, '127.0.0.1');
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  server.on('tlsClientError', () => undefined);
  return {
    broker,
    tlsPort,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((ok) => server.close(() => ok()));
      await broker.stop();
    },
  };
}

const props = (entries: Record<string, string>): Map<string, string> => new Map(Object.entries(entries));

test('SSL with the JKS truststore holding the CA: calls work through TLS', { timeout: 30_000 }, async () => {
  const setup = await tlsInFront();
  try {
    const connection = resolveConnection({
      bootstrap: `127.0.0.1:${setup.tlsPort}`,
      properties: props({ 'security.protocol': 'SSL', 'ssl.truststore.location': join(FIXTURES, 'truststore.jks'), 'ssl.truststore.password': 'changeit' }),
    });
    await withAdmin(connection, 'creating a topic', (admin) => admin.createTopics({ topics: ['over-tls'], partitions: 1, replicas: 1 }), QUICK);
    assert.deepEqual(await withAdmin(connection, 'listing topics', (admin) => admin.listTopics(), QUICK), ['over-tls']);
  } finally {
    await setup.close();
  }
});

test('an untrusted certificate, plaintext to a TLS port and TLS to a plaintext port say what is wrong', { timeout: 60_000 }, async () => {
  const setup = await tlsInFront();
  try {
    const untrusted = resolveConnection({
      bootstrap: `127.0.0.1:${setup.tlsPort}`,
      properties: props({ 'security.protocol': 'SSL', 'ssl.truststore.type': 'PEM', 'ssl.truststore.location': join(FIXTURES, 'other-ca.pem') }),
    });
    await assert.rejects(withAdmin(untrusted, 'listing topics', (admin) => admin.listTopics(), QUICK), (e: unknown) => {
      assert.ok(e instanceof SdsError);
      assert.equal(e.code, 'SDS_ERR_CLIENT_TLS');
      assert.match(e.message, /listing topics: the TLS connection to 127\.0\.0\.1:\d+ failed .*ssl\.truststore/);
      return true;
    });

    const plaintextToTls = resolveConnection({ bootstrap: `127.0.0.1:${setup.tlsPort}` });
    await assert.rejects(withAdmin(plaintextToTls, 'listing topics', (admin) => admin.listTopics(), QUICK), (e: unknown) => {
      assert.ok(e instanceof SdsError);
      assert.equal(e.code, 'SDS_ERR_CLIENT_UNREACHABLE');
      assert.match(e.message, /security\.protocol/);
      return true;
    });

    const tlsToPlaintext = resolveConnection({
      bootstrap: setup.broker.bootstrap.replace(String(setup.tlsPort), String(setup.broker.port)),
      properties: props({ 'security.protocol': 'SSL', 'ssl.truststore.type': 'PEM', 'ssl.truststore.location': join(FIXTURES, 'ca.pem') }),
    });
    await assert.rejects(withAdmin(tlsToPlaintext, 'listing topics', (admin) => admin.listTopics(), QUICK), (e: unknown) => {
      assert.ok(e instanceof SdsError);
      assert.match(e.code, /^SDS_ERR_CLIENT_(TLS|UNREACHABLE)$/);
      return true;
    });
  } finally {
    await setup.close();
  }
});
