/**
 * DescribeUserScramCredentials (50) and AlterUserScramCredentials (51), called as the broker
 * calls them, on a real credential store in a temporary folder, with an authorizer that
 * allows or denies: Kafka's results, error codes and messages for every kind of bad entry,
 * and a login with the credential a client stored.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeUserScramCredentialsV0, Reader as PlatformaticReader } from '@platformatic/kafka';
import { describeUserScramCredentialsHandler } from '../../../src/broker/handlers/50-describe-user-scram-credentials.ts';
import { alterUserScramCredentialsHandler } from '../../../src/broker/handlers/51-alter-user-scram-credentials.ts';
import type { RequestContext } from '../../../src/broker/handlers/types.ts';
import type { BrokerContext } from '../../../src/broker/context.ts';
import { ScramCredentialStore } from '../../../src/broker/security/scram-credentials.ts';
import { deriveScramCredential } from '../../../src/broker/security/scram.ts';
import { ScramServerExchange } from '../../../src/broker/security/scram-server.ts';
import type { AclOperation, ResourceType, Session } from '../../../src/broker/security/types.ts';
import { SdsError } from '../../../src/errors.ts';
import { silentLogger } from '../../../src/logging.ts';
import { ErrorCode } from '../../../src/protocol/error-codes.ts';
import { API_SPECS } from '../../../src/protocol/generated/apis.ts';
import type { AlterUserScramCredentialsRequest, AlterUserScramCredentialsResponse } from '../../../src/protocol/generated/alter-user-scram-credentials.ts';
import type { DescribeUserScramCredentialsRequest, DescribeUserScramCredentialsResponse } from '../../../src/protocol/generated/describe-user-scram-credentials.ts';
import { Reader, Writer } from '../../../src/protocol/primitives/index.ts';
import { ScramClient } from '../../support/scram-client.ts';

interface Check {
  readonly principal: string;
  readonly operation: AclOperation;
  readonly resourceType: ResourceType;
  readonly resourceName: string;
}

interface Harness {
  readonly store: ScramCredentialStore;
  readonly checks: Check[];
  ctx(allow?: boolean): RequestContext;
}

type StoreLike = Pick<ScramCredentialStore, 'get' | 'list' | 'alter'>;

function context(store: StoreLike, checks: Check[], allow: boolean): RequestContext {
  const session: Session = { principal: 'User:admin', clientHost: '127.0.0.1' };
  const authorizer = {
    enabled: true,
    authorize: (s: Session, operation: AclOperation, resourceType: ResourceType, resourceName: string) => {
      checks.push({ principal: s.principal, operation, resourceType, resourceName });
      return allow;
    },
  };
  return {
    version: 0,
    header: { requestApiKey: 50, requestApiVersion: 0, correlationId: 1, clientId: 'test' },
    connectionId: 1,
    session,
    endpoint: { host: '127.0.0.1', port: 9092 },
    broker: { security: { authorizer, scram: store } } as unknown as BrokerContext,
    logger: silentLogger(),
  };
}

async function harness(t: TestContext): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'sds-user-apis-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const store = await ScramCredentialStore.open(dir);
  const checks: Check[] = [];
  return { store, checks, ctx: (allow = true) => context(store, checks, allow) };
}

async function describe(ctx: RequestContext, users: string[] | null): Promise<DescribeUserScramCredentialsResponse> {
  const request: DescribeUserScramCredentialsRequest = { users: users === null ? null : users.map((name) => ({ name })) };
  return (await describeUserScramCredentialsHandler.handle(request, ctx)) as DescribeUserScramCredentialsResponse;
}

async function alter(ctx: RequestContext, request: Partial<AlterUserScramCredentialsRequest>): Promise<AlterUserScramCredentialsResponse> {
  return (await alterUserScramCredentialsHandler.handle({ deletions: [], upsertions: [], ...request }, ctx)) as AlterUserScramCredentialsResponse;
}

/** An upsertion as a client builds it: the password salted on the client side. */
function upsertion(name: string, mechanism: 1 | 2, password: string, iterations = 4096) {
  const derived = deriveScramCredential(mechanism === 1 ? 'SCRAM-SHA-256' : 'SCRAM-SHA-512', password, iterations);
  return { name, mechanism, iterations, salt: derived.credential.salt, saltedPassword: derived.saltedPassword };
}

test('the handlers serve exactly v0', () => {
  assert.deepEqual([describeUserScramCredentialsHandler.apiKey, describeUserScramCredentialsHandler.minVersion, describeUserScramCredentialsHandler.maxVersion], [50, 0, 0]);
  assert.deepEqual([alterUserScramCredentialsHandler.apiKey, alterUserScramCredentialsHandler.minVersion, alterUserScramCredentialsHandler.maxVersion], [51, 0, 0]);
});

test('alter stores what the client salted; the user then logs in with SCRAM; describe lists mechanisms and iterations', async (t) => {
  const h = await harness(t);
  assert.deepEqual(await describe(h.ctx(), null), { throttleTimeMs: 0, errorCode: 0, errorMessage: '', results: [] });
  assert.deepEqual((await describe(h.ctx(), [])).results, []);

  const altered = await alter(h.ctx(), { upsertions: [upsertion('alice', 2, 'alice-pw', 8192), upsertion('bob', 1, 'bob-pw')] });
  assert.deepEqual(altered, {
    throttleTimeMs: 0,
    results: [
      { user: 'alice', errorCode: 0, errorMessage: null },
      { user: 'bob', errorCode: 0, errorMessage: null },
    ],
  });
  assert.deepEqual((await alter(h.ctx(), { upsertions: [upsertion('alice', 1, 'alice-pw')] })).results, [{ user: 'alice', errorCode: 0, errorMessage: null }]);
  assert.deepEqual(h.checks.map((c) => [c.principal, c.operation, c.resourceType, c.resourceName]), [
    ['User:admin', 'DESCRIBE', 'CLUSTER', 'kafka-cluster'],
    ['User:admin', 'DESCRIBE', 'CLUSTER', 'kafka-cluster'],
    ['User:admin', 'ALTER', 'CLUSTER', 'kafka-cluster'],
    ['User:admin', 'ALTER', 'CLUSTER', 'kafka-cluster'],
  ]);

  const exchange = new ScramServerExchange('SCRAM-SHA-512', (u) => h.store.get(u, 'SCRAM-SHA-512'));
  const client = new ScramClient('SCRAM-SHA-512', 'alice', 'alice-pw');
  assert.equal(client.verify(exchange.step(client.final(exchange.step(client.first())))), true);
  assert.equal(exchange.user, 'alice');

  assert.deepEqual(await describe(h.ctx(), null), {
    throttleTimeMs: 0,
    errorCode: 0,
    errorMessage: '',
    results: [
      { user: 'alice', errorCode: 0, errorMessage: '', credentialInfos: [{ mechanism: 1, iterations: 4096 }, { mechanism: 2, iterations: 8192 }] },
      { user: 'bob', errorCode: 0, errorMessage: '', credentialInfos: [{ mechanism: 1, iterations: 4096 }] },
    ],
  });
  // Named users: once each, in the order first asked; unknown and repeated users get Kafka's errors.
  assert.deepEqual((await describe(h.ctx(), ['bob', 'nobody', 'bob', 'alice', 'bob', ''])).results, [
    { user: 'bob', errorCode: ErrorCode.DUPLICATE_RESOURCE, errorMessage: 'Cannot describe SCRAM credentials for the same user twice in a single request: bob', credentialInfos: [] },
    { user: 'nobody', errorCode: ErrorCode.RESOURCE_NOT_FOUND, errorMessage: 'Attempt to describe a user credential that does not exist: nobody', credentialInfos: [] },
    { user: 'alice', errorCode: 0, errorMessage: '', credentialInfos: [{ mechanism: 1, iterations: 4096 }, { mechanism: 2, iterations: 8192 }] },
    { user: '', errorCode: ErrorCode.RESOURCE_NOT_FOUND, errorMessage: 'Attempt to describe a user credential that does not exist: ', credentialInfos: [] },
  ]);

  const deleted = await alter(h.ctx(), { deletions: [{ name: 'alice', mechanism: 2 }] });
  assert.deepEqual(deleted.results, [{ user: 'alice', errorCode: 0, errorMessage: null }]);
  assert.equal(h.store.get('alice', 'SCRAM-SHA-512'), undefined);
  assert.deepEqual((await describe(h.ctx(), ['alice'])).results[0]?.credentialInfos, [{ mechanism: 1, iterations: 4096 }]);
});

test('alter refuses bad entries with Kafka\'s codes and messages, and applies the good ones of the same request', async (t) => {
  const h = await harness(t);
  await alter(h.ctx(), { upsertions: [upsertion('existing', 1, 'pw'), upsertion('twice', 1, 'pw')] });
  await alter(h.ctx(), { upsertions: [upsertion('twice', 2, 'pw')] });
  const response = await alter(h.ctx(), {
    deletions: [
      { name: 'ghost', mechanism: 1 },
      { name: 'existing', mechanism: 2 },
      { name: '', mechanism: 1 },
      { name: 'del-bad-mech', mechanism: 0 },
      { name: 'twice', mechanism: 1 },
      { name: 'twice', mechanism: 2 },
    ],
    upsertions: [
      upsertion('good', 2, 'pw'),
      { ...upsertion('few', 1, 'pw'), iterations: 4095 },
      { ...upsertion('many', 1, 'pw'), iterations: 16385 },
      { ...upsertion('mech3', 1, 'pw'), mechanism: 3 },
      { ...upsertion('mech0', 1, 'pw'), mechanism: 0 },
      { ...upsertion('', 1, 'pw') },
      { ...upsertion('bigsalt', 1, 'pw'), salt: Buffer.alloc(1025, 1) },
      upsertion('dup', 1, 'pw'),
      upsertion('dup', 2, 'pw'),
      upsertion('dup', 1, 'pw'),
      upsertion('ghost', 1, 'pw'), // its deletion already failed: that error stays
      upsertion('twice', 1, 'pw'), // already a duplicate
    ],
  });
  const byUser = new Map(response.results.map((r) => [r.user, [r.errorCode, r.errorMessage]]));
  assert.equal(response.results.length, byUser.size, 'one result per user');
  assert.deepEqual(Object.fromEntries(byUser), {
    good: [0, null],
    ghost: [ErrorCode.RESOURCE_NOT_FOUND, 'Attempt to delete a user credential that does not exist'],
    existing: [ErrorCode.RESOURCE_NOT_FOUND, 'Attempt to delete a user credential that does not exist'],
    '': [ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Username must not be empty'],
    'del-bad-mech': [ErrorCode.UNSUPPORTED_SASL_MECHANISM, 'Unknown SCRAM mechanism'],
    twice: [ErrorCode.DUPLICATE_RESOURCE, 'A user credential cannot be altered twice in the same request'],
    few: [ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Too few iterations'],
    many: [ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Too many iterations'],
    mech3: [ErrorCode.UNSUPPORTED_SASL_MECHANISM, 'Unknown SCRAM mechanism'],
    mech0: [ErrorCode.UNSUPPORTED_SASL_MECHANISM, 'Unknown SCRAM mechanism'],
    bigsalt: [ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Salt is longer than 1024 bytes'],
    dup: [ErrorCode.DUPLICATE_RESOURCE, 'A user credential cannot be altered twice in the same request'],
  });
  assert.equal(response.results[0]?.user, 'good', 'successes come first, then failures');
  assert.deepEqual(h.store.list().map((u) => [u.user, u.credentials.length]), [['existing', 1], ['good', 1], ['twice', 2]]);

  // A deletion and an upsertion of the same user is a duplicate too, and neither happens.
  const mixed = await alter(h.ctx(), { deletions: [{ name: 'existing', mechanism: 1 }], upsertions: [upsertion('existing', 2, 'pw')] });
  assert.deepEqual(mixed.results, [{ user: 'existing', errorCode: ErrorCode.DUPLICATE_RESOURCE, errorMessage: 'A user credential cannot be altered twice in the same request' }]);
  assert.deepEqual(h.store.list().find((u) => u.user === 'existing')?.credentials, [{ mechanism: 'SCRAM-SHA-256', iterations: 4096 }]);
});

test('without DESCRIBE or ALTER on the cluster: CLUSTER_AUTHORIZATION_FAILED as Kafka shapes it, and nothing changes', async (t) => {
  const h = await harness(t);
  await alter(h.ctx(), { upsertions: [upsertion('alice', 1, 'pw')] });
  h.checks.length = 0;
  assert.deepEqual(await describe(h.ctx(false), ['alice', 'bob']), {
    throttleTimeMs: 0,
    errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
    errorMessage: null,
    results: [
      { user: '', errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: null, credentialInfos: [] },
      { user: '', errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: null, credentialInfos: [] },
    ],
  });
  assert.deepEqual((await describe(h.ctx(false), null)).results, []);
  const denied = await alter(h.ctx(false), {
    deletions: [{ name: 'alice', mechanism: 1 }],
    upsertions: [upsertion('zed', 2, 'pw'), upsertion('bob', 1, 'pw'), upsertion('zed', 1, 'pw')],
  });
  assert.deepEqual(denied.results, [
    { user: 'alice', errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: null },
    { user: 'bob', errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: null },
    { user: 'zed', errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: null },
  ]);
  assert.deepEqual(h.store.list(), [{ user: 'alice', credentials: [{ mechanism: 'SCRAM-SHA-256', iterations: 4096 }] }]);
  assert.deepEqual(h.checks.map((c) => c.operation), ['DESCRIBE', 'DESCRIBE', 'ALTER']);
});

test('a full credential store answers UNACCEPTABLE_CREDENTIAL; an I/O failure is thrown (the connection closes)', async (t) => {
  const h = await harness(t);
  const failing = (error: Error): StoreLike => ({ get: (u, m) => h.store.get(u, m), list: () => h.store.list(), alter: () => Promise.reject(error) });
  const full = await alterUserScramCredentialsHandler.handle(
    { deletions: [], upsertions: [upsertion('a', 1, 'pw'), { ...upsertion('b', 1, 'pw'), iterations: 1 }] },
    context(failing(new SdsError('SDS_ERR_SCRAM_STORE_FULL', 'full')), [], true),
  );
  assert.deepEqual((full as AlterUserScramCredentialsResponse).results, [
    { user: 'b', errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL, errorMessage: 'Too few iterations' },
    { user: 'a', errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL, errorMessage: 'The broker\'s SCRAM credential store is full; delete unused users first' },
  ]);
  const io = new SdsError('SDS_ERR_SCRAM_STORE_IO', 'disk gone');
  await assert.rejects(
    Promise.resolve(alterUserScramCredentialsHandler.handle({ deletions: [], upsertions: [upsertion('a', 1, 'pw')] }, context(failing(io), [], true))),
    (e: unknown) => e === io,
  );
});

test('on the wire: requests from our codec and @platformatic/kafka decode, and the responses decode in both', async (t) => {
  const h = await harness(t);
  const encode = <T>(write: (w: Writer, v: number, value: T) => void, value: T): Buffer => {
    const w = new Writer();
    write(w, 0, value);
    return w.toBuffer();
  };
  const alterBytes = encode(API_SPECS[51].writeRequest, { deletions: [], upsertions: [upsertion('alice', 2, 'pw'), upsertion('a,b=c', 1, 'pw')] });
  const alterRequest = API_SPECS[51].readRequest(new Reader(alterBytes), 0);
  const altered = await alterUserScramCredentialsHandler.handle(alterRequest, h.ctx());
  const alteredBack = API_SPECS[51].readResponse(new Reader(encode(API_SPECS[51].writeResponse, altered as AlterUserScramCredentialsResponse)), 0);
  assert.deepEqual(alteredBack.results.map((r) => [r.user, r.errorCode, r.errorMessage]), [
    ['alice', 0, null],
    ['a,b=c', 0, null],
  ]);

  // @platformatic/kafka's encoder for DescribeUserScramCredentials, and its parser for our answer.
  const platformaticRequest = describeUserScramCredentialsV0.createRequest([{ name: 'alice' }, { name: 'a,b=c' }]).buffer;
  const request = API_SPECS[50].readRequest(new Reader(platformaticRequest), 0);
  assert.deepEqual(request, { users: [{ name: 'alice' }, { name: 'a,b=c' }] });
  const response = await describeUserScramCredentialsHandler.handle(request, h.ctx());
  const bytes = encode(API_SPECS[50].writeResponse, response as DescribeUserScramCredentialsResponse);
  const parsed = describeUserScramCredentialsV0.parseResponse(1, 50, 0, PlatformaticReader.from(bytes));
  assert.deepEqual(parsed.results, [
    { user: 'alice', errorCode: 0, errorMessage: '', credentialInfos: [{ mechanism: 2, iterations: 4096 }] },
    { user: 'a,b=c', errorCode: 0, errorMessage: '', credentialInfos: [{ mechanism: 1, iterations: 4096 }] },
  ]);
});
