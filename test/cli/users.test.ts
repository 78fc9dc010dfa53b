/**
 * `sds users` against the embedded broker over TCP (users it creates then log in with SCRAM),
 * against a broker whose ACLs refuse, offline on a stopped broker's data directory, and every
 * bad input: no password, empty password file, unknown mechanism, iterations out of range,
 * bad user names, a data directory in use.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { startBroker, type BrokerOptions, type RunningBroker } from '../../src/broker/broker.ts';
import { withAdmin, type Limits } from '../../src/client/clients.ts';
import { resolveConnection } from '../../src/client/connection.ts';
import { registerUsersCommands } from '../../src/cli/users.ts';
import { UsageError } from '../../src/cli/options.ts';
import { SdsError } from '../../src/errors.ts';
import { runSds, type SdsResult } from '../support/sds-cli.ts';

const QUICK: Limits = { connectTimeoutMs: 2000, requestTimeoutMs: 5000, retries: 0, retryDelayMs: 100 };

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sds-users-cli-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A broker with a PLAINTEXT listener (first) and a SASL_PLAINTEXT one. */
async function broker(t: TestContext, extra: Partial<BrokerOptions> = {}): Promise<{ broker: RunningBroker; plain: string; sasl: number }> {
  const b = await startBroker({
    listeners: [
      { protocol: 'PLAINTEXT', port: 0 },
      { protocol: 'SASL_PLAINTEXT', port: 0 },
    ],
    ...extra,
  });
  t.after(() => b.stop());
  return { broker: b, plain: b.bootstrap, sasl: b.listeners.find((l) => l.protocol === 'SASL_PLAINTEXT')?.port ?? -1 };
}

function saslProperties(mechanism: string, user: string, password: string): string {
  return [
    'security.protocol=SASL_PLAINTEXT',
    `sasl.mechanism=${mechanism}`,
    `sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${user}" password="${password}";`,
    '',
  ].join('\n');
}

/** Logs in over the SASL listener and lists topics: throws when the login fails. */
async function login(port: number, mechanism: string, user: string, password: string): Promise<void> {
  const connection = resolveConnection({
    bootstrap: `127.0.0.1:${port}`,
    properties: new Map(saslProperties(mechanism, user, password).trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as [string, string])),
  });
  await withAdmin(connection, 'listing topics', (admin) => admin.listTopics(), QUICK);
}

function ok(r: SdsResult): SdsResult {
  assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}`);
  return r;
}

function fails(r: SdsResult, code: number, pattern: RegExp): void {
  assert.equal(r.code, code, `expected exit ${code}, got ${r.code}: ${r.stdout}${r.stderr}`);
  assert.match(r.stderr, pattern);
}

test('sds users create, list and delete against a running broker; the users log in with SCRAM', { timeout: 180_000 }, async (t) => {
  const dir = await tempDir(t);
  const { plain, sasl } = await broker(t);
  const b = ['--bootstrap-server', plain];
  const passwordFile = join(dir, 'alice.password');
  await writeFile(passwordFile, 'alice-secret\nthe second line is ignored\n');

  assert.equal(ok(await runSds(['users', 'create', 'alice', ...b, '--password-file', passwordFile])).stdout, 'Completed updating config for user alice.\n');
  ok(await runSds(['users', 'create', 'alice', ...b, '--mechanism', 'SCRAM-SHA-256', '--password-env', 'ALICE_PW'], { env: { ...process.env, ALICE_PW: 'alice-secret' } }));
  ok(await runSds(['users', 'create', 'b,o=b', ...b, '--mechanism', 'scram-sha-256', '--iterations', '4096'], { input: 'bob-secret\r\nmore\n' }));

  const listed = ok(await runSds(['users', 'list', ...b]));
  assert.equal(
    listed.stdout,
    "SCRAM credential configs for user-principal 'alice' are SCRAM-SHA-256=iterations=8192, SCRAM-SHA-512=iterations=8192\n" +
      "SCRAM credential configs for user-principal 'b,o=b' are SCRAM-SHA-256=iterations=4096\n",
  );
  assert.deepEqual(JSON.parse(ok(await runSds(['users', 'list', ...b, '--json'])).stdout), [
    { user: 'alice', credentials: [{ mechanism: 'SCRAM-SHA-256', iterations: 8192 }, { mechanism: 'SCRAM-SHA-512', iterations: 8192 }] },
    { user: 'b,o=b', credentials: [{ mechanism: 'SCRAM-SHA-256', iterations: 4096 }] },
  ]);

  await login(sasl, 'SCRAM-SHA-512', 'alice', 'alice-secret');
  await login(sasl, 'SCRAM-SHA-256', 'alice', 'alice-secret');
  await login(sasl, 'SCRAM-SHA-256', 'b,o=b', 'bob-secret');
  await assert.rejects(login(sasl, 'SCRAM-SHA-512', 'alice', 'the second line is ignored'));

  // A new password replaces the old one.
  ok(await runSds(['users', 'create', 'alice', ...b], { input: 'new-secret\n' }));
  await login(sasl, 'SCRAM-SHA-512', 'alice', 'new-secret');
  await assert.rejects(login(sasl, 'SCRAM-SHA-512', 'alice', 'alice-secret'));

  ok(await runSds(['users', 'delete', 'alice', ...b, '--mechanism', 'SCRAM-SHA-512']));
  assert.equal(ok(await runSds(['users', 'list', ...b])).stdout.split('\n')[0], "SCRAM credential configs for user-principal 'alice' are SCRAM-SHA-256=iterations=8192");
  fails(await runSds(['users', 'delete', 'b,o=b', ...b, '--mechanism', 'SCRAM-SHA-512']), 1, /user b,o=b has no SCRAM-SHA-512 credential.*\[SDS_ERR_USER_NOT_FOUND\]/);
  assert.equal(ok(await runSds(['users', 'delete', 'alice', ...b])).stdout, 'Completed updating config for user alice.\n');
  fails(await runSds(['users', 'delete', 'alice', ...b]), 1, /user alice has no SCRAM credential.*sds users list.*\[SDS_ERR_USER_NOT_FOUND\]/);
  ok(await runSds(['users', 'delete', 'b,o=b', ...b]));
  assert.equal(ok(await runSds(['users', 'list', ...b])).stdout, '');
  await assert.rejects(login(sasl, 'SCRAM-SHA-256', 'b,o=b', 'bob-secret'));
});

test('a broker that refuses: without ALTER and DESCRIBE on the cluster, sds users says which ACL is missing', { timeout: 120_000 }, async (t) => {
  const dir = await tempDir(t);
  const { sasl } = await broker(t, {
    users: [
      { name: 'admin', password: 'admin-pw', mechanisms: ['SCRAM-SHA-512'] },
      { name: 'alice', password: 'alice-pw', mechanisms: ['SCRAM-SHA-512'] },
    ],
    authorizer: { superUsers: ['User:admin'], allowEveryoneIfNoAclFound: false },
  });
  const asAlice = join(dir, 'alice.properties');
  const asAdmin = join(dir, 'admin.properties');
  await writeFile(asAlice, saslProperties('SCRAM-SHA-512', 'alice', 'alice-pw'));
  await writeFile(asAdmin, saslProperties('SCRAM-SHA-512', 'admin', 'admin-pw'));
  const b = ['--bootstrap-server', `127.0.0.1:${sasl}`];

  const denied = await runSds(['users', 'create', 'mallory', ...b, '--command-config', asAlice], { input: 'pw\n' });
  fails(denied, 1, /creating user mallory: Kafka answered CLUSTER_AUTHORIZATION_FAILED: .*needs ALTER on the cluster resource.*--operation Alter --cluster.*\[SDS_ERR_CLIENT_KAFKA\]/);
  fails(await runSds(['users', 'list', ...b, '--command-config', asAlice]), 1, /listing users: Kafka answered CLUSTER_AUTHORIZATION_FAILED: .*needs DESCRIBE/);
  fails(await runSds(['users', 'delete', 'admin', ...b, '--command-config', asAlice, '--mechanism', 'SCRAM-SHA-512']), 1, /needs ALTER/);

  ok(await runSds(['users', 'create', 'bob', ...b, '--command-config', asAdmin], { input: 'bob-pw\n' }));
  const listed = ok(await runSds(['users', 'list', ...b, '--command-config', asAdmin])).stdout;
  assert.match(listed, /'bob' are SCRAM-SHA-512=iterations=8192/);
  assert.doesNotMatch(listed, /mallory/);
  await login(sasl, 'SCRAM-SHA-512', 'bob', 'bob-pw');
});

test('sds users --data-dir edits a stopped broker\'s store, and refuses while the broker runs', { timeout: 180_000 }, async (t) => {
  const dir = await tempDir(t);
  const dataDir = join(dir, 'data');
  const d = ['--data-dir', dataDir];
  const running = await startBroker({ dataDir, port: 0 });
  const locked = await runSds(['users', 'create', 'carol', ...d], { input: 'carol-pw\n' });
  fails(locked, 1, new RegExp(`data directory ${dataDir} is in use by process ${process.pid}.*change them through it with --bootstrap-server.*\\[SDS_ERR_BROKER_DATA_DIR_LOCKED\\]`));
  fails(await runSds(['users', 'delete', 'carol', ...d]), 1, /SDS_ERR_BROKER_DATA_DIR_LOCKED/);
  await running.stop();

  ok(await runSds(['users', 'create', 'carol', ...d], { input: 'carol-pw\n' }));
  ok(await runSds(['users', 'create', 'carol', ...d, '--mechanism', 'SCRAM-SHA-256', '--iterations', '16384'], { input: 'carol-pw\n' }));
  assert.equal(
    ok(await runSds(['users', 'list', ...d])).stdout,
    "SCRAM credential configs for user-principal 'carol' are SCRAM-SHA-256=iterations=16384, SCRAM-SHA-512=iterations=8192\n",
  );

  // The broker reads what the command wrote: carol logs in.
  const { sasl } = await broker(t, { dataDir });
  await login(sasl, 'SCRAM-SHA-512', 'carol', 'carol-pw');
  await login(sasl, 'SCRAM-SHA-256', 'carol', 'carol-pw');
});

test('sds users --data-dir: delete, unknown users, a missing or corrupt data directory', { timeout: 120_000 }, async (t) => {
  const dir = await tempDir(t);
  const dataDir = join(dir, 'data');
  const d = ['--data-dir', dataDir];
  fails(await runSds(['users', 'list', ...d]), 1, /data directory .* does not exist.*\[SDS_ERR_BROKER_DATA_DIR\]/);
  fails(await runSds(['users', 'delete', 'dave', ...d]), 1, /\[SDS_ERR_BROKER_DATA_DIR\]/);
  ok(await runSds(['users', 'create', 'dave', ...d], { input: 'dave-pw' }));
  fails(await runSds(['users', 'delete', 'dave', ...d, '--mechanism', 'SCRAM-SHA-256']), 1, /user dave has no SCRAM-SHA-256 credential.*\[SDS_ERR_USER_NOT_FOUND\]/);
  fails(await runSds(['users', 'delete', 'erin', ...d]), 1, /user erin has no SCRAM credential/);
  ok(await runSds(['users', 'delete', 'dave', ...d]));
  assert.deepEqual(JSON.parse(ok(await runSds(['users', 'list', ...d, '--json'])).stdout), []);

  await writeFile(join(dataDir, 'security', 'scram-credentials.json'), '{ torn');
  fails(await runSds(['users', 'list', ...d]), 1, /scram-credentials\.json is not a valid SCRAM credentials file \(not JSON\).*\[SDS_ERR_SCRAM_STORE_CORRUPT\]/);
});

/** Runs `sds users ...` in this process, mapping errors to exit codes as bin/sds does. */
async function inProcess(args: string[]): Promise<{ code: number; message: string }> {
  let message = '';
  const program = new Command('sds').exitOverride().configureOutput({ writeErr: (text) => (message += text), writeOut: () => undefined });
  registerUsersCommands(program);
  try {
    await program.parseAsync(args, { from: 'user' });
    return { code: 0, message };
  } catch (e: unknown) {
    if (e instanceof CommanderError) return { code: e.exitCode === 0 ? 0 : 2, message };
    if (e instanceof UsageError) return { code: 2, message: e.message };
    if (e instanceof SdsError) return { code: 1, message: `${e.message} [${e.code}]` };
    throw e;
  }
}

test('sds users: bad flags, names and password sources are refused before anything is sent', { timeout: 60_000 }, async (t) => {
  const dir = await tempDir(t);
  const empty = join(dir, 'empty');
  const blankFirst = join(dir, 'blank-first');
  const long = join(dir, 'long');
  await writeFile(empty, '');
  await writeFile(blankFirst, '\nsecret on the second line\n');
  await writeFile(long, `${'x'.repeat(1025)}\n`);
  await mkdir(join(dir, 'folder'));
  process.env['SDS_TEST_EMPTY_PW'] = '';
  t.after(() => delete process.env['SDS_TEST_EMPTY_PW']);
  // Nothing listens here: each case must fail before connecting.
  const b = ['--bootstrap-server', '127.0.0.1:1'];
  const pw = ['--password-file', join(dir, 'blank-first')];
  const cases: [string[], number, RegExp][] = [
    [['users', 'create', 'u', ...b, '--password-file', empty], 1, /password from --password-file .*empty is empty.*\[SDS_ERR_USER_PASSWORD\]/],
    [['users', 'create', 'u', ...b, '--password-file', blankFirst], 1, /is empty; put the password on its first line/],
    [['users', 'create', 'u', ...b, '--password-file', long], 1, /longer than 1024 bytes.*\[SDS_ERR_USER_PASSWORD\]/],
    [['users', 'create', 'u', ...b, '--password-file', join(dir, 'missing')], 1, /cannot read --password-file .*missing.*\[SDS_ERR_CLI_READ_FILE\]/],
    [['users', 'create', 'u', ...b, '--password-file', join(dir, 'folder')], 1, /it is a directory.*\[SDS_ERR_CLI_READ_FILE\]/],
    [['users', 'create', 'u', ...b, '--password-env', 'SDS_TEST_UNSET_VARIABLE'], 1, /SDS_TEST_UNSET_VARIABLE: that environment variable is not set.*\[SDS_ERR_USER_PASSWORD\]/],
    [['users', 'create', 'u', ...b, '--password-env', 'SDS_TEST_EMPTY_PW'], 1, /password from --password-env SDS_TEST_EMPTY_PW is empty/],
    [['users', 'create', 'u', ...b, '--password-file', empty, '--password-env', 'PW'], 2, /give the password one way/],
    [['users', 'create', 'u', ...b, '--password', 'on-the-command-line'], 2, /unknown option '--password'/],
    [['users', 'create', 'u', ...b, ...pw, '--mechanism', 'PLAIN'], 2, /expected SCRAM-SHA-256 or SCRAM-SHA-512/],
    [['users', 'delete', 'u', ...b, '--mechanism', 'SCRAM-SHA-1'], 2, /expected SCRAM-SHA-256 or SCRAM-SHA-512/],
    [['users', 'create', 'u', ...b, ...pw, '--iterations', '4095'], 2, /expected a whole number from 4096 to 16384/],
    [['users', 'create', 'u', ...b, ...pw, '--iterations', '16385'], 2, /from 4096 to 16384/],
    [['users', 'create', 'u', ...b, ...pw, '--iterations', '8k'], 2, /from 4096 to 16384/],
    [['users', 'create', '', ...b, ...pw], 2, /a user name cannot be empty/],
    [['users', 'delete', 'a\tb', ...b], 2, /cannot contain control characters/],
    [['users', 'create', 'n'.repeat(1025), ...b, ...pw], 2, /at most 1024 bytes/],
    [['users', 'create', 'u', ...b, ...pw, '--data-dir', dir], 2, /--data-dir edits a stopped broker's files; it does not go with --bootstrap-server/],
    [['users', 'list', '--profile', 'x', '--data-dir', dir], 2, /does not go with/],
    [['users', 'delete', 'u', '--command-config', empty, '--data-dir', dir], 2, /does not go with/],
    [['users', 'create'], 2, /missing required argument 'name'/],
  ];
  for (const [args, code, pattern] of cases) {
    const r = await inProcess(args);
    assert.equal(r.code, code, `${args.join(' ')}: exit ${r.code}: ${r.message}`);
    assert.match(r.message, pattern, args.join(' '));
  }
});

test('sds users create: no password, or an empty first line, on stdin; exit codes of the real command', { timeout: 120_000 }, async () => {
  const b = ['--bootstrap-server', '127.0.0.1:1'];
  const [none, blank, usage] = await Promise.all([
    runSds(['users', 'create', 'u', ...b]),
    runSds(['users', 'create', 'u', ...b], { input: '\nsecond line\n' }),
    runSds(['users', 'create', 'u', ...b, '--mechanism', 'PLAIN'], { input: 'pw\n' }),
  ]);
  fails(none, 1, /no password: give --password-file FILE or --password-env VARIABLE, or write the password on stdin.*\[SDS_ERR_USER_PASSWORD\]/);
  fails(blank, 1, /the password from stdin is empty.*\[SDS_ERR_USER_PASSWORD\]/);
  fails(usage, 2, /expected SCRAM-SHA-256 or SCRAM-SHA-512/);
  for (const r of [none, blank, usage]) assert.doesNotMatch(r.stderr, /ECONNREFUSED|cannot reach Kafka/, 'nothing was sent');
});
