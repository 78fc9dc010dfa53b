/**
 * The object stores and one way to name them in settings and on the command line:
 *
 *   s3://BUCKET                                       an S3 bucket (region and credentials from the SDK's chain)
 *   s3://BUCKET?region=eu-west-1                      ... in that region
 *   s3://BUCKET/?endpoint=http://127.0.0.1:9000       an S3-compatible server (path-style, region us-east-1 unless given)
 *   s3://BUCKET?endpoint=...&forcePathStyle=false     ... addressed by host name
 *   file:///var/lib/sds/buckets/b  or  ./buckets/b    a local bucket: that folder (relative to the working folder)
 *
 * Credentials never go in the target: they come from the environment or the AWS profile.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SdsError } from '../../errors.ts';
import { FileBucket } from './file-bucket.ts';
import type { ObjectStore } from './object-store.ts';
import { S3Bucket, type S3BucketOptions } from './s3-bucket.ts';

export { FileBucket, localKeyProblem } from './file-bucket.ts';
export { S3Bucket, type S3BucketOptions } from './s3-bucket.ts';
export { MAX_LIST_KEYS, type ListPage, type ObjectInfo, type ObjectStore } from './object-store.ts';

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function bad(target: string, why: string): SdsError {
  return new SdsError('SDS_ERR_OBJECT_TARGET', `The bucket ${JSON.stringify(target)} cannot be used: ${why}. Write s3://BUCKET[?region=R&endpoint=URL&forcePathStyle=true|false], file:///FOLDER or a folder path.`);
}

/** The S3 options a `s3://` target names (exported for config validation). */
export function parseS3Target(target: string): S3BucketOptions {
  const rest = target.slice('s3://'.length);
  const q = rest.indexOf('?');
  const bucket = (q < 0 ? rest : rest.slice(0, q)).replace(/\/$/, '');
  if (!BUCKET_NAME.test(bucket)) throw bad(target, `${JSON.stringify(bucket)} is not an S3 bucket name (3-63 lowercase letters, digits, "." and "-"; no key prefix)`);
  const options: { bucket: string; region?: string; endpoint?: string; forcePathStyle?: boolean } = { bucket };
  for (const [name, value] of new URLSearchParams(q < 0 ? '' : rest.slice(q + 1))) {
    if (name === 'region') {
      if (!/^[a-z0-9-]+$/.test(value)) throw bad(target, `region ${JSON.stringify(value)} is not a region name`);
      options.region = value;
    } else if (name === 'endpoint') {
      if (!/^https?:\/\/[^/?#]+\/?$/.test(value)) throw bad(target, `endpoint ${JSON.stringify(value)} is not http(s)://HOST[:PORT]`);
      options.endpoint = value;
    } else if (name === 'forcePathStyle') {
      if (value !== 'true' && value !== 'false') throw bad(target, 'forcePathStyle is true or false');
      options.forcePathStyle = value === 'true';
    } else {
      throw bad(target, `unknown setting ${JSON.stringify(name)} (there are region, endpoint and forcePathStyle)`);
    }
  }
  return options;
}

/** Opens the object store a target names (see the syntax above); nothing is contacted yet. */
export function openObjectStore(target: string): ObjectStore {
  if (target.startsWith('s3://')) return new S3Bucket(parseS3Target(target));
  if (target.startsWith('file://')) {
    try {
      return new FileBucket(fileURLToPath(target));
    } catch (err) {
      throw bad(target, err instanceof Error ? err.message : String(err));
    }
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) throw bad(target, 'only s3:// and file:// are supported');
  if (target === '' || target.includes('\0')) throw bad(target, 'a folder path is needed');
  return new FileBucket(resolve(target));
}
