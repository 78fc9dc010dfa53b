/**
 * A local bucket: one folder on this machine, an object per file, the key being the file's path
 * relative to the folder. It is the default object store of `sds up`, so it keeps S3's semantics
 * where a folder can:
 *
 * - a put is atomic: the bytes go to a temporary file next to the object (`.sds-tmp-<random>`,
 *   never listed), which is fsynced and renamed over the key, and then the folder is fsynced, so
 *   a reader sees the old object or the new one, never part of one, and a put that resolved
 *   survives a crash or power cut;
 * - keys are S3 keys that are also safe relative paths (checked by `checkLocalKey`), so no key
 *   reaches outside the folder;
 * - list returns keys in UTF-8 byte order, as S3 does, walking the folders in that order and
 *   stopping once the page is full; the token is the last key returned (base64url);
 * - a delete removes the file and then every parent folder it leaves empty.
 *
 * Known gaps, all local: the content type is accepted and ignored (a file has none); a folder
 * cannot hold both `a` and `a/b`, so that put fails with SDS_ERR_OBJECT_KEY (S3 allows it);
 * each path segment is at most 255 bytes (the file-name limit) and keys ending in `/` (S3's
 * "folder" markers) are refused; symbolic links in the folder are not followed; temporary files
 * left by a crash are not cleaned up (they are never listed and take only disk space).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename, rmdir, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { SdsError } from '../../errors.ts';
import { listPageSize, type ListPage, type ObjectInfo, type ObjectStore } from './object-store.ts';

/** Names of temporary files start with this; keys with a segment that does are refused. */
export const TEMP_PREFIX = '.sds-tmp-';

const MAX_KEY_BYTES = 1024;
const MAX_SEGMENT_BYTES = 255;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why `key` cannot name an object in a local bucket, or undefined when it can. */
export function localKeyProblem(key: string): string | undefined {
  if (key.length === 0) return 'it is empty';
  if (LONE_SURROGATE.test(key)) return 'it is not valid UTF-8 (a lone surrogate)';
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes > MAX_KEY_BYTES) return `it is ${bytes} UTF-8 bytes long, above S3's ${MAX_KEY_BYTES}`;
  if (key.includes('\0')) return 'it contains a NUL character';
  if (key.startsWith('/')) return 'it starts with "/"';
  for (const segment of key.split('/')) {
    if (segment === '') return key.endsWith('/') ? 'it ends with "/" (a folder marker, which a local bucket does not keep)' : 'it has an empty path segment ("//")';
    if (segment === '.' || segment === '..') return `it has a "${segment}" path segment`;
    if (segment.startsWith(TEMP_PREFIX)) return `a path segment starts with "${TEMP_PREFIX}", which is reserved for the bucket's temporary files`;
    if (Buffer.byteLength(segment, 'utf8') > MAX_SEGMENT_BYTES) return `a path segment is longer than ${MAX_SEGMENT_BYTES} UTF-8 bytes, which a file name cannot be`;
  }
  return undefined;
}

function checkLocalKey(key: string, description: string): void {
  const problem = localKeyProblem(key);
  if (problem !== undefined) {
    throw new SdsError('SDS_ERR_OBJECT_KEY', `${description}: the key ${JSON.stringify(key)} cannot be used: ${problem}. Use 1-1024 UTF-8 bytes of non-empty "/"-separated segments, none "." or "..".`);
  }
}

function errnoOf(err: unknown): string | undefined {
  return err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function byteCompare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

async function syncFolder(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export class FileBucket implements ObjectStore {
  readonly description: string;
  private readonly root: string;

  /** `folder` is created on the first put. */
  constructor(folder: string) {
    this.root = resolve(folder);
    this.description = `local bucket ${this.root}`;
  }

  /** `options.contentType` is accepted for S3 parity and ignored: a file keeps no content type. */
  async put(key: string, body: Buffer, _options?: { readonly contentType?: string }): Promise<void> {
    checkLocalKey(key, this.description);
    const path = this.pathOf(key);
    const folder = dirname(path);
    const temp = join(folder, `${TEMP_PREFIX}${randomBytes(12).toString('hex')}`);
    try {
      // A concurrent delete may remove a folder we just created (it was empty): create it again.
      for (let attempt = 1; ; attempt++) {
        try {
          const created = await this.makeFolders(key, folder);
          const handle = await open(temp, 'wx');
          try {
            await handle.writeFile(body);
            await handle.sync();
          } finally {
            await handle.close();
          }
          // New folders are durable only once their parents are synced.
          if (created !== undefined) await this.syncFoldersFrom(created, folder);
          break;
        } catch (err) {
          if (errnoOf(err) !== 'ENOENT' || attempt >= 5) throw err;
        }
      }
      try {
        await rename(temp, path);
      } catch (err) {
        const code = errnoOf(err);
        if (code === 'EISDIR' || code === 'ENOTEMPTY' || code === 'EEXIST') {
          throw new SdsError('SDS_ERR_OBJECT_KEY', `${this.description}: cannot put ${JSON.stringify(key)}: objects exist under "${key}/", and a local bucket cannot hold both (S3 can). Use another key.`, { cause: err });
        }
        throw err;
      }
      await syncFolder(folder);
    } catch (err) {
      await unlink(temp).catch(() => undefined);
      throw this.failure('put', key, err);
    }
  }

  async get(key: string): Promise<Buffer> {
    checkLocalKey(key, this.description);
    try {
      return await readFile(this.pathOf(key));
    } catch (err) {
      const code = errnoOf(err);
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') throw this.notFound(key, err);
      throw this.failure('get', key, err);
    }
  }

  async list(prefix: string, options?: { readonly maxKeys?: number; readonly token?: string }): Promise<ListPage> {
    const maxKeys = listPageSize(options?.maxKeys, this.description);
    const after = options?.token === undefined ? undefined : this.decodeToken(options.token);
    // Only the folder named by the prefix's path part can hold matches; a path part that is not
    // a valid key prefix ("../", "a//", "/x") matches no key at all.
    const slash = prefix.lastIndexOf('/');
    const base = slash < 0 ? '' : prefix.slice(0, slash + 1);
    if (base !== '' && localKeyProblem(`${base}x`) !== undefined) return { objects: [] };
    const keys: string[] = [];
    try {
      await this.walk(base, prefix, after, keys, maxKeys + 1);
    } catch (err) {
      throw this.failure('list', prefix, err);
    }
    const page = keys.slice(0, maxKeys);
    const objects: ObjectInfo[] = [];
    for (const key of page) {
      try {
        const st = await stat(this.pathOf(key));
        if (st.isFile()) objects.push({ key, size: st.size, lastModified: st.mtime });
      } catch (err) {
        if (errnoOf(err) !== 'ENOENT' && errnoOf(err) !== 'ENOTDIR') throw this.failure('list', prefix, err);
        // Deleted since the walk: S3 would not list it either.
      }
    }
    const last = page.at(-1);
    return keys.length > maxKeys && last !== undefined ? { objects, nextToken: Buffer.from(last, 'utf8').toString('base64url') } : { objects };
  }

  async delete(key: string): Promise<void> {
    checkLocalKey(key, this.description);
    const path = this.pathOf(key);
    try {
      await unlink(path);
    } catch (err) {
      const code = errnoOf(err);
      // No such object (a missing file, a path through a file, or a folder): nothing to do, as in S3.
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return;
      throw this.failure('delete', key, err);
    }
    try {
      await syncFolder(dirname(path));
      // Remove the parent folders the delete left empty, up to (not including) the root.
      for (let folder = dirname(path); folder !== this.root && folder.startsWith(this.root + sep); folder = dirname(folder)) {
        try {
          await rmdir(folder);
        } catch (err) {
          const code = errnoOf(err);
          if (code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'ENOENT') break;
          throw err;
        }
      }
    } catch (err) {
      throw this.failure('delete', key, err);
    }
  }

  private pathOf(key: string): string {
    return join(this.root, ...key.split('/'));
  }

  /**
   * Collects, in UTF-8 byte order, keys under folder `base` ("" or "a/b/") that start with
   * `prefix` and sort after `after`, until `out` has `limit`. Entries are visited sorted by their
   * name with "/" appended to folders, which is exactly the byte order of the keys below them.
   */
  private async walk(base: string, prefix: string, after: string | undefined, out: string[], limit: number): Promise<void> {
    let entries;
    try {
      entries = await readdir(base === '' ? this.root : this.pathOf(base.slice(0, -1)), { withFileTypes: true });
    } catch (err) {
      const code = errnoOf(err);
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      throw err;
    }
    const named = entries
      .filter((e) => !e.name.startsWith(TEMP_PREFIX) && (e.isFile() || e.isDirectory()))
      .map((e) => ({ path: base + e.name + (e.isDirectory() ? '/' : ''), folder: e.isDirectory() }))
      .sort((a, b) => byteCompare(a.path, b.path));
    for (const { path, folder } of named) {
      if (out.length >= limit) return;
      if (folder) {
        const related = prefix.startsWith(path) || path.startsWith(prefix);
        const passed = after !== undefined && !after.startsWith(path) && byteCompare(path, after) < 0;
        if (related && !passed) await this.walk(path, prefix, after, out, limit);
      } else if (path.startsWith(prefix) && (after === undefined || byteCompare(path, after) > 0)) {
        out.push(path);
      }
    }
  }

  /** Creates the folders of `key` and answers the first one created (undefined if none). */
  private async makeFolders(key: string, folder: string): Promise<string | undefined> {
    try {
      return await mkdir(folder, { recursive: true });
    } catch (err) {
      const code = errnoOf(err);
      if ((code === 'EEXIST' || code === 'ENOTDIR') && !(await stat(this.root).then((s) => s.isDirectory(), () => false))) {
        // The clash is above the key: a file stands where the bucket's folder or one of its parents should be.
        throw new SdsError('SDS_ERR_OBJECT_STORE', `${this.description}: cannot put ${JSON.stringify(key)}: the bucket's folder cannot be created (${reasonOf(err)}). Remove the file that stands in its path, or choose another folder.`, { cause: err });
      }
      if (code === 'EEXIST' || code === 'ENOTDIR') {
        throw new SdsError('SDS_ERR_OBJECT_KEY', `${this.description}: cannot put ${JSON.stringify(key)}: an object is named like one of its folders, and a local bucket cannot hold both (S3 can). Use another key.`, { cause: err });
      }
      throw err;
    }
  }

  /** Syncs the parent of `created` and every folder from `created` down to `folder`. */
  private async syncFoldersFrom(created: string, folder: string): Promise<void> {
    const chain: string[] = [];
    for (let f = folder; f !== created && f.startsWith(created); f = dirname(f)) chain.push(dirname(f));
    chain.push(dirname(created));
    for (const f of chain.reverse()) await syncFolder(f);
  }

  private decodeToken(token: string): string {
    const key = Buffer.from(token, 'base64url').toString('utf8');
    if (token === '' || Buffer.from(key, 'utf8').toString('base64url') !== token || localKeyProblem(key) !== undefined) {
      throw new SdsError('SDS_ERR_OBJECT_BAD_ARGUMENT', `${this.description}: the list token ${JSON.stringify(token)} is not one this bucket gave. Pass the nextToken of the previous page unchanged.`);
    }
    return key;
  }

  private notFound(key: string, cause: unknown): SdsError {
    return new SdsError('SDS_ERR_OBJECT_NOT_FOUND', `${this.description} has no object ${JSON.stringify(key)}. List the bucket to see the keys it has.`, { cause });
  }

  private failure(operation: string, key: string, err: unknown): SdsError {
    if (err instanceof SdsError) return err;
    return new SdsError('SDS_ERR_OBJECT_STORE', `${this.description}: ${operation} of ${JSON.stringify(key)} failed: ${reasonOf(err)}. Check the folder's permissions and free space.`, { cause: err });
  }
}
