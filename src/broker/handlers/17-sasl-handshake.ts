/**
 * SaslHandshake: v0-1.
 * Behaviour: on a SASL listener the connection answers it (see server/sasl-authenticator.ts);
 * this handler answers it anywhere else, with ILLEGAL_SASL_STATE as a Kafka broker does.
 */
import { defineHandler } from './types.ts';
import { ErrorCode } from '../../protocol/error-codes.ts';

export const saslHandshakeHandler = defineHandler({
  apiKey: 17,
  minVersion: 0,
  maxVersion: 1,
  handle() {
    return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: [] };
  },
});
