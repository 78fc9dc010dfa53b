/**
 * The ObjectStore suite against S3Bucket, served by moto (python package `moto[server]`), which
 * this test starts on a free port and stops afterwards. Not part of `npm test` (a fresh machine
 * may not have moto); CI runs it on its own:
 *   pip install 'moto[server]==5.2.1' && node --import tsx --test test/s3/s3-bucket.test.ts
 * MOTO_PYTHON names another Python (default python3).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { openObjectStore, S3Bucket } from '../../src/runtime/object-store/index.ts';
import { objectStoreSuite, rejectsWith } from '../runtime/object-store/suite.ts';

const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
let moto: ChildProcess | undefined;
let endpoint = '';
let admin: S3Client | undefined;
const opened: S3Bucket[] = [];
let made = 0;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

before(async () => {
  const port = await freePort();
  endpoint = `http://127.0.0.1:${port}`;
  let output = '';
  const child = spawn(process.env['MOTO_PYTHON'] ?? 'python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  moto = child;
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`moto exited (${code}); is 'moto[server]' installed? ${output}`))));
  exited.catch(() => undefined);
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const res = await Promise.race([fetch(`${endpoint}/moto-api/`), exited]);
      if (res.ok) break;
    } catch (err) {
      if (child.exitCode !== null || Date.now() > deadline) throw err instanceof Error && err.message.startsWith('moto exited') ? err : new Error(`moto did not answer on ${endpoint} within 30 s: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  admin = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
});

after(async () => {
  for (const b of opened) b.destroy();
  admin?.destroy();
  if (moto !== undefined && moto.exitCode === null) {
    const exited = new Promise((r) => moto?.once('exit', r));
    moto.kill('SIGTERM');
    await exited;
  }
});

async function newBucket(): Promise<S3Bucket> {
  const bucket = `sds-test-${process.pid}-${++made}`;
  await admin?.send(new CreateBucketCommand({ Bucket: bucket }));
  const store = new S3Bucket({ bucket, endpoint, region: 'us-east-1', credentials });
  opened.push(store);
  return store;
}

objectStoreSuite('S3Bucket (moto)', newBucket, { manyObjects: 1200, pageSize: 500, localKeyRules: false });

test('S3Bucket: a missing bucket is SDS_ERR_OBJECT_STORE naming the bucket, the operation and the reason', async () => {
  const store = new S3Bucket({ bucket: 'no-such-bucket-here', endpoint, credentials });
  opened.push(store);
  await rejectsWith(store.put('k', Buffer.from('x')), 'SDS_ERR_OBJECT_STORE', /s3:\/\/no-such-bucket-here: PutObject \(key "k"\) failed: NoSuchBucket/);
  await rejectsWith(store.list(''), 'SDS_ERR_OBJECT_STORE', /ListObjectsV2 .*NoSuchBucket/);
});

test('S3Bucket: an unreachable endpoint is SDS_ERR_OBJECT_STORE', async () => {
  const store = new S3Bucket({ bucket: 'b12', endpoint: `http://127.0.0.1:${await freePort()}`, credentials });
  opened.push(store);
  await rejectsWith(store.get('k'), 'SDS_ERR_OBJECT_STORE', /GetObject \(key "k"\) failed: .*ECONNREFUSED/);
});

test('openObjectStore: s3://BUCKET?endpoint=... reaches the bucket (credentials from the environment)', async () => {
  const source = await newBucket();
  await source.put('via/target', Buffer.from('hello'), { contentType: 'text/plain' });
  const saved = { id: process.env['AWS_ACCESS_KEY_ID'], secret: process.env['AWS_SECRET_ACCESS_KEY'] };
  process.env['AWS_ACCESS_KEY_ID'] = credentials.accessKeyId;
  process.env['AWS_SECRET_ACCESS_KEY'] = credentials.secretAccessKey;
  try {
    const store = openObjectStore(`${source.description}/?endpoint=${endpoint}&region=us-east-1`);
    assert.ok(store instanceof S3Bucket);
    opened.push(store);
    assert.equal((await store.get('via/target')).toString(), 'hello');
  } finally {
    for (const [name, value] of [['AWS_ACCESS_KEY_ID', saved.id], ['AWS_SECRET_ACCESS_KEY', saved.secret]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
});
