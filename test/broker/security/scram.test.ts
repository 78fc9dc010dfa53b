/**
 * SCRAM primitives and the server side of the exchange: RFC 7677's SCRAM-SHA-256 test vector,
 * full logins from @platformatic/kafka's SCRAM client and from the independent test client, and
 * every malformed or hostile message a client can send.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { saslScramSha, type Connection, type saslAuthenticateV2 } from '@platformatic/kafka';
import { SdsError } from '../../../src/errors.ts';
import { SaslAuthenticationFailed } from '../../../src/broker/security/sasl-errors.ts';
import {
  credentialFromSaltedPassword,
  deriveScramCredential,
  escapeScramUsername,
  isScramMechanism,
  saltPassword,
  scramMechanismOfType,
  SCRAM_MAX_ITERATIONS,
  SCRAM_MIN_ITERATIONS,
  SCRAM_SALT_BYTES,
  unescapeScramUsername,
} from '../../../src/broker/security/scram.ts';
import { MAX_SCRAM_CLIENT_MESSAGE_BYTES, ScramServerExchange } from '../../../src/broker/security/scram-server.ts';
import type { ScramCredential, ScramMechanism } from '../../../src/broker/security/types.ts';
import { ScramClient } from '../../support/scram-client.ts';

type SASLAuthenticationAPI = saslAuthenticateV2.SASLAuthenticationAPI;
type SaslAuthenticateResponse = saslAuthenticateV2.SaslAuthenticateResponse;

const ITERATIONS = 4096; // the minimum keeps the tests quick

function lookupFor(users: Record<string, string>, mechanism: ScramMechanism): (user: string) => ScramCredential | undefined {
  const credentials = new Map(Object.entries(users).map(([u, p]) => [u, deriveScramCredential(mechanism, p, ITERATIONS).credential]));
  return (user) => credentials.get(user);
}

/** Feeds @platformatic/kafka's SCRAM client to the exchange in-process, as SaslAuthenticate would. */
function platformaticLogin(exchange: ScramServerExchange, mechanism: ScramMechanism, user: string, password: string): Promise<SaslAuthenticateResponse> {
  const send = (_connection: Connection, authBytes: Buffer, callback?: (error: Error | null, response?: SaslAuthenticateResponse) => void): void => {
    let response: SaslAuthenticateResponse;
    try {
      response = { errorCode: 0, errorMessage: null, authBytes: exchange.step(authBytes), sessionLifetimeMs: 0n };
    } catch (e: unknown) {
      callback?.(e as Error);
      return;
    }
    callback?.(null, response);
  };
  const api = Object.assign(send, { key: 36, version: 2 }) as unknown as SASLAuthenticationAPI;
  return saslScramSha.authenticate(api, {} as Connection, mechanism === 'SCRAM-SHA-256' ? 'SHA-256' : 'SHA-512', user, password);
}

function failsWith(fn: () => unknown, message: RegExp | string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof SaslAuthenticationFailed, `expected SaslAuthenticationFailed, got ${String(e)}`);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

test('RFC 7677 SCRAM-SHA-256 test vector: the server answers byte for byte as the RFC shows', () => {
  const salt = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64');
  const { credential } = deriveScramCredential('SCRAM-SHA-256', 'pencil', 4096, salt);
  const exchange = new ScramServerExchange('SCRAM-SHA-256', (u) => (u === 'user' ? credential : undefined), () => '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0');
  const serverFirst = exchange.step(Buffer.from('n,,n=user,r=rOprNGfwEbeRWgbNEkqO'));
  assert.equal(serverFirst.toString(), 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096');
  assert.equal(exchange.complete, false);
  assert.equal(exchange.user, undefined);
  const serverFinal = exchange.step(
    Buffer.from('c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ='),
  );
  assert.equal(serverFinal.toString(), 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=');
  assert.equal(exchange.complete, true);
  assert.equal(exchange.user, 'user');
});

test('@platformatic/kafka\'s SCRAM client logs in with SCRAM-SHA-512 and SCRAM-SHA-256, and checks our server signature', async () => {
  for (const mechanism of ['SCRAM-SHA-512', 'SCRAM-SHA-256'] as const) {
    const exchange = new ScramServerExchange(mechanism, lookupFor({ alice: 'alice-secret', bob: 'other' }, mechanism));
    await platformaticLogin(exchange, mechanism, 'alice', 'alice-secret');
    assert.equal(exchange.complete, true);
    assert.equal(exchange.user, 'alice');
  }
});

test('the independent test client logs in, including a user name with "," and "=" that SCRAM escapes', () => {
  for (const mechanism of ['SCRAM-SHA-512', 'SCRAM-SHA-256'] as const) {
    for (const user of ['carol', 'a=b,c,d', 'ünïcödé']) {
      const exchange = new ScramServerExchange(mechanism, lookupFor({ [user]: 'p@ss wörd' }, mechanism));
      const client = new ScramClient(mechanism, user, 'p@ss wörd');
      const final = exchange.step(client.final(exchange.step(client.first())));
      assert.equal(client.verify(final), true, 'the server proves it knows the credential');
      assert.equal(exchange.user, user);
    }
  }
});

test('a wrong password and an unknown user fail alike, at the proof, with Kafka\'s message', async () => {
  for (const mechanism of ['SCRAM-SHA-512', 'SCRAM-SHA-256'] as const) {
    const expected = `Authentication failed during authentication due to invalid credentials with SASL mechanism ${mechanism}`;
    const lookup = lookupFor({ alice: 'right' }, mechanism);
    for (const [user, password] of [['alice', 'wrong'], ['mallory', 'anything']]) {
      const exchange = new ScramServerExchange(mechanism, lookup);
      await assert.rejects(platformaticLogin(exchange, mechanism, user as string, password as string), (e: unknown) => {
        const cause = (e as { cause?: unknown }).cause;
        assert.ok(cause instanceof SaslAuthenticationFailed);
        assert.equal(cause.message, expected);
        return true;
      });
      assert.equal(exchange.complete, false);
      assert.equal(exchange.user, undefined);
    }
    // The unknown user's salt is the same every time, and looks like a real one.
    const first = (u: string) => new ScramServerExchange(mechanism, lookup).step(Buffer.from(`n,,n=${u},r=abc`)).toString().replace(/^r=[^,]+,/, '');
    assert.equal(first('mallory'), first('mallory'));
    assert.notEqual(first('mallory'), first('trudy'));
    assert.match(first('mallory'), /^s=[A-Za-z0-9+/]{43}=,i=8192$/);
    // A tampered proof of the right user fails the same way.
    const exchange = new ScramServerExchange(mechanism, lookup);
    const client = new ScramClient(mechanism, 'alice', 'right');
    const serverFirst = exchange.step(client.first());
    failsWith(() => exchange.step(client.final(serverFirst, true)), expected);
  }
});

test('an authorization id equal to the user is accepted; a different one is refused with Kafka\'s message', () => {
  const lookup = lookupFor({ alice: 'pw' }, 'SCRAM-SHA-256');
  const ok = new ScramServerExchange('SCRAM-SHA-256', lookup);
  assert.match(ok.step(Buffer.from('n,a=alice,n=alice,r=nonce1')).toString(), /^r=nonce1/);
  failsWith(
    () => new ScramServerExchange('SCRAM-SHA-256', lookup).step(Buffer.from('n,a=admin,n=alice,r=nonce1')),
    'Authentication failed: Client requested an authorization id that is different from username',
  );
  failsWith(() => new ScramServerExchange('SCRAM-SHA-256', lookup).step(Buffer.from('n,a=ad=min,n=alice,r=x')), /authorization id is wrongly escaped/);
});

test('client-first messages that are malformed or ask for what we do not offer are refused with a safe message', () => {
  const lookup = lookupFor({ alice: 'pw' }, 'SCRAM-SHA-512');
  const bad: [string | Buffer, RegExp][] = [
    [Buffer.alloc(MAX_SCRAM_CLIENT_MESSAGE_BYTES + 1, 0x61), /longer than 4096 bytes/],
    [Buffer.from([0x6e, 0x2c, 0x2c, 0xff, 0xfe]), /not UTF-8/],
    ['n,,n=al\0ice,r=abc', /NUL/],
    ['', /no GS2 header/],
    ['n=alice,r=abc', /no GS2 header/],
    ['p=tls-server-end-point,,n=alice,r=abc', /channel binding is not supported/],
    ['q,,n=alice,r=abc', /GS2 header must start with "n,"/],
    ['n,x=alice,n=alice,r=abc', /authorization id must be "a=name"/],
    ['n,,m=future,n=alice,r=abc', /mandatory extensions/],
    ['n,,r=abc,n=alice', /user name \(n=\) must come first/],
    ['n,,n=,r=abc', /user name is empty or wrongly escaped/],
    ['n,,n=ali=ce,r=abc', /user name is empty or wrongly escaped/],
    ['n,,n=alice', /nonce \(r=\) must follow/],
    ['n,,n=alice,x=abc', /nonce \(r=\) must follow/],
    ['n,,n=alice,r=', /nonce \(r=\) must follow/],
    ['n,,n=alice,r=a b', /nonce \(r=\) must follow/],
    ['n,,n=alice,r=abc,tokenauth=true', /delegation tokens are not supported/],
    ['n,,n=alice,r=abc,tokenauth=TRUE', /delegation tokens are not supported/],
    ['n,,n=alice,r=abc,=x', /extension is not name=value/],
    ['n,,n=alice,r=abc,noequals', /extension is not name=value/],
  ];
  for (const [message, expected] of bad) {
    const exchange = new ScramServerExchange('SCRAM-SHA-512', lookup);
    failsWith(() => exchange.step(typeof message === 'string' ? Buffer.from(message) : message), expected);
    failsWith(() => exchange.step(Buffer.from('n,,n=alice,r=abc')), /exchange has already failed/);
  }
  // Unknown extensions are ignored (RFC 5802, and Kafka), and so is tokenauth=false.
  for (const ext of [',tokenauth=false', ',foo=bar', ',x=1,y=2']) {
    const exchange = new ScramServerExchange('SCRAM-SHA-512', lookup);
    assert.match(exchange.step(Buffer.from(`n,,n=alice,r=abc${ext}`)).toString(), /^r=abc\S+,s=\S+,i=4096$/);
  }
  // "y" (client could bind, thinks the server cannot) is fine for a server without -PLUS.
  assert.match(new ScramServerExchange('SCRAM-SHA-512', lookup).step(Buffer.from('y,,n=alice,r=abc')).toString(), /^r=abc/);
});

test('client-final messages that are malformed, replayed or bound to another header are refused without echoing the proof', () => {
  const mechanism = 'SCRAM-SHA-512';
  const lookup = lookupFor({ alice: 'pw' }, mechanism);
  const start = (): { exchange: ScramServerExchange; nonce: string; client: ScramClient; serverFirst: Buffer } => {
    const exchange = new ScramServerExchange(mechanism, lookup);
    const client = new ScramClient(mechanism, 'alice', 'pw');
    const serverFirst = exchange.step(client.first());
    return { exchange, client, serverFirst, nonce: /^r=([^,]+)/.exec(serverFirst.toString())?.[1] ?? '' };
  };
  const proof = Buffer.alloc(64, 7).toString('base64');
  const cases: ((nonce: string) => string | Buffer)[] = [
    () => Buffer.alloc(MAX_SCRAM_CLIENT_MESSAGE_BYTES + 1, 0x61),
    (n) => `c=biws,r=${n}`,
    (n) => `r=${n},c=biws,p=${proof}`,
    (n) => `c=b!ws,r=${n},p=${proof}`,
    (n) => `c=eSws,r=${n},p=${proof}`, // base64("y,,"), but the client sent "n,,"
    (n) => `c=biws,p=${proof},r=${n}`,
    () => `c=biws,r=someone-elses-nonce,p=${proof}`,
    (n) => `c=biws,r=${n},p=not base64!`,
    (n) => `c=biws,r=${n},p=${Buffer.alloc(32, 7).toString('base64')}`,
    (n) => `c=biws,r=${n},bad,p=${proof}`,
  ];
  const expected = [
    /longer than 4096 bytes/,
    /no proof/,
    /channel binding \(c=\) must come first/,
    /channel binding \(c=\) must come first/,
    /does not repeat the GS2 header/,
    /no proof|nonce \(r=\) must follow|not base64/,
    /nonce of the client-final message is not the one of this exchange/,
    /proof is not base64/,
    /proof must be 64 bytes/,
    /extension is not name=value/,
  ];
  cases.forEach((make, i) => {
    const { exchange, nonce } = start();
    assert.throws(
      () => exchange.step(typeof make(nonce) === 'string' ? Buffer.from(make(nonce) as string) : (make(nonce) as Buffer)),
      (e: unknown) => {
        assert.ok(e instanceof SaslAuthenticationFailed);
        assert.match(e.message, expected[i] as RegExp, `case ${i}`);
        assert.ok(!e.message.includes(proof), 'the proof is never echoed');
        return true;
      },
    );
    assert.equal(exchange.complete, false);
  });
  // Once complete, further messages are refused.
  const { exchange, client, serverFirst } = start();
  exchange.step(client.final(serverFirst));
  failsWith(() => exchange.step(client.final(serverFirst)), /exchange has already completed/);
  assert.equal(exchange.user, 'alice');
});

test('credentials: Kafka\'s iteration bounds, random 32-byte salts, and the salted password gives the same keys', () => {
  assert.equal(SCRAM_MIN_ITERATIONS, 4096);
  assert.equal(SCRAM_MAX_ITERATIONS, 16384);
  for (const mechanism of ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const) {
    const a = deriveScramCredential(mechanism, 'pw', 4096);
    const b = deriveScramCredential(mechanism, 'pw', 4096);
    assert.equal(a.credential.salt.length, SCRAM_SALT_BYTES);
    assert.notDeepEqual(a.credential.salt, b.credential.salt);
    const size = mechanism === 'SCRAM-SHA-256' ? 32 : 64;
    assert.equal(a.saltedPassword.length, size);
    assert.equal(a.credential.storedKey.length, size);
    assert.equal(a.credential.serverKey.length, size);
    assert.deepEqual(credentialFromSaltedPassword(mechanism, a.credential.salt, a.saltedPassword, 4096), a.credential);
    assert.deepEqual(saltPassword(mechanism, 'pw', a.credential.salt, 4096), a.saltedPassword);
    assert.deepEqual(deriveScramCredential(mechanism, 'pw', 4096, a.credential.salt).credential, a.credential);
    for (const iterations of [0, 4095, 16385, 4096.5, Number.NaN]) {
      assert.throws(() => deriveScramCredential(mechanism, 'pw', iterations), (e: unknown) => e instanceof SdsError && e.code === 'SDS_ERR_SCRAM_CREDENTIAL' && /iterations/.test(e.message));
    }
    assert.throws(() => deriveScramCredential(mechanism, '', 4096), (e: unknown) => e instanceof SdsError && e.code === 'SDS_ERR_SCRAM_CREDENTIAL' && /empty password/.test(e.message));
    assert.doesNotThrow(() => deriveScramCredential(mechanism, 'pw', 16384));
  }
});

test('user name escaping and mechanism numbers', () => {
  assert.equal(escapeScramUsername('a=b,c'), 'a=3Db=2Cc');
  for (const name of ['plain', 'a=b,c', '==,,', '=2C', 'ü']) assert.equal(unescapeScramUsername(escapeScramUsername(name)), name);
  for (const bad of ['a=', 'a=2', 'a=41', 'a,b', '=2c']) assert.equal(unescapeScramUsername(bad), undefined, bad);
  assert.equal(scramMechanismOfType(1), 'SCRAM-SHA-256');
  assert.equal(scramMechanismOfType(2), 'SCRAM-SHA-512');
  for (const t of [0, 3, -1]) assert.equal(scramMechanismOfType(t), undefined);
  assert.equal(isScramMechanism('SCRAM-SHA-512'), true);
  assert.equal(isScramMechanism('scram-sha-512'), false);
  assert.equal(isScramMechanism('PLAIN'), false);
});
