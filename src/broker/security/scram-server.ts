/**
 * The server side of one SCRAM exchange (RFC 5802; SCRAM-SHA-256 as RFC 7677, SCRAM-SHA-512
 * alike), as Kafka's broker runs it inside SaslAuthenticate:
 *
 *   client-first  n,[a=authzid],n=user,r=cnonce[,ext...]
 *   server-first  r=cnonce+snonce,s=salt,i=iterations
 *   client-final  c=base64(gs2 header),r=cnonce+snonce[,ext...],p=proof
 *   server-final  v=server signature
 *
 * No channel binding (a "p=" header is refused; "y" is accepted, as RFC 5802 says for a server
 * that offers no -PLUS mechanism). Extensions are ignored as the RFC and Kafka do, except
 * Kafka's `tokenauth=true`, refused because there are no delegation tokens here. An unknown
 * user gets a made-up salt and fails at the proof, with the same message as a wrong password,
 * so the exchange does not tell who exists. Every failure throws SaslAuthenticationFailed.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { AUTHZID_MISMATCH, SaslAuthenticationFailed, scramInvalidCredentials } from './sasl-errors.ts';
import { DEFAULT_SCRAM_ITERATIONS, hash, hmac, scramKeyBytes, unescapeScramUsername } from './scram.ts';
import type { ScramCredential, ScramMechanism } from './types.ts';

/** The largest client message read: real ones are under 300 bytes. */
export const MAX_SCRAM_CLIENT_MESSAGE_BYTES = 4096;

/** Kafka's client extension for delegation token logins. */
const TOKEN_AUTH = 'tokenauth';

/** Printable ASCII except ',' (RFC 5802's nonce characters). */
const PRINTABLE = /^[\x21-\x2b\x2d-\x7e]+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const EXTENSION = /^[A-Za-z]+=[^,]+$/;

/** Keys the made-up salts of unknown users, so a user who does not exist gets the same salt every time. */
const UNKNOWN_USER_SECRET = randomBytes(32);

type State = 'client-first' | 'client-final' | 'complete' | 'failed';

interface Pending {
  readonly user: string;
  readonly credential: ScramCredential;
  readonly known: boolean;
  readonly gs2Header: string;
  readonly clientFirstBare: string;
  readonly serverFirst: string;
  readonly nonce: string;
}

function serverNonce(): string {
  return randomBytes(24).toString('base64url');
}

function malformed(which: string, why: string): SaslAuthenticationFailed {
  return new SaslAuthenticationFailed(`Authentication failed: invalid SCRAM ${which} message: ${why}`);
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

function decode(message: Buffer, which: string): string {
  if (message.length > MAX_SCRAM_CLIENT_MESSAGE_BYTES) throw malformed(which, `longer than ${MAX_SCRAM_CLIENT_MESSAGE_BYTES} bytes`);
  let text: string;
  try {
    text = UTF8.decode(message);
  } catch {
    throw malformed(which, 'not UTF-8');
  }
  if (text.includes('\0')) throw malformed(which, 'contains a NUL character');
  return text;
}

export class ScramServerExchange {
  private readonly mechanism: ScramMechanism;
  private readonly lookup: (user: string) => ScramCredential | undefined;
  private readonly nonce: () => string;
  private state: State = 'client-first';
  private pending: Pending | undefined;
  private authenticated: string | undefined;

  /**
   * @param lookup the stored credential of a user for this mechanism, if any
   * @param nonce the server's part of the nonce (printable, no ','); random by default
   */
  constructor(mechanism: ScramMechanism, lookup: (user: string) => ScramCredential | undefined, nonce: () => string = serverNonce) {
    this.mechanism = mechanism;
    this.lookup = lookup;
    this.nonce = nonce;
  }

  /** True once the client proved it knows the password; `user` is then set. */
  get complete(): boolean {
    return this.state === 'complete';
  }

  /** The authenticated user, once the exchange is complete. */
  get user(): string | undefined {
    return this.authenticated;
  }

  /** Answers one client message: the server-first message, then the server-final one. */
  step(clientMessage: Buffer): Buffer {
    const state = this.state;
    if (state === 'complete' || state === 'failed') {
      throw new SaslAuthenticationFailed(`Authentication failed: the ${this.mechanism} exchange has already ${state === 'complete' ? 'completed' : 'failed'}`);
    }
    try {
      return state === 'client-first' ? this.clientFirst(clientMessage) : this.clientFinal(clientMessage);
    } catch (e: unknown) {
      this.state = 'failed';
      this.pending = undefined;
      throw e;
    }
  }

  private clientFirst(message: Buffer): Buffer {
    const text = decode(message, 'client-first');
    const flagEnd = text.indexOf(',');
    const authzEnd = flagEnd < 0 ? -1 : text.indexOf(',', flagEnd + 1);
    if (authzEnd < 0) throw malformed('client-first', 'no GS2 header');
    const flag = text.slice(0, flagEnd);
    if (flag.startsWith('p=')) throw new SaslAuthenticationFailed(`Authentication failed: channel binding is not supported; use ${this.mechanism} without -PLUS`);
    if (flag !== 'n' && flag !== 'y') throw malformed('client-first', 'the GS2 header must start with "n,"');
    const authzPart = text.slice(flagEnd + 1, authzEnd);
    if (authzPart !== '' && !authzPart.startsWith('a=')) throw malformed('client-first', 'the authorization id must be "a=name"');
    const gs2Header = text.slice(0, authzEnd + 1);
    const bare = text.slice(authzEnd + 1);
    const attrs = bare.split(',');
    if (attrs[0]?.startsWith('m=')) throw new SaslAuthenticationFailed('Authentication failed: SCRAM mandatory extensions (m=) are not supported');
    const [userAttr, nonceAttr, ...extensions] = attrs;
    if (userAttr === undefined || !userAttr.startsWith('n=')) throw malformed('client-first', 'the user name (n=) must come first');
    const user = unescapeScramUsername(userAttr.slice(2));
    if (user === undefined || user === '') throw malformed('client-first', 'the user name is empty or wrongly escaped (only =2C and =3D may follow "=")');
    if (nonceAttr === undefined || !nonceAttr.startsWith('r=') || !PRINTABLE.test(nonceAttr.slice(2))) {
      throw malformed('client-first', 'the nonce (r=) must follow the user name and be printable ASCII');
    }
    for (const ext of extensions) {
      if (!EXTENSION.test(ext)) throw malformed('client-first', 'an extension is not name=value');
      const eq = ext.indexOf('=');
      if (ext.slice(0, eq) === TOKEN_AUTH && ext.slice(eq + 1).toLowerCase() === 'true') {
        throw new SaslAuthenticationFailed('Authentication failed: delegation tokens are not supported by this broker');
      }
    }
    if (authzPart !== '') {
      const authzid = unescapeScramUsername(authzPart.slice(2));
      if (authzid === undefined) throw malformed('client-first', 'the authorization id is wrongly escaped');
      if (authzid !== user) throw new SaslAuthenticationFailed(AUTHZID_MISMATCH);
    }
    const stored = this.lookup(user);
    const credential = stored ?? this.unknownUser(user);
    const ours = this.nonce();
    if (!PRINTABLE.test(ours)) throw new Error('the server nonce must be printable ASCII without commas');
    const nonce = `${nonceAttr.slice(2)}${ours}`;
    const serverFirst = `r=${nonce},s=${credential.salt.toString('base64')},i=${credential.iterations}`;
    this.pending = { user, credential, known: stored !== undefined, gs2Header, clientFirstBare: bare, serverFirst, nonce };
    this.state = 'client-final';
    return Buffer.from(serverFirst, 'utf8');
  }

  private clientFinal(message: Buffer): Buffer {
    const pending = this.pending as Pending;
    const text = decode(message, 'client-final');
    const proofAt = text.lastIndexOf(',p=');
    if (proofAt < 0) throw malformed('client-final', 'no proof (p=) at the end');
    const withoutProof = text.slice(0, proofAt);
    const proofText = text.slice(proofAt + 3);
    const [binding, nonceAttr, ...extensions] = withoutProof.split(',');
    if (binding === undefined || !binding.startsWith('c=') || !BASE64.test(binding.slice(2))) {
      throw malformed('client-final', 'the channel binding (c=) must come first, in base64');
    }
    if (nonceAttr === undefined || !nonceAttr.startsWith('r=')) throw malformed('client-final', 'the nonce (r=) must follow the channel binding');
    if (extensions.some((ext) => !EXTENSION.test(ext))) throw malformed('client-final', 'an extension is not name=value');
    if (!BASE64.test(proofText)) throw malformed('client-final', 'the proof is not base64');
    if (!Buffer.from(binding.slice(2), 'base64').equals(Buffer.from(pending.gs2Header, 'utf8'))) {
      throw new SaslAuthenticationFailed('Authentication failed: the channel binding (c=) does not repeat the GS2 header of the client-first message');
    }
    if (nonceAttr.slice(2) !== pending.nonce) throw new SaslAuthenticationFailed('Authentication failed: the nonce of the client-final message is not the one of this exchange');
    const proof = Buffer.from(proofText, 'base64');
    const mechanism = this.mechanism;
    const { credential } = pending;
    if (proof.length !== scramKeyBytes(mechanism)) throw malformed('client-final', `the proof must be ${scramKeyBytes(mechanism)} bytes`);
    const authMessage = `${pending.clientFirstBare},${pending.serverFirst},${withoutProof}`;
    const clientSignature = hmac(mechanism, credential.storedKey, authMessage);
    const clientKey = Buffer.alloc(proof.length);
    for (let i = 0; i < proof.length; i++) clientKey[i] = (proof[i] as number) ^ (clientSignature[i] as number);
    const matches = timingSafeEqual(hash(mechanism, clientKey), credential.storedKey);
    if (!matches || !pending.known) throw scramInvalidCredentials(mechanism);
    const serverSignature = hmac(mechanism, credential.serverKey, authMessage);
    this.authenticated = pending.user;
    this.pending = undefined;
    this.state = 'complete';
    return Buffer.from(`v=${serverSignature.toString('base64')}`, 'utf8');
  }

  /** A credential nobody can log in with, with a salt that is stable for the user name. */
  private unknownUser(user: string): ScramCredential {
    const bytes = scramKeyBytes(this.mechanism);
    return {
      mechanism: this.mechanism,
      iterations: DEFAULT_SCRAM_ITERATIONS,
      salt: hmac('SCRAM-SHA-256', UNKNOWN_USER_SECRET, `${this.mechanism}\0${user}`),
      storedKey: randomBytes(bytes),
      serverKey: randomBytes(bytes),
    };
  }
}
