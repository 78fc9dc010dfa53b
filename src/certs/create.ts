/**
 * A development certificate set for the embedded broker's TLS and mutual-TLS listeners: a CA,
 * a broker certificate for the given host names and addresses, client certificates, and the
 * Kafka client properties files that use them (as the AWS solution's client machine has them).
 *
 * Apache Kafka's PEM keystore (DefaultSslEngineFactory.PemStore) reads an unencrypted PKCS#8
 * key when ssl.key.password is not set, so the keystores here carry no password; they are
 * readable by their owner only.
 */
import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { SdsError } from '../errors.ts';
import { createCertificate, isDnsName, parseHost, toPem, CertificateOptionsError, type DistinguishedName } from './x509.ts';

export const DEFAULT_CERTS_DIR = '.sds/certs';
export const DEFAULT_DAYS = 825;
export const MAX_DAYS = 3650;
export const DEFAULT_CLIENTS: readonly string[] = ['client'];
const CLIENT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** Certificates start an hour back, so a client whose clock is a little behind accepts them. */
const CLOCK_SKEW_MS = 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

export class CertsExistError extends SdsError {}
export class CertsWriteError extends SdsError {}

export interface CreateCertificatesOptions {
  /** Default .sds/certs; created with mode 0700. */
  readonly dir?: string;
  /** The broker certificate's DNS names and IP addresses; default defaultHosts(). */
  readonly hosts?: readonly string[];
  /** One client certificate per name; default ['client']. */
  readonly clients?: readonly string[];
  /** Validity in days, 1-3650; default 825 (the longest that Apple platforms accept for TLS servers). */
  readonly days?: number;
  /** Overwrite files that exist. */
  readonly force?: boolean;
  /** The issuing time; tests pin it. */
  readonly now?: Date;
}

export interface ClientCertificateFiles {
  readonly name: string;
  /** How Kafka's default principal builder names this client: User:CN=NAME. */
  readonly principal: string;
  /** The client certificate followed by the CA certificate. */
  readonly certificate: string;
  readonly key: string;
  /** The PKCS#8 key followed by the certificate chain: Kafka's ssl.keystore.type=PEM file. */
  readonly keystore: string;
  readonly properties: string;
}

export interface DevCertificates {
  readonly dir: string;
  /** Every file written, absolute, in the order written. */
  readonly files: readonly string[];
  readonly ca: { readonly certificate: string; readonly key: string };
  readonly broker: { readonly certificate: string; readonly key: string; readonly hosts: readonly string[] };
  readonly clients: readonly ClientCertificateFiles[];
  /** TLS without a client certificate (security.protocol=SSL, trusting the CA). */
  readonly sslProperties: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** Other .pem and .properties files in the folder: issued by an earlier CA, so no longer trusted by this one. */
  readonly untouched: readonly string[];
}

/** localhost, 127.0.0.1, ::1 and this machine's host name (when it is a usable DNS name). */
export function defaultHosts(): string[] {
  const hosts = ['localhost', '127.0.0.1', '::1'];
  const own = hostname();
  if (isDnsName(own) && !hosts.includes(own.toLowerCase())) hosts.push(own);
  return hosts;
}

/** A client name becomes file names and a CN, so it is restricted to safe file-name characters. */
export function checkClientName(name: string): string {
  if (!CLIENT_NAME.test(name)) {
    throw new CertificateOptionsError(`client name ${JSON.stringify(name)} is not usable: 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit`);
  }
  return name;
}

export function checkDays(days: number): number {
  if (!Number.isSafeInteger(days) || days < 1 || days > MAX_DAYS) throw new CertificateOptionsError(`days must be a whole number from 1 to ${MAX_DAYS}, got ${days}`);
  return days;
}

/** The hosts, validated, with repeats (same name ignoring case, same address) dropped. */
export function checkHosts(hosts: readonly string[]): string[] {
  if (hosts.length === 0) throw new CertificateOptionsError('the broker certificate needs at least one host name or IP address');
  const seen = new Set<string>();
  const out: string[] = [];
  for (const host of hosts) {
    const parsed = parseHost(host);
    const key = parsed.kind === 'dns' ? `dns:${parsed.name.toLowerCase()}` : `ip:${parsed.address.toString('hex')}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(host);
    }
  }
  return out;
}

/**
 * A value in a Java properties file: backslashes doubled (they escape), characters outside
 * printable ASCII as \uXXXX (Properties.load reads ISO-8859-1), a leading space escaped.
 */
export function propertyValue(value: string): string {
  let out = '';
  for (const ch of value) {
    const code = ch.codePointAt(0) as number;
    if (ch === '\\') out += '\\\\';
    else if (code >= 0x20 && code <= 0x7e) out += ch;
    else for (let i = 0; i < ch.length; i++) out += `\\u${ch.charCodeAt(i).toString(16).padStart(4, '0')}`;
  }
  return out.replace(/^ /, '\\ ');
}

function ecKeyPair(): { publicKey: KeyObject; privateKey: KeyObject } {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' });
}

function pkcs8(key: KeyObject): string {
  return key.export({ type: 'pkcs8', format: 'pem' }) as string;
}

/** Writes through a temporary file, fsync and rename, so a crash leaves the old file or the new one, never half of one. */
function writeAtomic(path: string, text: string, mode: number): void {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  let fd: number | undefined;
  try {
    fd = openSync(temp, 'wx', mode);
    writeFileSync(fd, text); // loops until every byte is written
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temp, path);
  } catch (error: unknown) {
    if (fd !== undefined) closeSync(fd);
    rmSync(temp, { force: true });
    throw new CertsWriteError('SDS_ERR_CERTS_WRITE', `cannot write ${path}: ${error instanceof Error ? error.message : String(error)}; check the folder's permissions and free space`, { cause: error });
  }
}

/** Makes the renames durable too; some platforms cannot fsync a directory, which is harmless here. */
function syncDirectory(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Windows and some network file systems refuse; the files themselves were synced.
  }
}

export function createDevCertificates(options: CreateCertificatesOptions = {}): DevCertificates {
  const dir = resolve(options.dir ?? DEFAULT_CERTS_DIR);
  const hosts = checkHosts(options.hosts ?? defaultHosts());
  const clients = (options.clients ?? DEFAULT_CLIENTS).map(checkClientName);
  const days = checkDays(options.days ?? DEFAULT_DAYS);
  const now = options.now ?? new Date();
  if (Number.isNaN(now.getTime())) throw new CertificateOptionsError('now must be a valid date');
  const notBefore = new Date(now.getTime() - CLOCK_SKEW_MS);
  const notAfter = new Date(now.getTime() + days * DAY_MS);
  const path = (name: string): string => join(dir, name);

  const clientFiles = clients.map((name) => ({ name, certificate: `${name}.pem`, key: `${name}-key.pem`, keystore: `${name}-keystore.pem`, properties: `client-mtls-${name}.properties` }));
  const names = ['ca.pem', 'ca-key.pem', 'broker.pem', 'broker-key.pem', 'client-ssl.properties', ...clientFiles.flatMap((c) => [c.certificate, c.key, c.keystore, c.properties])];
  // Two names that map to one file (a client called "ca", or "x" and "x-key") would overwrite each other; case-insensitive file systems count too.
  const byName = new Map<string, string>();
  for (const name of names) {
    const other = byName.get(name.toLowerCase());
    if (other !== undefined) throw new CertificateOptionsError(`two files would be named ${name}${other === name ? '' : ` and ${other}`}: choose other client names (a client may not be named ca or broker, nor repeat another)`);
    byName.set(name.toLowerCase(), name);
  }
  const existing = names.map(path).filter((p) => existsSync(p));
  if (existing.length > 0 && options.force !== true) {
    throw new CertsExistError('SDS_ERR_CERTS_EXISTS', `these files exist already: ${existing.join(', ')}; run with --force to replace them (a new CA: certificates it did not sign stop being trusted), or choose another --dir`);
  }

  const caKeys = ecKeyPair();
  // A random suffix keeps two development CAs apart in a trust store that holds both.
  const caName: DistinguishedName = { commonName: `sds development CA ${randomBytes(4).toString('hex')}`, organization: 'sds development' };
  const caPem = toPem('CERTIFICATE', createCertificate({ subject: caName, publicKey: caKeys.publicKey, issuer: caName, issuerKey: caKeys.privateKey, notBefore, notAfter, ca: true }));
  const issue = (subject: DistinguishedName, usages: ('serverAuth' | 'clientAuth')[], altNames: readonly string[]): { chain: string; key: string } => {
    const keys = ecKeyPair();
    const der = createCertificate({ subject, publicKey: keys.publicKey, issuer: caName, issuerKey: caKeys.privateKey, notBefore, notAfter, extendedKeyUsage: usages, altNames });
    return { chain: toPem('CERTIFICATE', der) + caPem, key: pkcs8(keys.privateKey) };
  };
  // The broker's certificate also serves as a client certificate (for tools run on the broker's behalf).
  const firstHost = hosts[0] as string;
  const broker = issue({ commonName: firstHost.length <= 64 ? firstHost : 'sds broker' }, ['serverAuth', 'clientAuth'], hosts);
  const header = (what: string): string =>
    `# Written by \`sds certs create\` on ${now.toISOString()}: ${what}.\n# Give it to Kafka's tools as their client config file (--command-config, --producer.config or --consumer.config).\n`;
  const trust = `security.protocol=SSL\nssl.truststore.type=PEM\nssl.truststore.location=${propertyValue(path('ca.pem'))}\n`;

  const texts = new Map<string, { text: string; mode: number }>([
    ['ca.pem', { text: caPem, mode: 0o644 }],
    ['ca-key.pem', { text: pkcs8(caKeys.privateKey), mode: 0o600 }],
    ['broker.pem', { text: broker.chain, mode: 0o644 }],
    ['broker-key.pem', { text: broker.key, mode: 0o600 }],
    ['client-ssl.properties', { text: header('TLS to a broker whose certificate the sds development CA signed') + trust, mode: 0o644 }],
  ]);
  for (const c of clientFiles) {
    const issued = issue({ commonName: c.name }, ['clientAuth'], []);
    texts.set(c.certificate, { text: issued.chain, mode: 0o644 });
    texts.set(c.key, { text: issued.key, mode: 0o600 });
    texts.set(c.keystore, { text: issued.key + issued.chain, mode: 0o600 });
    const keystore = `ssl.keystore.type=PEM\nssl.keystore.location=${propertyValue(path(c.keystore))}\n`;
    texts.set(c.properties, { text: header(`mutual TLS; the broker names this client User:CN=${c.name}`) + trust + keystore, mode: 0o644 });
  }

  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error: unknown) {
    throw new CertsWriteError('SDS_ERR_CERTS_WRITE', `cannot create ${dir}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const files: string[] = [];
  for (const name of names) {
    const file = texts.get(name) as { text: string; mode: number };
    writeAtomic(path(name), file.text, file.mode);
    files.push(path(name));
  }
  syncDirectory(dir);

  const written = new Set(names);
  const untouched = readdirSync(dir)
    .filter((name) => (name.endsWith('.pem') || name.endsWith('.properties')) && !written.has(name))
    .sort()
    .map(path);
  return {
    dir,
    files,
    ca: { certificate: path('ca.pem'), key: path('ca-key.pem') },
    broker: { certificate: path('broker.pem'), key: path('broker-key.pem'), hosts },
    clients: clientFiles.map((c) => ({ name: c.name, principal: `User:CN=${c.name}`, certificate: path(c.certificate), key: path(c.key), keystore: path(c.keystore), properties: path(c.properties) })),
    sslProperties: path('client-ssl.properties'),
    notBefore,
    notAfter,
    untouched,
  };
}
