/**
 * The broker's SCRAM credentials: per user and mechanism, the salt, iterations, StoredKey and
 * ServerKey (never a password), in `<dataDir>/security/scram-credentials.json`. The folder is
 * private to the broker's OS user (0700) and the file too (0600). Every change rewrites the file
 * atomically, one change at a time, and reaches memory only once it is on disk.
 */
import { chmod, mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { SdsError } from '../../errors.ts';
import { writeFileAtomic } from '../metadata/atomic-file.ts';
import { iterationsProblem, isScramMechanism, scramKeyBytes, SCRAM_MECHANISM_TYPES } from './scram.ts';
import type { ScramCredential, ScramMechanism } from './types.ts';

export const SECURITY_DIR = 'security';
export const SCRAM_CREDENTIALS_FILE = 'scram-credentials.json';
/** The largest credentials file read (tens of thousands of users fit). */
export const MAX_SCRAM_CREDENTIALS_FILE_BYTES = 16 * 1024 * 1024;
/** The longest salt kept: Kafka's clients send 32 or 64 bytes. */
export const MAX_SCRAM_SALT_BYTES = 1024;

export interface ScramUserSummary {
  readonly user: string;
  readonly credentials: readonly { readonly mechanism: ScramMechanism; readonly iterations: number }[];
}

/** Changes applied together: either all are on disk afterwards, or none. */
export interface ScramCredentialChanges {
  readonly upsertions?: readonly { readonly user: string; readonly credential: ScramCredential }[];
  readonly deletions?: readonly { readonly user: string; readonly mechanism: ScramMechanism }[];
}

interface StoredCredential {
  mechanism: ScramMechanism;
  iterations: number;
  salt: string;
  storedKey: string;
  serverKey: string;
}

interface CredentialsFile {
  version: 1;
  users: { name: string; credentials: StoredCredential[] }[];
}

type Users = Map<string, Map<ScramMechanism, ScramCredential>>;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function corrupt(path: string, why: string, cause?: unknown): SdsError {
  return new SdsError(
    'SDS_ERR_SCRAM_STORE_CORRUPT',
    `${path} is not a valid SCRAM credentials file (${why}); restore it from a backup, or move it aside and create the users again`,
    cause === undefined ? undefined : { cause },
  );
}

function base64Field(value: unknown, what: string, maxBytes: number, exactBytes?: number): Buffer {
  if (typeof value !== 'string' || !BASE64.test(value)) throw new Error(`${what} is not base64`);
  const bytes = Buffer.from(value, 'base64');
  if (bytes.length > maxBytes || (exactBytes !== undefined && bytes.length !== exactBytes)) {
    throw new Error(`${what} has ${bytes.length} bytes`);
  }
  return bytes;
}

/** Checks every field of the parsed file; throws an Error naming the first bad one. */
function parseUsers(parsed: unknown): Users {
  const file = parsed as Partial<CredentialsFile> | null;
  if (typeof file !== 'object' || file === null || file.version !== 1 || !Array.isArray(file.users)) throw new Error('expected {"version":1,"users":[...]}');
  const users: Users = new Map();
  file.users.forEach((entry: unknown, i) => {
    const where = `users[${i}]`;
    const u = entry as Partial<CredentialsFile['users'][number]> | null;
    if (typeof u !== 'object' || u === null || typeof u.name !== 'string' || u.name === '' || !Array.isArray(u.credentials)) {
      throw new Error(`${where} needs a non-empty name and a credentials list`);
    }
    if (users.has(u.name)) throw new Error(`${where} repeats a user`);
    const byMechanism = new Map<ScramMechanism, ScramCredential>();
    u.credentials.forEach((c: unknown, j) => {
      const at = `${where}.credentials[${j}]`;
      const s = c as Partial<StoredCredential> | null;
      if (typeof s !== 'object' || s === null || typeof s.mechanism !== 'string' || !isScramMechanism(s.mechanism)) throw new Error(`${at} has no known mechanism`);
      if (byMechanism.has(s.mechanism)) throw new Error(`${at} repeats ${s.mechanism}`);
      if (typeof s.iterations !== 'number' || iterationsProblem(s.iterations) !== undefined) throw new Error(`${at}: iterations out of range`);
      const keyBytes = scramKeyBytes(s.mechanism);
      byMechanism.set(s.mechanism, {
        mechanism: s.mechanism,
        iterations: s.iterations,
        salt: base64Field(s.salt, `${at}.salt`, MAX_SCRAM_SALT_BYTES),
        storedKey: base64Field(s.storedKey, `${at}.storedKey`, keyBytes, keyBytes),
        serverKey: base64Field(s.serverKey, `${at}.serverKey`, keyBytes, keyBytes),
      });
    });
    if (byMechanism.size > 0) users.set(u.name, byMechanism);
  });
  return users;
}

function serialize(users: Users): string {
  const file: CredentialsFile = {
    version: 1,
    users: [...users.keys()].sort().map((name) => ({
      name,
      credentials: [...(users.get(name) as Map<ScramMechanism, ScramCredential>).values()]
        .sort((a, b) => SCRAM_MECHANISM_TYPES[a.mechanism] - SCRAM_MECHANISM_TYPES[b.mechanism])
        .map((c) => ({
          mechanism: c.mechanism,
          iterations: c.iterations,
          salt: c.salt.toString('base64'),
          storedKey: c.storedKey.toString('base64'),
          serverKey: c.serverKey.toString('base64'),
        })),
    })),
  };
  return `${JSON.stringify(file, null, 2)}\n`;
}

/** Why a credential cannot be stored, or undefined. */
function credentialProblem(c: ScramCredential): string | undefined {
  const iterations = iterationsProblem(c.iterations);
  if (iterations !== undefined) return iterations;
  if (c.salt.length > MAX_SCRAM_SALT_BYTES) return `the salt is longer than ${MAX_SCRAM_SALT_BYTES} bytes`;
  const keyBytes = scramKeyBytes(c.mechanism);
  if (c.storedKey.length !== keyBytes || c.serverKey.length !== keyBytes) return `${c.mechanism} keys must be ${keyBytes} bytes`;
  return undefined;
}

export class ScramCredentialStore {
  /** The credentials file. */
  readonly path: string;
  private readonly dir: string;
  private users: Users;
  /** Changes are written one at a time, in order. */
  private writing: Promise<unknown> = Promise.resolve();

  private constructor(dir: string, users: Users) {
    this.dir = dir;
    this.path = join(dir, SCRAM_CREDENTIALS_FILE);
    this.users = users;
  }

  /** Reads the store of a data directory; a missing file is an empty store. */
  static async open(dataDir: string): Promise<ScramCredentialStore> {
    const dir = join(dataDir, SECURITY_DIR);
    const path = join(dir, SCRAM_CREDENTIALS_FILE);
    let text: string;
    try {
      const fh = await open(path, 'r');
      try {
        const size = (await fh.stat()).size;
        if (size > MAX_SCRAM_CREDENTIALS_FILE_BYTES) throw corrupt(path, `${size} bytes, more than the ${MAX_SCRAM_CREDENTIALS_FILE_BYTES} allowed`);
        // Read at most one byte past the limit, in case the file grew after the stat.
        const buffer = Buffer.alloc(Math.min(size + 1, MAX_SCRAM_CREDENTIALS_FILE_BYTES + 1));
        const { bytesRead } = await fh.read(buffer, 0, buffer.length, 0);
        if (bytesRead > MAX_SCRAM_CREDENTIALS_FILE_BYTES) throw corrupt(path, `more than the ${MAX_SCRAM_CREDENTIALS_FILE_BYTES} bytes allowed`);
        text = buffer.subarray(0, bytesRead).toString('utf8');
      } finally {
        await fh.close();
      }
    } catch (e: unknown) {
      if (e instanceof SdsError) throw e;
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new ScramCredentialStore(dir, new Map());
      throw new SdsError('SDS_ERR_SCRAM_STORE_IO', `cannot read ${path}: ${(e as Error).message}; check that the broker's user owns the data directory`, { cause: e });
    }
    let users: Users;
    try {
      users = parseUsers(JSON.parse(text) as unknown);
    } catch (e: unknown) {
      throw corrupt(path, e instanceof SyntaxError ? 'not JSON' : (e as Error).message, e);
    }
    return new ScramCredentialStore(dir, users);
  }

  get(user: string, mechanism: ScramMechanism): ScramCredential | undefined {
    return this.users.get(user)?.get(mechanism);
  }

  /** Every user with at least one credential, by name, with mechanisms and iterations only. */
  list(): ScramUserSummary[] {
    return [...this.users.keys()].sort().map((user) => ({
      user,
      credentials: [...(this.users.get(user) as Map<ScramMechanism, ScramCredential>).values()]
        .sort((a, b) => SCRAM_MECHANISM_TYPES[a.mechanism] - SCRAM_MECHANISM_TYPES[b.mechanism])
        .map((c) => ({ mechanism: c.mechanism, iterations: c.iterations })),
    }));
  }

  /** Creates or replaces the user's credential for the credential's mechanism. */
  async upsert(user: string, credential: ScramCredential): Promise<void> {
    await this.alter({ upsertions: [{ user, credential }] });
  }

  /** Removes the user's credential for a mechanism; false when there was none. */
  async delete(user: string, mechanism: ScramMechanism): Promise<boolean> {
    const removed = await this.alter({ deletions: [{ user, mechanism }] });
    return removed > 0;
  }

  /**
   * Applies deletions, then upsertions, in one write. Resolves with the number of credentials
   * deleted (a deletion of a credential that is not there does nothing). Throws
   * SDS_ERR_SCRAM_CREDENTIAL for a credential that cannot be stored, SDS_ERR_SCRAM_STORE_FULL when
   * the file would outgrow what open() reads, SDS_ERR_SCRAM_STORE_IO when the write fails; then
   * nothing changed.
   */
  alter(changes: ScramCredentialChanges): Promise<number> {
    for (const { user, credential } of changes.upsertions ?? []) {
      const problem = user === '' ? 'the user name is empty' : credentialProblem(credential);
      if (problem !== undefined) return Promise.reject(new SdsError('SDS_ERR_SCRAM_CREDENTIAL', `cannot store the ${credential.mechanism} credential of user ${JSON.stringify(user)}: ${problem}`));
    }
    const run = this.writing.then(() => this.write(changes));
    this.writing = run.catch(() => undefined);
    return run;
  }

  private async write(changes: ScramCredentialChanges): Promise<number> {
    const next: Users = new Map([...this.users].map(([user, creds]) => [user, new Map(creds)]));
    let deleted = 0;
    for (const { user, mechanism } of changes.deletions ?? []) {
      const creds = next.get(user);
      if (creds?.delete(mechanism) === true) deleted++;
      if (creds?.size === 0) next.delete(user);
    }
    for (const { user, credential } of changes.upsertions ?? []) {
      const creds = next.get(user) ?? new Map<ScramMechanism, ScramCredential>();
      creds.set(credential.mechanism, credential);
      next.set(user, creds);
    }
    const text = serialize(next);
    const bytes = Buffer.byteLength(text);
    if (bytes > MAX_SCRAM_CREDENTIALS_FILE_BYTES) {
      throw new SdsError('SDS_ERR_SCRAM_STORE_FULL', `the SCRAM credentials would take ${bytes} bytes, more than the ${MAX_SCRAM_CREDENTIALS_FILE_BYTES} allowed; delete users that are no longer used`);
    }
    try {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      await chmod(this.dir, 0o700);
      // writeFileAtomic creates the file with the process umask; inside the 0700 folder no other
      // OS user can open it meanwhile, and the chmod below makes it 0600 for backups and copies.
      await writeFileAtomic(this.path, text);
      await chmod(this.path, 0o600);
    } catch (e: unknown) {
      throw new SdsError('SDS_ERR_SCRAM_STORE_IO', `cannot write ${this.path}: ${(e as Error).message}; check the data directory's permissions and free space`, { cause: e });
    }
    this.users = next;
    return deleted;
  }
}
