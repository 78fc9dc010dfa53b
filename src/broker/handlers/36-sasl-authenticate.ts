/**
 * SaslAuthenticate: v0-2.
 * Behaviour: on a SASL listener the connection answers it (see server/sasl-authenticator.ts);
 * this handler answers it anywhere else, with ILLEGAL_SASL_STATE as a Kafka broker does.
 */
import { defineHandler } from './types.ts';
import { ErrorCode } from '../../protocol/error-codes.ts';

export const saslAuthenticateHandler = defineHandler({
  apiKey: 36,
  minVersion: 0,
  maxVersion: 2,
  handle() {
    return {
      errorCode: ErrorCode.ILLEGAL_SASL_STATE,
      errorMessage: 'SaslAuthenticate is only answered on a SASL listener, after SaslHandshake',
      authBytes: Buffer.alloc(0),
      sessionLifetimeMs: 0n,
    };
  },
});
