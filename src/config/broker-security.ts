/**
 * The access-control part of the sds config's `broker` section: listeners, TLS, SASL, ACLs
 * and users, as Kafka's broker settings name them.
 *
 *   broker:
 *     listeners: [PLAINTEXT://127.0.0.1:9092, SASL_SSL://127.0.0.1:9096]
 *     tls: { certificate: .sds/certs/broker.pem, key: .sds/certs/broker-key.pem, ca: .sds/certs/ca.pem, clientAuth: required }
 *     sasl: { mechanisms: [SCRAM-SHA-512], reauthMs: 3600000 }
 *     authorizer: { superUsers: [User:admin], allowEveryoneIfNoAclFound: false }
 *     users:
 *       - { name: alice, passwordEnv: ALICE_PASSWORD }
 *       - { name: admin, passwordFile: secrets/admin-password }
 *     clientProfile: admin       # how sds up's own clients (functions' mappings, dashboard) log in
 *
 * Passwords come from the environment or from files that only their owner may read; the
 * config file holds none. Certificates and keys are read here, so a missing or unreadable
 * file is reported with every other problem before anything starts.
 */
import { readFileSync, statSync } from 'node:fs';
import type { Checker } from './checker.ts';
import { isRecord } from './config-file.ts';
import { parseListener, usesTls, type ListenerOptions } from '../broker/server/listener-spec.ts';
import type { TlsOptions } from '../broker/server/listener.ts';
import { BROKER_SASL_MECHANISMS, type BrokerSaslMechanism, type SaslOptions } from '../broker/server/sasl-authenticator.ts';
import type { AuthorizerOptions } from '../broker/security/index.ts';
import type { ConfiguredUser } from '../broker/security/configured-users.ts';
import { SCRAM_MECHANISMS, type ScramMechanism } from '../broker/security/types.ts';

export interface BrokerSecurityConfig {
  readonly listeners?: readonly ListenerOptions[];
  readonly tls?: TlsOptions;
  readonly sasl?: Partial<SaslOptions>;
  readonly authorizer?: AuthorizerOptions;
  readonly users?: readonly ConfiguredUser[];
  /** A profile of the same file that sds up's own clients use to reach the broker. */
  readonly clientProfile?: string;
}

export const BROKER_SECURITY_KEYS = ['listeners', 'tls', 'sasl', 'authorizer', 'users', 'clientProfile'];
const TLS_KEYS = ['certificate', 'key', 'keyPasswordEnv', 'keyPasswordFile', 'ca', 'clientAuth'];
const SASL_KEYS = ['mechanisms', 'reauthMs', 'failedAuthenticationDelayMs'];
const AUTHORIZER_KEYS = ['superUsers', 'allowEveryoneIfNoAclFound'];
const USER_KEYS = ['name', 'passwordEnv', 'passwordFile', 'mechanisms', 'iterations'];
const MAX_SECRET_FILE_BYTES = 64 * 1024;
const MAX_PEM_BYTES = 1 << 20;
const PRINCIPAL = /^[A-Za-z]+:.+$/;

/** A file holding a secret must be readable by its owner alone, as ssh insists for keys. */
export function secretFileProblem(path: string, maxBytes = MAX_SECRET_FILE_BYTES): string | undefined {
  let stat;
  try {
    stat = statSync(path);
  } catch (e: unknown) {
    return `cannot read ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`;
  }
  if (!stat.isFile()) return `${path} is not a file`;
  if (stat.size > maxBytes) return `${path} is ${stat.size} bytes; the limit is ${maxBytes}`;
  if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
    return `${path} can be read by other users (mode ${(stat.mode & 0o777).toString(8)}); run: chmod 600 ${path}`;
  }
  return undefined;
}

/** A password from `<prefix>Env` or `<prefix>File`: exactly one must be given. The file's first line is the password. */
function password(raw: Record<string, unknown>, path: string, prefix: string, at: (p: string) => string, c: Checker, required: boolean): string | undefined {
  const env = raw[`${prefix}Env`];
  const file = raw[`${prefix}File`];
  if (env !== undefined && file !== undefined) {
    c.add(path, `give ${prefix}Env or ${prefix}File, not both`);
    return undefined;
  }
  if (env !== undefined) {
    const name = c.string(`${path}.${prefix}Env`, env, '');
    if (name === '') return undefined;
    const value = process.env[name];
    if (value === undefined || value === '') c.add(`${path}.${prefix}Env`, `the environment variable ${name} is not set`);
    return value;
  }
  if (file !== undefined) {
    const name = c.string(`${path}.${prefix}File`, file, '');
    if (name === '') return undefined;
    const full = at(name);
    const problem = secretFileProblem(full);
    if (problem !== undefined) {
      c.add(`${path}.${prefix}File`, problem);
      return undefined;
    }
    const value = readFileSync(full, 'utf8').split(/\r?\n/)[0] ?? '';
    if (value === '') c.add(`${path}.${prefix}File`, `${full} is empty; its first line is the password`);
    return value;
  }
  if (required) c.add(path, `give ${prefix}Env (an environment variable) or ${prefix}File (a file only you can read); passwords are not written in the config`);
  return undefined;
}

function pem(path: string, value: unknown, at: (p: string) => string, c: Checker, marker: string): string | undefined {
  const name = c.string(path, value, '');
  if (name === '') return undefined;
  const full = at(name);
  try {
    const size = statSync(full).size;
    if (size > MAX_PEM_BYTES) {
      c.add(path, `${full} is ${size} bytes; the limit for a PEM file is ${MAX_PEM_BYTES}`);
      return undefined;
    }
    const text = readFileSync(full, 'utf8');
    if (!text.includes(marker)) {
      c.add(path, `${full} holds no PEM ${marker.replace(/-/g, '').trim().toLowerCase()}`);
      return undefined;
    }
    return text;
  } catch (e: unknown) {
    c.add(path, `cannot read ${full}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
    return undefined;
  }
}

function checkListeners(value: unknown, c: Checker): ListenerOptions[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0) {
    c.add('broker.listeners', 'expected a list such as [PLAINTEXT://127.0.0.1:9092, SASL_SSL://127.0.0.1:9096]');
    return undefined;
  }
  const out: ListenerOptions[] = [];
  value.forEach((v: unknown, i) => {
    if (typeof v !== 'string') c.add(`broker.listeners[${i}]`, 'expected PROTOCOL://host:port');
    else {
      try {
        out.push(parseListener(v));
      } catch (e: unknown) {
        c.add(`broker.listeners[${i}]`, (e as Error).message);
      }
    }
  });
  return out;
}

function checkTls(value: unknown, at: (p: string) => string, c: Checker): TlsOptions | undefined {
  if (value === undefined) return undefined;
  if (!isRecord(value)) {
    c.add('broker.tls', `expected a mapping with ${TLS_KEYS.join(', ')}`);
    return undefined;
  }
  c.unknownKeys('broker.tls', value, TLS_KEYS);
  const certificate = pem('broker.tls.certificate', value['certificate'] ?? '', at, c, '-----BEGIN CERTIFICATE-----');
  const keyPath = c.string('broker.tls.key', value['key'] ?? '', '');
  const keyProblem = keyPath === '' ? undefined : secretFileProblem(at(keyPath));
  if (keyProblem !== undefined) c.add('broker.tls.key', keyProblem);
  const key = keyPath === '' || keyProblem !== undefined ? undefined : pem('broker.tls.key', keyPath, at, c, 'PRIVATE KEY-----');
  if (value['certificate'] === undefined) c.add('broker.tls.certificate', 'the broker certificate (PEM) is needed; sds certs create makes one');
  if (value['key'] === undefined) c.add('broker.tls.key', "the broker certificate's private key (PEM) is needed");
  const keyPassword = password(value, 'broker.tls', 'keyPassword', at, c, false);
  const clientAuth = value['clientAuth'] ?? 'none';
  if (clientAuth !== 'none' && clientAuth !== 'requested' && clientAuth !== 'required') c.add('broker.tls.clientAuth', `expected none, requested or required, got ${JSON.stringify(clientAuth)}`);
  const ca = value['ca'] === undefined ? undefined : pem('broker.tls.ca', value['ca'], at, c, '-----BEGIN CERTIFICATE-----');
  if ((clientAuth === 'requested' || clientAuth === 'required') && value['ca'] === undefined) c.add('broker.tls.ca', `clientAuth ${clientAuth} needs the CA certificates client certificates are checked against`);
  if (certificate === undefined || key === undefined) return undefined;
  return {
    certificate,
    key,
    ...(keyPassword !== undefined ? { keyPassword } : {}),
    ...(ca !== undefined ? { ca } : {}),
    clientAuth: clientAuth as TlsOptions['clientAuth'] & string,
  };
}

function mechanisms<T extends string>(path: string, value: unknown, allowed: readonly T[], c: Checker): T[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0 || !value.every((m) => typeof m === 'string' && (allowed as readonly string[]).includes(m))) {
    c.add(path, `expected a list of ${allowed.join(', ')}`);
    return undefined;
  }
  return [...new Set(value as T[])];
}

function checkSasl(value: unknown, c: Checker): Partial<SaslOptions> | undefined {
  if (value === undefined) return undefined;
  if (!isRecord(value)) {
    c.add('broker.sasl', `expected a mapping with ${SASL_KEYS.join(', ')}`);
    return undefined;
  }
  c.unknownKeys('broker.sasl', value, SASL_KEYS);
  const enabled = mechanisms<BrokerSaslMechanism>('broker.sasl.mechanisms', value['mechanisms'], BROKER_SASL_MECHANISMS, c);
  return {
    ...(enabled !== undefined ? { mechanisms: enabled } : {}),
    ...(value['reauthMs'] !== undefined ? { reauthMs: c.int('broker.sasl.reauthMs', value['reauthMs'], 0, 2 ** 31 - 1, 0) } : {}),
    ...(value['failedAuthenticationDelayMs'] !== undefined ? { failedAuthenticationDelayMs: c.int('broker.sasl.failedAuthenticationDelayMs', value['failedAuthenticationDelayMs'], 0, 60_000, 100) } : {}),
  };
}

function checkAuthorizer(value: unknown, c: Checker): AuthorizerOptions | undefined {
  if (value === undefined) return undefined;
  const raw = value ?? {};
  if (!isRecord(raw)) {
    c.add('broker.authorizer', `expected a mapping with ${AUTHORIZER_KEYS.join(', ')}`);
    return undefined;
  }
  c.unknownKeys('broker.authorizer', raw, AUTHORIZER_KEYS);
  const superUsers = raw['superUsers'] ?? [];
  if (!Array.isArray(superUsers) || !superUsers.every((p) => typeof p === 'string' && PRINCIPAL.test(p))) {
    c.add('broker.authorizer.superUsers', 'expected a list of principals such as User:admin or User:CN=admin');
  }
  return {
    superUsers: Array.isArray(superUsers) ? superUsers.filter((p): p is string => typeof p === 'string') : [],
    allowEveryoneIfNoAclFound: c.bool('broker.authorizer.allowEveryoneIfNoAclFound', raw['allowEveryoneIfNoAclFound'], true),
  };
}

function checkUsers(value: unknown, at: (p: string) => string, c: Checker): ConfiguredUser[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) {
    c.add('broker.users', 'expected a list of users, each with a name and passwordEnv or passwordFile');
    return undefined;
  }
  const users: ConfiguredUser[] = [];
  const seen = new Set<string>();
  value.forEach((raw: unknown, i) => {
    const path = `broker.users[${i}]`;
    if (!isRecord(raw)) {
      c.add(path, `expected a mapping with ${USER_KEYS.join(', ')}`);
      return;
    }
    c.unknownKeys(path, raw, USER_KEYS);
    const name = c.string(`${path}.name`, raw['name'] ?? '', '');
    if (raw['name'] === undefined) c.add(`${path}.name`, 'a user needs a name');
    if (name !== '' && seen.has(name)) c.add(`${path}.name`, `user ${name} is listed twice`);
    seen.add(name);
    const secret = password(raw, path, 'password', at, c, true);
    const mechs = mechanisms<ScramMechanism>(`${path}.mechanisms`, raw['mechanisms'], SCRAM_MECHANISMS, c);
    const iterations = raw['iterations'] === undefined ? undefined : c.int(`${path}.iterations`, raw['iterations'], 4096, 16384, 8192);
    if (name !== '' && secret !== undefined && secret !== '') {
      users.push({ name, password: secret, ...(mechs !== undefined ? { mechanisms: mechs } : {}), ...(iterations !== undefined ? { iterations } : {}) });
    }
  });
  return users;
}

/** Checks the access-control settings of `broker`; every problem goes to the checker. */
export function checkBrokerSecurity(broker: Record<string, unknown>, at: (p: string) => string, c: Checker): BrokerSecurityConfig {
  const listeners = checkListeners(broker['listeners'], c);
  if (listeners !== undefined && (broker['port'] !== undefined || broker['host'] !== undefined)) {
    c.add('broker.listeners', 'give either listeners or host and port, not both');
  }
  const tls = checkTls(broker['tls'], at, c);
  if (listeners?.some((l) => usesTls(l.protocol)) === true && broker['tls'] === undefined) {
    c.add('broker.tls', 'an SSL or SASL_SSL listener needs the broker certificate and key (sds certs create makes a development set)');
  }
  const clientProfile = broker['clientProfile'] === undefined ? undefined : c.string('broker.clientProfile', broker['clientProfile'], '');
  const sasl = checkSasl(broker['sasl'], c);
  const authorizer = checkAuthorizer(broker['authorizer'], c);
  const users = checkUsers(broker['users'], at, c);
  return {
    ...(listeners !== undefined ? { listeners } : {}),
    ...(tls !== undefined ? { tls } : {}),
    ...(sasl !== undefined ? { sasl } : {}),
    ...(authorizer !== undefined ? { authorizer } : {}),
    ...(users !== undefined ? { users } : {}),
    ...(clientProfile !== undefined && clientProfile !== '' ? { clientProfile } : {}),
  };
}
