/**
 * `sds certs create`: a development CA, a broker certificate and client certificates (PEM),
 * with the Kafka client properties files that use them, so the embedded broker's TLS and
 * mutual-TLS listeners work with unmodified Kafka clients. See src/certs/create.ts.
 */
import { basename } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { SdsError } from '../errors.ts';
import { checkClientName, checkDays, createDevCertificates, DEFAULT_CERTS_DIR, DEFAULT_DAYS, MAX_DAYS, type DevCertificates } from '../certs/create.ts';
import { parseHost } from '../certs/x509.ts';

interface CreateFlags {
  dir: string;
  host?: string[];
  client?: string[];
  days: number;
  force?: boolean;
  json?: boolean;
}

/** Commander parsers: a bad value is a usage error (exit 2) with the checker's own words. */
function asUsage<T>(check: () => T): T {
  try {
    return check();
  } catch (error: unknown) {
    if (error instanceof SdsError) throw new InvalidArgumentError(error.message);
    throw error;
  }
}

export function parseHostFlag(value: string, previous: string[] = []): string[] {
  asUsage(() => parseHost(value));
  return [...previous, value];
}

export function parseClientFlag(value: string, previous: string[] = []): string[] {
  return [...previous, asUsage(() => checkClientName(value))];
}

export function parseDaysFlag(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`expected a whole number of days from 1 to ${MAX_DAYS}.`);
  return asUsage(() => checkDays(Number(value)));
}

/** A YAML plain scalar when the path is simple, a quoted one otherwise (spaces, colons, commas). */
function yamlPath(path: string): string {
  return /^[A-Za-z0-9/._~-]+$/.test(path) ? path : JSON.stringify(path);
}

function report(result: DevCertificates): string {
  const rows: [string, string][] = [
    [result.ca.certificate, 'the CA certificate: what clients trust'],
    [result.ca.key, "the CA's private key (mode 0600)"],
    [result.broker.certificate, `broker certificate + CA, for ${result.broker.hosts.join(', ')}`],
    [result.broker.key, 'its private key (mode 0600)'],
  ];
  for (const c of result.clients) {
    rows.push([c.certificate, `client certificate + CA; the broker names this client ${c.principal}`], [c.key, 'its private key (mode 0600)'], [c.keystore, "key + chain in one file, for Kafka's ssl.keystore.type=PEM (mode 0600)"]);
  }
  rows.push([result.sslProperties, 'Kafka client properties: TLS']);
  for (const c of result.clients) rows.push([c.properties, `Kafka client properties: mutual TLS as ${c.principal}`]);
  const width = Math.max(...rows.map(([file]) => basename(file).length));
  const lines = [`Wrote a development CA and certificates to ${result.dir} (valid until ${result.notAfter.toISOString()}):`];
  for (const [file, what] of rows) lines.push(`  ${basename(file).padEnd(width)}  ${what}`);
  lines.push('', 'Broker config (sds.config.yaml, under broker:; add clientAuth: required to tls for mutual TLS):');
  lines.push('  listeners: [PLAINTEXT://127.0.0.1:9092, SSL://127.0.0.1:9094]');
  lines.push(`  tls: { certificate: ${yamlPath(result.broker.certificate)}, key: ${yamlPath(result.broker.key)}, ca: ${yamlPath(result.ca.certificate)} }`);
  lines.push(
    'Or: sds broker start --listener SSL://127.0.0.1:9094 ' +
      `--tls-certificate ${yamlPath(result.broker.certificate)} --tls-key ${yamlPath(result.broker.key)} --tls-ca ${yamlPath(result.ca.certificate)} --ssl-client-auth required`,
  );
  lines.push('', "Kafka clients (Apache Kafka's tools: --command-config FILE):");
  lines.push(`  TLS:        ${result.sslProperties}`);
  for (const c of result.clients) lines.push(`  mutual TLS: ${c.properties}   (${c.principal})`);
  const first = result.clients[0];
  if (first !== undefined) {
    lines.push(`  kcat/librdkafka: -X security.protocol=SSL -X ssl.ca.location=${result.ca.certificate} -X ssl.certificate.location=${first.certificate} -X ssl.key.location=${first.key}`);
  }
  if (result.untouched.length > 0) {
    lines.push('', `Note: the folder also holds files this run did not write (an earlier CA signed them, if any did): ${result.untouched.join(', ')}`);
  }
  return `${lines.join('\n')}\n`;
}

function create(flags: CreateFlags): void {
  const result = createDevCertificates({
    dir: flags.dir,
    ...(flags.host !== undefined ? { hosts: flags.host } : {}),
    ...(flags.client !== undefined ? { clients: flags.client } : {}),
    days: flags.days,
    force: flags.force === true,
  });
  process.stdout.write(flags.json === true ? `${JSON.stringify(result, null, 2)}\n` : report(result));
}

export function registerCertsCommands(program: Command): void {
  const certs = program.command('certs').description('development TLS certificates for the embedded broker and its clients');
  certs
    .command('create')
    .description('write a development CA, a broker certificate, client certificates (PEM) and Kafka client properties files')
    .option('--dir <dir>', 'the folder to write to (created with mode 0700)', DEFAULT_CERTS_DIR)
    .option('--host <host>', "a DNS name or IP address of the broker (repeatable; replaces the default localhost, 127.0.0.1, ::1 and this machine's host name)", parseHostFlag)
    .option('--client <name>', 'a client certificate with subject CN=NAME, principal User:CN=NAME (repeatable; default: client)', parseClientFlag)
    .option('--days <n>', `validity in days, 1-${MAX_DAYS}`, parseDaysFlag, DEFAULT_DAYS)
    .option('--force', 'replace files that exist (with a new CA)')
    .option('--json', 'print what was written as JSON')
    .action(create);
}
