/**
 * The one way a SASL exchange (SCRAM or PLAIN) fails. Its message goes back to the client in
 * SaslAuthenticate's error_message, so it never carries a password, a proof or a stored key,
 * and it never tells an unknown user from a wrong password.
 */
import { SdsError } from '../../errors.ts';

export class SaslAuthenticationFailed extends SdsError {
  constructor(message: string) {
    super('SDS_ERR_SASL_AUTHENTICATION_FAILED', message);
  }
}

/** Kafka's words for a bad user or password in a SCRAM exchange (SaslServerAuthenticator). */
export function scramInvalidCredentials(mechanism: string): SaslAuthenticationFailed {
  return new SaslAuthenticationFailed(`Authentication failed during authentication due to invalid credentials with SASL mechanism ${mechanism}`);
}

/** Kafka's words for a bad user or password in a PLAIN exchange (PlainServerCallbackHandler). */
export const PLAIN_INVALID_CREDENTIALS = 'Authentication failed: Invalid username or password';

/** Kafka's words when the authorization id is not the user's own. */
export const AUTHZID_MISMATCH = 'Authentication failed: Client requested an authorization id that is different from username';
