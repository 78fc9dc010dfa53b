/**
 * Turns what the Kafka client throws (nested aggregates of network, TLS, SASL and Kafka protocol
 * errors) into one SdsError that says which broker, what went wrong, and what to check.
 */
import { SdsError } from '../errors.ts';
import type { Connection } from './connection.ts';

export class ClientError extends SdsError {}

interface Found {
  readonly errno?: string;
  readonly kafkaError?: string;
  readonly serverMessage?: string;
  readonly authentication?: string;
  readonly timeout?: boolean;
  readonly text: string;
}

/** Depth-first: errno codes of socket and TLS errors, Kafka error names, and the messages on the way. */
function collect(error: unknown, out: Found[], depth = 0): void {
  if (depth > 8 || typeof error !== 'object' || error === null) return;
  const e = error as { code?: unknown; apiId?: unknown; serverErrorMessage?: unknown; message?: unknown; errors?: unknown; cause?: unknown };
  const text = typeof e.message === 'string' ? e.message : 'unknown error';
  const code = typeof e.code === 'string' ? e.code : undefined;
  out.push({
    text,
    ...(code !== undefined && !code.startsWith('PLT_KFK_') ? { errno: code } : {}),
    ...(typeof e.apiId === 'string' ? { kafkaError: e.apiId } : {}),
    ...(typeof e.serverErrorMessage === 'string' && e.serverErrorMessage !== '' ? { serverMessage: e.serverErrorMessage } : {}),
    ...(code === 'PLT_KFK_AUTHENTICATION' ? { authentication: text } : {}),
    ...(code === 'PLT_KFK_TIMEOUT' ? { timeout: true } : {}),
  });
  if (Array.isArray(e.errors)) for (const inner of e.errors) collect(inner, out, depth + 1);
  if (e.cause !== undefined) collect(e.cause, out, depth + 1);
}

const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO|ALTNAME|EPROTO|ERR_SSL|ERR_TLS/;

const PORT_HINT =
  'on Amazon MSK the port depends on the access control: 9092 plaintext, 9094 TLS, 9096 SASL/SCRAM, 9098 IAM ' +
  '(9194/9196/9198 for public access), and the client must be able to reach the cluster\'s VPC';

/** One clear error for a failed call against `connection`; `action` is what was being done. */
export function explainClientError(error: unknown, connection: Connection, action: string): SdsError {
  if (error instanceof SdsError) return error; // already says what happened
  const found: Found[] = [];
  collect(error, found);
  const where = connection.brokers.map((b) => `${b.host}:${b.port}`).join(',');
  const sasl = found.find((f) => f.authentication !== undefined || f.kafkaError === 'SASL_AUTHENTICATION_FAILED' || f.kafkaError === 'UNSUPPORTED_SASL_MECHANISM');
  if (sasl !== undefined) {
    const mechanism = connection.sasl?.kind === 'password' ? connection.sasl.mechanism : 'OAUTHBEARER (MSK IAM)';
    return new ClientError(
      'SDS_ERR_CLIENT_AUTH',
      `${action}: authentication with ${where} failed (${sasl.serverMessage ?? sasl.text}). ` +
        `Check the user name and password in sasl.jaas.config, and that the broker accepts ${mechanism}.`,
      { cause: error },
    );
  }
  const tls = found.find((f) => f.errno !== undefined && TLS_CODES.test(f.errno));
  if (tls !== undefined) {
    return new ClientError(
      'SDS_ERR_CLIENT_TLS',
      `${action}: the TLS connection to ${where} failed (${tls.errno ?? ''}: ${tls.text}). ` +
        'Check ssl.truststore.* (the CA that signed the broker certificate), the host name in --bootstrap-server, and that this port speaks TLS.',
      { cause: error },
    );
  }
  const network = found.find((f) => f.errno !== undefined);
  if (network !== undefined) {
    const why: Record<string, string> = {
      ECONNREFUSED: 'connection refused: nothing listens on that port',
      ENOTFOUND: 'the host name does not resolve',
      EAI_AGAIN: 'the host name could not be resolved right now',
      ETIMEDOUT: 'the connection timed out',
      EHOSTUNREACH: 'the host is unreachable',
      ENETUNREACH: 'the network is unreachable',
      ECONNRESET: 'the broker closed the connection',
    };
    return new ClientError(
      'SDS_ERR_CLIENT_UNREACHABLE',
      `${action}: cannot reach Kafka at ${where}: ${why[network.errno ?? ''] ?? network.text}. ` +
        `Check that the broker runs (\`sds up\` or \`sds broker start\` locally) and the address and port; ${PORT_HINT}.`,
      { cause: error },
    );
  }
  const kafka = found.find((f) => f.kafkaError !== undefined);
  if (kafka?.kafkaError !== undefined) {
    return new ClientError(
      'SDS_ERR_CLIENT_KAFKA',
      `${action}: Kafka answered ${kafka.kafkaError}${kafka.serverMessage !== undefined ? ` (${kafka.serverMessage})` : ''}`,
      { cause: error },
    );
  }
  if (found.some((f) => f.timeout === true) || found.some((f) => /Connection closed|timed out/i.test(f.text))) {
    return new ClientError(
      'SDS_ERR_CLIENT_UNREACHABLE',
      `${action}: no answer from Kafka at ${where} (the connection timed out or was closed). ` +
        `Check the address, port and security.protocol (a TLS port needs security.protocol=SSL or SASL_SSL); ${PORT_HINT}.`,
      { cause: error },
    );
  }
  return new ClientError('SDS_ERR_CLIENT_FAILED', `${action} failed: ${found.map((f) => f.text).join(': ')}`, { cause: error });
}
