/**
 * The SCRAM credential store: persistence across reopen, file and folder permissions, atomic
 * and serialized writes, and every way the file or a change can be wrong.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SdsError } from '../../../src/errors.ts';
import { deriveScramCredential } from '../../../src/broker/security/scram.ts';
import { MAX_SCRAM_CREDENTIALS_FILE_BYTES, ScramCredentialStore } from '../../../src/broker/security/scram-credentials.ts';
import type { ScramCredential, ScramMechanism } from '../../../src/broker/security/types.ts';

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sds-scram-store-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A credential with made-up keys of the right sizes: no PBKDF2, for tests that need many. */
function fake(mechanism: ScramMechanism, iterations = 4096, saltBytes = 32): ScramCredential {
  const size = mechanism === 'SCRAM-SHA-256' ? 32 : 64;
  return { mechanism, iterations, salt: Buffer.alloc(saltBytes, 1), storedKey: Buffer.alloc(size, 2), serverKey: Buffer.alloc(size, 3) };
}

function isCode(code: string, pattern?: RegExp): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(e instanceof SdsError, String(e));
    assert.equal(e.code, code, e.message);
    if (pattern !== undefined) assert.match(e.message, pattern);
    return true;
  };
}

test('credentials persist across reopen, in a 0700 folder and a 0600 file, and list shows no secrets', async (t) => {
  const dir = await tempDir(t);
  const store = await ScramCredentialStore.open(dir);
  assert.deepEqual(store.list(), []);
  await assert.rejects(stat(join(dir, 'security')), 'opening an empty store writes nothing');
  const alice512 = deriveScramCredential('SCRAM-SHA-512', 'pw', 4096).credential;
  const alice256 = deriveScramCredential('SCRAM-SHA-256', 'pw', 8192).credential;
  await store.upsert('alice', alice512);
  await store.upsert('alice', alice256);
  await store.upsert('bob', fake('SCRAM-SHA-512', 16384));
  assert.deepEqual(store.get('alice', 'SCRAM-SHA-512'), alice512);
  assert.equal(store.get('alice', 'SCRAM-SHA-256')?.iterations, 8192);
  assert.equal(store.get('carol', 'SCRAM-SHA-256'), undefined);
  assert.equal(store.get('bob', 'SCRAM-SHA-256'), undefined);
  const listed = [
    { user: 'alice', credentials: [{ mechanism: 'SCRAM-SHA-256', iterations: 8192 }, { mechanism: 'SCRAM-SHA-512', iterations: 4096 }] },
    { user: 'bob', credentials: [{ mechanism: 'SCRAM-SHA-512', iterations: 16384 }] },
  ];
  assert.deepEqual(store.list(), listed);
  assert.equal((await stat(join(dir, 'security'))).mode & 0o777, 0o700);
  assert.equal((await stat(store.path)).mode & 0o777, 0o600);
  assert.equal(store.path, join(dir, 'security', 'scram-credentials.json'));
  const text = await readFile(store.path, 'utf8');
  assert.ok(!text.includes('"pw"'), 'no password is stored');

  const again = await ScramCredentialStore.open(dir);
  assert.deepEqual(again.list(), listed);
  assert.deepEqual(again.get('alice', 'SCRAM-SHA-512'), alice512);
  assert.deepEqual(again.get('alice', 'SCRAM-SHA-256'), alice256);

  assert.equal(await again.delete('alice', 'SCRAM-SHA-512'), true);
  assert.equal(await again.delete('alice', 'SCRAM-SHA-512'), false);
  assert.equal(await again.delete('nobody', 'SCRAM-SHA-256'), false);
  assert.equal(await again.delete('bob', 'SCRAM-SHA-512'), true);
  assert.deepEqual(again.list(), [{ user: 'alice', credentials: [{ mechanism: 'SCRAM-SHA-256', iterations: 8192 }] }]);
  assert.deepEqual((await ScramCredentialStore.open(dir)).list(), again.list());
});

test('a security folder made by someone else with wider permissions is narrowed to 0700', async (t) => {
  const dir = await tempDir(t);
  await mkdir(join(dir, 'security'), { mode: 0o755 });
  const store = await ScramCredentialStore.open(dir);
  await store.upsert('alice', fake('SCRAM-SHA-256'));
  assert.equal((await stat(join(dir, 'security'))).mode & 0o777, 0o700);
});

test('alter applies deletions and upsertions in one write; concurrent changes are written one at a time, none lost', async (t) => {
  const dir = await tempDir(t);
  const store = await ScramCredentialStore.open(dir);
  await store.alter({ upsertions: [{ user: 'a', credential: fake('SCRAM-SHA-256') }, { user: 'b', credential: fake('SCRAM-SHA-512') }] });
  const deleted = await store.alter({
    deletions: [{ user: 'a', mechanism: 'SCRAM-SHA-256' }, { user: 'zz', mechanism: 'SCRAM-SHA-256' }],
    upsertions: [{ user: 'c', credential: fake('SCRAM-SHA-256', 5000) }],
  });
  assert.equal(deleted, 1);
  assert.deepEqual(store.list().map((u) => u.user), ['b', 'c']);

  // A reader polling the file while 40 changes race never sees a partial file.
  let writing = true;
  let reads = 0;
  const reader = (async () => {
    while (writing) {
      const text = await readFile(store.path, 'utf8');
      JSON.parse(text);
      reads++;
      await new Promise((r) => setImmediate(r));
    }
  })();
  await Promise.all(Array.from({ length: 40 }, (_, i) => store.upsert(`user-${String(i).padStart(2, '0')}`, fake(i % 2 === 0 ? 'SCRAM-SHA-256' : 'SCRAM-SHA-512'))));
  writing = false;
  await reader;
  assert.ok(reads > 0);
  const reopened = await ScramCredentialStore.open(dir);
  assert.equal(reopened.list().length, 42);
  assert.deepEqual(await readdir(join(dir, 'security')), ['scram-credentials.json'], 'no temporary file is left');
});

test('a credential that cannot be stored is refused and nothing changes', async (t) => {
  const dir = await tempDir(t);
  const store = await ScramCredentialStore.open(dir);
  await store.upsert('keep', fake('SCRAM-SHA-256'));
  const bad: [string, ScramCredential, RegExp][] = [
    ['', fake('SCRAM-SHA-256'), /user name is empty/],
    ['x', fake('SCRAM-SHA-256', 4095), /at least 4096/],
    ['x', fake('SCRAM-SHA-512', 16385), /at most 16384/],
    ['x', fake('SCRAM-SHA-512', 5000.5), /whole number/],
    ['x', fake('SCRAM-SHA-512', 4096, 1025), /salt is longer than 1024 bytes/],
    ['x', { ...fake('SCRAM-SHA-512'), storedKey: Buffer.alloc(32) }, /keys must be 64 bytes/],
    ['x', { ...fake('SCRAM-SHA-256'), serverKey: Buffer.alloc(64) }, /keys must be 32 bytes/],
  ];
  for (const [user, credential, pattern] of bad) {
    await assert.rejects(store.alter({ upsertions: [{ user: 'fine', credential: fake('SCRAM-SHA-256') }, { user, credential }] }), isCode('SDS_ERR_SCRAM_CREDENTIAL', pattern));
  }
  assert.deepEqual(store.list().map((u) => u.user), ['keep']);
  assert.deepEqual((await ScramCredentialStore.open(dir)).list().map((u) => u.user), ['keep']);
});

test('a change that would make the file larger than open() reads is refused with SDS_ERR_SCRAM_STORE_FULL', { timeout: 60_000 }, async (t) => {
  const dir = await tempDir(t);
  const store = await ScramCredentialStore.open(dir);
  const credential = fake('SCRAM-SHA-512', 4096, 1024);
  const perUser = 1700; // a 1024-byte salt is ~1.4 KB of base64, plus keys and names
  const count = Math.ceil(MAX_SCRAM_CREDENTIALS_FILE_BYTES / perUser);
  const upsertions = Array.from({ length: count }, (_, i) => ({ user: `u${i}`, credential }));
  await assert.rejects(store.alter({ upsertions }), isCode('SDS_ERR_SCRAM_STORE_FULL', /delete users that are no longer used/));
  assert.deepEqual(store.list(), []);
  await assert.rejects(stat(store.path));
});

test('a write that fails (the security folder cannot be made) is SDS_ERR_SCRAM_STORE_IO, and memory keeps the old state', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'security'), 'not a folder');
  const store = await ScramCredentialStore.open(dir).catch((e: unknown) => e);
  // Opening reads security/scram-credentials.json under a file: that is an I/O error too.
  assert.ok(store instanceof SdsError && store.code === 'SDS_ERR_SCRAM_STORE_IO', String(store));
  await rm(join(dir, 'security'));
  const ok = await ScramCredentialStore.open(dir);
  await writeFile(join(dir, 'security'), 'not a folder');
  await assert.rejects(ok.upsert('alice', fake('SCRAM-SHA-256')), isCode('SDS_ERR_SCRAM_STORE_IO', /cannot write .*scram-credentials\.json/));
  assert.equal(ok.get('alice', 'SCRAM-SHA-256'), undefined);
  // The queue keeps working after a failed write.
  await rm(join(dir, 'security'));
  await ok.upsert('alice', fake('SCRAM-SHA-256'));
  assert.equal(ok.list().length, 1);
});

test('a corrupt, oversized or unreadable credentials file stops open() with an error naming the file', async (t) => {
  const dir = await tempDir(t);
  const sec = join(dir, 'security');
  const path = join(sec, 'scram-credentials.json');
  await mkdir(sec);
  const good = { mechanism: 'SCRAM-SHA-256', iterations: 4096, salt: 'c2FsdA==', storedKey: Buffer.alloc(32).toString('base64'), serverKey: Buffer.alloc(32).toString('base64') };
  const cases: [string, RegExp][] = [
    ['{ not json', /not JSON/],
    ['', /not JSON/],
    ['null', /expected \{"version":1/],
    ['{"version":2,"users":[]}', /expected \{"version":1/],
    ['{"version":1,"users":{}}', /expected \{"version":1/],
    [JSON.stringify({ version: 1, users: [null] }), /users\[0\] needs a non-empty name/],
    [JSON.stringify({ version: 1, users: [{ name: '', credentials: [] }] }), /users\[0\] needs a non-empty name/],
    [JSON.stringify({ version: 1, users: [{ name: 'a', credentials: {} }] }), /users\[0\] needs a non-empty name and a credentials list/],
    [JSON.stringify({ version: 1, users: [{ name: 'a', credentials: [good] }, { name: 'a', credentials: [good] }] }), /users\[1\] repeats a user/],
    [JSON.stringify({ version: 1, users: [{ name: 'a', credentials: [good, good] }] }), /credentials\[1\] repeats SCRAM-SHA-256/],
    [JSON.stringify({ version: 1, users: [{ name: 'a', credentials: [{ ...good, mechanism: 'PLAIN' }] }] }), /no known mechanism/],
    [JSON.stringify({ version: 1, users: [{ name: 'a', credentials: [{ ...good, iterations: 1 }] }] }), /iterations out of range/],
    [JSON.stringify({ version: 1, users: [{ name: 'a', credentials: [{ ...good, iterations: '4096' }] }] }), /iterations out of range/],
    [JSON.stringify({ version: 1, users: [{ name: 'a', credentials: [{ ...good, salt: 'not base64!' }] }] }), /salt is not base64/],
    [JSON.stringify({ version: 1, users: [{ name: 'a', credentials: [{ ...good, salt: Buffer.alloc(1025).toString('base64') }] }] }), /salt has 1025 bytes/],
    [JSON.stringify({ version: 1, users: [{ name: 'a', credentials: [{ ...good, storedKey: 'AAAA' }] }] }), /storedKey has 3 bytes/],
    [JSON.stringify({ version: 1, users: [{ name: 'a', credentials: [{ ...good, serverKey: 42 }] }] }), /serverKey is not base64/],
  ];
  for (const [content, pattern] of cases) {
    await writeFile(path, content);
    await assert.rejects(ScramCredentialStore.open(dir), (e: unknown) => {
      isCode('SDS_ERR_SCRAM_STORE_CORRUPT', pattern)(e);
      assert.ok((e as Error).message.includes(path), 'the message names the file');
      assert.match((e as Error).message, /restore it from a backup/);
      return true;
    });
  }
  // A user with an empty credentials list is simply not there.
  await writeFile(path, JSON.stringify({ version: 1, users: [{ name: 'a', credentials: [] }, { name: 'b', credentials: [good] }] }));
  assert.deepEqual((await ScramCredentialStore.open(dir)).list(), [{ user: 'b', credentials: [{ mechanism: 'SCRAM-SHA-256', iterations: 4096 }] }]);

  // Larger than the limit: refused before it is read (a sparse file costs no disk).
  await writeFile(path, '');
  await truncate(path, MAX_SCRAM_CREDENTIALS_FILE_BYTES + 1);
  await assert.rejects(ScramCredentialStore.open(dir), isCode('SDS_ERR_SCRAM_STORE_CORRUPT', /16777217 bytes, more than the 16777216 allowed/));

  // Not a file at all.
  await rm(path);
  await mkdir(path);
  await assert.rejects(ScramCredentialStore.open(dir), isCode('SDS_ERR_SCRAM_STORE_IO', /cannot read .*scram-credentials\.json/));
});
