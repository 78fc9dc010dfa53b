/**
 * Where the local Firehose (and the on-failure destinations) write objects: a bucket with S3's
 * semantics, either a folder on this machine or a real S3 bucket. One test suite runs against
 * every implementation.
 */
import { SdsError } from '../../errors.ts';

export interface ObjectInfo {
  /** The object's key, as S3 names it ("2026/11/28/09/stream-1-...gz"). */
  readonly key: string;
  readonly size: number;
  readonly lastModified: Date;
}

export interface ListPage {
  /** In key order (UTF-8 byte order, as S3 lists). */
  readonly objects: readonly ObjectInfo[];
  /** Pass to the next list call to continue; absent on the last page. */
  readonly nextToken?: string;
}

export interface ObjectStore {
  /** For messages and logs: "local bucket <folder>" or "s3://<bucket>". */
  readonly description: string;
  /** Writes the whole object at once: a reader never sees part of it. Replaces an existing key. */
  put(key: string, body: Buffer, options?: { readonly contentType?: string }): Promise<void>;
  /** The object's bytes; SdsError SDS_ERR_OBJECT_NOT_FOUND when there is none. */
  get(key: string): Promise<Buffer>;
  /** Objects whose key starts with `prefix`, a page at a time (at most maxKeys, default 1000). */
  list(prefix: string, options?: { readonly maxKeys?: number; readonly token?: string }): Promise<ListPage>;
  /** Removes the object; a key that does not exist is not an error, as in S3. */
  delete(key: string): Promise<void>;
}

/** S3's page size bound for ListObjectsV2, which every implementation keeps. */
export const MAX_LIST_KEYS = 1000;

/** The page size a list call asked for, checked against S3's range 1-1000 (default 1000). */
export function listPageSize(maxKeys: number | undefined, description: string): number {
  if (maxKeys === undefined) return MAX_LIST_KEYS;
  if (!Number.isInteger(maxKeys) || maxKeys < 1 || maxKeys > MAX_LIST_KEYS) {
    throw new SdsError('SDS_ERR_OBJECT_BAD_ARGUMENT', `${description}: maxKeys must be an integer from 1 to ${MAX_LIST_KEYS}, not ${String(maxKeys)}.`);
  }
  return maxKeys;
}
