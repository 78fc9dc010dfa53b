/**
 * SASL on the embedded broker's listeners, over real TCP: SCRAM-SHA-512/256 and PLAIN logins
 * from a Kafka client we did not write, and, driven by hand, everything a client can get
 * wrong (no login, wrong or unknown user, bad tokens, oversized frames, stopping halfway),
 * session lifetimes and re-authentication (KIP-368), and v0 handshakes with bare tokens.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import { startBroker, type RunningBroker, type BrokerOptions } from '../../../src/broker/broker.ts';
import { withAdmin, type Limits } from '../../../src/client/clients.ts';
import { resolveConnection } from '../../../src/client/connection.ts';
import { ErrorCode } from '../../../src/protocol/error-codes.ts';
import { RawClient } from '../../support/raw-client.ts';
import { decodeResponse, encodeRequest } from '../../../src/protocol/frame.ts';
import { ScramClient } from '../../support/scram-client.ts';

// No retries, so refusals show at once; generous limits, so a loaded machine is not mistaken for one.
const QUICK: Limits = { connectTimeoutMs: 15_000, requestTimeoutMs: 30_000, retries: 0, retryDelayMs: 100 };
const ALICE = { name: 'alice', password: 'alice-secret-9f2' };
const BOB = { name: 'bob', password: 'bob-secret-77a' };

async function saslBroker(t: TestContext, extra: Partial<BrokerOptions> = {}): Promise<{ broker: RunningBroker; sasl: number; plain: number }> {
  const broker = await startBroker({
    listeners: [
      { protocol: 'PLAINTEXT', port: 0 },
      { protocol: 'SASL_PLAINTEXT', port: 0 },
    ],
    users: [ALICE, BOB],
    sasl: { failedAuthenticationDelayMs: 10 },
    ...extra,
  });
  t.after(() => broker.stop());
  const port = (protocol: string): number => broker.listeners.find((l) => l.protocol === protocol)?.port ?? -1;
  return { broker, sasl: port('SASL_PLAINTEXT'), plain: port('PLAINTEXT') };
}

function saslConnection(port: number, mechanism: string, user: string, password: string) {
  const module = mechanism === 'PLAIN' ? 'org.apache.kafka.common.security.plain.PlainLoginModule' : 'org.apache.kafka.common.security.scram.ScramLoginModule';
  return resolveConnection({
    bootstrap: `127.0.0.1:${port}`,
    properties: new Map([
      ['security.protocol', 'SASL_PLAINTEXT'],
      ['sasl.mechanism', mechanism],
      ['sasl.jaas.config', `${module} required username="${user}" password="${password}";`],
    ]),
  });
}

/** Handshake and the full SCRAM exchange through SaslAuthenticate v2; returns the final answer. */
async function scramLogin(client: RawClient, mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512', user: string, password: string, tamper = false) {
  const hs = await client.request(17, 1, { mechanism });
  assert.equal(hs.errorCode, ErrorCode.NONE);
  const scram = new ScramClient(mechanism, user, password);
  const first = await client.request(36, 2, { authBytes: scram.first() });
  if (first.errorCode !== ErrorCode.NONE) return { answer: first, scram };
  const final = await client.request(36, 2, { authBytes: scram.final(first.authBytes, tamper) });
  return { answer: final, scram };
}

test('Kafka clients log in with SCRAM-SHA-512 and SCRAM-SHA-256 and work normally', { timeout: 30_000 }, async (t) => {
  const { sasl } = await saslBroker(t);
  for (const mechanism of ['SCRAM-SHA-512', 'SCRAM-SHA-256']) {
    const connection = saslConnection(sasl, mechanism, ALICE.name, ALICE.password);
    await withAdmin(connection, 'creating a topic', (admin) => admin.createTopics({ topics: [`t-${mechanism}`], partitions: 1, replicas: 1 }), QUICK);
  }
  const topics = await withAdmin(saslConnection(sasl, 'SCRAM-SHA-512', BOB.name, BOB.password), 'listing', (a) => a.listTopics(), QUICK);
  assert.deepEqual([...topics].sort(), ['t-SCRAM-SHA-256', 't-SCRAM-SHA-512']);
});

test('a wrong password and an unknown user are refused alike, and the broker serves others', { timeout: 30_000 }, async (t) => {
  const { sasl } = await saslBroker(t);
  const failures: string[] = [];
  for (const [user, password] of [[ALICE.name, 'wrong'], ['mallory', 'whatever']] as const) {
    await assert.rejects(withAdmin(saslConnection(sasl, 'SCRAM-SHA-512', user, password), 'listing', (a) => a.listTopics(), QUICK), (e: unknown) => {
      failures.push(String((e as Error).message).replace(user, 'USER'));
      return true;
    });
  }
  for (const f of failures) assert.match(f, /authentication/i);
  assert.equal(failures[0], failures[1], 'an unknown user must look like a wrong password');
  // By hand: the exact error, then the connection closes.
  const client = await RawClient.connect(sasl);
  const { answer } = await scramLogin(client, 'SCRAM-SHA-512', ALICE.name, ALICE.password, true);
  assert.equal(answer.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED);
  assert.equal(answer.errorMessage, 'Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512');
  assert.ok(await client.waitClosed());
  await withAdmin(saslConnection(sasl, 'SCRAM-SHA-512', ALICE.name, ALICE.password), 'listing', (a) => a.listTopics(), QUICK);
});

test('before logging in only ApiVersions and SASL are answered: anything else closes the connection', async (t) => {
  const { sasl } = await saslBroker(t);
  const client = await RawClient.connect(sasl);
  const versions = await client.request(18, 3, { clientSoftwareName: 'test', clientSoftwareVersion: '1' });
  assert.equal(versions.errorCode, ErrorCode.NONE);
  assert.ok(versions.apiKeys.some((k) => k.apiKey === 36 && k.maxVersion === 2));
  client.send(3, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
  assert.equal(await client.nextFrame(), null, 'no metadata before a login');
});

test('SASL requests in the wrong order, unknown mechanisms and PLAIN when it is off are refused with Kafka errors', async (t) => {
  const { sasl, plain } = await saslBroker(t);
  const early = await RawClient.connect(sasl);
  const auth = await early.request(36, 2, { authBytes: Buffer.from('n,,n=alice,r=abc') });
  assert.equal(auth.errorCode, ErrorCode.ILLEGAL_SASL_STATE);
  assert.ok(await early.waitClosed());

  const unknown = await RawClient.connect(sasl);
  const hs = await unknown.request(17, 1, { mechanism: 'GSSAPI' });
  assert.equal(hs.errorCode, ErrorCode.UNSUPPORTED_SASL_MECHANISM);
  assert.deepEqual(hs.mechanisms, ['SCRAM-SHA-512', 'SCRAM-SHA-256']);
  assert.ok(await unknown.waitClosed());

  const noPlain = await RawClient.connect(sasl);
  assert.equal((await noPlain.request(17, 1, { mechanism: 'PLAIN' })).errorCode, ErrorCode.UNSUPPORTED_SASL_MECHANISM);

  const twice = await RawClient.connect(sasl);
  assert.equal((await twice.request(17, 1, { mechanism: 'SCRAM-SHA-512' })).errorCode, ErrorCode.NONE);
  assert.equal((await twice.request(17, 1, { mechanism: 'SCRAM-SHA-512' })).errorCode, ErrorCode.ILLEGAL_SASL_STATE);
  assert.ok(await twice.waitClosed());

  // On a listener without SASL, the SASL requests are answered ILLEGAL_SASL_STATE, as Kafka does.
  const plaintext = await RawClient.connect(plain);
  assert.equal((await plaintext.request(17, 1, { mechanism: 'SCRAM-SHA-512' })).errorCode, ErrorCode.ILLEGAL_SASL_STATE);
  assert.equal((await plaintext.request(36, 2, { authBytes: Buffer.alloc(0) })).errorCode, ErrorCode.ILLEGAL_SASL_STATE);
  plaintext.close();
});

test('PLAIN, when enabled, checks the password against the stored SCRAM credential', { timeout: 30_000 }, async (t) => {
  const { sasl } = await saslBroker(t, { sasl: { mechanisms: ['PLAIN', 'SCRAM-SHA-512'], failedAuthenticationDelayMs: 0 } });
  await withAdmin(saslConnection(sasl, 'PLAIN', ALICE.name, ALICE.password), 'listing', (a) => a.listTopics(), QUICK);
  await assert.rejects(withAdmin(saslConnection(sasl, 'PLAIN', ALICE.name, 'nope'), 'listing', (a) => a.listTopics(), QUICK));
  const client = await RawClient.connect(sasl);
  assert.equal((await client.request(17, 1, { mechanism: 'PLAIN' })).errorCode, ErrorCode.NONE);
  const bad = await client.request(36, 2, { authBytes: Buffer.from('\0alice\0nope') });
  assert.equal(bad.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED);
  assert.doesNotMatch(bad.errorMessage ?? '', /nope/);
});

test('a request sent right behind a PLAIN login waits for the login, then is served', async (t) => {
  const { sasl } = await saslBroker(t, { sasl: { mechanisms: ['PLAIN'], failedAuthenticationDelayMs: 0 } });
  const client = await RawClient.connect(sasl);
  t.after(() => client.close());
  assert.equal((await client.request(17, 1, { mechanism: 'PLAIN' })).errorCode, ErrorCode.NONE);
  // One write: the Metadata request is there while the password is checked on the thread pool.
  const login = encodeRequest(36, 2, 101, 'pipelining', { authBytes: Buffer.from(`\0${ALICE.name}\0${ALICE.password}`) });
  const metadata = encodeRequest(3, 12, 102, 'pipelining', { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
  client.writeRaw(Buffer.concat([login, metadata]));
  const loggedIn = decodeResponse(36, 2, (await client.nextFrame()) as Buffer);
  assert.deepEqual([loggedIn.correlationId, loggedIn.body.errorCode], [101, ErrorCode.NONE]);
  const described = decodeResponse(3, 12, (await client.nextFrame()) as Buffer);
  assert.deepEqual([described.correlationId, described.body.brokers.length], [102, 1]);
});

test('malformed and oversized tokens, a client that stops halfway and many failed logins leave the broker serving', { timeout: 60_000 }, async (t) => {
  const { sasl } = await saslBroker(t);
  // Garbage as the client-first message.
  const garbage = await RawClient.connect(sasl);
  await garbage.request(17, 1, { mechanism: 'SCRAM-SHA-256' });
  const answer = await garbage.request(36, 2, { authBytes: Buffer.from([0xff, 0x00, 0x2c, 0x3d]) });
  assert.equal(answer.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED);
  // A frame above sasl.server.max.receive.size before login: closed before it is read.
  const big = await RawClient.connect(sasl);
  const header = Buffer.alloc(4);
  header.writeInt32BE(600_000);
  big.writeRaw(header);
  assert.ok(await big.waitClosed());
  // Stops after the first SCRAM message, and never says more.
  const halfway = await RawClient.connect(sasl);
  await halfway.request(17, 1, { mechanism: 'SCRAM-SHA-512' });
  await halfway.request(36, 2, { authBytes: new ScramClient('SCRAM-SHA-512', ALICE.name, ALICE.password).first() });
  // Fifty wrong passwords in a row.
  for (let i = 0; i < 50; i++) {
    const c = await RawClient.connect(sasl);
    const { answer: a } = await scramLogin(c, 'SCRAM-SHA-512', ALICE.name, `guess-${i}`);
    assert.equal(a.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED);
    c.close();
  }
  const ok = await RawClient.connect(sasl);
  const { answer: good, scram } = await scramLogin(ok, 'SCRAM-SHA-512', ALICE.name, ALICE.password);
  assert.equal(good.errorCode, ErrorCode.NONE);
  assert.ok(scram.verify(good.authBytes), 'the server proves it knows the credential');
  assert.equal((await ok.request(3, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false })).brokers.length, 1);
  halfway.close();
});

test('a session ends after reauthMs unless the client logs in again; the principal may not change', { timeout: 30_000 }, async (t) => {
  // Renewal on a session long enough for a loaded machine; expiry on a short one below.
  const { sasl } = await saslBroker(t, { sasl: { reauthMs: 10_000, failedAuthenticationDelayMs: 0 } });
  const metadata = { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false } as const;
  const client = await RawClient.connect(sasl);
  const { answer } = await scramLogin(client, 'SCRAM-SHA-512', ALICE.name, ALICE.password);
  assert.equal(answer.sessionLifetimeMs, 10_000n);
  await client.request(3, 12, metadata);
  // Logging in again on the same connection renews the session.
  assert.equal((await scramLogin(client, 'SCRAM-SHA-512', ALICE.name, ALICE.password)).answer.errorCode, ErrorCode.NONE);
  await client.request(3, 12, metadata);
  // Another user on the same connection is refused.
  const other = await scramLogin(client, 'SCRAM-SHA-512', BOB.name, BOB.password);
  assert.equal(other.answer.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED);
  assert.match(other.answer.errorMessage ?? '', /Cannot change principals during re-authentication/);
  assert.ok(await client.waitClosed());

  const short = await saslBroker(t, { sasl: { reauthMs: 400, failedAuthenticationDelayMs: 0 } });
  const lapsed = await RawClient.connect(short.sasl);
  assert.equal((await scramLogin(lapsed, 'SCRAM-SHA-512', ALICE.name, ALICE.password)).answer.sessionLifetimeMs, 400n);
  await new Promise((r) => setTimeout(r, 600));
  lapsed.send(3, 12, metadata);
  assert.equal(await lapsed.nextFrame(), null, 'an expired session is closed, not answered');
});

test('after a v0 handshake the SCRAM tokens travel without Kafka headers', async (t) => {
  const { sasl } = await saslBroker(t);
  const client = await RawClient.connect(sasl);
  assert.equal((await client.request(17, 0, { mechanism: 'SCRAM-SHA-256' })).errorCode, ErrorCode.NONE);
  const scram = new ScramClient('SCRAM-SHA-256', BOB.name, BOB.password);
  const sendRaw = (token: Buffer): void => {
    const size = Buffer.alloc(4);
    size.writeInt32BE(token.length);
    client.writeRaw(Buffer.concat([size, token]));
  };
  sendRaw(scram.first());
  const serverFirst = await client.nextFrame();
  assert.ok(serverFirst !== null && serverFirst.toString().startsWith('r='));
  sendRaw(scram.final(serverFirst));
  const serverFinal = await client.nextFrame();
  assert.ok(serverFinal !== null && scram.verify(serverFinal));
  const answer = await client.request(3, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
  assert.equal(answer.brokers.length, 1);
});

test('passwords never reach the log', { timeout: 30_000 }, async (t) => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const logger = pino({ level: 'trace' }, sink);
  const { sasl } = await saslBroker(t, { logger, sasl: { mechanisms: ['PLAIN', 'SCRAM-SHA-512'], failedAuthenticationDelayMs: 0 } });
  await withAdmin(saslConnection(sasl, 'SCRAM-SHA-512', ALICE.name, ALICE.password), 'listing', (a) => a.listTopics(), QUICK);
  await assert.rejects(withAdmin(saslConnection(sasl, 'PLAIN', ALICE.name, 'typo-password-123'), 'listing', (a) => a.listTopics(), QUICK));
  const log = lines.join('');
  assert.match(log, /client authenticated/);
  for (const secret of [ALICE.password, BOB.password, 'typo-password-123']) assert.ok(!log.includes(secret), `the log holds ${secret}`);
});
