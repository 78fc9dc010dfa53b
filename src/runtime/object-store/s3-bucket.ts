/**
 * An S3 bucket (or an S3-compatible one, through `endpoint`) as an ObjectStore, so the local
 * Firehose can deliver into real S3 with the same code that writes a local bucket. Each method is
 * one S3 call: PutObject, GetObject, ListObjectsV2 (its ContinuationToken is our opaque token) and
 * DeleteObject; S3 gives the atomicity the interface promises.
 *
 * Errors: a missing key is SDS_ERR_OBJECT_NOT_FOUND; every other failure (credentials, region,
 * missing bucket, network) is SDS_ERR_OBJECT_STORE naming the bucket, the operation and S3's
 * reason. Keys are checked only against S3's own rule (1-1024 UTF-8 bytes); the stricter rules
 * of a local bucket (no "." or ".." segments, no "//") are not applied here.
 */
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { SdsError } from '../../errors.ts';
import { listPageSize, type ListPage, type ObjectInfo, type ObjectStore } from './object-store.ts';

export interface S3BucketOptions {
  readonly bucket: string;
  /** Default: the SDK's chain (AWS_REGION, ~/.aws/config), or us-east-1 when `endpoint` is given. */
  readonly region?: string;
  /** An S3-compatible endpoint such as `http://127.0.0.1:9000`; default: AWS's endpoint for the region. */
  readonly endpoint?: string;
  /** Bucket in the path rather than the host name; default: true when `endpoint` is given. */
  readonly forcePathStyle?: boolean;
  /** Default: the SDK's default credential chain (environment, profile, instance role). */
  readonly credentials?: S3ClientConfig['credentials'];
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export class S3Bucket implements ObjectStore {
  readonly description: string;
  readonly bucket: string;
  private readonly client: S3Client;

  constructor(options: S3BucketOptions) {
    this.bucket = options.bucket;
    this.description = `s3://${options.bucket}`;
    const endpoint = options.endpoint;
    const region = options.region ?? (endpoint !== undefined ? process.env['AWS_REGION'] ?? process.env['AWS_DEFAULT_REGION'] ?? 'us-east-1' : undefined);
    this.client = new S3Client({
      ...(region !== undefined ? { region } : {}),
      ...(endpoint !== undefined ? { endpoint } : {}),
      forcePathStyle: options.forcePathStyle ?? endpoint !== undefined,
      ...(options.credentials !== undefined ? { credentials: options.credentials } : {}),
    });
  }

  async put(key: string, body: Buffer, options?: { readonly contentType?: string }): Promise<void> {
    this.checkKey(key);
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentLength: body.length, ...(options?.contentType !== undefined ? { ContentType: options.contentType } : {}) }));
    } catch (err) {
      throw this.failure('PutObject', key, err);
    }
  }

  async get(key: string): Promise<Buffer> {
    this.checkKey(key);
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      if (out.Body === undefined) return Buffer.alloc(0);
      const bytes = await out.Body.transformToByteArray();
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch (err) {
      if (err instanceof Error && err.name === 'NoSuchKey') {
        throw new SdsError('SDS_ERR_OBJECT_NOT_FOUND', `${this.description} has no object ${JSON.stringify(key)}. List the bucket to see the keys it has.`, { cause: err });
      }
      throw this.failure('GetObject', key, err);
    }
  }

  async list(prefix: string, options?: { readonly maxKeys?: number; readonly token?: string }): Promise<ListPage> {
    const maxKeys = listPageSize(options?.maxKeys, this.description);
    try {
      const out = await this.client.send(new ListObjectsV2Command({
        Bucket: this.bucket,
        MaxKeys: maxKeys,
        ...(prefix !== '' ? { Prefix: prefix } : {}),
        ...(options?.token !== undefined ? { ContinuationToken: options.token } : {}),
      }));
      const objects: ObjectInfo[] = (out.Contents ?? []).map((o) => ({ key: o.Key ?? '', size: o.Size ?? 0, lastModified: o.LastModified ?? new Date(0) }));
      return out.IsTruncated === true && out.NextContinuationToken !== undefined ? { objects, nextToken: out.NextContinuationToken } : { objects };
    } catch (err) {
      throw this.failure('ListObjectsV2', prefix, err, 'prefix');
    }
  }

  async delete(key: string): Promise<void> {
    this.checkKey(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (err) {
      throw this.failure('DeleteObject', key, err);
    }
  }

  /** Closes the client's connections; the bucket is not usable afterwards. */
  destroy(): void {
    this.client.destroy();
  }

  private checkKey(key: string): void {
    const bytes = Buffer.byteLength(key, 'utf8');
    const problem = key === '' ? 'it is empty' : LONE_SURROGATE.test(key) ? 'it is not valid UTF-8 (a lone surrogate)' : bytes > 1024 ? `it is ${bytes} UTF-8 bytes long, above S3's 1024` : undefined;
    if (problem !== undefined) {
      throw new SdsError('SDS_ERR_OBJECT_KEY', `${this.description}: the key ${JSON.stringify(key)} cannot be used: ${problem}. Use 1-1024 UTF-8 bytes.`);
    }
  }

  private failure(operation: string, key: string, err: unknown, what = 'key'): SdsError {
    const name = err instanceof Error ? err.name : 'Error';
    const message = err instanceof Error ? err.message : String(err);
    const status = typeof err === 'object' && err !== null && '$metadata' in err ? (err.$metadata as { httpStatusCode?: number }).httpStatusCode : undefined;
    const reason = `${name}${status !== undefined ? ` (HTTP ${status})` : ''}: ${message}`;
    return new SdsError('SDS_ERR_OBJECT_STORE', `${this.description}: ${operation} (${what} ${JSON.stringify(key)}) failed: ${reason}. Check that the bucket exists, the region and endpoint, and that the credentials may use it.`, { cause: err });
  }
}
