/**
 * The server side of SASL PLAIN (RFC 4616): one message, `[authzid] NUL authcid NUL passwd`
 * in UTF-8, answered with an empty message or a failure. The password is checked against the
 * user's SCRAM credentials (the store keeps no passwords): salted with a stored credential's
 * salt and iterations, it must give that credential's StoredKey. Either mechanism will do.
 * Failure messages are Kafka's (PlainSaslServer, PlainServerCallbackHandler).
 */
import { timingSafeEqual } from 'node:crypto';
import { AUTHZID_MISMATCH, PLAIN_INVALID_CREDENTIALS, SaslAuthenticationFailed } from './sasl-errors.ts';
import { DEFAULT_SCRAM_ITERATIONS, SCRAM_SALT_BYTES, saltPasswordAsync, storedKeyOf } from './scram.ts';
import type { ScramCredential, ScramMechanism } from './types.ts';

/** The largest authzid, user name or password accepted (RFC 4616 asks for at least 255 bytes). */
export const MAX_PLAIN_FIELD_BYTES = 1024;
/** The largest PLAIN message: three fields and two NULs. */
export const MAX_PLAIN_MESSAGE_BYTES = 3 * MAX_PLAIN_FIELD_BYTES + 2;

/** Tried in this order: the stronger hash first. */
const ORDER: readonly ScramMechanism[] = ['SCRAM-SHA-512', 'SCRAM-SHA-256'];

/** Where PLAIN finds credentials: a ScramCredentialStore, or anything with its `get`. */
export interface CredentialLookup {
  get(user: string, mechanism: ScramMechanism): ScramCredential | undefined;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

function field(bytes: Buffer, name: string): string {
  if (bytes.length > MAX_PLAIN_FIELD_BYTES) throw new SaslAuthenticationFailed(`Invalid SASL/PLAIN response: the ${name} is longer than ${MAX_PLAIN_FIELD_BYTES} bytes`);
  try {
    return UTF8.decode(bytes);
  } catch {
    throw new SaslAuthenticationFailed(`Invalid SASL/PLAIN response: the ${name} is not UTF-8`);
  }
}

function splitOnNul(message: Buffer): Buffer[] {
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = message.indexOf(0); i >= 0; i = message.indexOf(0, start)) {
    parts.push(message.subarray(start, i));
    start = i + 1;
  }
  parts.push(message.subarray(start));
  return parts;
}

/**
 * Checks a PLAIN message; resolves with the authenticated user, or rejects with
 * SaslAuthenticationFailed. The password is salted on the thread pool, off the event loop.
 */
export async function authenticatePlain(message: Buffer, credentials: CredentialLookup): Promise<string> {
  if (message.length > MAX_PLAIN_MESSAGE_BYTES) throw new SaslAuthenticationFailed(`Invalid SASL/PLAIN response: longer than ${MAX_PLAIN_MESSAGE_BYTES} bytes`);
  const parts = splitOnNul(message);
  if (parts.length !== 3) throw new SaslAuthenticationFailed(`Invalid SASL/PLAIN response: expected 3 tokens, got ${parts.length}`);
  const authzid = field(parts[0] as Buffer, 'authorization id');
  const user = field(parts[1] as Buffer, 'user name');
  const password = field(parts[2] as Buffer, 'password');
  if (user === '') throw new SaslAuthenticationFailed('Authentication failed: username not specified');
  if (password === '') throw new SaslAuthenticationFailed('Authentication failed: password not specified');
  if (authzid !== '' && authzid !== user) throw new SaslAuthenticationFailed(AUTHZID_MISMATCH);
  let checked = false;
  for (const mechanism of ORDER) {
    const credential = credentials.get(user, mechanism);
    if (credential === undefined) continue;
    checked = true;
    const storedKey = storedKeyOf(mechanism, await saltPasswordAsync(mechanism, password, credential.salt, credential.iterations));
    if (storedKey.length === credential.storedKey.length && timingSafeEqual(storedKey, credential.storedKey)) return user;
  }
  // The same work for an unknown user as for a known one, so the time taken does not tell them apart.
  if (!checked) await saltPasswordAsync('SCRAM-SHA-512', password, Buffer.alloc(SCRAM_SALT_BYTES), DEFAULT_SCRAM_ITERATIONS);
  throw new SaslAuthenticationFailed(PLAIN_INVALID_CREDENTIALS);
}
