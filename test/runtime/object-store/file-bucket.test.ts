import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { SdsError } from '../../../src/errors.ts';
import { FileBucket, TEMP_PREFIX } from '../../../src/runtime/object-store/file-bucket.ts';
import { listAll, objectStoreSuite, rejectsWith } from './suite.ts';

const root = mkdtempSync(join(tmpdir(), 'sds-file-bucket-'));
after(() => rmSync(root, { recursive: true, force: true }));
let made = 0;
const newFolder = (): string => join(root, `bucket-${++made}`);

objectStoreSuite('FileBucket', () => Promise.resolve(new FileBucket(newFolder())), { manyObjects: 2500, pageSize: 1000, localKeyRules: true });

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true }).map((e) => relative(dir, join(e.parentPath, e.name)) + (e.isDirectory() ? '/' : '')).sort();
}

describe('FileBucket on disk', () => {
  test('the key is the path under the folder; the folder is created on the first put', async () => {
    const folder = newFolder();
    const bucket = new FileBucket(folder);
    assert.equal(bucket.description, `local bucket ${folder}`);
    assert.deepEqual(await bucket.list(''), { objects: [] });
    await rejectsWith(bucket.get('a'), 'SDS_ERR_OBJECT_NOT_FOUND');
    await bucket.delete('a');
    assert.equal(existsSync(folder), false);
    await bucket.put('2026/11/28/09/stream-1.gz', Buffer.from('z'));
    assert.deepEqual(filesUnder(folder), ['2026/', '2026/11/', '2026/11/28/', '2026/11/28/09/', '2026/11/28/09/stream-1.gz']);
  });

  test('delete removes the folders it leaves empty, and only those', async () => {
    const folder = newFolder();
    const bucket = new FileBucket(folder);
    await bucket.put('a/b/c/one', Buffer.from('1'));
    await bucket.put('a/two', Buffer.from('2'));
    await bucket.delete('a/b/c/one');
    assert.deepEqual(filesUnder(folder), ['a/', 'a/two']);
    await bucket.delete('a/two');
    assert.deepEqual(filesUnder(folder), []);
    assert.equal(existsSync(folder), true, 'the bucket folder itself stays');
  });

  test('a local bucket cannot hold both "a" and "a/b": SDS_ERR_OBJECT_KEY, and nothing changes', async () => {
    const folder = newFolder();
    const bucket = new FileBucket(folder);
    await bucket.put('a/b', Buffer.from('under a'));
    await rejectsWith(bucket.put('a', Buffer.from('x')), 'SDS_ERR_OBJECT_KEY', /objects exist under "a\/"/);
    await rejectsWith(bucket.put('a/b/c', Buffer.from('x')), 'SDS_ERR_OBJECT_KEY', /named like one of its folders/);
    assert.equal((await bucket.get('a/b')).toString(), 'under a');
    assert.deepEqual(filesUnder(folder), ['a/', 'a/b'], 'no temporary file left behind');
  });

  test('temporary files (left by a crash) are never listed, and their names are not keys', async () => {
    const folder = newFolder();
    const bucket = new FileBucket(folder);
    await bucket.put('d/kept', Buffer.from('k'));
    writeFileSync(join(folder, 'd', `${TEMP_PREFIX}crashed`), 'partial');
    mkdirSync(join(folder, 'only-temp'));
    writeFileSync(join(folder, 'only-temp', `${TEMP_PREFIX}x`), 'partial');
    assert.deepEqual((await listAll(bucket, '')).objects.map((o) => o.key), ['d/kept']);
    await rejectsWith(bucket.get(`d/${TEMP_PREFIX}crashed`), 'SDS_ERR_OBJECT_KEY', /reserved/);
  });

  test('a bad list token is SDS_ERR_OBJECT_BAD_ARGUMENT', async () => {
    const bucket = new FileBucket(newFolder());
    for (const token of ['', '!!', Buffer.from('../x').toString('base64url')]) {
      await rejectsWith(bucket.list('', { token }), 'SDS_ERR_OBJECT_BAD_ARGUMENT', /token/);
    }
  });

  test('a reader polling during large puts sees a whole object or none, never part of one', async () => {
    const folder = newFolder();
    const bucket = new FileBucket(folder);
    const versions = [Buffer.alloc(24 << 20, 0x61), Buffer.alloc(40 << 20, 0x62), Buffer.alloc(8 << 20, 0x63)];
    let writing = true;
    let created = false;
    const seen = { gets: 0, missing: 0, lists: 0, tempOnDisk: 0 };
    const check = (body: Buffer): void => {
      const version = versions.find((v) => v[0] === body[0]);
      assert.ok(version !== undefined && body.length === version.length && body.equals(version), `a whole version, not ${body.length} bytes starting ${body[0]}`);
    };
    const reader = async (): Promise<void> => {
      while (writing) {
        const existed = created;
        try {
          check(await bucket.get('big/object'));
        } catch (err) {
          if (!(err instanceof SdsError && err.code === 'SDS_ERR_OBJECT_NOT_FOUND')) throw err;
          assert.equal(existed, false, 'an object, once put, is never missing while it is replaced');
          seen.missing++;
        }
        seen.gets++;
        await new Promise((r) => setImmediate(r));
      }
    };
    const lister = async (): Promise<void> => {
      while (writing) {
        const { objects } = await bucket.list('');
        for (const o of objects) {
          assert.equal(o.key, 'big/object', 'only the object is listed, never a temporary file');
          assert.ok(versions.some((v) => v.length === o.size), `listed size ${o.size} is a whole version`);
        }
        if (filesUnder(folder).some((f) => f.includes(TEMP_PREFIX))) seen.tempOnDisk++;
        seen.lists++;
        await new Promise((r) => setImmediate(r));
      }
    };
    const writer = async (): Promise<void> => {
      try {
        for (let round = 0; round < 3; round++) {
          for (const v of versions) {
            await bucket.put('big/object', v);
            created = true;
          }
        }
      } finally {
        writing = false;
      }
    };
    await Promise.all([reader(), lister(), writer()]);
    check(await bucket.get('big/object'));
    assert.ok(seen.gets - seen.missing > 5 && seen.lists > 10, `polled: ${JSON.stringify(seen)}`);
    assert.ok(seen.tempOnDisk > 0, `the poller saw a put in progress (a temporary file on disk): ${JSON.stringify(seen)}`);
    assert.deepEqual(filesUnder(folder), ['big/', 'big/object']);
  });

  test('puts racing deletes in the same folder (which remove it when empty) all succeed', async () => {
    const folder = newFolder();
    const bucket = new FileBucket(folder);
    for (let i = 0; i < 200; i++) {
      await bucket.put('r/s/b', Buffer.from('b'));
      await Promise.all([bucket.delete('r/s/b'), bucket.put(`r/s/a${i % 3}`, Buffer.from(String(i))), bucket.delete(`r/s/a${(i + 1) % 3}`)]);
      assert.equal((await bucket.get(`r/s/a${i % 3}`)).toString(), String(i));
      await bucket.delete(`r/s/a${i % 3}`);
    }
    assert.deepEqual(filesUnder(folder), []);
  });
});
