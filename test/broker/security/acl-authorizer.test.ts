/**
 * The ACL authorizer on its own: Kafka's StandardAuthorizer matching rules case by case,
 * authorizeByResourceType, authorized-operation bitfields, Kafka's filter semantics for
 * describe and delete, binding validation with Kafka's messages, and the ACL file (kept across
 * reopen, private folder, refused when corrupt or oversized).
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, open as openFile, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AclAuthorizer, type AclAuthorizerOptions } from '../../../src/broker/security/acl-authorizer.ts';
import { MATCH_ALL_FILTER, operationsBitfield, type AclBindingFilter, type AclBindingInput } from '../../../src/broker/security/acl-model.ts';
import { MAX_ACL_FILE_BYTES, aclFilePath } from '../../../src/broker/security/acl-store.ts';
import type { AclOperation, ResourceType, Session } from '../../../src/broker/security/types.ts';
import { SdsError } from '../../../src/errors.ts';
import { ErrorCode } from '../../../src/protocol/error-codes.ts';
import { silentLogger } from '../../../src/logging.ts';

const ON: AclAuthorizerOptions = { enabled: true, superUsers: [], allowEveryoneIfNoAclFound: false };

function acl(b: Partial<AclBindingInput> = {}): AclBindingInput {
  return { resourceType: 'TOPIC', resourceName: 'orders', patternType: 'LITERAL', principal: 'User:alice', host: '*', operation: 'READ', permissionType: 'ALLOW', ...b };
}

function filter(f: Partial<AclBindingFilter> = {}): AclBindingFilter {
  return { ...MATCH_ALL_FILTER, ...f };
}

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sds-acl-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function authorizerWith(t: TestContext, acls: readonly AclBindingInput[], options: Partial<AclAuthorizerOptions> = {}, dir?: string): Promise<AclAuthorizer> {
  const a = await AclAuthorizer.open(dir ?? (await tempDir(t)), { ...ON, ...options }, silentLogger());
  const results = await a.create(acls);
  assert.deepEqual(
    results.map((r) => r.errorMessage),
    acls.map(() => null),
  );
  return a;
}

const who = (principal: string, clientHost = '10.0.0.1'): Session => ({ principal, clientHost });

type Check = readonly [principal: string, operation: AclOperation, resourceType: ResourceType, name: string, expected: boolean, host?: string];

interface Case {
  readonly name: string;
  readonly acls: readonly AclBindingInput[];
  readonly options?: Partial<AclAuthorizerOptions>;
  readonly checks: readonly Check[];
}

const CASES: readonly Case[] = [
  {
    name: 'no ACLs: allow.everyone.if.no.acl.found=false denies, true allows',
    acls: [],
    checks: [['User:alice', 'READ', 'TOPIC', 'orders', false]],
  },
  {
    name: 'no ACLs with allow.everyone.if.no.acl.found=true',
    acls: [],
    options: { allowEveryoneIfNoAclFound: true },
    checks: [
      ['User:alice', 'READ', 'TOPIC', 'orders', true],
      ['User:alice', 'ALTER', 'CLUSTER', 'kafka-cluster', true],
    ],
  },
  {
    name: 'an ACL for anyone on a resource takes it out of the no-ACL default',
    acls: [acl({ principal: 'User:bob' })],
    options: { allowEveryoneIfNoAclFound: true },
    checks: [
      ['User:bob', 'READ', 'TOPIC', 'orders', true],
      ['User:alice', 'READ', 'TOPIC', 'orders', false],
      ['User:alice', 'WRITE', 'TOPIC', 'orders', false],
      ['User:alice', 'READ', 'TOPIC', 'payments', true],
      ['User:alice', 'READ', 'GROUP', 'orders', true],
    ],
  },
  {
    name: 'literal names match exactly',
    acls: [acl()],
    checks: [
      ['User:alice', 'READ', 'TOPIC', 'orders', true],
      ['User:alice', 'READ', 'TOPIC', 'orders2', false],
      ['User:alice', 'READ', 'TOPIC', 'order', false],
      ['User:alice', 'READ', 'GROUP', 'orders', false],
      ['User:bob', 'READ', 'TOPIC', 'orders', false],
      ['Group:alice', 'READ', 'TOPIC', 'orders', false],
    ],
  },
  {
    name: 'the literal wildcard name matches every resource of its type',
    acls: [acl({ resourceName: '*' })],
    checks: [
      ['User:alice', 'READ', 'TOPIC', 'orders', true],
      ['User:alice', 'READ', 'TOPIC', '*', true],
      ['User:alice', 'READ', 'GROUP', 'orders', false],
    ],
  },
  {
    name: 'prefixed names match names that start with them',
    acls: [acl({ resourceName: 'logs-', patternType: 'PREFIXED' })],
    checks: [
      ['User:alice', 'READ', 'TOPIC', 'logs-app', true],
      ['User:alice', 'READ', 'TOPIC', 'logs-', true],
      ['User:alice', 'READ', 'TOPIC', 'logs', false],
      ['User:alice', 'READ', 'TOPIC', 'app-logs-x', false],
    ],
  },
  {
    name: 'a prefixed * only matches names starting with *, as in Kafka',
    acls: [acl({ resourceName: '*', patternType: 'PREFIXED' })],
    checks: [
      ['User:alice', 'READ', 'TOPIC', '*x', true],
      ['User:alice', 'READ', 'TOPIC', 'orders', false],
    ],
  },
  {
    name: 'prefixes of several lengths are all consulted',
    acls: [acl({ resourceName: 'a', patternType: 'PREFIXED' }), acl({ resourceName: 'abc-', patternType: 'PREFIXED', permissionType: 'DENY' }), acl({ resourceName: 'zz', patternType: 'PREFIXED' })],
    checks: [
      ['User:alice', 'READ', 'TOPIC', 'ab', true],
      ['User:alice', 'READ', 'TOPIC', 'abc-1', false],
      ['User:alice', 'READ', 'TOPIC', 'abc', true],
      ['User:alice', 'READ', 'TOPIC', 'zzz', true],
      ['User:alice', 'READ', 'TOPIC', 'z', false],
    ],
  },
  {
    // Kafka adds User:* to every session's principals, whatever their type; only User:* is a wildcard.
    name: 'User:* matches every principal; no other principal is a wildcard',
    acls: [acl({ principal: 'User:*' }), acl({ resourceName: 'g', principal: 'Group:*' })],
    checks: [
      ['User:alice', 'READ', 'TOPIC', 'orders', true],
      ['User:ANONYMOUS', 'READ', 'TOPIC', 'orders', true],
      ['Group:devs', 'READ', 'TOPIC', 'orders', true],
      ['Group:devs', 'READ', 'TOPIC', 'g', false],
      ['Group:*', 'READ', 'TOPIC', 'g', true],
    ],
  },
  {
    name: 'hosts match exactly or by *; IPv4-mapped client addresses compare as IPv4',
    acls: [acl({ host: '10.0.0.1' })],
    checks: [
      ['User:alice', 'READ', 'TOPIC', 'orders', true, '10.0.0.1'],
      ['User:alice', 'READ', 'TOPIC', 'orders', true, '::ffff:10.0.0.1'],
      ['User:alice', 'READ', 'TOPIC', 'orders', false, '10.0.0.2'],
      ['User:alice', 'READ', 'TOPIC', 'orders', false, '::1'],
    ],
  },
  {
    name: 'ALLOW of READ, WRITE, DELETE or ALTER implies DESCRIBE; CREATE and DESCRIBE_CONFIGS do not',
    acls: [
      acl({ resourceName: 'r', operation: 'READ' }),
      acl({ resourceName: 'w', operation: 'WRITE' }),
      acl({ resourceName: 'd', operation: 'DELETE' }),
      acl({ resourceName: 'a', operation: 'ALTER' }),
      acl({ resourceName: 'c', operation: 'CREATE' }),
      acl({ resourceName: 'dc', operation: 'DESCRIBE_CONFIGS' }),
    ],
    checks: [
      ['User:alice', 'DESCRIBE', 'TOPIC', 'r', true],
      ['User:alice', 'DESCRIBE', 'TOPIC', 'w', true],
      ['User:alice', 'DESCRIBE', 'TOPIC', 'd', true],
      ['User:alice', 'DESCRIBE', 'TOPIC', 'a', true],
      ['User:alice', 'DESCRIBE', 'TOPIC', 'c', false],
      ['User:alice', 'DESCRIBE', 'TOPIC', 'dc', false],
      ['User:alice', 'WRITE', 'TOPIC', 'r', false],
      ['User:alice', 'READ', 'TOPIC', 'w', false],
    ],
  },
  {
    name: 'ALLOW of ALTER_CONFIGS implies DESCRIBE_CONFIGS, not the reverse',
    acls: [acl({ resourceName: 'ac', operation: 'ALTER_CONFIGS' }), acl({ resourceName: 'dc', operation: 'DESCRIBE_CONFIGS' })],
    checks: [
      ['User:alice', 'DESCRIBE_CONFIGS', 'TOPIC', 'ac', true],
      ['User:alice', 'ALTER_CONFIGS', 'TOPIC', 'dc', false],
      ['User:alice', 'DESCRIBE', 'TOPIC', 'ac', false],
    ],
  },
  {
    name: 'a DENY implies nothing: DENY READ leaves DESCRIBE allowed',
    acls: [acl({ operation: 'ALL' }), acl({ operation: 'READ', permissionType: 'DENY' })],
    checks: [
      ['User:alice', 'READ', 'TOPIC', 'orders', false],
      ['User:alice', 'DESCRIBE', 'TOPIC', 'orders', true],
      ['User:alice', 'WRITE', 'TOPIC', 'orders', true],
    ],
  },
  {
    name: 'ALL matches every operation, in ALLOW and in DENY',
    acls: [acl({ resourceName: 'open', operation: 'ALL' }), acl({ resourceName: 'shut', operation: 'ALL', permissionType: 'DENY' }), acl({ resourceName: 'shut', operation: 'ALL', principal: 'User:*' })],
    checks: [
      ['User:alice', 'ALTER_CONFIGS', 'TOPIC', 'open', true],
      ['User:alice', 'DELETE', 'TOPIC', 'open', true],
      ['User:alice', 'READ', 'TOPIC', 'shut', false],
      ['User:alice', 'DESCRIBE', 'TOPIC', 'shut', false],
      ['User:bob', 'DESCRIBE', 'TOPIC', 'shut', true],
    ],
  },
  {
    name: 'DENY beats ALLOW wherever each comes from (literal, prefixed, wildcard)',
    acls: [
      acl({ resourceName: '*', principal: 'User:*', operation: 'ALL' }),
      acl({ resourceName: 'secret', permissionType: 'DENY' }),
      acl({ resourceName: 'hr-', patternType: 'PREFIXED', principal: 'User:*', permissionType: 'DENY', operation: 'WRITE' }),
      acl({ resourceName: 'vault', principal: 'User:bob' }),
      acl({ resourceName: '*', principal: 'User:mallory', permissionType: 'DENY', operation: 'ALL' }),
    ],
    checks: [
      ['User:alice', 'READ', 'TOPIC', 'secret', false],
      ['User:alice', 'WRITE', 'TOPIC', 'secret', true],
      ['User:bob', 'READ', 'TOPIC', 'secret', true],
      ['User:alice', 'WRITE', 'TOPIC', 'hr-pay', false],
      ['User:alice', 'READ', 'TOPIC', 'hr-pay', true],
      ['User:bob', 'READ', 'TOPIC', 'vault', true],
      ['User:mallory', 'READ', 'TOPIC', 'vault', false],
      ['User:mallory', 'DESCRIBE', 'TOPIC', 'anything', false],
    ],
  },
  {
    name: 'super users are allowed everything, DENY or not',
    acls: [acl({ principal: 'User:root', operation: 'ALL', permissionType: 'DENY', resourceName: '*' })],
    options: { superUsers: ['User:root'] },
    checks: [
      ['User:root', 'READ', 'TOPIC', 'orders', true],
      ['User:root', 'ALTER', 'CLUSTER', 'kafka-cluster', true],
      ['User:alice', 'READ', 'TOPIC', 'orders', false],
    ],
  },
  {
    name: 'without an authorizer everything is allowed',
    acls: [],
    options: { enabled: false },
    checks: [
      ['User:alice', 'READ', 'TOPIC', 'orders', true],
      ['User:ANONYMOUS', 'ALTER', 'CLUSTER', 'kafka-cluster', true],
    ],
  },
];

for (const c of CASES) {
  test(`authorize: ${c.name}`, async (t) => {
    const a = await authorizerWith(t, c.options?.enabled === false ? [] : c.acls, c.options);
    for (const [principal, operation, type, name, expected, host] of c.checks) {
      assert.equal(a.authorize(who(principal, host), operation, type, name), expected, `${principal}@${host ?? '10.0.0.1'} ${operation} ${type}:${name}`);
    }
  });
}

test('authorizeAny: WRITE on some topic, as Kafka authorizeByResourceType', async (t) => {
  const alice = who('User:alice');
  const some = await authorizerWith(t, [acl({ resourceName: 'a', operation: 'WRITE' })]);
  assert.equal(some.authorizeAny(alice, 'WRITE', 'TOPIC'), true);
  assert.equal(some.authorizeAny(alice, 'IDEMPOTENT_WRITE', 'CLUSTER'), false);
  assert.equal(some.authorizeAny(who('User:bob'), 'WRITE', 'TOPIC'), false);
  // READ does not count as WRITE, and implied operations do not count at all.
  const reader = await authorizerWith(t, [acl({ resourceName: 'a', operation: 'READ' })]);
  assert.equal(reader.authorizeAny(alice, 'WRITE', 'TOPIC'), false);
  const dominated = await authorizerWith(t, [acl({ resourceName: 'ab', operation: 'WRITE' }), acl({ resourceName: 'a', patternType: 'PREFIXED', operation: 'WRITE', permissionType: 'DENY' })]);
  assert.equal(dominated.authorizeAny(alice, 'WRITE', 'TOPIC'), false);
  const deniedLiteral = await authorizerWith(t, [acl({ resourceName: 'ab', operation: 'WRITE' }), acl({ resourceName: 'ab', operation: 'WRITE', permissionType: 'DENY' })]);
  assert.equal(deniedLiteral.authorizeAny(alice, 'WRITE', 'TOPIC'), false);
  const prefixed = await authorizerWith(t, [acl({ resourceName: 'logs-', patternType: 'PREFIXED', operation: 'ALL' })]);
  assert.equal(prefixed.authorizeAny(alice, 'WRITE', 'TOPIC'), true);
  const wildcardDeny = await authorizerWith(t, [acl({ resourceName: 'a', operation: 'WRITE' }), acl({ resourceName: '*', operation: 'WRITE', permissionType: 'DENY' })]);
  assert.equal(wildcardDeny.authorizeAny(alice, 'WRITE', 'TOPIC'), false);
  const wildcardAllow = await authorizerWith(t, [acl({ resourceName: '*', principal: 'User:*', operation: 'WRITE' })]);
  assert.equal(wildcardAllow.authorizeAny(alice, 'WRITE', 'TOPIC'), true);
  const none = await authorizerWith(t, []);
  assert.equal(none.authorizeAny(alice, 'WRITE', 'TOPIC'), false);
  const openByDefault = await authorizerWith(t, [], { allowEveryoneIfNoAclFound: true });
  assert.equal(openByDefault.authorizeAny(alice, 'WRITE', 'TOPIC'), true);
  const superUser = await authorizerWith(t, [], { superUsers: ['User:alice'] });
  assert.equal(superUser.authorizeAny(alice, 'WRITE', 'TOPIC'), true);
});

test('authorizedOperations: Kafka bitfields of the supported operations allowed', async (t) => {
  const alice = who('User:alice');
  const bit = (...ops: AclOperation[]): number => operationsBitfield(ops);
  const a = await authorizerWith(t, [acl({ operation: 'READ' }), acl({ resourceType: 'GROUP', resourceName: 'g', operation: 'ALL' })]);
  assert.equal(a.authorizedOperations(alice, 'TOPIC', 'orders'), bit('READ', 'DESCRIBE'));
  assert.equal(a.authorizedOperations(alice, 'TOPIC', 'orders'), (1 << 3) | (1 << 8));
  assert.equal(a.authorizedOperations(alice, 'GROUP', 'g'), bit('READ', 'DESCRIBE', 'DELETE', 'DESCRIBE_CONFIGS', 'ALTER_CONFIGS'));
  assert.equal(a.authorizedOperations(alice, 'CLUSTER', 'kafka-cluster'), 0);
  const off = await AclAuthorizer.open(await tempDir(t), { ...ON, enabled: false }, silentLogger());
  assert.equal(off.authorizedOperations(alice, 'CLUSTER', 'kafka-cluster'), bit('CREATE', 'CLUSTER_ACTION', 'DESCRIBE_CONFIGS', 'ALTER_CONFIGS', 'IDEMPOTENT_WRITE', 'ALTER', 'DESCRIBE'));
});

test('describe: Kafka filter semantics (ANY, null fields, MATCH, exact pattern types)', async (t) => {
  const a = await authorizerWith(t, [
    acl({ resourceName: 'orders' }),
    acl({ resourceName: '*', principal: 'User:bob', operation: 'WRITE' }),
    acl({ resourceName: 'ord', patternType: 'PREFIXED', permissionType: 'DENY', host: '10.0.0.9' }),
    acl({ resourceName: 'other', patternType: 'PREFIXED' }),
    acl({ resourceType: 'GROUP', resourceName: 'orders' }),
    acl({ resourceType: 'TRANSACTIONAL_ID', resourceName: 'tx', operation: 'TWO_PHASE_COMMIT' }),
  ]);
  const names = (f: Partial<AclBindingFilter>): string[] => a.describe(filter(f)).map((b) => `${b.resourceType}:${b.patternType}:${b.resourceName}:${b.principal}`);
  assert.equal(names({}).length, 6);
  assert.deepEqual(names({ resourceType: 'GROUP' }), ['GROUP:LITERAL:orders:User:alice']);
  assert.deepEqual(names({ resourceType: 'TOPIC', resourceName: 'orders', patternType: 'MATCH' }), ['TOPIC:LITERAL:orders:User:alice', 'TOPIC:LITERAL:*:User:bob', 'TOPIC:PREFIXED:ord:User:alice']);
  assert.deepEqual(names({ resourceType: 'TOPIC', resourceName: 'orders', patternType: 'ANY' }), ['TOPIC:LITERAL:orders:User:alice']);
  assert.deepEqual(names({ resourceName: 'orders', patternType: 'LITERAL' }), ['TOPIC:LITERAL:orders:User:alice', 'GROUP:LITERAL:orders:User:alice']);
  assert.deepEqual(names({ resourceName: '*', patternType: 'LITERAL' }), ['TOPIC:LITERAL:*:User:bob']);
  assert.deepEqual(names({ patternType: 'PREFIXED' }), ['TOPIC:PREFIXED:ord:User:alice', 'TOPIC:PREFIXED:other:User:alice']);
  assert.deepEqual(names({ principal: 'User:bob' }), ['TOPIC:LITERAL:*:User:bob']);
  assert.deepEqual(names({ host: '10.0.0.9' }), ['TOPIC:PREFIXED:ord:User:alice']);
  assert.deepEqual(names({ operation: 'WRITE' }), ['TOPIC:LITERAL:*:User:bob']);
  assert.deepEqual(names({ permissionType: 'DENY' }), ['TOPIC:PREFIXED:ord:User:alice']);
  assert.deepEqual(names({ operation: 'TWO_PHASE_COMMIT' }), ['TRANSACTIONAL_ID:LITERAL:tx:User:alice']);
  // Kafka's fromCode turns codes it does not know into UNKNOWN, which matches nothing.
  assert.deepEqual(names({ resourceType: 'UNKNOWN' }), []);
  assert.deepEqual(names({ patternType: 'UNKNOWN' }), []);
  assert.deepEqual(names({ operation: 'UNKNOWN' }), []);
  assert.deepEqual(names({ permissionType: 'UNKNOWN' }), []);
});

test('create: refuses bad bindings with Kafka messages, one result per binding, and keeps no duplicate', async (t) => {
  const a = await authorizerWith(t, []);
  const bad: [Partial<AclBindingInput>, string][] = [
    [{ resourceType: 'CLUSTER', resourceName: 'my-cluster' }, 'The only valid name for the CLUSTER resource is kafka-cluster'],
    [{ resourceName: '' }, 'Invalid empty resource name'],
    [{ resourceType: 'ANY' }, 'Invalid resourceType ANY'],
    [{ resourceType: 'UNKNOWN' }, 'Invalid resourceType UNKNOWN'],
    [{ patternType: 'MATCH' }, 'Invalid patternType MATCH'],
    [{ patternType: 'ANY' }, 'Invalid patternType ANY'],
    [{ patternType: 'UNKNOWN' }, 'Invalid patternType UNKNOWN'],
    [{ operation: 'ANY' }, 'Invalid operation ANY'],
    [{ operation: 'UNKNOWN' }, 'Invalid operation UNKNOWN'],
    [{ permissionType: 'ANY' }, 'Invalid permissionType ANY'],
    [{ permissionType: 'UNKNOWN' }, 'Invalid permissionType UNKNOWN'],
    [{ principal: 'alice' }, 'Could not parse principal from `alice` (no colon is present separating the principal type from the principal name)'],
    [{ principal: '' }, 'Could not parse principal from `` (no colon is present separating the principal type from the principal name)'],
  ];
  const good = [acl(), acl(), acl({ resourceType: 'CLUSTER', resourceName: 'kafka-cluster', operation: 'ALTER' }), acl({ principal: 'Group:x:y' })];
  const results = await a.create([...bad.map(([b]) => acl(b)), ...good]);
  assert.deepEqual(
    results.map((r) => [r.errorCode, r.errorMessage]),
    [...bad.map(([, message]) => [ErrorCode.INVALID_REQUEST, message]), ...good.map(() => [ErrorCode.NONE, null])],
  );
  assert.equal(a.size, 3, 'the same binding twice is stored once');
  const again = await a.create([acl()]);
  assert.deepEqual(again, [{ errorCode: ErrorCode.NONE, errorMessage: null }]);
  assert.equal(a.size, 3);
});

test('delete: filters delete what they match, listing shared matches under each; unknown filters are refused', async (t) => {
  const a = await authorizerWith(t, [acl({ resourceName: 'a' }), acl({ resourceName: 'b' }), acl({ resourceName: 'a', principal: 'User:bob' }), acl({ resourceName: 'logs-', patternType: 'PREFIXED' })]);
  const results = await a.delete([
    filter({ resourceName: 'a', principal: 'User:alice' }),
    filter({ principal: 'User:alice', patternType: 'LITERAL' }),
    filter({ resourceType: 'UNKNOWN' }),
    filter({ patternType: 'UNKNOWN' }),
    filter({ operation: 'UNKNOWN' }),
    filter({ permissionType: 'UNKNOWN' }),
    filter({ resourceName: 'nothing' }),
  ]);
  const listed = results.map((r) => [r.errorCode, r.errorMessage, r.deleted.map((b) => `${b.resourceName}/${b.principal}`)]);
  assert.deepEqual(listed, [
    [ErrorCode.NONE, null, ['a/User:alice']],
    [ErrorCode.NONE, null, ['a/User:alice', 'b/User:alice']],
    [ErrorCode.INVALID_REQUEST, 'Unknown patternFilter.', []],
    [ErrorCode.INVALID_REQUEST, 'Unknown patternFilter.', []],
    [ErrorCode.INVALID_REQUEST, 'Unknown entryFilter.', []],
    [ErrorCode.INVALID_REQUEST, 'Unknown entryFilter.', []],
    [ErrorCode.NONE, null, []],
  ]);
  assert.deepEqual(
    a.describe(MATCH_ALL_FILTER).map((b) => `${b.resourceName}/${b.principal}`),
    ['a/User:bob', 'logs-/User:alice'],
  );
  assert.equal(a.authorize(who('User:alice'), 'READ', 'TOPIC', 'a'), false);
  assert.equal(a.authorize(who('User:alice'), 'READ', 'TOPIC', 'logs-x'), true);
  const rest = await a.delete([MATCH_ALL_FILTER]);
  assert.equal(rest[0]?.deleted.length, 2);
  assert.equal(a.size, 0);
  assert.equal(a.authorize(who('User:alice'), 'READ', 'TOPIC', 'logs-x'), false, 'no ACL left: the default (deny) applies');
});

test('ACLs survive reopening; the folder is private; concurrent changes all land', async (t) => {
  const dir = await tempDir(t);
  const a = await authorizerWith(t, [], {}, dir);
  await Promise.all([
    a.create([acl({ resourceName: 'one' })]),
    a.create([acl({ resourceName: 'two', patternType: 'PREFIXED', permissionType: 'DENY', host: '10.1.1.1' })]),
    a.create([acl({ resourceType: 'CLUSTER', resourceName: 'kafka-cluster', operation: 'IDEMPOTENT_WRITE', principal: 'User:*' })]),
    a.delete([filter({ resourceName: 'never' })]),
    a.create([acl({ resourceName: 'three' })]),
  ]);
  await a.delete([filter({ resourceName: 'three' })]);
  assert.equal((await stat(join(dir, 'security'))).mode & 0o777, 0o700);
  const b = await AclAuthorizer.open(dir, ON, silentLogger());
  assert.deepEqual(b.describe(MATCH_ALL_FILTER), a.describe(MATCH_ALL_FILTER));
  assert.equal(b.size, 3);
  assert.equal(b.authorize(who('User:alice'), 'READ', 'TOPIC', 'one'), true);
  assert.equal(b.authorize(who('User:x'), 'IDEMPOTENT_WRITE', 'CLUSTER', 'kafka-cluster'), true);
  const text = JSON.parse(await readFile(aclFilePath(dir), 'utf8')) as { version: number; acls: unknown[] };
  assert.equal(text.version, 1);
  assert.equal(text.acls.length, 3);
});

test('the ACL file is not read or written without an authorizer', async (t) => {
  const dir = await tempDir(t);
  await mkdir(join(dir, 'security'));
  await writeFile(aclFilePath(dir), 'not json');
  const off = await AclAuthorizer.open(dir, { ...ON, enabled: false }, silentLogger());
  assert.equal(off.size, 0);
  assert.equal(off.authorize(who('User:alice'), 'READ', 'TOPIC', 'x'), true);
});

test('a corrupt or oversized ACL file stops the authorizer with an error naming the file', async (t) => {
  const corrupt: [string, string, RegExp][] = [
    ['not JSON', '{"version": 1, "acls": [', /is not a valid ACL file/],
    ['not an object', '[]', /"acls" is not a list|not a JSON object|unknown version/],
    ['null', 'null', /not a JSON object/],
    ['a future version', '{"version": 2, "acls": []}', /unknown version 2/],
    ['acls not a list', '{"version": 1, "acls": {}}', /"acls" is not a list/],
    ['an entry not an object', '{"version": 1, "acls": [7]}', /entry 0 is not an object/],
    ['a missing field', JSON.stringify({ version: 1, acls: [{ resourceType: 'TOPIC' }] }), /entry 0: "resourceName" is not a string/],
    ['an unknown operation', JSON.stringify({ version: 1, acls: [{ ...acl(), operation: 'FLY' }] }), /entry 0: "operation" is "FLY"/],
    ['a filter-only value', JSON.stringify({ version: 1, acls: [acl(), { ...acl(), permissionType: 'ANY' }] }), /entry 1: Invalid permissionType ANY/],
    ['a bad principal', JSON.stringify({ version: 1, acls: [{ ...acl(), principal: 'alice' }] }), /entry 0: Could not parse principal/],
    ['a bad cluster name', JSON.stringify({ version: 1, acls: [{ ...acl(), resourceType: 'CLUSTER', resourceName: 'c' }] }), /entry 0: The only valid name for the CLUSTER resource/],
  ];
  for (const [what, content, message] of corrupt) {
    const dir = await tempDir(t);
    await mkdir(join(dir, 'security'));
    await writeFile(aclFilePath(dir), content);
    await assert.rejects(AclAuthorizer.open(dir, ON, silentLogger()), (e: unknown) => {
      assert.ok(e instanceof SdsError, what);
      assert.equal(e.code, 'SDS_ERR_BROKER_ACLS_CORRUPT', what);
      assert.ok(e.message.includes(aclFilePath(dir)), `${what}: ${e.message}`);
      assert.match(e.message, message, what);
      return true;
    });
  }
  // Oversized: a sparse file one byte over the limit, refused before it is read.
  const dir = await tempDir(t);
  await mkdir(join(dir, 'security'));
  const fh = await openFile(aclFilePath(dir), 'w');
  await fh.truncate(MAX_ACL_FILE_BYTES + 1);
  await fh.close();
  await assert.rejects(AclAuthorizer.open(dir, ON, silentLogger()), (e: unknown) => {
    assert.ok(e instanceof SdsError);
    assert.equal(e.code, 'SDS_ERR_BROKER_ACLS_CORRUPT');
    assert.match(e.message, /above the \d+-byte limit/);
    return true;
  });
  // Unreadable: a folder where the file should be.
  const unreadable = await tempDir(t);
  await mkdir(aclFilePath(unreadable), { recursive: true });
  await assert.rejects(AclAuthorizer.open(unreadable, ON, silentLogger()), (e: unknown) => e instanceof SdsError && e.code === 'SDS_ERR_BROKER_ACLS_CORRUPT' && /cannot be read/.test(e.message));
});

test('a failed write changes nothing: the ACL is neither stored nor enforced', async (t) => {
  const dir = await tempDir(t);
  const a = await authorizerWith(t, [acl({ resourceName: 'kept' })], {}, dir);
  // A folder in place of the temporary file makes the atomic write fail.
  await mkdir(`${aclFilePath(dir)}.tmp`);
  await assert.rejects(a.create([acl({ resourceName: 'lost' })]));
  assert.equal(a.authorize(who('User:alice'), 'READ', 'TOPIC', 'lost'), false);
  assert.equal(a.size, 1);
  await rm(`${aclFilePath(dir)}.tmp`, { recursive: true });
  const ok = await a.create([acl({ resourceName: 'later' })]);
  assert.equal(ok[0]?.errorCode, ErrorCode.NONE, 'the next change still runs');
  assert.deepEqual(
    (await AclAuthorizer.open(dir, ON, silentLogger())).describe(MATCH_ALL_FILTER).map((b) => b.resourceName),
    ['kept', 'later'],
  );
});
