/**
 * The one test suite every ObjectStore implementation passes (DESIGN.md, Conventions 3): the
 * local bucket in test/runtime/object-store/file-bucket.test.ts, S3 (against moto) in
 * test/s3/s3-bucket.test.ts. `makeStore` gives an empty store for each test.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { SdsError } from '../../../src/errors.ts';
import type { ObjectInfo, ObjectStore } from '../../../src/runtime/object-store/object-store.ts';

export interface SuiteOptions {
  /** Objects put for the pagination test (2,500 locally). */
  readonly manyObjects: number;
  /** Page size for that test (1000 locally). */
  readonly pageSize: number;
  /** Also check the local bucket's stricter key rules ("..", "//", leading "/", NUL...). */
  readonly localKeyRules: boolean;
}

/** Runs `work` over `items`, at most `limit` at a time. */
export async function inPool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export async function listAll(store: ObjectStore, prefix: string, maxKeys?: number): Promise<{ objects: ObjectInfo[]; pages: number }> {
  const objects: ObjectInfo[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const page = await store.list(prefix, { ...(maxKeys !== undefined ? { maxKeys } : {}), ...(token !== undefined ? { token } : {}) });
    objects.push(...page.objects);
    token = page.nextToken;
    pages++;
    assert.ok(pages < 10_000, 'list never ends');
  } while (token !== undefined);
  return { objects, pages };
}

export const byteOrder = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

export async function rejectsWith(promise: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof SdsError, `an SdsError, not ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (message !== undefined) assert.match(err.message, message);
    return true;
  });
}

export function objectStoreSuite(name: string, makeStore: () => Promise<ObjectStore>, options: SuiteOptions): void {
  describe(`ObjectStore: ${name}`, () => {
    test('put then get returns the same bytes: binary, empty, 5 MiB', async () => {
      const store = await makeStore();
      const binary = Buffer.from(Array.from({ length: 512 }, (_, i) => i % 256));
      const big = randomBytes(5 * 1024 * 1024);
      await store.put('binary.bin', binary);
      await store.put('empty', Buffer.alloc(0));
      await store.put('big/five-mib.gz', big, { contentType: 'application/gzip' });
      assert.deepEqual(await store.get('binary.bin'), binary);
      assert.deepEqual(await store.get('empty'), Buffer.alloc(0));
      assert.ok((await store.get('big/five-mib.gz')).equals(big));
      const { objects } = await listAll(store, '');
      assert.deepEqual(objects.map((o) => [o.key, o.size]), [['big/five-mib.gz', big.length], ['binary.bin', 512], ['empty', 0]]);
      for (const o of objects) {
        assert.ok(o.lastModified instanceof Date);
        assert.ok(Math.abs(o.lastModified.getTime() - Date.now()) < 5 * 60_000, `lastModified ${o.lastModified.toISOString()} is about now`);
      }
    });

    test('a put replaces the object', async () => {
      const store = await makeStore();
      await store.put('k/v', Buffer.from('first, longer version'));
      await store.put('k/v', Buffer.from('second'));
      assert.equal((await store.get('k/v')).toString(), 'second');
      const { objects } = await listAll(store, '');
      assert.deepEqual(objects.map((o) => [o.key, o.size]), [['k/v', 6]]);
    });

    test('keys with unicode, slashes, spaces and punctuation', async () => {
      const store = await makeStore();
      const longKey = Array.from({ length: 5 }, (_, i) => String(i).repeat(200)).join('/') + '/' + 'x'.repeat(19);
      assert.equal(Buffer.byteLength(longKey), 1024);
      const keys = ['données/été/ü.txt', '日本/語.json', 'emoji/😀/🚀', 'a/b/c/d/e/f/g', 'with space/and+plus=eq&amp;(1)', "q'uote\"s", longKey];
      for (const [i, key] of keys.entries()) await store.put(key, Buffer.from(`body ${i}`));
      for (const [i, key] of keys.entries()) assert.equal((await store.get(key)).toString(), `body ${i}`, key);
      const { objects } = await listAll(store, '');
      assert.deepEqual(objects.map((o) => o.key), [...keys].sort(byteOrder));
    });

    test('list by prefix, folder or not', async () => {
      const store = await makeStore();
      const keys = ['logs/2026/01/a', 'logs/2026/02/b', 'logs/2027/x', 'logsx', 'logs-old/y', 'other/z'];
      for (const key of keys) await store.put(key, Buffer.from(key));
      const list = async (prefix: string): Promise<string[]> => (await listAll(store, prefix)).objects.map((o) => o.key);
      assert.deepEqual(await list('logs/'), ['logs/2026/01/a', 'logs/2026/02/b', 'logs/2027/x']);
      assert.deepEqual(await list('logs'), ['logs-old/y', 'logs/2026/01/a', 'logs/2026/02/b', 'logs/2027/x', 'logsx']);
      assert.deepEqual(await list('logs/202'), ['logs/2026/01/a', 'logs/2026/02/b', 'logs/2027/x']);
      assert.deepEqual(await list('logs/2026/0'), ['logs/2026/01/a', 'logs/2026/02/b']);
      assert.deepEqual(await list('logs/2026/02/b'), ['logs/2026/02/b']);
      assert.deepEqual(await list('logs/2026/02/b/'), []);
      assert.deepEqual(await list('nothing'), []);
      assert.deepEqual(await list('../'), []);
      assert.deepEqual(await list(''), [...keys].sort(byteOrder));
    });

    test('keys come in UTF-8 byte order, within and across pages', async () => {
      const store = await makeStore();
      // "/" sorts after "-" and ".", and U+FFFD before any astral character in UTF-8 (not in UTF-16).
      const keys = ['x/a/1', 'x/a-b', 'x/a.c', 'x/a0', 'x/aé', 'x/a😀', 'x/a\uFFFD', 'x/A', 'x/a/0/z', 'x/a~', 'x/b'];
      for (const key of [...keys].reverse()) await store.put(key, Buffer.from('.'));
      const expected = [...keys].sort(byteOrder);
      assert.deepEqual(expected, ['x/A', 'x/a-b', 'x/a.c', 'x/a/0/z', 'x/a/1', 'x/a0', 'x/a~', 'x/aé', 'x/a\uFFFD', 'x/a😀', 'x/b']);
      assert.deepEqual((await store.list('x/')).objects.map((o) => o.key), expected);
      for (const pageSize of [1, 2, 3, 11]) {
        const { objects, pages } = await listAll(store, 'x/', pageSize);
        assert.deepEqual(objects.map((o) => o.key), expected, `maxKeys ${pageSize}`);
        assert.equal(pages, Math.ceil(keys.length / pageSize), `maxKeys ${pageSize}: no empty last page`);
      }
    });

    test(`pagination: ${options.manyObjects} objects, maxKeys ${options.pageSize}`, async () => {
      const store = await makeStore();
      const keys = Array.from({ length: options.manyObjects }, (_, i) => `bulk/${i % 7}/${String(i).padStart(5, '0')}.json`);
      await inPool(keys, 16, (key) => store.put(key, Buffer.from(key)));
      await store.put('bulkier', Buffer.from('outside the prefix'));
      const first = await store.list('bulk/', { maxKeys: options.pageSize });
      assert.equal(first.objects.length, Math.min(options.pageSize, keys.length));
      assert.equal(typeof first.nextToken, options.manyObjects > options.pageSize ? 'string' : 'undefined');
      const { objects, pages } = await listAll(store, 'bulk/', options.pageSize);
      assert.equal(pages, Math.ceil(keys.length / options.pageSize));
      assert.deepEqual(objects.map((o) => o.key), [...keys].sort(byteOrder));
      assert.ok(objects.every((o) => o.size === Buffer.byteLength(o.key)));
      const defaultPage = await store.list('bulk/');
      assert.equal(defaultPage.objects.length, Math.min(1000, keys.length), 'maxKeys defaults to 1000');
    });

    test('maxKeys must be 1-1000', async () => {
      const store = await makeStore();
      for (const maxKeys of [0, -1, 1001, 1.5, Number.NaN]) await rejectsWith(store.list('', { maxKeys }), 'SDS_ERR_OBJECT_BAD_ARGUMENT', /maxKeys/);
      assert.deepEqual((await store.list('', { maxKeys: 1000 })).objects, []);
    });

    test('delete removes the object; deleting a missing key is fine', async () => {
      const store = await makeStore();
      await store.put('d/one', Buffer.from('1'));
      await store.put('d/two', Buffer.from('2'));
      await store.delete('d/one');
      await rejectsWith(store.get('d/one'), 'SDS_ERR_OBJECT_NOT_FOUND');
      assert.deepEqual((await listAll(store, '')).objects.map((o) => o.key), ['d/two']);
      await store.delete('d/one');
      await store.delete('never/was');
      await store.delete('d');
      assert.equal((await store.get('d/two')).toString(), '2');
      await store.delete('d/two');
      assert.deepEqual((await listAll(store, '')).objects, []);
      await store.put('d/one', Buffer.from('again'));
      assert.equal((await store.get('d/one')).toString(), 'again');
    });

    test('get of a missing key is SDS_ERR_OBJECT_NOT_FOUND', async () => {
      const store = await makeStore();
      await rejectsWith(store.get('missing'), 'SDS_ERR_OBJECT_NOT_FOUND', /missing/);
      await store.put('a/b/c', Buffer.from('x'));
      await rejectsWith(store.get('a/b'), 'SDS_ERR_OBJECT_NOT_FOUND', /"a\/b"/);
      await rejectsWith(store.get('a/b/c/d'), 'SDS_ERR_OBJECT_NOT_FOUND');
      await rejectsWith(store.get('a/b/C'), 'SDS_ERR_OBJECT_NOT_FOUND');
    });

    test('keys outside S3\'s 1-1024 UTF-8 bytes are SDS_ERR_OBJECT_KEY', async () => {
      const store = await makeStore();
      for (const key of ['', 'é'.repeat(513), 'x'.repeat(1025), 'lone \uD800 surrogate']) {
        await rejectsWith(store.put(key, Buffer.from('x')), 'SDS_ERR_OBJECT_KEY');
        await rejectsWith(store.get(key), 'SDS_ERR_OBJECT_KEY');
        await rejectsWith(store.delete(key), 'SDS_ERR_OBJECT_KEY');
      }
      assert.deepEqual((await listAll(store, '')).objects, []);
    });

    if (options.localKeyRules) {
      test('keys that are not safe relative paths are SDS_ERR_OBJECT_KEY, with the reason', async () => {
        const store = await makeStore();
        const bad: Array<[string, RegExp]> = [
          ['/etc/passwd', /starts with "\/"/],
          ['a//b', /empty path segment/],
          ['a/', /ends with "\/"/],
          ['a/./b', /"\." path segment/],
          ['.', /"\." path segment/],
          ['../outside', /"\.\." path segment/],
          ['a/../../b', /"\.\." path segment/],
          ['a/..', /"\.\." path segment/],
          ['nul\0byte', /NUL/],
          ['x'.repeat(256), /255/],
          ['.sds-tmp-123', /reserved/],
          ['a/.sds-tmp-b/c', /reserved/],
        ];
        for (const [key, reason] of bad) {
          await rejectsWith(store.put(key, Buffer.from('x')), 'SDS_ERR_OBJECT_KEY', reason);
          await rejectsWith(store.get(key), 'SDS_ERR_OBJECT_KEY', reason);
          await rejectsWith(store.delete(key), 'SDS_ERR_OBJECT_KEY', reason);
        }
        for (const key of ['..a', 'a..', 'a/...', '.hidden', 'a/.b/c', 'x'.repeat(255)]) {
          await store.put(key, Buffer.from(key));
          assert.equal((await store.get(key)).toString(), key);
        }
        assert.equal((await listAll(store, '')).objects.length, 6);
      });
    }
  });
}
