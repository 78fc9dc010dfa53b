import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { SdsError } from '../../../src/errors.ts';
import { FileBucket, openObjectStore, parseS3Target, S3Bucket } from '../../../src/runtime/object-store/index.ts';

test('openObjectStore: s3:// opens an S3 bucket, with region, endpoint and path style from the query', () => {
  assert.deepEqual(parseS3Target('s3://my-bucket'), { bucket: 'my-bucket' });
  assert.deepEqual(parseS3Target('s3://my.bucket-1/'), { bucket: 'my.bucket-1' });
  assert.deepEqual(parseS3Target('s3://b12/?endpoint=http://127.0.0.1:9000&region=eu-west-1'), { bucket: 'b12', endpoint: 'http://127.0.0.1:9000', region: 'eu-west-1' });
  assert.deepEqual(parseS3Target('s3://b12?endpoint=https://s3.example.com&forcePathStyle=false'), { bucket: 'b12', endpoint: 'https://s3.example.com', forcePathStyle: false });
  const store = openObjectStore('s3://my-bucket?region=us-west-2');
  assert.ok(store instanceof S3Bucket);
  assert.equal(store.description, 's3://my-bucket');
  store.destroy();
});

test('openObjectStore: a folder path or file:// URL opens a local bucket', () => {
  const relative = openObjectStore('buckets/b');
  assert.ok(relative instanceof FileBucket);
  assert.equal(relative.description, `local bucket ${resolve('buckets/b')}`);
  assert.equal(openObjectStore('file:///var/lib/sds/b').description, 'local bucket /var/lib/sds/b');
  assert.equal(openObjectStore('/tmp/x/').description, 'local bucket /tmp/x');
});

test('openObjectStore: a bad target is SDS_ERR_OBJECT_TARGET, saying why', () => {
  const bad: Array<[string, RegExp]> = [
    ['s3://', /not an S3 bucket name/],
    ['s3://Upper', /not an S3 bucket name/],
    ['s3://bucket/prefix/', /no key prefix/],
    ['s3://bucket?regoin=x', /unknown setting "regoin"/],
    ['s3://bucket?endpoint=ftp://x', /endpoint/],
    ['s3://bucket?forcePathStyle=yes', /true or false/],
    ['http://example.com/b', /only s3:\/\/ and file:\/\//],
    ['', /folder path/],
  ];
  for (const [target, why] of bad) {
    assert.throws(() => openObjectStore(target), (err: unknown) => err instanceof SdsError && err.code === 'SDS_ERR_OBJECT_TARGET' && why.test(err.message), target);
  }
});
