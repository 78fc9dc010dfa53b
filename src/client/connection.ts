/**
 * A connection profile: the bootstrap servers plus Kafka client properties (as in a
 * `--command-config` file), resolved into what the Kafka client needs: broker addresses, TLS
 * options with their trust and key material loaded, and SASL credentials (PLAIN, SCRAM, or
 * Amazon MSK IAM through OAUTHBEARER tokens).
 *
 * Properties read (Kafka's names): security.protocol, sasl.mechanism, sasl.jaas.config,
 * sasl.client.callback.handler.class (the MSK IAM handlers), ssl.truststore.{type,location,
 * certificates,password}, ssl.keystore.{type,location,certificate.chain,key,password},
 * ssl.key.password, ssl.endpoint.identification.algorithm, client.id. Others are reported as
 * ignored, as Kafka's tools warn about configs they do not know.
 */
import { readFileSync, statSync } from 'node:fs';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { SdsError } from '../errors.ts';
import { parseJaasConfig } from './jaas.ts';
import { isJks, readJks } from './jks.ts';
import { MAX_PROPERTIES_BYTES, parseProperties } from './properties.ts';

export const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
export type SecurityProtocol = (typeof SECURITY_PROTOCOLS)[number];

export const SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER', 'AWS_MSK_IAM'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

export interface BrokerAddress {
  readonly host: string;
  readonly port: number;
}

export type SaslSettings =
  | { readonly kind: 'password'; readonly mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512'; readonly username: string; readonly password: string }
  | { readonly kind: 'msk-iam'; readonly region: string | undefined; readonly awsProfile?: string; readonly roleArn?: string; readonly roleSessionName?: string };

export interface Connection {
  readonly brokers: readonly BrokerAddress[];
  readonly securityProtocol: SecurityProtocol;
  readonly clientId: string;
  /** Present for SSL and SASL_SSL. */
  readonly tls?: TlsOptions;
  /** Present for SASL_PLAINTEXT and SASL_SSL. */
  readonly sasl?: SaslSettings;
  /** Properties that were given but are not used, for a warning. */
  readonly ignored: readonly string[];
}

export class ConnectionConfigError extends SdsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SDS_ERR_CLIENT_CONFIG', message, options);
  }
}

const USED = new Set([
  'bootstrap.servers',
  'security.protocol',
  'sasl.mechanism',
  'sasl.jaas.config',
  'sasl.client.callback.handler.class',
  'sasl.login.callback.handler.class',
  'ssl.truststore.type',
  'ssl.truststore.location',
  'ssl.truststore.certificates',
  'ssl.truststore.password',
  'ssl.keystore.type',
  'ssl.keystore.location',
  'ssl.keystore.certificate.chain',
  'ssl.keystore.key',
  'ssl.keystore.password',
  'ssl.key.password',
  'ssl.endpoint.identification.algorithm',
  'client.id',
]);

const IAM_HANDLERS = new Set([
  'software.amazon.msk.auth.iam.IAMClientCallbackHandler',
  'software.amazon.msk.auth.iam.IAMOAuthBearerLoginCallbackHandler',
]);

/** `host:port[,host:port...]`; IPv6 hosts in brackets. */
export function parseBootstrap(text: string): BrokerAddress[] {
  const entries = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (entries.length === 0) throw new ConnectionConfigError('the bootstrap server list is empty: give host:port[,host:port...]');
  return entries.map((entry) => {
    const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(entry);
    const port = Number(m?.[3]);
    if (m === null || !Number.isInteger(port) || port < 1 || port > 65535) {
      throw new ConnectionConfigError(`bootstrap server "${entry}" is not host:port (port 1-65535)`);
    }
    return { host: m[1] ?? m[2] ?? '', port };
  });
}

/** Reads a `--command-config` file (size-checked before it is read). */
export function readPropertiesFile(path: string): Map<string, string> {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (error: unknown) {
    throw new ConnectionConfigError(`cannot read the client config file ${path}: ${reason(error)}`, { cause: error });
  }
  if (size > MAX_PROPERTIES_BYTES) throw new ConnectionConfigError(`the client config file ${path} is ${size} bytes; the limit is ${MAX_PROPERTIES_BYTES}`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error: unknown) {
    throw new ConnectionConfigError(`cannot read the client config file ${path}: ${reason(error)}`, { cause: error });
  }
  return parseProperties(text);
}

function reason(error: unknown): string {
  if (error instanceof Error && 'code' in error && typeof error.code === 'string') {
    return error.code === 'ENOENT' ? 'no such file' : error.code === 'EACCES' ? 'permission denied' : error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

function readFile(path: string, what: string): Buffer {
  try {
    const size = statSync(path).size;
    if (size > 16 << 20) throw new ConnectionConfigError(`${what} ${path} is ${size} bytes, too large for a certificate store`);
    return readFileSync(path);
  } catch (error: unknown) {
    if (error instanceof ConnectionConfigError) throw error;
    throw new ConnectionConfigError(`cannot read ${what} ${path}: ${reason(error)}`, { cause: error });
  }
}

function oneOf<T extends string>(value: string, allowed: readonly T[], name: string): T {
  const upper = value.trim().toUpperCase();
  const found = allowed.find((a) => a === upper);
  if (found === undefined) throw new ConnectionConfigError(`${name}=${value} is not one of ${allowed.join(', ')}`);
  return found;
}

/** The region of an MSK bootstrap host name (b-1.name.abc123.c2.kafka.eu-west-1.amazonaws.com). */
export function regionFromHost(host: string): string | undefined {
  return /\.kafka(?:-serverless)?\.([a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com$/.exec(host)?.[1];
}

function trustMaterial(props: ReadonlyMap<string, string>): string[] | undefined {
  const type = (props.get('ssl.truststore.type') ?? 'JKS').toUpperCase();
  const inline = props.get('ssl.truststore.certificates');
  const location = props.get('ssl.truststore.location');
  if (inline !== undefined) {
    if (type !== 'PEM') throw new ConnectionConfigError('ssl.truststore.certificates needs ssl.truststore.type=PEM');
    return [inline];
  }
  if (location === undefined) return undefined; // the system's trusted CAs, as a JVM uses its cacerts
  const bytes = readFile(location, 'the truststore');
  if (isJks(bytes)) {
    const { trusted } = readJks(bytes, location);
    if (trusted.length === 0) throw new ConnectionConfigError(`the truststore ${location} holds no trusted certificate`);
    return trusted;
  }
  const text = bytes.toString('utf8');
  if (text.includes('-----BEGIN CERTIFICATE-----')) return [text];
  throw new ConnectionConfigError(
    `the truststore ${location} is neither a JKS keystore nor PEM certificates (ssl.truststore.type=${type}); ` +
      'convert a PKCS12 truststore with: openssl pkcs12 -in FILE -nokeys -out ca.pem',
  );
}

function keyMaterial(props: ReadonlyMap<string, string>): Partial<TlsOptions> {
  const type = (props.get('ssl.keystore.type') ?? 'JKS').toUpperCase();
  const chain = props.get('ssl.keystore.certificate.chain');
  const key = props.get('ssl.keystore.key');
  const passphrase = props.get('ssl.key.password') ?? props.get('ssl.keystore.password');
  if (chain !== undefined || key !== undefined) {
    if (chain === undefined || key === undefined) throw new ConnectionConfigError('ssl.keystore.certificate.chain and ssl.keystore.key go together');
    return { cert: chain, key, ...(passphrase !== undefined ? { passphrase } : {}) };
  }
  const location = props.get('ssl.keystore.location');
  if (location === undefined) return {};
  const bytes = readFile(location, 'the keystore');
  if (isJks(bytes)) {
    throw new ConnectionConfigError(
      `the keystore ${location} is JKS, whose private keys cannot be read here; convert it with: ` +
        `keytool -importkeystore -srckeystore ${location} -destkeystore client.p12 -deststoretype PKCS12, then set ssl.keystore.type=PKCS12`,
    );
  }
  if (type === 'PEM') {
    const text = bytes.toString('utf8');
    // A PEM keystore file holds the private key and the certificate chain together.
    return { cert: text, key: text, ...(passphrase !== undefined ? { passphrase } : {}) };
  }
  if (type === 'PKCS12') return { pfx: bytes, ...(props.get('ssl.keystore.password') !== undefined ? { passphrase: props.get('ssl.keystore.password') } : {}) };
  throw new ConnectionConfigError(`ssl.keystore.type=${type} is not supported: use PKCS12 or PEM`);
}

function saslSettings(props: ReadonlyMap<string, string>, brokers: readonly BrokerAddress[]): SaslSettings {
  const mechanism = oneOf(props.get('sasl.mechanism') ?? 'GSSAPI', SASL_MECHANISMS, 'sasl.mechanism');
  const jaasText = props.get('sasl.jaas.config');
  const jaas = jaasText === undefined ? undefined : parseJaasConfig(jaasText);
  const handler = props.get('sasl.client.callback.handler.class') ?? props.get('sasl.login.callback.handler.class');
  const iam = mechanism === 'AWS_MSK_IAM' || (mechanism === 'OAUTHBEARER' && handler !== undefined && IAM_HANDLERS.has(handler));
  if (iam) {
    const options = jaas?.options ?? new Map<string, string>();
    const region = process.env['AWS_REGION'] ?? process.env['AWS_DEFAULT_REGION'] ?? brokers.map((b) => regionFromHost(b.host)).find((r) => r !== undefined);
    return {
      kind: 'msk-iam',
      region,
      ...(options.get('awsProfileName') !== undefined ? { awsProfile: options.get('awsProfileName') } : {}),
      ...(options.get('awsRoleArn') !== undefined ? { roleArn: options.get('awsRoleArn') } : {}),
      ...(options.get('awsRoleSessionName') !== undefined ? { roleSessionName: options.get('awsRoleSessionName') } : {}),
    };
  }
  if (mechanism === 'OAUTHBEARER') {
    throw new ConnectionConfigError('sasl.mechanism=OAUTHBEARER is supported for Amazon MSK IAM only: set sasl.client.callback.handler.class=software.amazon.msk.auth.iam.IAMClientCallbackHandler');
  }
  const username = jaas?.options.get('username');
  const password = jaas?.options.get('password');
  if (username === undefined || password === undefined) {
    throw new ConnectionConfigError(`sasl.mechanism=${mechanism} needs sasl.jaas.config with username="..." and password="..."`);
  }
  return { kind: 'password', mechanism, username, password };
}

export interface ConnectionInput {
  /** `host:port[,...]`; when absent, the properties' bootstrap.servers. */
  readonly bootstrap?: string;
  readonly properties?: ReadonlyMap<string, string>;
  readonly clientId?: string;
}

export function resolveConnection(input: ConnectionInput): Connection {
  const props = input.properties ?? new Map<string, string>();
  const bootstrap = input.bootstrap ?? props.get('bootstrap.servers');
  if (bootstrap === undefined) throw new ConnectionConfigError('no bootstrap server: give --bootstrap-server host:port');
  const brokers = parseBootstrap(bootstrap);
  const securityProtocol = oneOf(props.get('security.protocol') ?? 'PLAINTEXT', SECURITY_PROTOCOLS, 'security.protocol');
  const usesTls = securityProtocol === 'SSL' || securityProtocol === 'SASL_SSL';
  const usesSasl = securityProtocol === 'SASL_PLAINTEXT' || securityProtocol === 'SASL_SSL';
  let tls: TlsOptions | undefined;
  if (usesTls) {
    const ca = trustMaterial(props);
    const verifyHost = (props.get('ssl.endpoint.identification.algorithm') ?? 'https').trim() !== '';
    tls = {
      ...(ca !== undefined ? { ca } : {}),
      ...keyMaterial(props),
      ...(verifyHost ? {} : { checkServerIdentity: () => undefined }),
    };
  }
  const sasl = usesSasl ? saslSettings(props, brokers) : undefined;
  const ignored = [...props.keys()].filter((k) => !USED.has(k));
  return {
    brokers,
    securityProtocol,
    clientId: input.clientId ?? props.get('client.id') ?? 'sds',
    ...(tls !== undefined ? { tls } : {}),
    ...(sasl !== undefined ? { sasl } : {}),
    ignored,
  };
}
