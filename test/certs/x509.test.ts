import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, generateKeyPairSync, X509Certificate, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readChildren, readTlv } from '../../src/certs/der.ts';
import { createCertificate, encodeName, ipAddressBytes, isDnsName, keyIdentifier, parseHost, randomSerialNumber, toPem, type CertificateOptions, type DistinguishedName } from '../../src/certs/x509.ts';

const isInvalid = (e: unknown): boolean => (e as { code?: string }).code === 'SDS_ERR_CERTS_INVALID';
const p256 = (): { publicKey: KeyObject; privateKey: KeyObject } => generateKeyPairSync('ec', { namedCurve: 'P-256' });

const caKeys = p256();
const leafKeys = p256();
const caName: DistinguishedName = { commonName: 'Test CA', organization: 'sds tests' };
const notBefore = new Date('2025-01-01T00:00:00Z');
const notAfter = new Date('2027-01-01T00:00:00Z');
const caDer = createCertificate({ subject: caName, publicKey: caKeys.publicKey, issuer: caName, issuerKey: caKeys.privateKey, notBefore, notAfter, ca: true });
const leafOptions: CertificateOptions = {
  subject: { commonName: 'localhost' },
  publicKey: leafKeys.publicKey,
  issuer: caName,
  issuerKey: caKeys.privateKey,
  notBefore,
  notAfter,
  extendedKeyUsage: ['serverAuth', 'clientAuth'],
  altNames: ['localhost', 'broker.example.com', '*.svc.example.com', '127.0.0.1', '::1', '2001:db8::42'],
};
const leafDer = createCertificate(leafOptions);

test('a CA and a broker certificate that Node parses: names, validity, CA flag, SANs, signature', () => {
  const ca = new X509Certificate(caDer);
  const leaf = new X509Certificate(leafDer);
  assert.equal(ca.subject, 'O=sds tests\nCN=Test CA');
  assert.equal(ca.issuer, ca.subject);
  assert.equal(ca.ca, true);
  assert.equal(leaf.ca, false);
  assert.equal(leaf.subject, 'CN=localhost');
  assert.equal(leaf.issuer, 'O=sds tests\nCN=Test CA');
  assert.equal(new Date(leaf.validFrom).toISOString(), notBefore.toISOString());
  assert.equal(new Date(leaf.validTo).toISOString(), notAfter.toISOString());
  assert.equal(leaf.subjectAltName, 'DNS:localhost, DNS:broker.example.com, DNS:*.svc.example.com, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, IP Address:2001:DB8:0:0:0:0:0:42');
  assert.deepEqual(leaf.keyUsage, ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2'], 'Node reports the extended key usages here');
  assert.ok(ca.verify(caKeys.publicKey), 'self-signed');
  assert.ok(leaf.verify(caKeys.publicKey));
  assert.ok(!leaf.verify(leafKeys.publicKey), 'not signed by its own key');
  assert.ok(!leaf.verify(p256().publicKey));
  assert.ok(leaf.checkIssued(ca));
  assert.equal(leaf.checkHost('localhost'), 'localhost');
  assert.equal(leaf.checkHost('broker.example.com'), 'broker.example.com');
  assert.equal(leaf.checkHost('a.svc.example.com'), '*.svc.example.com', 'the wildcard name matched');
  assert.equal(leaf.checkHost('other.example.com'), undefined);
  assert.equal(leaf.checkIP('127.0.0.1'), '127.0.0.1');
  assert.equal(leaf.checkIP('::1'), '::1');
  assert.equal(leaf.checkIP('2001:db8:0::42'), '2001:db8:0::42');
  assert.equal(leaf.checkIP('127.0.0.2'), undefined);
  assert.ok(leaf.publicKey.equals(leafKeys.publicKey));
  assert.equal(ca.subjectAltName, undefined);
});

test('the DER is canonical where it matters: v3, a 16-octet positive serial, ecdsa-with-SHA256, key identifiers', () => {
  const cert = readChildren(readTlv(leafDer).content);
  assert.equal(cert.length, 3);
  const tbs = readChildren(cert[0]?.content ?? Buffer.alloc(0));
  assert.equal(Buffer.from(tbs[0]?.content ?? []).toString('hex'), '020102', '[0] EXPLICIT INTEGER 2');
  const serial = tbs[1]?.content ?? Buffer.alloc(0);
  assert.equal(serial.length, 16);
  assert.equal((serial[0] ?? 0) & 0xc0, 0x40, 'high bit clear, next set: positive and never shortened');
  assert.equal(new X509Certificate(leafDer).serialNumber.length, 32);
  assert.equal(Buffer.from(tbs[2]?.content ?? []).toString('hex'), '06082a8648ce3d040302');
  assert.deepEqual(cert[1]?.content, tbs[2]?.content, 'the outer algorithm repeats the inner one');
  assert.equal(new X509Certificate(leafDer).raw.equals(leafDer), true);
  // Method (1) of RFC 5280 4.2.1.2, computed here from the JWK point instead of the SPKI.
  const jwk = leafKeys.publicKey.export({ format: 'jwk' });
  const point = Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x ?? '', 'base64url'), Buffer.from(jwk.y ?? '', 'base64url')]);
  assert.deepEqual(keyIdentifier(leafKeys.publicKey), createHash('sha1').update(point).digest());
  assert.ok(Array.from({ length: 3 }, randomSerialNumber).every((s) => s.length === 16));
  assert.notDeepEqual(randomSerialNumber(), randomSerialNumber());
});

test('validity after 2049 is written as GeneralizedTime and still parses', () => {
  const until = new Date('2051-06-01T12:00:00Z');
  const der = createCertificate({ ...leafOptions, notAfter: until });
  assert.equal(new Date(new X509Certificate(der).validTo).toISOString(), until.toISOString());
  const tbs = readChildren(readChildren(readTlv(der).content)[0]?.content ?? Buffer.alloc(0));
  const validity = readChildren(tbs[4]?.content ?? Buffer.alloc(0));
  assert.deepEqual(validity.map((t) => t.tag), [0x17, 0x18], 'UTCTime for 2025, GeneralizedTime for 2051');
});

test('PEM: 64-character base64 lines between the labels', () => {
  const pem = toPem('CERTIFICATE', leafDer);
  const lines = pem.trimEnd().split('\n');
  assert.equal(lines[0], '-----BEGIN CERTIFICATE-----');
  assert.equal(lines[lines.length - 1], '-----END CERTIFICATE-----');
  assert.ok(lines.slice(1, -2).every((l) => l.length === 64));
  assert.ok((lines[lines.length - 2] ?? '').length <= 64);
  assert.equal(new X509Certificate(pem).fingerprint256, new X509Certificate(leafDer).fingerprint256);
  assert.equal(toPem('X', Buffer.alloc(48)).split('\n')[1]?.length, 64, 'exactly one full line, no empty line after it');
  assert.equal(toPem('X', Buffer.alloc(48)).split('\n').length, 4);
});

test('host names: DNS names and IPv4/IPv6 addresses, anything else refused', () => {
  for (const ok of ['localhost', 'a', 'broker-1.example.com', '*.example.com', 'xn--bcher-kva.example', 'a1.b2', `${'a'.repeat(63)}.com`, `${'a.'.repeat(125)}abc`]) assert.ok(isDnsName(ok), ok);
  for (const bad of ['', '-a.com', 'a-.com', 'a_b.com', 'a..b', '.a', 'a.', '*', '*.', 'a.*.com', '**.a.com', 'a b', 'é.com', '256.1.1.1', '1.2.3', `${'a'.repeat(64)}.com`, `${'a.'.repeat(126)}abc`]) {
    assert.ok(!isDnsName(bad), bad);
  }
  const ip = (t: string): string | undefined => ipAddressBytes(t)?.toString('hex');
  assert.equal(ip('127.0.0.1'), '7f000001');
  assert.equal(ip('255.255.255.255'), 'ffffffff');
  assert.equal(ip('::'), '0'.repeat(32));
  assert.equal(ip('::1'), `${'0'.repeat(30)}01`);
  assert.equal(ip('1::'), `0001${'0'.repeat(28)}`);
  assert.equal(ip('1:2:3:4:5:6:7:8'), '00010002000300040005000600070008');
  assert.equal(ip('1:2:3:4:5:6:7::'), '00010002000300040005000600070000');
  assert.equal(ip('FE80::Ab:1'), `fe80${'0'.repeat(20)}00ab0001`);
  assert.equal(ip('::ffff:10.0.0.1'), `${'0'.repeat(20)}ffff0a000001`);
  assert.equal(ip('1:2:3:4:5:6:1.2.3.4'), '00010002000300040005000601020304');
  for (const bad of ['256.1.1.1', '1.2.3', '01.2.3.4', '1.2.3.4.5', '1:2:3:4:5:6:7:8:9', '1::2::3', '12345::', ':1', '1:2:3:4:5:6:7', 'fe80::1%eth0', '::1.2.3.256', 'g::1', 'localhost', '']) {
    assert.equal(ipAddressBytes(bad), undefined, bad);
  }
  assert.deepEqual(parseHost('localhost'), { kind: 'dns', name: 'localhost' });
  assert.equal(parseHost('::1').kind, 'ip');
  for (const bad of ['bad_host', '256.1.1.1', 'fe80::1%eth0', '', 'a b', 'https://x']) assert.throws(() => parseHost(bad), isInvalid, bad);
});

test('names: O then CN as UTF8String; empty or overlong values refused', () => {
  const name = encodeName({ commonName: 'Zoë', organization: 'Org' });
  const rdns = readChildren(readTlv(name).content);
  assert.equal(rdns.length, 2);
  assert.equal(Buffer.from(readChildren(readChildren(rdns[1]?.content ?? Buffer.alloc(0))[0]?.content ?? Buffer.alloc(0))[1]?.content ?? []).toString('utf8'), 'Zoë');
  assert.equal(encodeName({ commonName: 'x'.repeat(64) }).length > 64, true);
  for (const bad of [{ commonName: '' }, { commonName: 'x'.repeat(65) }, { commonName: 'ok', organization: '' }, { commonName: 'ok', organization: 'o'.repeat(65) }]) {
    assert.throws(() => encodeName(bad), isInvalid, JSON.stringify(bad));
  }
});

test('bad certificate options are refused with SDS_ERR_CERTS_INVALID', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const cases: [string, Partial<CertificateOptions>][] = [
    ['RSA subject key', { publicKey: rsa.publicKey }],
    ['P-384 subject key', { publicKey: p384.publicKey }],
    ['private key as the subject key', { publicKey: leafKeys.privateKey }],
    ['RSA issuer key', { issuerKey: rsa.privateKey }],
    ['public key as the issuer key', { issuerKey: caKeys.publicKey }],
    ['notAfter before notBefore', { notAfter: new Date('2024-01-01T00:00:00Z') }],
    ['notAfter equal to notBefore', { notAfter: notBefore }],
    ['invalid date', { notBefore: new Date('nope') }],
    ['serial too long', { serialNumber: Buffer.alloc(21, 1) }],
    ['serial empty', { serialNumber: Buffer.alloc(0) }],
    ['serial zero', { serialNumber: Buffer.alloc(4) }],
    ['bad alt name', { altNames: ['under_score.example'] }],
    ['unknown usage', { extendedKeyUsage: ['codeSigning' as 'serverAuth'] }],
    ['empty CN', { subject: { commonName: '' } }],
  ];
  for (const [why, change] of cases) assert.throws(() => createCertificate({ ...leafOptions, ...change }), isInvalid, why);
  const der = createCertificate({ ...leafOptions, serialNumber: Buffer.from([0, 0, 0x80]) });
  const serial = readChildren(readChildren(readTlv(der).content)[0]?.content ?? Buffer.alloc(0))[1];
  assert.equal(Buffer.from(serial?.content ?? []).toString('hex'), '0080', 'leading zeros dropped, one put back for the high bit');
  assert.equal(new X509Certificate(der).serialNumber, '80');
});

const openssl = spawnSync('openssl', ['version'], { encoding: 'utf8' });
const noOpenssl = openssl.status === 0 ? false : 'openssl is not installed (the openssl command could not be run)';

test('openssl prints the extensions and verifies the chain and purposes', { skip: noOpenssl }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'sds-x509-'));
  try {
    const clientDer = createCertificate({ ...leafOptions, subject: { commonName: 'alice' }, extendedKeyUsage: ['clientAuth'], altNames: [] });
    writeFileSync(join(dir, 'ca.pem'), toPem('CERTIFICATE', caDer));
    writeFileSync(join(dir, 'broker.pem'), toPem('CERTIFICATE', leafDer));
    writeFileSync(join(dir, 'client.pem'), toPem('CERTIFICATE', clientDer));
    const run = (...args: string[]): { status: number | null; out: string } => {
      const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
      return { status: r.status, out: r.stdout + r.stderr };
    };
    const text = run('x509', '-noout', '-text', '-in', 'broker.pem');
    assert.equal(text.status, 0, text.out);
    for (const expected of [
      /Version: 3 \(0x2\)/,
      /Signature Algorithm: ecdsa-with-SHA256/,
      /Issuer: O ?= ?sds tests, CN ?= ?Test CA/,
      /Subject: CN ?= ?localhost/,
      /NIST CURVE: P-256/,
      /Basic Constraints: critical\s+CA:FALSE/,
      /Key Usage: critical\s+Digital Signature\n/,
      /Extended Key Usage: ?\s+TLS Web Server Authentication, TLS Web Client Authentication/,
      /DNS:localhost, DNS:broker\.example\.com, DNS:\*\.svc\.example\.com, IP Address:127\.0\.0\.1, IP Address:0:0:0:0:0:0:0:1, IP Address:2001:DB8:0:0:0:0:0:42/,
      /Subject Key Identifier/,
      /Authority Key Identifier/,
    ]) {
      assert.match(text.out, expected);
    }
    const caText = run('x509', '-noout', '-text', '-in', 'ca.pem');
    assert.match(caText.out, /Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
    assert.match(caText.out, /Key Usage: critical\s+Certificate Sign, CRL Sign/);
    for (const args of [
      ['-purpose', 'sslserver', 'broker.pem'],
      ['-purpose', 'sslclient', 'broker.pem'],
      ['-purpose', 'sslclient', 'client.pem'],
      ['-x509_strict', 'broker.pem'],
    ]) {
      const ok = run('verify', '-CAfile', 'ca.pem', ...args);
      assert.equal(ok.status, 0, `${args.join(' ')}: ${ok.out}`);
      assert.match(ok.out, /: OK/);
    }
    assert.notEqual(run('verify', '-CAfile', 'ca.pem', '-purpose', 'sslserver', 'client.pem').status, 0, 'a client certificate is not a server certificate');
    assert.notEqual(run('verify', '-CAfile', 'broker.pem', 'client.pem').status, 0, 'the broker certificate is not a CA');
    const parsed = run('asn1parse', '-in', 'broker.pem');
    assert.equal(parsed.status, 0, parsed.out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
