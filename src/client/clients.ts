/**
 * Kafka clients (@platformatic/kafka) for a Connection, with bounded waits: a broker that cannot
 * be reached makes a call fail after about `giveUpMs`, never hang. Calls made through `call`
 * turn the client's errors into one ClientError (see errors.ts).
 */
import { Admin, Consumer, Producer } from '@platformatic/kafka';
import type { ConsumerOptions, ProducerOptions } from '@platformatic/kafka';
import type { Connection } from './connection.ts';
import { explainClientError } from './errors.ts';
import { clientOptions, type ClientOptions } from './kafka-options.ts';

export interface Limits {
  /** One TCP (and TLS, SASL) connection attempt. */
  readonly connectTimeoutMs: number;
  /** One request's answer. */
  readonly requestTimeoutMs: number;
  /** Attempts of a retriable call after the first. */
  readonly retries: number;
  readonly retryDelayMs: number;
}

export const DEFAULT_LIMITS: Limits = { connectTimeoutMs: 5000, requestTimeoutMs: 30_000, retries: 3, retryDelayMs: 1000 };

export function baseOptions(connection: Connection, limits: Limits = DEFAULT_LIMITS): ClientOptions {
  return {
    ...clientOptions(connection, { connectTimeoutMs: limits.connectTimeoutMs, requestTimeoutMs: limits.requestTimeoutMs }),
    retries: limits.retries,
    retryDelay: limits.retryDelayMs,
  };
}

export function createAdmin(connection: Connection, limits?: Limits): Admin {
  return new Admin(baseOptions(connection, limits));
}

export type BufferProducer = Producer<Buffer, Buffer, Buffer, Buffer>;
export type BufferConsumer = Consumer<Buffer, Buffer, Buffer, Buffer>;

export function createProducer(
  connection: Connection,
  options: Omit<ProducerOptions<Buffer, Buffer, Buffer, Buffer>, keyof ClientOptions> = {},
  limits?: Limits,
): BufferProducer {
  return new Producer({ ...baseOptions(connection, limits), ...options });
}

export function createConsumer(
  connection: Connection,
  options: Omit<ConsumerOptions<Buffer, Buffer, Buffer, Buffer>, keyof ClientOptions>,
  limits?: Limits,
): BufferConsumer {
  return new Consumer({ ...baseOptions(connection, limits), ...options });
}

/** Runs `fn`, rethrowing its failure as a ClientError that names `action`. */
export async function call<T>(connection: Connection, action: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error: unknown) {
    throw explainClientError(error, connection, action);
  }
}

/** An Admin client for the duration of `fn`, closed afterwards. */
export async function withAdmin<T>(connection: Connection, action: string, fn: (admin: Admin) => Promise<T>, limits?: Limits): Promise<T> {
  const admin = createAdmin(connection, limits);
  try {
    return await call(connection, action, () => fn(admin));
  } finally {
    await admin.close().catch(() => undefined);
  }
}
