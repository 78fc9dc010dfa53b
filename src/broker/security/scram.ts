/**
 * SCRAM primitives (RFC 5802, with SHA-256 and SHA-512 as RFC 7677 and Kafka use them):
 * Hi() to salt a password, the keys a server keeps, and the user name escaping of the
 * SCRAM messages. Passwords are used as their UTF-8 bytes without SASLprep, as Kafka's
 * clients and broker do, so that every Kafka client computes the same keys.
 */
import { createHash, createHmac, pbkdf2, pbkdf2Sync, randomBytes } from 'node:crypto';
import { SdsError } from '../../errors.ts';
import { SCRAM_MECHANISMS, type ScramCredential, type ScramMechanism } from './types.ts';

/** Kafka's ScramMechanism.minIterations for both SHA-256 and SHA-512. */
export const SCRAM_MIN_ITERATIONS = 4096;
/** Kafka's ScramMechanism.maxIterations (and the controller's MAX_ITERATIONS). */
export const SCRAM_MAX_ITERATIONS = 16384;
/**
 * What sds uses when nothing is said: twice Kafka's minimum (and kafka-configs' default of
 * 4096), still well inside the maximum, and about 10 ms of work per login on one core.
 */
export const DEFAULT_SCRAM_ITERATIONS = 8192;
/** Bytes of random salt in a new credential. */
export const SCRAM_SALT_BYTES = 32;

/** The mechanism numbers of DescribeUserScramCredentials and AlterUserScramCredentials. */
export const SCRAM_MECHANISM_TYPES: Readonly<Record<ScramMechanism, number>> = { 'SCRAM-SHA-256': 1, 'SCRAM-SHA-512': 2 };

const DIGESTS: Readonly<Record<ScramMechanism, { readonly name: 'sha256' | 'sha512'; readonly bytes: number }>> = {
  'SCRAM-SHA-256': { name: 'sha256', bytes: 32 },
  'SCRAM-SHA-512': { name: 'sha512', bytes: 64 },
};

export function isScramMechanism(name: string): name is ScramMechanism {
  return (SCRAM_MECHANISMS as readonly string[]).includes(name);
}

/** The mechanism of a wire type number, or undefined for 0 (UNKNOWN) and anything else. */
export function scramMechanismOfType(type: number): ScramMechanism | undefined {
  return SCRAM_MECHANISMS.find((m) => SCRAM_MECHANISM_TYPES[m] === type);
}

/** The node:crypto digest name of the mechanism's hash. */
export function scramDigest(mechanism: ScramMechanism): 'sha256' | 'sha512' {
  return DIGESTS[mechanism].name;
}

/** Bytes of the mechanism's hash output: the size of SaltedPassword, StoredKey, ServerKey and a proof. */
export function scramKeyBytes(mechanism: ScramMechanism): number {
  return DIGESTS[mechanism].bytes;
}

export function hmac(mechanism: ScramMechanism, key: Buffer, data: string | Buffer): Buffer {
  return createHmac(DIGESTS[mechanism].name, key).update(data).digest();
}

export function hash(mechanism: ScramMechanism, data: Buffer): Buffer {
  return createHash(DIGESTS[mechanism].name).update(data).digest();
}

/** Hi(password, salt, i): PBKDF2 with HMAC of the mechanism's hash, one block long. */
export function saltPassword(mechanism: ScramMechanism, password: string, salt: Buffer, iterations: number): Buffer {
  const digest = DIGESTS[mechanism];
  return pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, digest.bytes, digest.name);
}

/** saltPassword on the thread pool, for the broker: thousands of iterations would stall the event loop. */
export function saltPasswordAsync(mechanism: ScramMechanism, password: string, salt: Buffer, iterations: number): Promise<Buffer> {
  const digest = DIGESTS[mechanism];
  return new Promise((resolve, reject) => {
    pbkdf2(Buffer.from(password, 'utf8'), salt, iterations, digest.bytes, digest.name, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** StoredKey := H(HMAC(SaltedPassword, "Client Key")) */
export function storedKeyOf(mechanism: ScramMechanism, saltedPassword: Buffer): Buffer {
  return hash(mechanism, hmac(mechanism, saltedPassword, 'Client Key'));
}

/**
 * The credential a server keeps for a salted password: what AlterUserScramCredentials
 * carries (the client salts the password, so the broker never sees it).
 */
export function credentialFromSaltedPassword(mechanism: ScramMechanism, salt: Buffer, saltedPassword: Buffer, iterations: number): ScramCredential {
  return {
    mechanism,
    iterations,
    salt: Buffer.from(salt),
    storedKey: storedKeyOf(mechanism, saltedPassword),
    serverKey: hmac(mechanism, saltedPassword, 'Server Key'),
  };
}

/** Why iterations cannot be used, or undefined when they can (Kafka's bounds). */
export function iterationsProblem(iterations: number): string | undefined {
  if (!Number.isInteger(iterations)) return `iterations must be a whole number, got ${iterations}`;
  if (iterations < SCRAM_MIN_ITERATIONS) return `iterations must be at least ${SCRAM_MIN_ITERATIONS}, got ${iterations}`;
  if (iterations > SCRAM_MAX_ITERATIONS) return `iterations must be at most ${SCRAM_MAX_ITERATIONS}, got ${iterations}`;
  return undefined;
}

/**
 * A new credential for a password, with a random salt unless one is given (to check a
 * password against a stored credential, or to reproduce a test vector).
 */
export function deriveScramCredential(
  mechanism: ScramMechanism,
  password: string,
  iterations: number,
  salt: Buffer = randomBytes(SCRAM_SALT_BYTES),
): { credential: ScramCredential; saltedPassword: Buffer } {
  const problem = iterationsProblem(iterations);
  if (problem !== undefined) throw new SdsError('SDS_ERR_SCRAM_CREDENTIAL', `cannot make a ${mechanism} credential: ${problem}`);
  if (password.length === 0) throw new SdsError('SDS_ERR_SCRAM_CREDENTIAL', `cannot make a ${mechanism} credential for an empty password; give the user a password`);
  const saltedPassword = saltPassword(mechanism, password, salt, iterations);
  return { credential: credentialFromSaltedPassword(mechanism, salt, saltedPassword, iterations), saltedPassword };
}

/** A user name as a SCRAM message carries it (saslname): ',' as "=2C" and '=' as "=3D". */
export function escapeScramUsername(user: string): string {
  return user.replace(/=/g, '=3D').replace(/,/g, '=2C');
}

/**
 * The user name of a saslname, or undefined when it is not one: a '=' that does not start
 * "=2C" or "=3D", or a ',' (which ends the attribute, so cannot be inside it).
 */
export function unescapeScramUsername(saslName: string): string | undefined {
  if (saslName.includes(',')) return undefined;
  let out = '';
  for (let i = 0; i < saslName.length; i++) {
    const c = saslName[i];
    if (c !== '=') {
      out += c;
      continue;
    }
    const code = saslName.slice(i + 1, i + 3);
    if (code === '2C') out += ',';
    else if (code === '3D') out += '=';
    else return undefined;
    i += 2;
  }
  return out;
}
