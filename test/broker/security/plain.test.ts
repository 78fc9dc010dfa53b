/**
 * SASL PLAIN on the server: passwords checked against stored SCRAM credentials (either
 * mechanism), @platformatic/kafka's PLAIN client as a peer, and every malformed message.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { saslPlain, type Connection, type saslAuthenticateV2 } from '@platformatic/kafka';
import { authenticatePlain, MAX_PLAIN_FIELD_BYTES, type CredentialLookup } from '../../../src/broker/security/plain-server.ts';
import { SaslAuthenticationFailed } from '../../../src/broker/security/sasl-errors.ts';
import { deriveScramCredential } from '../../../src/broker/security/scram.ts';
import type { ScramCredential, ScramMechanism } from '../../../src/broker/security/types.ts';

type SASLAuthenticationAPI = saslAuthenticateV2.SASLAuthenticationAPI;
type SaslAuthenticateResponse = saslAuthenticateV2.SaslAuthenticateResponse;

const INVALID = 'Authentication failed: Invalid username or password';

function lookup(entries: [user: string, mechanism: ScramMechanism, password: string][]): CredentialLookup {
  const map = new Map<string, ScramCredential>(entries.map(([u, m, p]) => [`${u}\0${m}`, deriveScramCredential(m, p, 4096).credential]));
  return { get: (user, mechanism) => map.get(`${user}\0${mechanism}`) };
}

const STORE = lookup([
  ['alice', 'SCRAM-SHA-512', 'alice-pw'],
  ['bob', 'SCRAM-SHA-256', 'bob-pw'],
  // carol changed only one mechanism's password: either one logs her in
  ['carol', 'SCRAM-SHA-512', 'new-pw'],
  ['carol', 'SCRAM-SHA-256', 'old-pw'],
  ['dörte', 'SCRAM-SHA-512', 'pässwört'],
]);

function plain(...parts: string[]): Buffer {
  return Buffer.from(parts.join('\0'), 'utf8');
}

async function failsWith(message: Buffer, expected: string | RegExp, store: CredentialLookup = STORE): Promise<void> {
  await assert.rejects(
    authenticatePlain(message, store),
    (e: unknown) => {
      assert.ok(e instanceof SaslAuthenticationFailed, String(e));
      if (typeof expected === 'string') assert.equal(e.message, expected);
      else assert.match(e.message, expected);
      return true;
    },
  );
}

test('PLAIN logs in a user whose password matches a stored SCRAM credential of either mechanism', async () => {
  assert.equal(await authenticatePlain(plain('', 'alice', 'alice-pw'), STORE), 'alice');
  assert.equal(await authenticatePlain(plain('', 'bob', 'bob-pw'), STORE), 'bob');
  assert.equal(await authenticatePlain(plain('', 'carol', 'new-pw'), STORE), 'carol');
  assert.equal(await authenticatePlain(plain('', 'carol', 'old-pw'), STORE), 'carol');
  assert.equal(await authenticatePlain(plain('', 'dörte', 'pässwört'), STORE), 'dörte');
  assert.equal(await authenticatePlain(plain('alice', 'alice', 'alice-pw'), STORE), 'alice', 'an authzid equal to the user is fine');
});

test('@platformatic/kafka\'s PLAIN client logs in', async () => {
  let user: string | undefined;
  const send = (_c: Connection, authBytes: Buffer, callback?: (error: Error | null, response?: SaslAuthenticateResponse) => void): void => {
    authenticatePlain(authBytes, STORE).then(
      (authenticated) => {
        user = authenticated;
        callback?.(null, { errorCode: 0, errorMessage: null, authBytes: Buffer.alloc(0), sessionLifetimeMs: 0n });
      },
      (e: unknown) => callback?.(e as Error),
    );
  };
  const api = Object.assign(send, { key: 36, version: 2 }) as unknown as SASLAuthenticationAPI;
  await saslPlain.authenticate(api, {} as Connection, 'alice', 'alice-pw');
  assert.equal(user, 'alice');
  await assert.rejects(saslPlain.authenticate(api, {} as Connection, 'alice', 'nope'), (e: unknown) => e instanceof SaslAuthenticationFailed && e.message === INVALID);
});

test('a wrong password, an unknown user and a user without credentials fail with the same message', async () => {
  await failsWith(plain('', 'alice', 'wrong'), INVALID);
  await failsWith(plain('', 'mallory', 'alice-pw'), INVALID);
  await failsWith(plain('', 'alice', 'ALICE-PW'), INVALID);
  await failsWith(plain('', 'Alice', 'alice-pw'), INVALID);
  await failsWith(plain('', 'alice', 'alice-pw'), INVALID, lookup([]));
});

test('malformed PLAIN messages are refused with Kafka\'s messages, never echoing the password', async () => {
  const secret = 'very-secret-password';
  const cases: [Buffer, string | RegExp][] = [
    [Buffer.alloc(0), 'Invalid SASL/PLAIN response: expected 3 tokens, got 1'],
    [plain('alice', secret), 'Invalid SASL/PLAIN response: expected 3 tokens, got 2'],
    [plain('', 'alice', secret, 'extra'), 'Invalid SASL/PLAIN response: expected 3 tokens, got 4'],
    [plain('', '', secret), 'Authentication failed: username not specified'],
    [plain('', 'alice', ''), 'Authentication failed: password not specified'],
    [plain('admin', 'alice', 'alice-pw'), 'Authentication failed: Client requested an authorization id that is different from username'],
    [Buffer.concat([Buffer.from('\0'), Buffer.from([0xc3, 0x28]), Buffer.from(`\0${secret}`)]), /the user name is not UTF-8/],
    [Buffer.concat([Buffer.from('\0alice\0'), Buffer.from([0xff])]), /the password is not UTF-8/],
    [Buffer.concat([Buffer.from([0xfe]), Buffer.from('\0alice\0pw')]), /the authorization id is not UTF-8/],
    [plain('', 'a'.repeat(MAX_PLAIN_FIELD_BYTES + 1), secret), /the user name is longer than 1024 bytes/],
    [plain('', 'alice', 'p'.repeat(MAX_PLAIN_FIELD_BYTES + 1)), /the password is longer than 1024 bytes/],
    [plain('z'.repeat(MAX_PLAIN_FIELD_BYTES + 1), 'alice', 'pw'), /the authorization id is longer than 1024 bytes/],
    [Buffer.alloc(3 * MAX_PLAIN_FIELD_BYTES + 3, 0x61), /longer than 3074 bytes/],
  ];
  for (const [message, expected] of cases) {
    await failsWith(message, expected);
    try {
      await authenticatePlain(message, STORE);
    } catch (e: unknown) {
      assert.ok(!(e as Error).message.includes(secret));
    }
  }
  // The limits leave room for the largest legal fields.
  const big = lookup([['u'.repeat(MAX_PLAIN_FIELD_BYTES), 'SCRAM-SHA-256', 'p'.repeat(MAX_PLAIN_FIELD_BYTES)]]);
  assert.equal(await authenticatePlain(plain('u'.repeat(MAX_PLAIN_FIELD_BYTES), 'u'.repeat(MAX_PLAIN_FIELD_BYTES), 'p'.repeat(MAX_PLAIN_FIELD_BYTES)), big), 'u'.repeat(MAX_PLAIN_FIELD_BYTES));
});

test('the password is salted off the event loop: other work runs while a PLAIN login is checked', async () => {
  let ranMeanwhile = false;
  const login = authenticatePlain(plain('', 'alice', 'alice-pw'), STORE);
  setImmediate(() => (ranMeanwhile = true));
  assert.equal(await login, 'alice');
  assert.ok(ranMeanwhile, 'the event loop turned while thousands of PBKDF2 iterations ran');
});
