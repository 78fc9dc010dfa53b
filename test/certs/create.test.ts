import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir, hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { checkHosts, createDevCertificates, defaultHosts, propertyValue, type DevCertificates } from '../../src/certs/create.ts';
import { isDnsName } from '../../src/certs/x509.ts';

const codeOf = (code: string) => (e: unknown): boolean => (e as { code?: string }).code === code;
const isInvalid = codeOf('SDS_ERR_CERTS_INVALID');

function tempDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'sds-certs-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The PEM blocks of a file, as [label, certificate-or-undefined]. */
function blocks(text: string): string[] {
  return [...text.matchAll(/-----BEGIN ([A-Z ]+)-----\n[A-Za-z0-9+/=\n]+-----END \1-----\n/g)].map((m) => m[0]);
}

const read = (path: string): string => readFileSync(path, 'utf8');
const mode = (path: string): number => statSync(path).mode & 0o777;

test('a full set: files in order, key modes, chains, keystores and properties files', () => {
  const t = tempDir();
  try {
    const dir = join(t.dir, 'nested', 'certs');
    const now = new Date('2026-03-01T10:00:00Z');
    const result = createDevCertificates({ dir, hosts: ['localhost', '127.0.0.1', '::1', 'broker.test'], clients: ['alice', 'bob.smith_2'], days: 30, now });
    const names = ['ca.pem', 'ca-key.pem', 'broker.pem', 'broker-key.pem', 'client-ssl.properties'];
    for (const c of ['alice', 'bob.smith_2']) names.push(`${c}.pem`, `${c}-key.pem`, `${c}-keystore.pem`, `client-mtls-${c}.properties`);
    assert.deepEqual(result.files, names.map((n) => join(dir, n)));
    assert.deepEqual(readdirSync(dir).sort(), [...names].sort(), 'no temporary files are left');
    assert.equal(mode(dir), 0o700);
    for (const n of names) assert.equal(mode(join(dir, n)), n.endsWith('-key.pem') || n.endsWith('-keystore.pem') ? 0o600 : 0o644, n);
    assert.deepEqual(result.untouched, []);
    assert.deepEqual(result.broker.hosts, ['localhost', '127.0.0.1', '::1', 'broker.test']);
    assert.equal(result.notBefore.toISOString(), '2026-03-01T09:00:00.000Z', 'an hour back for clock skew');
    assert.equal(result.notAfter.toISOString(), '2026-03-31T10:00:00.000Z');

    const ca = new X509Certificate(read(result.ca.certificate));
    assert.equal(ca.ca, true);
    assert.match(ca.subject, /^O=sds development\nCN=sds development CA [0-9a-f]{8}$/);
    assert.equal(new Date(ca.validTo).toISOString(), result.notAfter.toISOString());
    const caKey = createPrivateKey(read(result.ca.key));
    assert.ok(createPublicKey(caKey).equals(ca.publicKey));
    assert.match(read(result.ca.key), /^-----BEGIN PRIVATE KEY-----\n/, 'PKCS#8, unencrypted');

    const brokerBlocks = blocks(read(result.broker.certificate));
    assert.equal(brokerBlocks.length, 2, 'the broker certificate, then the CA');
    assert.equal(brokerBlocks[1], read(result.ca.certificate));
    const broker = new X509Certificate(brokerBlocks[0] ?? '');
    assert.equal(broker.subject, 'CN=localhost');
    assert.equal(broker.subjectAltName, 'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, DNS:broker.test');
    assert.ok(broker.verify(ca.publicKey));
    assert.deepEqual(broker.keyUsage, ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    assert.ok(createPublicKey(read(result.broker.key)).equals(broker.publicKey));

    for (const client of result.clients) {
      assert.equal(client.principal, `User:CN=${client.name}`);
      const chain = blocks(read(client.certificate));
      const cert = new X509Certificate(chain[0] ?? '');
      assert.equal(cert.subject, `CN=${client.name}`);
      assert.equal(cert.subjectAltName, undefined);
      assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.2']);
      assert.ok(cert.verify(ca.publicKey));
      assert.equal(chain[1], read(result.ca.certificate));
      const keystore = blocks(read(client.keystore));
      assert.deepEqual(keystore, [read(client.key), ...chain], 'the PKCS#8 key, then the chain');
      assert.match(keystore[0] ?? '', /^-----BEGIN PRIVATE KEY-----/);
      assert.ok(createPublicKey(read(client.key)).equals(cert.publicKey));
      const props = read(client.properties);
      assert.match(props, /^# Written by `sds certs create`/);
      assert.match(props, new RegExp(`User:CN=${client.name.replace('.', '\\.')}`));
      const settings = props.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
      assert.deepEqual(settings, ['security.protocol=SSL', 'ssl.truststore.type=PEM', `ssl.truststore.location=${join(dir, 'ca.pem')}`, 'ssl.keystore.type=PEM', `ssl.keystore.location=${client.keystore}`]);
      assert.doesNotMatch(props, /password/, 'Kafka reads an unencrypted PEM keystore without ssl.key.password');
    }
    const ssl = read(result.sslProperties).split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    assert.deepEqual(ssl, ['security.protocol=SSL', 'ssl.truststore.type=PEM', `ssl.truststore.location=${join(dir, 'ca.pem')}`]);
  } finally {
    t.remove();
  }
});

test('defaults: localhost, 127.0.0.1, ::1 and the host name; one client named client; 825 days', () => {
  const hosts = defaultHosts();
  assert.deepEqual(hosts.slice(0, 3), ['localhost', '127.0.0.1', '::1']);
  if (isDnsName(hostname()) && hostname().toLowerCase() !== 'localhost') assert.equal(hosts[3], hostname());
  const t = tempDir();
  const cwd = process.cwd();
  try {
    process.chdir(t.dir);
    const now = new Date();
    const result = createDevCertificates({ now });
    assert.equal(result.dir, join(t.dir, '.sds', 'certs'));
    assert.deepEqual(result.clients.map((c) => c.name), ['client']);
    assert.deepEqual(result.broker.hosts, hosts);
    assert.equal(result.notAfter.getTime() - now.getTime(), 825 * 86_400_000);
  } finally {
    process.chdir(cwd);
    t.remove();
  }
});

test('hosts: repeats dropped (case, IPv6 spellings), bad ones refused', () => {
  assert.deepEqual(checkHosts(['localhost', 'LOCALHOST', '::1', '0:0::1', '127.0.0.1', '127.0.0.1']), ['localhost', '::1', '127.0.0.1']);
  assert.throws(() => checkHosts([]), isInvalid);
  for (const bad of ['bad_host', '256.1.1.1', 'fe80::1%eth0', '', 'host:9092', 'a..b']) assert.throws(() => checkHosts([bad]), isInvalid, bad);
});

test('bad options are refused before anything is written', () => {
  const t = tempDir();
  try {
    const dir = join(t.dir, 'out');
    const cases: [string, Parameters<typeof createDevCertificates>[0]][] = [
      ['no hosts', { hosts: [] }],
      ['bad host', { hosts: ['not a host'] }],
      ['path in a client name', { clients: ['../evil'] }],
      ['slash', { clients: ['a/b'] }],
      ['empty client', { clients: [''] }],
      ['leading dot', { clients: ['.hidden'] }],
      ['too long', { clients: ['x'.repeat(65)] }],
      ['space', { clients: ['a b'] }],
      ['a client named ca', { clients: ['ca'] }],
      ['a client named Broker (case-insensitive file systems)', { clients: ['Broker'] }],
      ['a client named broker-key', { clients: ['broker-key'] }],
      ['a repeated client', { clients: ['alice', 'alice'] }],
      ['x and x-key', { clients: ['x', 'x-key'] }],
      ['zero days', { days: 0 }],
      ['too many days', { days: 3651 }],
      ['fractional days', { days: 1.5 }],
      ['NaN days', { days: Number.NaN }],
      ['invalid now', { now: new Date('nope') }],
    ];
    for (const [why, options] of cases) {
      assert.throws(() => createDevCertificates({ dir, ...options }), isInvalid, why);
      assert.equal(existsSync(dir), false, why);
    }
    assert.equal(createDevCertificates({ dir, clients: ['x'.repeat(64)], days: 3650 }).clients[0]?.name.length, 64, 'the longest name and validity pass');
  } finally {
    t.remove();
  }
});

test('existing files: refused with their names unless force; force replaces everything with a new CA', () => {
  const t = tempDir();
  try {
    const first = createDevCertificates({ dir: t.dir, hosts: ['localhost'] });
    const before = new Map(first.files.map((f) => [f, read(f)]));
    writeFileSync(join(t.dir, 'old-client.pem'), 'from an earlier run');
    let message = '';
    assert.throws(
      () => createDevCertificates({ dir: t.dir, hosts: ['localhost'] }),
      (e: unknown) => {
        message = (e as Error).message;
        return codeOf('SDS_ERR_CERTS_EXISTS')(e);
      },
    );
    for (const f of first.files) assert.ok(message.includes(f), f);
    assert.match(message, /--force/);
    for (const [f, text] of before) assert.equal(read(f), text, `${f} is untouched`);
    // Only one of the files existing is enough to refuse.
    const other = join(t.dir, 'other');
    createDevCertificates({ dir: other, hosts: ['localhost'], clients: ['alice'] });
    rmSync(join(other, 'ca.pem'));
    assert.throws(() => createDevCertificates({ dir: other, hosts: ['localhost'], clients: ['alice'] }), codeOf('SDS_ERR_CERTS_EXISTS'));

    const second = createDevCertificates({ dir: t.dir, hosts: ['localhost'], force: true });
    assert.notEqual(read(second.ca.certificate), before.get(first.ca.certificate));
    assert.deepEqual(second.untouched, [join(t.dir, 'old-client.pem')]);
    assert.deepEqual(readdirSync(t.dir).filter((n) => n.endsWith('.tmp')), []);
  } finally {
    t.remove();
  }
});

test('a folder that cannot be created or written is SDS_ERR_CERTS_WRITE', () => {
  const t = tempDir();
  try {
    writeFileSync(join(t.dir, 'file'), 'x');
    assert.throws(() => createDevCertificates({ dir: join(t.dir, 'file', 'certs'), hosts: ['localhost'] }), codeOf('SDS_ERR_CERTS_WRITE'));
    assert.throws(() => createDevCertificates({ dir: join(t.dir, 'file'), hosts: ['localhost'] }), codeOf('SDS_ERR_CERTS_WRITE'));
  } finally {
    t.remove();
  }
});

test('validity reaching past 2049 works end to end (GeneralizedTime)', () => {
  const t = tempDir();
  try {
    const result = createDevCertificates({ dir: t.dir, hosts: ['localhost'], days: 825, now: new Date('2049-06-01T00:00:00Z') });
    const cert = new X509Certificate(read(result.broker.certificate));
    assert.equal(new Date(cert.validTo).toISOString(), '2051-09-04T00:00:00.000Z');
    assert.equal(new Date(cert.validFrom).toISOString(), '2049-05-31T23:00:00.000Z');
  } finally {
    t.remove();
  }
});

test('properties values: backslashes doubled, non-ASCII as \\u escapes, a leading space escaped', () => {
  assert.equal(propertyValue('/home/me/.sds/certs/ca.pem'), '/home/me/.sds/certs/ca.pem');
  assert.equal(propertyValue('C:\\Users\\me\\ca.pem'), 'C:\\\\Users\\\\me\\\\ca.pem');
  assert.equal(propertyValue('/tmp/zoë/ca.pem'), '/tmp/zo\\u00eb/ca.pem');
  assert.equal(propertyValue('/tmp/😀'), '/tmp/\\ud83d\\ude00');
  assert.equal(propertyValue(' lead'), '\\ lead');
  assert.equal(propertyValue('a=b:c'), 'a=b:c', 'separators only matter in keys');
});

// ---- real TLS handshakes with the files ----

interface Server {
  readonly port: number;
  readonly clientErrors: Error[];
  /** Subjects of the clients the server accepted (reached its connection handler). */
  readonly accepted: string[];
  close(): Promise<void>;
}

/** A mutual-TLS server as the broker runs one (clientAuth required): it answers with the client's CN. */
async function startServer(set: DevCertificates): Promise<Server> {
  const clientErrors: Error[] = [];
  const accepted: string[] = [];
  const server = createServer({ cert: read(set.broker.certificate), key: read(set.broker.key), ca: read(set.ca.certificate), requestCert: true, rejectUnauthorized: true }, (socket: TLSSocket) => {
    const peer = socket.getPeerX509Certificate();
    accepted.push(peer?.subject ?? '');
    socket.end(`authorized=${socket.authorized} subject=${peer?.subject ?? ''}\n`);
  });
  server.on('tlsClientError', (e: Error) => clientErrors.push(e));
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { port: address.port, clientErrors, accepted, close: () => new Promise((ok) => server.close(() => ok())) };
}

function exchange(port: number, options: ConnectionOptions): Promise<{ data: string; error?: Error; authorized: boolean }> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, ...options });
    let data = '';
    let error: Error | undefined;
    let authorized = false;
    socket.setEncoding('utf8');
    socket.on('secureConnect', () => (authorized = socket.authorized));
    socket.on('data', (chunk: string) => (data += chunk));
    socket.on('error', (e: Error) => (error = e));
    socket.on('close', () => resolve({ data, authorized, ...(error !== undefined ? { error } : {}) }));
  });
}

test('TLS: a client trusting ca.pem with its certificate gets through; the server sees CN=alice; strangers are refused', async () => {
  const t = tempDir();
  try {
    const set = createDevCertificates({ dir: join(t.dir, 'good'), hosts: ['localhost', '127.0.0.1'], clients: ['alice'] });
    const stranger = createDevCertificates({ dir: join(t.dir, 'other'), hosts: ['localhost'], clients: ['mallory'] });
    const server = await startServer(set);
    try {
      const alice = set.clients[0];
      assert.ok(alice !== undefined);
      const ca = read(set.ca.certificate);
      // By IP address (the IP SAN), and by name (the DNS SAN), with the certificate and key files.
      for (const extra of [{}, { servername: 'localhost' }]) {
        const ok = await exchange(server.port, { ca, cert: read(alice.certificate), key: read(alice.key), ...extra });
        assert.equal(ok.error, undefined, ok.error?.message);
        assert.equal(ok.authorized, true, 'the broker certificate is trusted and matches the host');
        assert.equal(ok.data, 'authorized=true subject=CN=alice\n');
      }
      // The single-file keystore serves as both certificate and key.
      const keystore = read(alice.keystore);
      const fromKeystore = await exchange(server.port, { ca, cert: keystore, key: keystore, servername: 'localhost' });
      assert.equal(fromKeystore.data, 'authorized=true subject=CN=alice\n');
      // The broker's own certificate is also a client certificate.
      const asBroker = await exchange(server.port, { ca, cert: read(set.broker.certificate), key: read(set.broker.key) });
      assert.equal(asBroker.data, 'authorized=true subject=CN=localhost\n');
      assert.deepEqual(server.clientErrors, []);

      const mallory = stranger.clients[0];
      assert.ok(mallory !== undefined);
      const refused = await exchange(server.port, { ca, cert: read(mallory.certificate), key: read(mallory.key) });
      assert.equal(refused.data, '', 'a certificate from another CA gets nothing');
      const anonymous = await exchange(server.port, { ca });
      assert.equal(anonymous.data, '', 'no certificate gets nothing');
      assert.equal(server.clientErrors.length, 2, server.clientErrors.map(String).join('; '));
      assert.equal(server.accepted.length, 4, 'neither reached the connection handler');

      const distrust = await exchange(server.port, { ca: read(stranger.ca.certificate), cert: read(alice.certificate), key: read(alice.key) });
      assert.match(distrust.error?.message ?? '', /certificate|verify/i, 'a client that trusts another CA refuses the broker');
      const wrongName = await exchange(server.port, { ca, cert: read(alice.certificate), key: read(alice.key), servername: 'elsewhere.example' });
      assert.match(wrongName.error?.message ?? '', /altnames|Hostname/i, 'host names outside the certificate are refused');
    } finally {
      await server.close();
    }
  } finally {
    t.remove();
  }
});

// ---- Apache Kafka's own PEM keystore loader, when Java and kafka-clients are at hand ----

const m2 = join(homedir(), '.m2', 'repository');
const kafkaJar = join(m2, 'org/apache/kafka/kafka-clients/4.1.1/kafka-clients-4.1.1.jar');
function slf4jJar(): string | undefined {
  const base = join(m2, 'org/slf4j/slf4j-api');
  if (!existsSync(base)) return undefined;
  for (const version of readdirSync(base).sort().reverse()) {
    const jar = join(base, version, `slf4j-api-${version}.jar`);
    if (existsSync(jar)) return jar;
  }
  return undefined;
}
const javaOk = spawnSync('java', ['-version'], { encoding: 'utf8' }).status === 0;
const slf4j = slf4jJar();
const noJava = !javaOk ? 'java is not installed' : !existsSync(kafkaJar) ? `Apache Kafka's client jar is not in the local Maven repository (${kafkaJar})` : slf4j === undefined ? 'slf4j-api is not in the local Maven repository' : false;

/** Loads a client properties file with Kafka's DefaultSslEngineFactory and handshakes with endpoint identification on. */
const JAVA_CHECK = `
import java.io.*;
import java.util.*;
import javax.net.ssl.*;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.security.ssl.DefaultSslEngineFactory;

public class KafkaPemCheck {
  public static void main(String[] args) throws Exception {
    Properties props = new Properties();
    try (InputStream in = new FileInputStream(args[0])) { props.load(in); }
    props.put("bootstrap.servers", "127.0.0.1:" + args[1]);
    props.put("key.serializer", "org.apache.kafka.common.serialization.ByteArraySerializer");
    props.put("value.serializer", "org.apache.kafka.common.serialization.ByteArraySerializer");
    DefaultSslEngineFactory factory = new DefaultSslEngineFactory();
    factory.configure(new ProducerConfig(props).values());
    SSLSocket socket = (SSLSocket) factory.sslContext().getSocketFactory().createSocket("127.0.0.1", Integer.parseInt(args[1]));
    SSLParameters params = socket.getSSLParameters();
    params.setEndpointIdentificationAlgorithm("HTTPS");
    socket.setSSLParameters(params);
    socket.startHandshake();
    System.out.println("broker " + socket.getSession().getPeerPrincipal().getName());
    BufferedReader reader = new BufferedReader(new InputStreamReader(socket.getInputStream(), "UTF-8"));
    System.out.println("reply " + reader.readLine());
    socket.close();
  }
}
`;

test("Apache Kafka's PEM keystore loads the client files without ssl.key.password and completes mutual TLS", { skip: noJava, timeout: 120_000 }, async () => {
  const t = tempDir();
  try {
    const set = createDevCertificates({ dir: t.dir, hosts: ['localhost', '127.0.0.1'], clients: ['alice'] });
    const server = await startServer(set);
    try {
      const source = join(t.dir, 'KafkaPemCheck.java');
      writeFileSync(source, JAVA_CHECK);
      const classpath = [kafkaJar, slf4j as string].join(process.platform === 'win32' ? ';' : ':');
      const run = (properties: string): Promise<{ code: number | null; out: string }> =>
        new Promise((resolve) => {
          // spawn, not spawnSync: the TLS server above runs on this event loop.
          const child = spawn('java', ['-cp', classpath, source, properties, String(server.port)], { stdio: ['ignore', 'pipe', 'pipe'] });
          let out = '';
          child.stdout.on('data', (c: Buffer) => (out += c.toString()));
          child.stderr.on('data', (c: Buffer) => (out += c.toString()));
          child.on('error', (e: Error) => (out += e.message));
          child.on('close', (code) => resolve({ code, out }));
        });
      const alice = set.clients[0];
      assert.ok(alice !== undefined);
      const mtls = await run(alice.properties);
      assert.equal(mtls.code, 0, mtls.out);
      assert.match(mtls.out, /broker CN=localhost/);
      assert.match(mtls.out, /reply authorized=true subject=CN=alice/);
      // Without a keystore the server (clientAuth required) refuses: the keystore above was what got through.
      const tlsOnly = await run(set.sslProperties);
      assert.doesNotMatch(tlsOnly.out, /reply authorized=true/);
    } finally {
      await server.close();
    }
  } finally {
    t.remove();
  }
});
