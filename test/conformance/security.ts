// Helpers shared by the access-control scenarios (scenarios/security-*.ts): Kafka client
// properties files for the secured listeners, kafka-acls as the super user, and reading the
// exceptions Kafka's Java tools print.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { check } from '../../scripts/conformance/process.ts';
import type { RunResult } from '../../scripts/conformance/process.ts';
import type { ScramUser, ServerSecurity } from '../../scripts/conformance/security.ts';
import { expect } from './scenario.ts';
import type { ScenarioContext } from './scenario.ts';

export const ACL_COMMAND = 'org.apache.kafka.tools.AclCommand';

/** The server's secured listeners; fails the scenario when it was started without them. */
export function securityOf(ctx: ScenarioContext): ServerSecurity {
  const security = ctx.security;
  expect(security !== undefined, 'the server was started without its TLS and SASL_SSL listeners');
  return security;
}

/** Runs `fn` with a fresh temporary folder, removed afterwards. */
export async function withTempDir<T>(prefix: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Client settings that make a refused connection fail within seconds instead of retrying for a
 * minute (an AdminClient call gives up after default.api.timeout.ms).
 */
export const FAIL_FAST: Readonly<Record<string, string>> = {
  'request.timeout.ms': '4000',
  'default.api.timeout.ms': '8000',
  'reconnect.backoff.max.ms': '1000',
  'socket.connection.setup.timeout.ms': '4000',
  'socket.connection.setup.timeout.max.ms': '4000',
};

function lines(settings: Readonly<Record<string, string>>): string {
  return Object.entries(settings).map(([k, v]) => `${k}=${v}`).join('\n') + '\n';
}

/** A properties file like the AWS solution's client-sasl.properties: SCRAM-SHA-512 over TLS. */
export function saslSslProperties(security: ServerSecurity, user: ScramUser, extra: Readonly<Record<string, string>> = {}): string {
  return lines({
    'security.protocol': 'SASL_SSL',
    'sasl.mechanism': security.mechanism,
    'sasl.jaas.config': `org.apache.kafka.common.security.scram.ScramLoginModule required username="${user.username}" password="${user.password}";`,
    'ssl.truststore.type': 'PEM',
    'ssl.truststore.location': join(security.certsDir, 'ca.pem'),
    ...extra,
  });
}

/** TLS that trusts the CA but has no client certificate and no SASL login. */
export function sslProperties(security: ServerSecurity, extra: Readonly<Record<string, string>> = {}): string {
  return lines({
    'security.protocol': 'SSL',
    'ssl.truststore.type': 'PEM',
    'ssl.truststore.location': join(security.certsDir, 'ca.pem'),
    ...extra,
  });
}

/** Writes `text` as `name` in `dir` and returns the path. */
export async function propertiesFile(dir: string, name: string, text: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, text, { mode: 0o600 });
  return file;
}

/** Runs kafka-acls on the SASL_SSL listener with `adminConfig` (the super user's properties); throws unless it exits 0. */
export async function kafkaAcls(ctx: ScenarioContext, adminConfig: string, args: readonly string[], what: string): Promise<RunResult> {
  const security = securityOf(ctx);
  return check(await ctx.java(ACL_COMMAND, ['--bootstrap-server', security.saslSslBootstrap, '--command-config', adminConfig, ...args]), what);
}

/** The file `sds certs create` wrote for a client certificate: mutual TLS as User:CN=<name>. */
export function mtlsPropertiesPath(security: ServerSecurity, name: string): string {
  expect(security.clientCertificates.includes(name), `no client certificate named ${name}`);
  return join(security.certsDir, `client-mtls-${name}.properties`);
}

/**
 * The simple names of the Kafka exceptions a Java tool printed (…errors.TopicAuthorizationException
 * → TopicAuthorizationException), in order of first appearance.
 */
export function javaExceptions(result: RunResult): string[] {
  const found: string[] = [];
  for (const m of `${result.stdout}\n${result.stderr}`.matchAll(/org\.apache\.kafka\.common\.errors\.(\w+Exception)/g)) {
    const name = m[1] as string;
    if (!found.includes(name)) found.push(name);
  }
  return found;
}

/** The message after the first `org.apache.kafka.common.errors.<name>: ` in a tool's output. */
export function javaExceptionMessage(result: RunResult, name: string): string | undefined {
  const re = new RegExp(`org\\.apache\\.kafka\\.common\\.errors\\.${name}: ([^\\n]*)`);
  return re.exec(`${result.stdout}\n${result.stderr}`)?.[1]?.trim();
}

/** The last lines of a tool's output, for a failure message. */
export function outputTail(result: RunResult, count = 4): string {
  const text = `${result.stdout}\n${result.stderr}`
    .split('\n')
    .filter((l) => l.trim() !== '' && !/^\s+at /.test(l));
  return text.slice(-count).join(' / ').slice(0, 400);
}

/** One ACL binding as kafka-acls prints it, with the resource name given by the caller's label. */
export interface AclRow {
  readonly resourceType: string;
  readonly name: string;
  readonly patternType: string;
  readonly principal: string;
  readonly host: string;
  readonly operation: string;
  readonly permissionType: string;
}

/**
 * Parses `kafka-acls --list`:
 *   Current ACLs for resource `ResourcePattern(resourceType=TOPIC, name=t, patternType=LITERAL)`:
 *    (principal=User:bob, host=*, operation=READ, permissionType=ALLOW)
 * into rows sorted by every field, so that two servers listing the same ACLs in another order compare equal.
 */
export function parseAclList(stdout: string): AclRow[] {
  const rows: AclRow[] = [];
  let resource: { resourceType: string; name: string; patternType: string } | undefined;
  for (const line of stdout.split('\n')) {
    const r = /ResourcePattern\(resourceType=(\w+), name=(.*), patternType=(\w+)\)/.exec(line);
    if (r !== null) {
      resource = { resourceType: r[1] as string, name: r[2] as string, patternType: r[3] as string };
      continue;
    }
    const a = /\(principal=(.*), host=(.*), operation=(\w+), permissionType=(\w+)\)/.exec(line);
    if (a !== null && resource !== undefined) {
      rows.push({ ...resource, principal: a[1] as string, host: a[2] as string, operation: a[3] as string, permissionType: a[4] as string });
    }
  }
  const key = (row: AclRow): string => Object.values(row).join('\u0000');
  return rows.sort((x, y) => (key(x) < key(y) ? -1 : key(x) > key(y) ? 1 : 0));
}

/** The rows as one comparable text, run-specific resource names replaced by labels, in a fixed order. */
export function describeAcls(rows: readonly AclRow[], labels: Readonly<Record<string, string>>): string {
  return rows
    .map((r) => `${r.resourceType}:${labels[r.name] ?? r.name}:${r.patternType} ${r.permissionType} ${r.principal} ${r.operation} host=${r.host}`)
    .sort()
    .join('; ');
}
