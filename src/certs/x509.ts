/**
 * An X.509 v3 certificate builder (RFC 5280) for ECDSA P-256 keys signed with
 * ecdsa-with-SHA256: the key type and algorithm that Java 17, OpenSSL, Python's ssl and
 * Node all accept. Node's crypto makes keys and signatures; this module writes the
 * TBSCertificate around them with der.ts.
 */
import { createHash, createPublicKey, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import { SdsError } from '../errors.ts';
import { bitString, boolean, explicit, ia5String, implicit, integer, namedBits, octetString, oid, readChildren, readTlv, sequence, setOf, TAG, time, utf8String } from './der.ts';

/** Options that cannot make a certificate (a bad host name, key type or validity). */
export class CertificateOptionsError extends SdsError {
  constructor(message: string) {
    super('SDS_ERR_CERTS_INVALID', message);
  }
}

export const OIDS = {
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;

const EKU: Readonly<Record<ExtendedKeyUsage, string>> = { serverAuth: OIDS.serverAuth, clientAuth: OIDS.clientAuth };

/** keyUsage bit numbers (RFC 5280 4.2.1.3). */
const KEY_USAGE = { digitalSignature: 0, keyCertSign: 5, cRLSign: 6 } as const;

/** ub-common-name and ub-organization-name (RFC 5280 appendix A.1). */
const MAX_NAME_LENGTH = 64;

export interface DistinguishedName {
  readonly commonName: string;
  readonly organization?: string;
}

export type ExtendedKeyUsage = 'serverAuth' | 'clientAuth';

export interface CertificateOptions {
  readonly subject: DistinguishedName;
  /** The certified public key: ECDSA P-256. */
  readonly publicKey: KeyObject;
  readonly issuer: DistinguishedName;
  /** The issuer's private key (ECDSA P-256), which signs; the subject's own for a self-signed CA. */
  readonly issuerKey: KeyObject;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** A CA certificate: basicConstraints cA with path length 0, keyUsage keyCertSign and cRLSign. */
  readonly ca?: boolean;
  readonly extendedKeyUsage?: readonly ExtendedKeyUsage[];
  /** subjectAltName entries: DNS names and IPv4/IPv6 addresses. */
  readonly altNames?: readonly string[];
  /** Unsigned big-endian serial; default 16 random octets. */
  readonly serialNumber?: Uint8Array;
}

export type HostName = { readonly kind: 'dns'; readonly name: string } | { readonly kind: 'ip'; readonly address: Buffer; readonly text: string };

const DNS_LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;

/** A host name as certificates carry it: LDH labels, an optional leading `*` label, a non-numeric last label. */
export function isDnsName(name: string): boolean {
  if (name.length === 0 || name.length > 253) return false;
  const labels = name.split('.');
  const last = labels[labels.length - 1] as string;
  // An all-digit last label is a mistyped IPv4 address (256.1.1.1), never a real top-level domain.
  if (/^\d+$/.test(last)) return false;
  return labels.every((label, i) => (i === 0 && label === '*' && labels.length > 1) || DNS_LABEL.test(label));
}

/** The 4 or 16 octets of an IP address, or undefined for text that is not one (zone ids are refused). */
export function ipAddressBytes(text: string): Buffer | undefined {
  if (isIPv4(text)) return ipv4Bytes(text);
  if (isIPv6(text) && !text.includes('%')) return ipv6Bytes(text);
  return undefined;
}

function ipv4Bytes(text: string): Buffer | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255)) return undefined;
  return Buffer.from(parts.map(Number));
}

/** RFC 4291 2.2 text: eight hex groups, one `::` for a run of zero groups, an optional dotted IPv4 tail. */
function ipv6Bytes(text: string): Buffer | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (part: string, mayEndInV4: boolean): number[] | undefined => {
    if (part === '') return [];
    const words: number[] = [];
    const pieces = part.split(':');
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i] as string;
      if (mayEndInV4 && i === pieces.length - 1 && piece.includes('.')) {
        const v4 = ipv4Bytes(piece);
        if (v4 === undefined) return undefined;
        words.push(v4.readUInt16BE(0), v4.readUInt16BE(2));
      } else if (/^[0-9A-Fa-f]{1,4}$/.test(piece)) {
        words.push(parseInt(piece, 16));
      } else {
        return undefined;
      }
    }
    return words;
  };
  const head = groupsOf(halves[0] as string, halves.length === 1);
  const tail = halves.length === 2 ? groupsOf(halves[1] as string, true) : [];
  if (head === undefined || tail === undefined) return undefined;
  const explicitCount = head.length + tail.length;
  if (halves.length === 1 ? explicitCount !== 8 : explicitCount > 7) return undefined;
  const words = [...head, ...new Array<number>(8 - explicitCount).fill(0), ...tail];
  const out = Buffer.alloc(16);
  words.forEach((w, i) => out.writeUInt16BE(w, i * 2));
  return out;
}

/** Classifies a subjectAltName entry, refusing anything that is neither an IP address nor a DNS name. */
export function parseHost(host: string): HostName {
  const address = ipAddressBytes(host);
  if (address !== undefined) return { kind: 'ip', address, text: host };
  if (isDnsName(host)) return { kind: 'dns', name: host };
  throw new CertificateOptionsError(`${JSON.stringify(host)} is neither a DNS name (letters, digits, hyphens, dots; at most 253 characters) nor an IPv4 or IPv6 address`);
}

function checkName(what: string, value: string): void {
  if (value.length === 0 || value.length > MAX_NAME_LENGTH) throw new CertificateOptionsError(`${what} must be 1-${MAX_NAME_LENGTH} characters, got ${value.length}`);
}

/** Name: RDNs least specific first (O, then CN), one attribute each, values as UTF8String (RFC 5280 4.1.2.6). */
export function encodeName(dn: DistinguishedName): Buffer {
  checkName('a common name', dn.commonName);
  const rdns: Buffer[] = [];
  if (dn.organization !== undefined) {
    checkName('an organization name', dn.organization);
    rdns.push(setOf(sequence(oid(OIDS.organization), utf8String(dn.organization))));
  }
  rdns.push(setOf(sequence(oid(OIDS.commonName), utf8String(dn.commonName))));
  return sequence(...rdns);
}

function checkP256(key: KeyObject, type: 'public' | 'private', role: string): void {
  if (key.type !== type || key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new CertificateOptionsError(`${role} must be an ECDSA P-256 ${type} key`);
  }
}

/** SubjectPublicKeyInfo exactly as Node writes it (algorithm id, curve, point). */
export function subjectPublicKeyInfo(publicKey: KeyObject): Buffer {
  return publicKey.export({ type: 'spki', format: 'der' });
}

/**
 * Key identifier, RFC 5280 4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING's
 * value, without tag, length and unused-bits octet.
 */
export function keyIdentifier(publicKey: KeyObject): Buffer {
  const spki = readTlv(subjectPublicKeyInfo(publicKey));
  const key = readChildren(spki.content)[1];
  if (spki.tag !== TAG.SEQUENCE || key === undefined || key.tag !== TAG.BIT_STRING) throw new CertificateOptionsError('the public key does not export as a SubjectPublicKeyInfo');
  return createHash('sha1').update(key.content.subarray(1)).digest();
}

/** 16 random octets with the high bit clear and the next one set: positive, always 16 octets long. */
export function randomSerialNumber(): Buffer {
  const serial = randomBytes(16);
  serial[0] = ((serial[0] as number) & 0x7f) | 0x40;
  return serial;
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  // critical is BOOLEAN DEFAULT FALSE, and DER omits a default value.
  return critical ? sequence(oid(id), boolean(true), octetString(value)) : sequence(oid(id), octetString(value));
}

function generalName(host: string): Buffer {
  const parsed = parseHost(host);
  // dNSName [2] IA5String and iPAddress [7] OCTET STRING, both IMPLICIT (RFC 5280 4.2.1.6).
  return parsed.kind === 'dns' ? implicit(2, ia5String(parsed.name)) : implicit(7, octetString(parsed.address));
}

/** Builds and signs a certificate; returns its DER. */
export function createCertificate(options: CertificateOptions): Buffer {
  checkP256(options.publicKey, 'public', 'the certified key');
  checkP256(options.issuerKey, 'private', 'the issuer key');
  const { notBefore, notAfter } = options;
  if (!(notBefore instanceof Date) || !(notAfter instanceof Date) || Number.isNaN(notBefore.getTime()) || Number.isNaN(notAfter.getTime()) || notAfter <= notBefore) {
    throw new CertificateOptionsError('the validity needs two valid dates, notBefore earlier than notAfter');
  }
  const serial = options.serialNumber ?? randomSerialNumber();
  // RFC 5280 4.1.2.2: positive, at most 20 octets.
  if (serial.length === 0 || serial.length > 20 || serial.every((b) => b === 0)) throw new CertificateOptionsError('the serial number must be 1-20 octets and not zero');
  const ca = options.ca === true;
  const altNames = options.altNames ?? [];
  const eku = options.extendedKeyUsage ?? [];
  for (const usage of eku) if (!Object.hasOwn(EKU, usage)) throw new CertificateOptionsError(`unknown extended key usage ${String(usage)}`);

  const extensions: Buffer[] = [
    extension(OIDS.basicConstraints, true, ca ? sequence(boolean(true), integer(0)) : sequence()),
    extension(OIDS.keyUsage, true, namedBits(ca ? [KEY_USAGE.keyCertSign, KEY_USAGE.cRLSign] : [KEY_USAGE.digitalSignature])),
  ];
  if (eku.length > 0) extensions.push(extension(OIDS.extKeyUsage, false, sequence(...eku.map((u) => oid(EKU[u])))));
  if (altNames.length > 0) extensions.push(extension(OIDS.subjectAltName, false, sequence(...altNames.map(generalName))));
  extensions.push(extension(OIDS.subjectKeyIdentifier, false, octetString(keyIdentifier(options.publicKey))));
  // keyIdentifier [0] IMPLICIT OCTET STRING inside AuthorityKeyIdentifier: how the issuer is found among CAs with one name.
  extensions.push(extension(OIDS.authorityKeyIdentifier, false, sequence(implicit(0, octetString(keyIdentifier(createPublicKey(options.issuerKey)))))));

  const algorithm = sequence(oid(OIDS.ecdsaWithSha256)); // parameters absent (RFC 5758 3.2)
  const tbs = sequence(
    explicit(0, integer(2)), // v3
    integer(serial),
    algorithm,
    encodeName(options.issuer),
    sequence(time(notBefore), time(notAfter)),
    encodeName(options.subject),
    subjectPublicKeyInfo(options.publicKey),
    explicit(3, sequence(...extensions)),
  );
  const signature = sign('sha256', tbs, { key: options.issuerKey, dsaEncoding: 'der' });
  return sequence(tbs, algorithm, bitString(signature));
}

/** PEM text: base64 in 64-character lines between BEGIN and END lines (RFC 7468). */
export function toPem(label: string, der: Uint8Array): string {
  const body = Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}
