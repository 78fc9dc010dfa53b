/**
 * SCRAM users on any Kafka cluster, through Kafka's DescribeUserScramCredentials and
 * AlterUserScramCredentials: @platformatic/kafka has no calls for them, so requests go over its
 * connections (TLS, SASL, IAM as configured) with bodies encoded by our codec.
 */
import { Writer as WireWriter, type Admin, type Connection as KafkaConnection, type Reader as WireReader } from '@platformatic/kafka';
import { call, createAdmin } from './clients.ts';
import type { Connection } from './connection.ts';
import { ClientError } from './errors.ts';
import { SdsError } from '../errors.ts';
import { ErrorCode, errorInfo } from '../protocol/error-codes.ts';
import { API_SPECS } from '../protocol/generated/apis.ts';
import type { AlterUserScramCredentialsRequest, AlterUserScramCredentialsResponse } from '../protocol/generated/alter-user-scram-credentials.ts';
import type { DescribeUserScramCredentialsRequest, DescribeUserScramCredentialsResponse } from '../protocol/generated/describe-user-scram-credentials.ts';
import { Reader, Writer } from '../protocol/primitives/index.ts';
import { scramMechanismOfType } from '../broker/security/scram.ts';
import type { ScramMechanism } from '../broker/security/types.ts';

export interface UserCredentials {
  readonly user: string;
  readonly credentials: readonly { readonly mechanism: string; readonly iterations: number }[];
}

export type UserApi = 50 | 51;

/** One request on an open (TLS, SASL) connection; the body is encoded and decoded by our codec. */
function send(connection: KafkaConnection, apiKey: 50, request: DescribeUserScramCredentialsRequest): Promise<DescribeUserScramCredentialsResponse>;
function send(connection: KafkaConnection, apiKey: 51, request: AlterUserScramCredentialsRequest): Promise<AlterUserScramCredentialsResponse>;
function send(connection: KafkaConnection, apiKey: UserApi, request: DescribeUserScramCredentialsRequest | AlterUserScramCredentialsRequest): Promise<unknown> {
  const w = new Writer();
  if (apiKey === 50) API_SPECS[50].writeRequest(w, 0, request as DescribeUserScramCredentialsRequest);
  else API_SPECS[51].writeRequest(w, 0, request as AlterUserScramCredentialsRequest);
  const body = w.toBuffer();
  const parse = (_c: number, _k: number, _v: number, reader: WireReader): unknown => {
    const r = new Reader(reader.buffer.slice(reader.position));
    return apiKey === 50 ? API_SPECS[50].readResponse(r, 0) : API_SPECS[51].readResponse(r, 0);
  };
  return new Promise((resolve, reject) => {
    // Both APIs are flexible from v0: request header v2 and response header v1 carry tagged fields.
    connection.send(apiKey, 0, () => WireWriter.create().append(body), parse, true, true, (error, value) => (error ? reject(error) : resolve(value)));
  });
}

const API_NAMES: Record<UserApi, string> = { 50: 'DescribeUserScramCredentials', 51: 'AlterUserScramCredentials' };

/**
 * A connection to the controller when the metadata names one (a ZooKeeper-based Kafka, as on
 * older Amazon MSK clusters, accepts AlterUserScramCredentials only there; KRaft brokers forward
 * it), else to any broker.
 */
async function clusterConnection(admin: Admin, apiKey: UserApi, action: string): Promise<KafkaConnection> {
  const apis = await admin.listApis();
  const api = apis.find((a) => a.apiKey === apiKey);
  if (api === undefined || api.minVersion > 0) {
    throw new ClientError('SDS_ERR_CLIENT_KAFKA', `${action}: the cluster does not offer ${API_NAMES[apiKey]} v0 (Apache Kafka 2.7 and later do); manage its users with the cluster's own tools`);
  }
  const metadata = await admin.metadata({ topics: [] });
  const broker = metadata.brokers.get(metadata.controllerId) ?? [...metadata.brokers.values()][0];
  if (broker === undefined) throw new ClientError('SDS_ERR_CLIENT_KAFKA', `${action}: the cluster's metadata lists no brokers`);
  return admin.connections.get(broker);
}

/** Runs `fn` on a connection to the cluster's controller (or any broker) for a user API. */
export async function withCluster<T>(connection: Connection, apiKey: UserApi, action: string, fn: (connection: KafkaConnection) => Promise<T>): Promise<T> {
  const admin = createAdmin(connection);
  try {
    return await call(connection, action, async () => fn(await clusterConnection(admin, apiKey, action)));
  } finally {
    await admin.close().catch(() => undefined);
  }
}

/** A Kafka error of one user's result, said in a way that tells what to do. */
function kafkaError(action: string, code: number, message: string | null, operation: 'ALTER' | 'DESCRIBE'): ClientError {
  const name = errorInfo(code)?.name ?? `error ${code}`;
  if (code === ErrorCode.CLUSTER_AUTHORIZATION_FAILED) {
    return new ClientError(
      'SDS_ERR_CLIENT_KAFKA',
      `${action}: Kafka answered ${name}: the principal this connection logs in as needs ${operation} on the cluster resource ` +
        `(kafka-acls --add --allow-principal User:NAME --operation ${operation === 'ALTER' ? 'Alter' : 'Describe'} --cluster), or to be a super user`,
    );
  }
  return new ClientError('SDS_ERR_CLIENT_KAFKA', `${action}: Kafka answered ${name}${message !== null && message !== '' ? ` (${message})` : ''}`);
}

export function notFound(user: string, mechanism?: ScramMechanism): SdsError {
  return new SdsError('SDS_ERR_USER_NOT_FOUND', `user ${user} has no ${mechanism ?? 'SCRAM'} credential; \`sds users list\` shows the users there are`);
}

export async function describeOnCluster(connection: KafkaConnection, action: string, users: string[] | null): Promise<UserCredentials[]> {
  const response = await send(connection, 50, { users: users === null ? null : users.map((name) => ({ name })) });
  if (response.errorCode !== ErrorCode.NONE) throw kafkaError(action, response.errorCode, response.errorMessage, 'DESCRIBE');
  const out: UserCredentials[] = [];
  for (const r of response.results) {
    if (r.errorCode === ErrorCode.RESOURCE_NOT_FOUND && users !== null) continue;
    if (r.errorCode !== ErrorCode.NONE) throw kafkaError(action, r.errorCode, r.errorMessage, 'DESCRIBE');
    const credentials = [...r.credentialInfos]
      .sort((a, b) => a.mechanism - b.mechanism)
      .map((c) => ({ mechanism: scramMechanismOfType(c.mechanism) ?? `mechanism ${c.mechanism}`, iterations: c.iterations }));
    out.push({ user: r.user, credentials });
  }
  return out.sort((a, b) => (a.user < b.user ? -1 : a.user > b.user ? 1 : 0));
}

export async function alterOnCluster(connection: KafkaConnection, action: string, request: AlterUserScramCredentialsRequest): Promise<void> {
  const response = await send(connection, 51, request);
  for (const r of response.results) {
    if (r.errorCode === ErrorCode.NONE) continue;
    if (r.errorCode === ErrorCode.RESOURCE_NOT_FOUND && request.deletions.length > 0) {
      const deletion = request.deletions[0];
      throw notFound(r.user, deletion === undefined ? undefined : scramMechanismOfType(deletion.mechanism));
    }
    throw kafkaError(action, r.errorCode, r.errorMessage, 'ALTER');
  }
}
