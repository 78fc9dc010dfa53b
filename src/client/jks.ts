/**
 * The certificates of a Java KeyStore (JKS) file, as PEM, so that a `client-ssl.properties`
 * naming a `.jks` truststore (the solution copies the JVM's `cacerts` there) works unchanged.
 * Layout: magic 0xFEEDFEED, version 1 or 2, entry count, entries (tag 1 = private key with its
 * certificate chain, tag 2 = trusted certificate), then a SHA-1 integrity digest. The digest
 * needs the store password and only guards against tampering with a file we read as trust
 * anchors anyway; it is not checked. Private keys are not read (they are encrypted with
 * Sun's proprietary scheme): a JKS keystore for client certificates must be converted.
 */
import { SdsError } from '../errors.ts';

const MAGIC = 0xfeedfeed;
const TAG_PRIVATE_KEY = 1;
const TAG_TRUSTED_CERT = 2;

export class KeyStoreError extends SdsError {
  constructor(message: string) {
    super('SDS_ERR_CLIENT_KEYSTORE', message);
  }
}

/** True when `bytes` start with the JKS magic number. */
export function isJks(bytes: Buffer): boolean {
  return bytes.length >= 4 && bytes.readUInt32BE(0) === MAGIC;
}

export interface JksContents {
  /** Trusted certificates (tag 2 entries), as PEM. */
  readonly trusted: string[];
  /** Aliases of private-key entries, which are not read. */
  readonly privateKeyAliases: string[];
}

class Cursor {
  private at = 0;
  constructor(
    private readonly bytes: Buffer,
    private readonly file: string,
  ) {}

  private need(n: number): void {
    if (n < 0 || this.at + n > this.bytes.length) throw new KeyStoreError(`${this.file}: the Java keystore is truncated or damaged`);
  }
  u16(): number {
    this.need(2);
    const v = this.bytes.readUInt16BE(this.at);
    this.at += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.bytes.readUInt32BE(this.at);
    this.at += 4;
    return v;
  }
  take(n: number): Buffer {
    this.need(n);
    const v = this.bytes.subarray(this.at, this.at + n);
    this.at += n;
    return v;
  }
  utf(): string {
    return this.take(this.u16()).toString('utf8');
  }
  certificate(): Buffer {
    const type = this.utf();
    if (type !== 'X.509') throw new KeyStoreError(`${this.file}: certificate type ${type} is not supported (X.509 only)`);
    return this.take(this.u32());
  }
}

function pem(der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

export function readJks(bytes: Buffer, file: string): JksContents {
  const c = new Cursor(bytes, file);
  if (c.u32() !== MAGIC) throw new KeyStoreError(`${file} is not a Java keystore (JKS)`);
  const version = c.u32();
  if (version !== 1 && version !== 2) throw new KeyStoreError(`${file}: JKS version ${version} is not supported`);
  const count = c.u32();
  const trusted: string[] = [];
  const privateKeyAliases: string[] = [];
  for (let i = 0; i < count; i++) {
    const tag = c.u32();
    const alias = c.utf();
    c.take(8); // creation time
    if (tag === TAG_TRUSTED_CERT) {
      trusted.push(pem(version === 2 ? c.certificate() : c.take(c.u32())));
    } else if (tag === TAG_PRIVATE_KEY) {
      privateKeyAliases.push(alias);
      c.take(c.u32()); // encrypted key
      const chain = c.u32();
      for (let j = 0; j < chain; j++) {
        if (version === 2) c.certificate();
        else c.take(c.u32());
      }
    } else {
      throw new KeyStoreError(`${file}: unknown JKS entry type ${tag}`);
    }
  }
  return { trusted, privateKeyAliases };
}
