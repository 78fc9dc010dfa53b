/**
 * One connection's SASL state on a SASL_PLAINTEXT or SASL_SSL listener, as Kafka's broker
 * keeps it: SaslHandshake picks the mechanism, SaslAuthenticate carries its messages (or,
 * after a v0 handshake, bare length-prefixed tokens do), and success sets the principal.
 * With a session lifetime (connections.max.reauth.ms, KIP-368) the client must log in again
 * on the same connection before the session ends; it may not change its principal or
 * mechanism when it does.
 */
import { ErrorCode } from '../../protocol/error-codes.ts';
import type { ScramCredentialStore } from '../security/scram-credentials.ts';
import { ScramServerExchange } from '../security/scram-server.ts';
import { authenticatePlain } from '../security/plain-server.ts';
import { SaslAuthenticationFailed } from '../security/sasl-errors.ts';
import type { Principal, ScramMechanism } from '../security/types.ts';

export const BROKER_SASL_MECHANISMS = ['SCRAM-SHA-512', 'SCRAM-SHA-256', 'PLAIN'] as const;
export type BrokerSaslMechanism = (typeof BROKER_SASL_MECHANISMS)[number];

export interface SaslOptions {
  /** sasl.enabled.mechanisms */
  readonly mechanisms: readonly BrokerSaslMechanism[];
  /** connections.max.reauth.ms: how long a login lasts; 0 means for the life of the connection. */
  readonly reauthMs: number;
  /** connection.failed.authentication.delay.ms: a failed login is answered this late, to slow down guessing. */
  readonly failedAuthenticationDelayMs: number;
  /** sasl.server.max.receive.size: the largest frame read before a client has logged in. */
  readonly maxReceiveBytes: number;
}

/** SCRAM only by default: PLAIN sends the password itself, and Amazon MSK offers SCRAM-SHA-512 alone. */
export const DEFAULT_SASL_OPTIONS: SaslOptions = {
  mechanisms: ['SCRAM-SHA-512', 'SCRAM-SHA-256'],
  reauthMs: 0,
  failedAuthenticationDelayMs: 100,
  maxReceiveBytes: 524_288,
};

/** An answer for the client, and whether the connection closes once it is sent. */
export interface SaslStep<T> {
  readonly response: T;
  /** Set when the connection must close after the answer is written: the reason, for the log. */
  readonly closeReason?: string;
  /** Wait this long before answering (a failed login). */
  readonly delayMs?: number;
}

export interface HandshakeAnswer {
  readonly errorCode: number;
  readonly mechanisms: string[];
}

export interface AuthenticateAnswer {
  readonly errorCode: number;
  readonly errorMessage: string | null;
  readonly authBytes: Buffer;
  readonly sessionLifetimeMs: bigint;
}

interface MechanismStep {
  readonly reply: Buffer;
  /** Set once the exchange succeeded. */
  readonly user?: string;
}

interface Mechanism {
  /** Feeds one client message; answers the server's reply (PLAIN's after salting on the thread pool). */
  step(token: Buffer): MechanismStep | Promise<MechanismStep>;
}

export class SaslAuthenticator {
  private readonly options: SaslOptions;
  private readonly credentials: ScramCredentialStore;
  private mechanism: BrokerSaslMechanism | undefined;
  private exchange: Mechanism | undefined;
  private expiresAt: number | undefined;
  /** The logged-in principal; undefined until the first login succeeds. */
  principal: Principal | undefined;
  /** True after a v0 handshake: the tokens that follow come without a Kafka request header. */
  rawTokens = false;

  constructor(options: SaslOptions, credentials: ScramCredentialStore) {
    this.options = options;
    this.credentials = credentials;
  }

  get maxReceiveBytes(): number {
    return this.options.maxReceiveBytes;
  }

  /** True when requests other than ApiVersions and SASL may be served. */
  isAuthenticated(now: number): boolean {
    return this.principal !== undefined && this.exchange === undefined && !this.isExpired(now);
  }

  isExpired(now: number): boolean {
    return this.expiresAt !== undefined && now >= this.expiresAt;
  }

  handshake(version: number, mechanism: string): SaslStep<HandshakeAnswer> {
    const mechanisms = [...this.options.mechanisms];
    if (this.exchange !== undefined) {
      return { response: { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms }, closeReason: 'SaslHandshake sent twice' };
    }
    const enabled = this.options.mechanisms.find((m) => m === mechanism);
    if (enabled === undefined) {
      return { response: { errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms }, closeReason: `unsupported SASL mechanism ${JSON.stringify(mechanism.slice(0, 64))}` };
    }
    if (this.principal !== undefined && enabled !== this.mechanism) {
      return { response: { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms }, closeReason: `SASL mechanism changed from ${this.mechanism ?? '?'} to ${enabled} on re-authentication` };
    }
    this.mechanism = enabled;
    this.exchange = this.startExchange(enabled);
    this.rawTokens = version === 0;
    return { response: { errorCode: ErrorCode.NONE, mechanisms } };
  }

  /** Takes one client message. The connection reads no further request until this settles. */
  async authenticate(token: Buffer, now: () => number): Promise<SaslStep<AuthenticateAnswer>> {
    const exchange = this.exchange;
    if (exchange === undefined) {
      return this.failure(ErrorCode.ILLEGAL_SASL_STATE, 'SaslAuthenticate was sent before SaslHandshake', 0);
    }
    let step: MechanismStep;
    try {
      step = await exchange.step(token);
    } catch (e: unknown) {
      this.exchange = undefined;
      const message = e instanceof SaslAuthenticationFailed ? e.message : `Authentication failed with SASL mechanism ${this.mechanism ?? '?'}`;
      return this.failure(ErrorCode.SASL_AUTHENTICATION_FAILED, message, this.options.failedAuthenticationDelayMs);
    }
    if (step.user === undefined) return { response: answer(step.reply, 0n) };
    this.exchange = undefined;
    this.rawTokens = false;
    const principal = `User:${step.user}`;
    if (this.principal !== undefined && principal !== this.principal) {
      return this.failure(ErrorCode.SASL_AUTHENTICATION_FAILED, `Cannot change principals during re-authentication from ${this.principal}: ${principal}`, this.options.failedAuthenticationDelayMs);
    }
    this.principal = principal;
    this.expiresAt = this.options.reauthMs > 0 ? now() + this.options.reauthMs : undefined;
    return { response: answer(step.reply, BigInt(this.options.reauthMs)) };
  }

  private failure(errorCode: number, message: string, delayMs: number): SaslStep<AuthenticateAnswer> {
    return {
      response: { errorCode, errorMessage: message, authBytes: Buffer.alloc(0), sessionLifetimeMs: 0n },
      closeReason: errorCode === ErrorCode.SASL_AUTHENTICATION_FAILED ? 'SASL authentication failed' : message,
      delayMs,
    };
  }

  private startExchange(mechanism: BrokerSaslMechanism): Mechanism {
    const store = this.credentials;
    if (mechanism === 'PLAIN') {
      return { step: async (token) => ({ reply: Buffer.alloc(0), user: await authenticatePlain(token, store) }) };
    }
    const scram = new ScramServerExchange(mechanism satisfies ScramMechanism, (user) => store.get(user, mechanism));
    return {
      step: (token) => {
        const reply = scram.step(token);
        const user = scram.complete ? scram.user : undefined;
        return user === undefined ? { reply } : { reply, user };
      },
    };
  }
}

function answer(authBytes: Buffer, sessionLifetimeMs: bigint): AuthenticateAnswer {
  return { errorCode: ErrorCode.NONE, errorMessage: null, authBytes, sessionLifetimeMs };
}
