/**
 * A resolved Connection as @platformatic/kafka client options. Amazon MSK IAM becomes SASL
 * OAUTHBEARER with a token signed from the standard AWS credential chain (or a named profile, or
 * an assumed role), made fresh for every authentication because tokens expire after 15 minutes.
 */
import type { BaseOptions } from '@platformatic/kafka';
import { generateAuthToken, generateAuthTokenFromProfile, generateAuthTokenFromRole } from 'aws-msk-iam-sasl-signer-js';
import type { Connection, SaslSettings } from './connection.ts';
import { ConnectionConfigError } from './connection.ts';

export type ClientOptions = Pick<BaseOptions, 'clientId' | 'bootstrapBrokers' | 'tls' | 'sasl' | 'connectTimeout' | 'requestTimeout' | 'retries' | 'retryDelay'>;

/** Signs an MSK IAM token for the settings' region and credentials. */
export async function mskIamToken(settings: Extract<SaslSettings, { kind: 'msk-iam' }>): Promise<string> {
  const region = settings.region;
  if (region === undefined) {
    throw new ConnectionConfigError('Amazon MSK IAM needs an AWS region: set AWS_REGION, or use the cluster\'s bootstrap host name (…kafka.REGION.amazonaws.com)');
  }
  if (settings.roleArn !== undefined) {
    return (await generateAuthTokenFromRole({ region, awsRoleArn: settings.roleArn, ...(settings.roleSessionName !== undefined ? { awsRoleSessionName: settings.roleSessionName } : {}) })).token;
  }
  if (settings.awsProfile !== undefined) return (await generateAuthTokenFromProfile({ region, awsProfileName: settings.awsProfile })).token;
  return (await generateAuthToken({ region })).token;
}

export function clientOptions(connection: Connection, timeouts: { connectTimeoutMs: number; requestTimeoutMs: number }): ClientOptions {
  const sasl = connection.sasl;
  return {
    clientId: connection.clientId,
    bootstrapBrokers: connection.brokers.map((b) => ({ host: b.host, port: b.port })),
    connectTimeout: timeouts.connectTimeoutMs,
    requestTimeout: timeouts.requestTimeoutMs,
    ...(connection.tls !== undefined ? { tls: connection.tls } : {}),
    ...(sasl === undefined
      ? {}
      : sasl.kind === 'password'
        ? { sasl: { mechanism: sasl.mechanism, username: sasl.username, password: sasl.password } }
        : { sasl: { mechanism: 'OAUTHBEARER', token: () => mskIamToken(sasl) } }),
  };
}
