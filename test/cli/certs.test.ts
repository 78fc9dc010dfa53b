import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSds } from '../support/sds-cli.ts';
import { isDnsName } from '../../src/certs/x509.ts';

function tempDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'sds-certs-cli-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

const mode = (path: string): number => statSync(path).mode & 0o777;
const leaf = (path: string): X509Certificate => new X509Certificate(readFileSync(path, 'utf8'));

test('sds certs create writes the set, prints the broker config and the client properties, refuses to overwrite, and --force replaces', async () => {
  const t = tempDir();
  try {
    const dir = join(t.dir, 'certs');
    const result = await runSds(['certs', 'create', '--dir', dir]);
    assert.equal(result.code, 0, result.stderr);
    const files = ['ca.pem', 'ca-key.pem', 'broker.pem', 'broker-key.pem', 'client-ssl.properties', 'client.pem', 'client-key.pem', 'client-keystore.pem', 'client-mtls-client.properties'];
    assert.deepEqual(readdirSync(dir).sort(), [...files].sort());
    assert.equal(mode(dir), 0o700);
    for (const key of ['ca-key.pem', 'broker-key.pem', 'client-key.pem', 'client-keystore.pem']) assert.equal(mode(join(dir, key)), 0o600, key);
    for (const open of ['ca.pem', 'broker.pem', 'client.pem', 'client-ssl.properties', 'client-mtls-client.properties']) assert.equal(mode(join(dir, open)) & 0o622, 0o600, `${open}: readable by its owner, writable by nobody else`);

    const expectedHosts = ['localhost', '127.0.0.1', '::1', ...(isDnsName(hostname()) && hostname().toLowerCase() !== 'localhost' ? [hostname()] : [])];
    const broker = leaf(join(dir, 'broker.pem'));
    for (const h of expectedHosts) assert.ok(isIP(h) !== 0 ? broker.checkIP(h) !== undefined : broker.checkHost(h) !== undefined, h);
    assert.equal(leaf(join(dir, 'client.pem')).subject, 'CN=client');

    assert.match(result.stdout, new RegExp(`tls: \\{ certificate: ${join(dir, 'broker.pem')}, key: ${join(dir, 'broker-key.pem')}, ca: ${join(dir, 'ca.pem')} \\}`));
    assert.match(result.stdout, /listeners: \[PLAINTEXT:\/\/127\.0\.0\.1:9092, SSL:\/\/127\.0\.0\.1:9094\]/);
    assert.match(result.stdout, /clientAuth: required/);
    assert.match(result.stdout, /User:CN=client/);
    assert.ok(result.stdout.includes(join(dir, 'client-ssl.properties')));
    assert.ok(result.stdout.includes(join(dir, 'client-mtls-client.properties')));
    assert.match(result.stdout, /ssl\.keystore\.type=PEM/);
    assert.match(readFileSync(join(dir, 'client-mtls-client.properties'), 'utf8'), new RegExp(`ssl\\.keystore\\.location=${join(dir, 'client-keystore.pem')}`));

    const caBefore = readFileSync(join(dir, 'ca.pem'), 'utf8');
    const again = await runSds(['certs', 'create', '--dir', dir]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /these files exist already: .*ca\.pem.*broker-key\.pem.*client-keystore\.pem.*--force.*SDS_ERR_CERTS_EXISTS/s);
    assert.equal(readFileSync(join(dir, 'ca.pem'), 'utf8'), caBefore, 'nothing was overwritten');

    writeFileSync(join(dir, 'old.pem'), 'stale');
    const forced = await runSds(['certs', 'create', '--dir', dir, '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.notEqual(readFileSync(join(dir, 'ca.pem'), 'utf8'), caBefore, 'a new CA');
    assert.match(forced.stdout, /did not write.*old\.pem/);
    assert.ok(leaf(join(dir, 'client.pem')).verify(leaf(join(dir, 'ca.pem')).publicKey), 'the client certificate is from the new CA');
  } finally {
    t.remove();
  }
});

test('sds certs create --host, --client (repeatable), --days and --json', async () => {
  const t = tempDir();
  try {
    const dir = join(t.dir, 'c');
    const result = await runSds(['certs', 'create', '--dir', dir, '--host', 'kafka.internal', '--host', '10.0.0.5', '--host', 'fd00::5', '--client', 'alice', '--client', 'bob', '--days', '30', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const out = JSON.parse(result.stdout) as { dir: string; files: string[]; broker: { hosts: string[] }; clients: { name: string; principal: string; properties: string }[]; notBefore: string; notAfter: string };
    assert.equal(out.dir, dir);
    assert.deepEqual(out.broker.hosts, ['kafka.internal', '10.0.0.5', 'fd00::5']);
    assert.deepEqual(out.clients.map((c) => [c.name, c.principal]), [['alice', 'User:CN=alice'], ['bob', 'User:CN=bob']]);
    assert.equal(out.files.length, 5 + 2 * 4);
    const broker = leaf(join(dir, 'broker.pem'));
    assert.equal(broker.subjectAltName, 'DNS:kafka.internal, IP Address:10.0.0.5, IP Address:FD00:0:0:0:0:0:0:5');
    assert.equal(broker.subject, 'CN=kafka.internal');
    assert.equal(broker.checkHost('localhost'), undefined, '--host replaces the defaults');
    assert.equal(Date.parse(out.notAfter) - Date.parse(out.notBefore), 30 * 86_400_000 + 3_600_000);
    assert.equal(new Date(broker.validTo).getTime(), Math.floor(Date.parse(out.notAfter) / 1000) * 1000);
    for (const name of ['alice', 'bob']) {
      assert.equal(leaf(join(dir, `${name}.pem`)).subject, `CN=${name}`);
      assert.equal(mode(join(dir, `${name}-keystore.pem`)), 0o600);
      assert.match(readFileSync(join(dir, `client-mtls-${name}.properties`), 'utf8'), /ssl\.keystore\.type=PEM/);
    }
  } finally {
    t.remove();
  }
});

test('sds certs create: bad --client, --host and --days are usage errors (exit 2); names that collide and unwritable folders exit 1', async () => {
  const t = tempDir();
  try {
    const dir = join(t.dir, 'never');
    const usage: string[][] = [
      ['--client', '../x'],
      ['--client', 'a/b'],
      ['--client', ''],
      ['--client', '-dash'],
      ['--client', 'x'.repeat(65)],
      ['--host', 'bad_host'],
      ['--host', '256.1.1.1'],
      ['--host', 'fe80::1%eth0'],
      ['--host', ''],
      ['--host', 'localhost:9092'],
      ['--days', '0'],
      ['--days', '3651'],
      ['--days', 'abc'],
      ['--days', '1.5'],
      ['--days', '-1'],
      ['--days', ''],
      ['--client'],
      ['--frobnicate'],
    ];
    const results = await Promise.all(usage.map((args) => runSds(['certs', 'create', '--dir', dir, ...args])));
    usage.forEach((args, i) => {
      const r = results[i];
      assert.equal(r?.code, 2, `${args.join(' ')}: ${r?.stderr ?? ''}`);
      assert.ok((r?.stderr ?? '').length > 0, args.join(' '));
    });
    assert.match(results[0]?.stderr ?? '', /client name "\.\.\/x" is not usable/);
    assert.match(results[5]?.stderr ?? '', /"bad_host" is neither a DNS name/);
    assert.match(results[10]?.stderr ?? '', /from 1 to 3650/);
    assert.deepEqual(readdirSync(t.dir), [], 'nothing was written');

    for (const args of [['--client', 'ca'], ['--client', 'alice', '--client', 'alice'], ['--client', 'x', '--client', 'x-key']]) {
      const r = await runSds(['certs', 'create', '--dir', dir, ...args]);
      assert.equal(r.code, 1, args.join(' '));
      assert.match(r.stderr, /two files would be named .*SDS_ERR_CERTS_INVALID/);
    }
    writeFileSync(join(t.dir, 'a-file'), 'x');
    const unwritable = await runSds(['certs', 'create', '--dir', join(t.dir, 'a-file', 'certs')]);
    assert.equal(unwritable.code, 1);
    assert.match(unwritable.stderr, /cannot create .*SDS_ERR_CERTS_WRITE/);
    assert.deepEqual(readdirSync(t.dir), ['a-file']);
    const help = await runSds(['certs', 'create', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--host <host>.*repeatable/s);
  } finally {
    t.remove();
  }
});
