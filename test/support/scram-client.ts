/**
 * The client side of a SCRAM exchange (RFC 5802), written independently of the broker's, for
 * tests that drive SaslAuthenticate by hand: re-authentication, raw tokens, bad proofs.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

export type Hash = 'sha256' | 'sha512';

export class ScramClient {
  private readonly hash: Hash;
  private readonly user: string;
  private readonly password: string;
  private readonly nonce = randomBytes(18).toString('base64');
  private clientFirstBare = '';
  private serverSignature: Buffer | undefined;

  constructor(mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512', user: string, password: string) {
    this.hash = mechanism === 'SCRAM-SHA-256' ? 'sha256' : 'sha512';
    this.user = user;
    this.password = password;
  }

  first(): Buffer {
    this.clientFirstBare = `n=${this.user.replace(/=/g, '=3D').replace(/,/g, '=2C')},r=${this.nonce}`;
    return Buffer.from(`n,,${this.clientFirstBare}`);
  }

  /** The client-final message for the server-first one; `tamper` spoils the proof. */
  final(serverFirst: Buffer, tamper = false): Buffer {
    const text = serverFirst.toString();
    const attrs = new Map(text.split(',').map((p) => [p[0], p.slice(2)] as const));
    const nonce = attrs.get('r') ?? '';
    if (!nonce.startsWith(this.nonce)) throw new Error(`server nonce ${nonce} does not extend ours`);
    const salt = Buffer.from(attrs.get('s') ?? '', 'base64');
    const iterations = Number(attrs.get('i'));
    const size = this.hash === 'sha256' ? 32 : 64;
    const salted = pbkdf2Sync(this.password, salt, iterations, size, this.hash);
    const clientKey = createHmac(this.hash, salted).update('Client Key').digest();
    const storedKey = createHash(this.hash).update(clientKey).digest();
    const withoutProof = `c=biws,r=${nonce}`;
    const authMessage = `${this.clientFirstBare},${text},${withoutProof}`;
    const signature = createHmac(this.hash, storedKey).update(authMessage).digest();
    const proof = Buffer.from(clientKey.map((b, i) => b ^ (signature[i] ?? 0)));
    if (tamper) proof[0] = (proof[0] ?? 0) ^ 1;
    const serverKey = createHmac(this.hash, salted).update('Server Key').digest();
    this.serverSignature = createHmac(this.hash, serverKey).update(authMessage).digest();
    return Buffer.from(`${withoutProof},p=${proof.toString('base64')}`);
  }

  /** True when the server-final message proves the server knew the credential. */
  verify(serverFinal: Buffer): boolean {
    const m = /^v=(.+)$/.exec(serverFinal.toString());
    if (m === null || this.serverSignature === undefined) return false;
    const got = Buffer.from(m[1] as string, 'base64');
    return got.length === this.serverSignature.length && timingSafeEqual(got, this.serverSignature);
  }
}
