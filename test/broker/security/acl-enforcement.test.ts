/**
 * ACLs enforced by a started broker, over real TCP. A plaintext connection's principal is
 * User:ANONYMOUS, so the ACLs here name it. Covers the ACL APIs (through @platformatic/kafka and
 * by hand, bad requests included), each handler's checks with Kafka's error codes, topics and
 * groups that must stay hidden, prefixed and host ACLs, DENY over ALLOW, super users, both
 * settings of allow.everyone.if.no.acl.found, and SECURITY_DISABLED without an authorizer.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Admin, Producer, stringSerializers } from '@platformatic/kafka';
import { startBroker, type BrokerOptions, type RunningBroker } from '../../../src/broker/broker.ts';
import { AclAuthorizer } from '../../../src/broker/security/acl-authorizer.ts';
import {
  operationCode,
  operationsBitfield,
  patternTypeCode,
  permissionTypeCode,
  resourceTypeCode,
  type AclBindingInput,
  type OperationName,
  type PatternTypeName,
  type PermissionTypeName,
  type ResourceTypeName,
} from '../../../src/broker/security/acl-model.ts';
import type { AuthorizerOptions } from '../../../src/broker/security/index.ts';
import { silentLogger } from '../../../src/logging.ts';
import { ErrorCode } from '../../../src/protocol/error-codes.ts';
import type { CreateAclsRequestAclCreation } from '../../../src/protocol/generated/create-acls.ts';
import type { DeleteAclsRequestDeleteAclsFilter } from '../../../src/protocol/generated/delete-acls.ts';
import type { Loose } from '../../../src/protocol/primitives/loose.ts';
import { encodeBatch } from '../../../src/protocol/records/index.ts';
import { RawClient } from '../../support/raw-client.ts';

const ANON = 'User:ANONYMOUS';
const TOPIC_CONFIG = 2;
const BROKER_CONFIG = 4;
const NOT_REQUESTED = -2147483648;

interface Acl {
  readonly type?: ResourceTypeName;
  readonly name?: string;
  readonly pattern?: PatternTypeName;
  readonly principal?: string;
  readonly host?: string;
  readonly op?: OperationName;
  readonly perm?: PermissionTypeName;
}

function input(a: Acl): AclBindingInput {
  return {
    resourceType: a.type ?? 'TOPIC',
    resourceName: a.name ?? 'orders',
    patternType: a.pattern ?? 'LITERAL',
    principal: a.principal ?? ANON,
    host: a.host ?? '*',
    operation: a.op ?? 'READ',
    permissionType: a.perm ?? 'ALLOW',
  };
}

function creation(a: Acl): Loose<CreateAclsRequestAclCreation> {
  const b = input(a);
  return {
    resourceType: resourceTypeCode(b.resourceType),
    resourceName: b.resourceName,
    resourcePatternType: patternTypeCode(b.patternType),
    principal: b.principal,
    host: b.host,
    operation: operationCode(b.operation),
    permissionType: permissionTypeCode(b.permissionType),
  };
}

const ANY_FILTER: Loose<DeleteAclsRequestDeleteAclsFilter> = {
  resourceTypeFilter: 1,
  resourceNameFilter: null,
  patternTypeFilter: 1,
  principalFilter: null,
  hostFilter: null,
  operation: 1,
  permissionType: 1,
};

/** A broker with `authorizer` (none when undefined) and `acls` stored before it starts. */
async function aclBroker(t: TestContext, authorizer: AuthorizerOptions | undefined, acls: readonly Acl[] = [], extra: Partial<BrokerOptions> = {}): Promise<{ broker: RunningBroker; client: RawClient }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'sds-acl-broker-'));
  if (acls.length > 0) {
    const store = await AclAuthorizer.open(dataDir, { enabled: true, superUsers: [], allowEveryoneIfNoAclFound: false }, silentLogger());
    const results = await store.create(acls.map(input));
    assert.ok(results.every((r) => r.errorCode === ErrorCode.NONE));
  }
  const broker = await startBroker({ dataDir, ...(authorizer !== undefined ? { authorizer } : {}), ...extra });
  const client = await RawClient.connect(broker.port);
  t.after(async () => {
    client.close();
    await broker.stop();
    await rm(dataDir, { recursive: true, force: true });
  });
  return { broker, client };
}

async function createTopics(client: RawClient, names: readonly string[], partitions = 1): Promise<Map<string, { errorCode: number; topicId: string }>> {
  const res = await client.request(19, 7, { topics: names.map((name) => ({ name, numPartitions: partitions, replicationFactor: 1, assignments: [], configs: [] })), timeoutMs: 5000, validateOnly: false });
  return new Map(res.topics.map((r) => [r.name, { errorCode: r.errorCode, topicId: r.topicId }]));
}

async function produceTo(client: RawClient, topic: string, options: { transactional?: boolean; transactionalId?: string | null } = {}): Promise<number> {
  const records = await encodeBatch({
    records: [{ key: null, value: Buffer.from('v'), timestamp: Date.now() }],
    ...(options.transactional === true ? { transactional: true, producerId: 5n, producerEpoch: 0, baseSequence: 0 } : {}),
  });
  const res = await client.request(0, 9, { transactionalId: options.transactionalId ?? null, acks: -1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }] });
  return res.responses[0]?.partitionResponses[0]?.errorCode ?? -99;
}

async function fetchFrom(client: RawClient, topic: string, replicaId = -1): Promise<{ errorCode: number; bytes: number }> {
  const res = await client.request(1, 12, {
    replicaId,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    topics: [{ topic, partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 << 20 }] }],
  });
  const p = res.responses[0]?.partitions[0];
  return { errorCode: p?.errorCode ?? -99, bytes: p?.records?.length ?? 0 };
}

async function metadata(client: RawClient, names: readonly string[] | null, extra: { allowAutoTopicCreation?: boolean } = {}) {
  const res = await client.request(3, 12, { topics: names === null ? null : names.map((name) => ({ name })), allowAutoTopicCreation: extra.allowAutoTopicCreation ?? false, includeTopicAuthorizedOperations: false });
  return res.topics;
}

function describeAll(client: RawClient, version = 3) {
  return client.request(29, version, ANY_FILTER);
}

async function commitOffsets(client: RawClient, groupId: string, topics: readonly string[]): Promise<number[]> {
  const res = await client.request(8, 8, {
    groupId,
    generationIdOrMemberEpoch: -1,
    memberId: '',
    groupInstanceId: null,
    topics: topics.map((name) => ({ name, partitions: [{ partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: -1, committedMetadata: '' }] })),
  });
  return res.topics.map((t) => t.partitions[0]?.errorCode ?? -99);
}

test('without an authorizer the ACL APIs answer SECURITY_DISABLED with Kafka messages', async (t) => {
  const { broker, client } = await aclBroker(t, undefined);
  for (const version of [1, 2, 3]) {
    const described = await describeAll(client, version);
    assert.equal(described.errorCode, ErrorCode.SECURITY_DISABLED);
    assert.equal(described.errorMessage, 'No Authorizer is configured on the broker');
    const created = await client.request(30, version, { creations: [creation({}), creation({ name: 'two' })] });
    assert.deepEqual(
      created.results.map((r) => [r.errorCode, r.errorMessage]),
      [
        [ErrorCode.SECURITY_DISABLED, 'No Authorizer is configured.'],
        [ErrorCode.SECURITY_DISABLED, 'No Authorizer is configured.'],
      ],
    );
    const deleted = await client.request(31, version, { filters: [ANY_FILTER] });
    assert.deepEqual(
      deleted.filterResults.map((r) => [r.errorCode, r.errorMessage, r.matchingAcls.length]),
      [[ErrorCode.SECURITY_DISABLED, 'No Authorizer is configured.', 0]],
    );
  }
  // Everything else is allowed, and authorized operations report every supported operation.
  assert.equal((await createTopics(client, ['free'])).get('free')?.errorCode, ErrorCode.NONE);
  const meta = await client.request(3, 10, { topics: [{ name: 'free' }], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: true, includeTopicAuthorizedOperations: true });
  assert.equal(meta.topics[0]?.topicAuthorizedOperations, operationsBitfield(['READ', 'WRITE', 'CREATE', 'DESCRIBE', 'DELETE', 'ALTER', 'DESCRIBE_CONFIGS', 'ALTER_CONFIGS']));
  assert.equal(meta.clusterAuthorizedOperations, operationsBitfield(['CREATE', 'CLUSTER_ACTION', 'DESCRIBE_CONFIGS', 'ALTER_CONFIGS', 'IDEMPOTENT_WRITE', 'ALTER', 'DESCRIBE']));
  const admin = new Admin({ clientId: 'acl-admin', bootstrapBrokers: [broker.bootstrap], retries: 0 });
  try {
    await assert.rejects(admin.describeAcls({ filter: { resourceType: 1, resourceName: null, resourcePatternType: 1, principal: null, host: null, operation: 1, permissionType: 1 } }));
  } finally {
    await admin.close();
  }
});

test('@platformatic/kafka creates, describes and deletes ACLs, and they take effect at once (DENY beats ALLOW)', async (t) => {
  const { broker, client } = await aclBroker(t, { allowEveryoneIfNoAclFound: true });
  await createTopics(client, ['orders', 'payments']);
  assert.equal(await produceTo(client, 'payments'), ErrorCode.NONE);
  const admin = new Admin({ clientId: 'acl-admin', bootstrapBrokers: [broker.bootstrap], retries: 0 });
  try {
    await admin.createAcls({
      creations: [
        { resourceType: 2, resourceName: '*', resourcePatternType: 3, principal: 'User:*', host: '*', operation: 2, permissionType: 3 },
        { resourceType: 2, resourceName: 'payments', resourcePatternType: 3, principal: ANON, host: '*', operation: 3, permissionType: 2 },
      ],
    });
    const all = await admin.describeAcls({ filter: { resourceType: 1, resourceName: null, resourcePatternType: 1, principal: null, host: null, operation: 1, permissionType: 1 } });
    assert.equal(all.length, 2);
    const matching = await admin.describeAcls({ filter: { resourceType: 2, resourceName: 'payments', resourcePatternType: 2, principal: null, host: null, operation: 1, permissionType: 1 } });
    assert.deepEqual(matching.map((r) => r.resourceName).sort(), ['*', 'payments']);
    const denies = await admin.describeAcls({ filter: { resourceType: 1, resourceName: null, resourcePatternType: 1, principal: ANON, host: null, operation: 1, permissionType: 2 } });
    assert.deepEqual(
      denies.map((r) => [r.resourceName, r.acls.map((a) => [a.principal, a.operation, a.permissionType])]),
      [['payments', [[ANON, 3, 2]]]],
    );

    assert.deepEqual(await fetchFrom(client, 'payments'), { errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, bytes: 0 });
    assert.equal(await produceTo(client, 'payments'), ErrorCode.NONE, 'WRITE still allowed by the wildcard');
    assert.equal((await fetchFrom(client, 'orders')).errorCode, ErrorCode.NONE);
    assert.deepEqual(
      (await metadata(client, ['payments'])).map((m) => m.errorCode),
      [ErrorCode.NONE],
      'DENY READ does not deny DESCRIBE',
    );

    const deleted = await admin.deleteAcls({ filters: [{ resourceType: 1, resourceName: null, resourcePatternType: 1, principal: null, host: null, operation: 1, permissionType: 2 }] });
    assert.deepEqual(
      deleted.map((a) => [a.resourceName, a.principal, a.operation]),
      [['payments', ANON, 3]],
    );
    const after = await fetchFrom(client, 'payments');
    assert.equal(after.errorCode, ErrorCode.NONE);
    assert.ok(after.bytes > 0);
    await assert.rejects(admin.createAcls({ creations: [{ resourceType: 2, resourceName: 'x', resourcePatternType: 3, principal: 'no-colon', host: '*', operation: 3, permissionType: 3 }] }));
  } finally {
    await admin.close();
  }
  // A producer we did not write gets TOPIC_AUTHORIZATION_FAILED from a DENY WRITE.
  const res = await client.request(30, 3, { creations: [creation({ name: 'orders', op: 'WRITE', perm: 'DENY' })] });
  assert.equal(res.results[0]?.errorCode, ErrorCode.NONE);
  const producer = new Producer({ clientId: 'acl-producer', bootstrapBrokers: [broker.bootstrap], serializers: stringSerializers, retries: 0 });
  try {
    await assert.rejects(producer.send({ messages: [{ topic: 'orders', value: 'no', partition: 0 }] }), (e: unknown) => /TOPIC_AUTHORIZATION_FAILED|authoriz/i.test(JSON.stringify(e, Object.getOwnPropertyNames(e)) + String(e)));
  } finally {
    await producer.close();
  }
});

test('a topic the principal may not DESCRIBE is hidden, and every topic API refuses it without saying whether it exists', async (t) => {
  const { client } = await aclBroker(t, { allowEveryoneIfNoAclFound: true });
  const created = await createTopics(client, ['secret', 'public']);
  const secretId = created.get('secret')?.topicId as string;
  assert.equal(await produceTo(client, 'secret'), ErrorCode.NONE);
  assert.deepEqual(await commitOffsets(client, 'g1', ['secret', 'public']), [ErrorCode.NONE, ErrorCode.NONE]);
  // Someone else's ACLs take both topics out of the no-ACL default for ANONYMOUS. An ACL on the
  // cluster does the same there: otherwise cluster-wide CREATE, DELETE and CLUSTER_ACTION (allowed
  // by default) would let ANONYMOUS create, delete and see every topic, as in Kafka.
  const made = await client.request(30, 3, {
    creations: [creation({ name: 'secret', principal: 'User:alice', op: 'ALL' }), creation({ name: 'ghost', principal: 'User:alice', op: 'ALL' }), creation({ type: 'CLUSTER', name: 'kafka-cluster', op: 'ALTER' })],
  });
  assert.deepEqual(
    made.results.map((r) => r.errorCode),
    [ErrorCode.NONE, ErrorCode.NONE, ErrorCode.NONE],
  );
  const TAF = ErrorCode.TOPIC_AUTHORIZATION_FAILED;

  const listed = (await metadata(client, null)).map((m) => m.name);
  assert.deepEqual(listed, ['public']);
  const named = await metadata(client, ['secret', 'ghost', 'public', 'missing']);
  assert.deepEqual(
    named.map((m) => [m.name, m.errorCode, m.topicId, m.partitions.length]),
    [
      ['secret', TAF, 'AAAAAAAAAAAAAAAAAAAAAA', 0],
      ['ghost', TAF, 'AAAAAAAAAAAAAAAAAAAAAA', 0],
      ['public', ErrorCode.NONE, created.get('public')?.topicId, 1],
      ['missing', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'AAAAAAAAAAAAAAAAAAAAAA', 0],
    ],
  );
  const byId = await client.request(3, 12, { topics: [{ name: null, topicId: secretId }], allowAutoTopicCreation: false });
  assert.deepEqual([byId.topics[0]?.name, byId.topics[0]?.errorCode, byId.topics[0]?.topicId], [null, TAF, secretId]);
  const ops = await client.request(3, 10, { topics: [{ name: 'public' }, { name: 'secret' }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: true, includeClusterAuthorizedOperations: false });
  assert.deepEqual(
    ops.topics.map((m) => m.topicAuthorizedOperations),
    [operationsBitfield(['READ', 'WRITE', 'CREATE', 'DESCRIBE', 'DELETE', 'ALTER', 'DESCRIBE_CONFIGS', 'ALTER_CONFIGS']), NOT_REQUESTED],
  );
  assert.equal(ops.clusterAuthorizedOperations, NOT_REQUESTED);

  assert.equal(await produceTo(client, 'secret'), TAF);
  assert.equal(await produceTo(client, 'ghost'), TAF);
  assert.equal((await fetchFrom(client, 'secret')).errorCode, TAF);
  assert.equal((await fetchFrom(client, 'ghost')).errorCode, TAF);
  const fetchById = await client.request(1, 13, {
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    topics: [
      { topicId: secretId, partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 << 20 }] },
      { topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 << 20 }] },
    ],
  });
  assert.deepEqual(
    fetchById.responses.map((r) => r.partitions[0]?.errorCode),
    [TAF, ErrorCode.UNKNOWN_TOPIC_ID],
  );
  const listOffsets = await client.request(2, 7, { replicaId: -1, isolationLevel: 0, topics: [{ name: 'secret', partitions: [{ partitionIndex: 0, timestamp: -1n }] }] });
  assert.equal(listOffsets.topics[0]?.partitions[0]?.errorCode, TAF);
  const epochs = await client.request(23, 4, { replicaId: -1, topics: [{ topic: 'secret', partitions: [{ partition: 0, currentLeaderEpoch: -1, leaderEpoch: 0 }] }] });
  assert.equal(epochs.topics[0]?.partitions[0]?.errorCode, TAF);
  const producers = await client.request(61, 0, { topics: [{ name: 'ghost', partitionIndexes: [0, 1] }] });
  assert.deepEqual(
    producers.topics[0]?.partitions.map((p) => p.errorCode),
    [TAF, TAF],
  );
  const records = await client.request(21, 2, { topics: [{ name: 'secret', partitions: [{ partitionIndex: 0, offset: -1n }] }], timeoutMs: 1000 });
  assert.equal(records.topics[0]?.partitions[0]?.errorCode, TAF);
  const partitions = await client.request(37, 3, { topics: [{ name: 'secret', count: 4, assignments: null }, { name: 'ghost', count: 4, assignments: null }], timeoutMs: 1000, validateOnly: false });
  assert.deepEqual(
    partitions.results.map((r) => r.errorCode),
    [TAF, TAF],
  );
  const configs = await client.request(32, 4, { resources: [{ resourceType: TOPIC_CONFIG, resourceName: 'ghost', configurationKeys: null }, { resourceType: TOPIC_CONFIG, resourceName: 'public', configurationKeys: ['retention.ms'] }] });
  assert.deepEqual(
    configs.results.map((r) => [r.errorCode, r.configs.length]),
    [
      [TAF, 0],
      [ErrorCode.NONE, 1],
    ],
  );
  const incremental = await client.request(44, 1, { resources: [{ resourceType: TOPIC_CONFIG, resourceName: 'secret', configs: [{ name: 'retention.ms', configOperation: 0, value: '1000' }] }], validateOnly: false });
  assert.equal(incremental.responses[0]?.errorCode, TAF);
  const legacy = await client.request(33, 2, {
    resources: [
      { resourceType: TOPIC_CONFIG, resourceName: 'ghost', configs: [{ name: 'retention.ms', value: '1000' }] },
      { resourceType: TOPIC_CONFIG, resourceName: 'public', configs: [{ name: 'retention.ms', value: '1000' }] },
    ],
    validateOnly: true,
  });
  assert.deepEqual(
    legacy.responses.map((r) => [r.resourceName, r.errorCode]),
    [
      ['ghost', TAF],
      ['public', ErrorCode.NONE],
    ],
  );

  assert.deepEqual(await commitOffsets(client, 'g1', ['secret', 'ghost', 'public']), [TAF, TAF, ErrorCode.NONE]);
  const fetched = await client.request(9, 8, { groups: [{ groupId: 'g1', topics: [{ name: 'secret', partitionIndexes: [0] }, { name: 'public', partitionIndexes: [0] }] }], requireStable: false });
  assert.deepEqual(
    fetched.groups[0]?.topics.map((tp) => [tp.name, tp.partitions[0]?.errorCode, tp.partitions[0]?.committedOffset]),
    [
      ['secret', TAF, -1n],
      ['public', ErrorCode.NONE, 1n],
    ],
  );
  const everything = await client.request(9, 8, { groups: [{ groupId: 'g1', topics: null }], requireStable: false });
  assert.deepEqual(
    everything.groups[0]?.topics.map((tp) => tp.name),
    ['public'],
    'offsets of topics it may not describe are left out',
  );
  assert.equal((await createTopics(client, ['ghost'])).get('ghost')?.errorCode, TAF);
  const offsetDelete = await client.request(47, 0, { groupId: 'g1', topics: [{ name: 'secret', partitions: [{ partitionIndex: 0 }] }] });
  assert.equal(offsetDelete.topics[0]?.partitions[0]?.errorCode, TAF);

  const deleted = await client.request(20, 6, {
    topics: [
      { name: 'secret', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' },
      { name: 'ghost', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' },
      { name: null, topicId: secretId },
      { name: 'missing', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' },
    ],
    timeoutMs: 1000,
  });
  assert.deepEqual(
    deleted.responses.map((r) => [r.name, r.errorCode]),
    [
      ['secret', TAF],
      ['ghost', TAF],
      [null, TAF],
      ['missing', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ],
  );

  // Granting DESCRIBE to ANONYMOUS reveals the topic again: it was never deleted.
  await client.request(30, 3, { creations: [creation({ name: 'secret', op: 'DESCRIBE' })] });
  assert.deepEqual(
    (await metadata(client, null)).map((m) => m.name),
    ['public', 'secret'],
  );
  assert.equal((await fetchFrom(client, 'secret')).errorCode, TAF, 'DESCRIBE does not imply READ');
});

test('groups: READ to join, sync, heartbeat, leave and commit; DESCRIBE to find, describe, list and fetch; DELETE to delete', async (t) => {
  const { client } = await aclBroker(t, { allowEveryoneIfNoAclFound: true });
  await createTopics(client, ['t']);
  assert.deepEqual(await commitOffsets(client, 'locked', ['t']), [ErrorCode.NONE]);
  assert.deepEqual(await commitOffsets(client, 'open', ['t']), [ErrorCode.NONE]);
  // In one request: once the cluster has an ACL, ANONYMOUS may no longer ALTER it.
  const made = await client.request(30, 3, {
    creations: [creation({ type: 'GROUP', name: 'locked', principal: 'User:alice', op: 'ALL' }), creation({ type: 'CLUSTER', name: 'kafka-cluster', op: 'DESCRIBE', perm: 'DENY' })],
  });
  assert.deepEqual(
    made.results.map((r) => r.errorCode),
    [ErrorCode.NONE, ErrorCode.NONE],
  );
  const GAF = ErrorCode.GROUP_AUTHORIZATION_FAILED;
  const join = (groupId: string) =>
    client.request(11, 9, { groupId, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: '', groupInstanceId: null, protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.alloc(0) }], reason: null });
  const denied = await join('locked');
  assert.deepEqual([denied.errorCode, denied.generationId, denied.memberId, denied.protocolName, denied.members.length], [GAF, -1, '', null, 0]);
  assert.equal((await join('open')).errorCode, ErrorCode.MEMBER_ID_REQUIRED, 'an open group proceeds to the coordinator');
  assert.equal((await client.request(12, 4, { groupId: 'locked', generationId: 1, memberId: 'm', groupInstanceId: null })).errorCode, GAF);
  const sync = await client.request(14, 5, { groupId: 'locked', generationId: 1, memberId: 'm', groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments: [] });
  assert.deepEqual([sync.errorCode, sync.assignment.length], [GAF, 0]);
  const leave = await client.request(13, 5, { groupId: 'locked', members: [{ memberId: 'm', groupInstanceId: null, reason: null }] });
  assert.deepEqual([leave.errorCode, leave.members.length], [GAF, 0]);
  const leaveV0 = await client.request(13, 0, { groupId: 'locked', memberId: 'm' });
  assert.equal(leaveV0.errorCode, GAF);
  assert.deepEqual(await commitOffsets(client, 'locked', ['t', 'unknown-topic']), [GAF, GAF]);
  const fetched = await client.request(9, 8, { groups: [{ groupId: 'locked', topics: null }, { groupId: 'open', topics: null }], requireStable: false });
  assert.deepEqual(
    fetched.groups.map((g) => [g.groupId, g.errorCode, g.topics.length]),
    [
      ['locked', GAF, 0],
      ['open', ErrorCode.NONE, 1],
    ],
  );
  const fetchedV5 = await client.request(9, 5, { groupId: 'locked', topics: [{ name: 't', partitionIndexes: [0] }], requireStable: false });
  assert.equal(fetchedV5.errorCode, GAF);
  const fetchedV1 = await client.request(9, 1, { groupId: 'locked', topics: [{ name: 't', partitionIndexes: [0] }] });
  assert.equal(fetchedV1.topics[0]?.partitions[0]?.errorCode, GAF, 'v1 carries the group error on each partition');
  const coordinators = await client.request(10, 4, { keyType: 0, coordinatorKeys: ['locked', 'open'] });
  assert.deepEqual(
    coordinators.coordinators.map((c) => [c.key, c.errorCode, c.nodeId]),
    [
      ['locked', GAF, -1],
      ['open', ErrorCode.NONE, 1],
    ],
  );
  const coordinatorV3 = await client.request(10, 3, { key: 'locked', keyType: 0 });
  assert.equal(coordinatorV3.errorCode, GAF);
  const txCoordinator = await client.request(10, 4, { keyType: 1, coordinatorKeys: ['tx'] });
  assert.equal(txCoordinator.coordinators[0]?.errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE, 'no ACL on the transactional id: allowed, then unsupported');
  const described = await client.request(15, 5, { groups: ['locked', 'open'], includeAuthorizedOperations: true });
  assert.deepEqual(
    described.groups.map((g) => [g.groupId, g.errorCode, g.groupState, g.authorizedOperations]),
    [
      ['locked', GAF, '', NOT_REQUESTED],
      ['open', ErrorCode.NONE, 'Empty', operationsBitfield(['READ', 'DESCRIBE', 'DELETE', 'DESCRIBE_CONFIGS', 'ALTER_CONFIGS'])],
    ],
  );
  const withoutOps = await client.request(15, 5, { groups: ['open'], includeAuthorizedOperations: false });
  assert.equal(withoutOps.groups[0]?.authorizedOperations, NOT_REQUESTED);
  const listed = await client.request(16, 4, { statesFilter: [] });
  assert.deepEqual(
    listed.groups.map((g) => g.groupId).sort(),
    ['open'],
    'without DESCRIBE on the cluster only describable groups are listed',
  );
  const deleteGroups = await client.request(42, 2, { groupsNames: ['locked'] });
  assert.equal(deleteGroups.results[0]?.errorCode, GAF);
  const offsetDelete = await client.request(47, 0, { groupId: 'locked', topics: [{ name: 't', partitions: [{ partitionIndex: 0 }] }] });
  assert.equal(offsetDelete.errorCode, GAF);

  // DENY DESCRIBE on the cluster: cluster-wide descriptions are refused or empty.
  const acls = await describeAll(client);
  assert.equal(acls.errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  const logDirs = await client.request(35, 4, { topics: null });
  assert.deepEqual([logDirs.errorCode, logDirs.results.length], [ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 0]);
  const logDirsV1 = await client.request(35, 1, { topics: null });
  assert.equal(logDirsV1.results.length, 0);
  const cluster = await client.request(60, 1, { includeClusterAuthorizedOperations: true, endpointType: 1 });
  assert.deepEqual([cluster.errorCode, cluster.clusterAuthorizedOperations, cluster.brokers.length], [ErrorCode.NONE, 0, 1]);
  const clusterNotAsked = await client.request(60, 1, { includeClusterAuthorizedOperations: false, endpointType: 1 });
  assert.equal(clusterNotAsked.clusterAuthorizedOperations, NOT_REQUESTED);
  const meta = await client.request(3, 10, { topics: [], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: true, includeTopicAuthorizedOperations: false });
  assert.equal(meta.clusterAuthorizedOperations, 0);
  const brokerConfigs = await client.request(32, 4, { resources: [{ resourceType: BROKER_CONFIG, resourceName: '1', configurationKeys: null }] });
  assert.equal(brokerConfigs.results[0]?.errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  const brokerAlter = await client.request(44, 1, { resources: [{ resourceType: BROKER_CONFIG, resourceName: '1', configs: [{ name: 'num.partitions', configOperation: 0, value: '2' }] }], validateOnly: true });
  assert.equal(brokerAlter.responses[0]?.errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  const loggerAlter = await client.request(44, 1, { resources: [{ resourceType: 8, resourceName: '1', configs: [{ name: 'root', configOperation: 0, value: 'INFO' }] }], validateOnly: true });
  assert.equal(loggerAlter.responses[0]?.errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  const created = await client.request(30, 3, { creations: [creation({ name: 'x' })] });
  assert.equal(created.results[0]?.errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'the cluster has ACLs now, none allowing ALTER');
  const removed = await client.request(31, 3, { filters: [ANY_FILTER] });
  assert.equal(removed.filterResults[0]?.errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
});

test('allow.everyone.if.no.acl.found=false: prefixed and literal ACLs, DENY over ALLOW, hosts, auto-creation, producers', async (t) => {
  const { client } = await aclBroker(
    t,
    { allowEveryoneIfNoAclFound: false },
    [
      { type: 'TOPIC', name: 'app-', pattern: 'PREFIXED', op: 'ALL' },
      { type: 'TOPIC', name: 'app-readonly', op: 'WRITE', perm: 'DENY' },
      { type: 'TOPIC', name: 'other', op: 'DESCRIBE', host: '127.0.0.1' },
      { type: 'TOPIC', name: 'other', op: 'READ', host: '10.9.9.9' },
      { type: 'TOPIC', name: 'auto-', pattern: 'PREFIXED', op: 'DESCRIBE' },
      { type: 'TOPIC', name: 'auto-ok', pattern: 'PREFIXED', op: 'CREATE' },
      { type: 'TOPIC', name: 'other', op: 'CREATE' },
      { type: 'TOPIC', name: 'hidden', op: 'CREATE' },
      { type: 'TOPIC', name: 'plain', op: 'CREATE' },
      { type: 'CLUSTER', name: 'kafka-cluster', op: 'DESCRIBE' },
    ],
    { config: { autoCreateTopics: true } },
  );
  const TAF = ErrorCode.TOPIC_AUTHORIZATION_FAILED;
  const created = await createTopics(client, ['app-x', 'app-readonly', 'other', 'hidden', 'nope']);
  assert.deepEqual(
    [...created.entries()].map(([name, c]) => [name, c.errorCode]),
    [
      ['app-x', ErrorCode.NONE],
      ['app-readonly', ErrorCode.NONE],
      ['other', ErrorCode.NONE],
      ['hidden', ErrorCode.NONE],
      ['nope', TAF],
    ],
    'CREATE on each topic (no CREATE on the cluster)',
  );
  const configs = await client.request(19, 7, { topics: [{ name: 'app-y', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }, { name: 'plain', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 1000, validateOnly: true });
  assert.deepEqual(
    configs.topics.map((r) => [r.name, r.errorCode, r.topicConfigErrorCode, (r.configs?.length ?? 0) > 0]),
    [
      ['app-y', ErrorCode.NONE, ErrorCode.NONE, true],
      ['plain', ErrorCode.NONE, TAF, false],
    ],
    'configs are returned only with DESCRIBE_CONFIGS on the topic',
  );

  assert.equal(await produceTo(client, 'app-x'), ErrorCode.NONE);
  assert.equal(await produceTo(client, 'app-readonly'), TAF);
  assert.equal(await produceTo(client, 'other'), TAF);
  assert.equal((await fetchFrom(client, 'app-readonly')).errorCode, ErrorCode.NONE);
  assert.equal((await fetchFrom(client, 'other')).errorCode, TAF, 'the READ ACL names another host');
  assert.equal((await fetchFrom(client, 'app-x', 1)).errorCode, TAF, 'a follower fetch needs CLUSTER_ACTION');
  assert.deepEqual(
    (await metadata(client, null)).map((m) => m.name),
    ['app-readonly', 'app-x', 'other'],
  );
  assert.deepEqual(
    (await metadata(client, ['hidden', 'other'])).map((m) => m.errorCode),
    [TAF, ErrorCode.NONE],
  );
  const epochs = await client.request(23, 4, { replicaId: -1, topics: ['hidden', 'app-x'].map((topic) => ({ topic, partitions: [{ partition: 0, currentLeaderEpoch: -1, leaderEpoch: 0 }] })) });
  assert.deepEqual(
    epochs.topics.map((e) => e.partitions[0]?.errorCode),
    [TAF, ErrorCode.NONE],
  );

  const auto = await metadata(client, ['auto-no', 'auto-ok1', 'app-new'], { allowAutoTopicCreation: true });
  assert.deepEqual(
    auto.map((m) => [m.name, m.errorCode, m.partitions.length]),
    [
      ['auto-no', TAF, 0],
      ['auto-ok1', ErrorCode.NONE, 1],
      ['app-new', ErrorCode.NONE, 1],
    ],
  );
  assert.deepEqual(
    (await metadata(client, ['auto-no'])).map((m) => m.errorCode),
    [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    'auto-no was not created',
  );

  const idempotent = await client.request(22, 4, { transactionalId: null, transactionTimeoutMs: 1000, producerId: -1n, producerEpoch: -1 });
  assert.equal(idempotent.errorCode, ErrorCode.NONE, 'WRITE on some topic allows an idempotent producer');
  const transactional = await client.request(22, 4, { transactionalId: 'tx', transactionTimeoutMs: 1000, producerId: -1n, producerEpoch: -1 });
  assert.equal(transactional.errorCode, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  assert.equal(await produceTo(client, 'app-x', { transactional: true, transactionalId: 'tx' }), ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  assert.equal(await produceTo(client, 'app-x', { transactional: true }), ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  const txCoordinator = await client.request(10, 4, { keyType: 1, coordinatorKeys: ['tx'] });
  assert.equal(txCoordinator.coordinators[0]?.errorCode, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);

  const join = await client.request(11, 9, { groupId: 'app-group', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: '', groupInstanceId: null, protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.alloc(0) }], reason: null });
  assert.equal(join.errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED, 'no ACL on the group: denied');
  const brokerConfigs = await client.request(32, 4, { resources: [{ resourceType: BROKER_CONFIG, resourceName: '1', configurationKeys: null }] });
  assert.equal(brokerConfigs.results[0]?.errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'DESCRIBE does not imply DESCRIBE_CONFIGS');
  const acls = await describeAll(client);
  assert.equal(acls.errorCode, ErrorCode.NONE);
  assert.equal(acls.resources.reduce((n, r) => n + r.acls.length, 0), 10);
  const created2 = await client.request(30, 3, { creations: [creation({ name: 'x' })] });
  assert.equal(created2.results[0]?.errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
});

test('allow.everyone.if.no.acl.found=false with no ACLs denies everything; a super user is allowed everything', async (t) => {
  const { client } = await aclBroker(t, { allowEveryoneIfNoAclFound: false });
  assert.deepEqual(await metadata(client, null), []);
  assert.equal((await createTopics(client, ['t'])).get('t')?.errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  assert.equal((await describeAll(client)).errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  const idempotent = await client.request(22, 4, { transactionalId: null, transactionTimeoutMs: 1000, producerId: -1n, producerEpoch: -1 });
  assert.equal(idempotent.errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  assert.deepEqual(await commitOffsets(client, 'g', ['t']), [ErrorCode.GROUP_AUTHORIZATION_FAILED]);

  const root = await aclBroker(t, { allowEveryoneIfNoAclFound: false, superUsers: [ANON] }, [{ type: 'TOPIC', name: '*', op: 'ALL', perm: 'DENY' }]);
  assert.equal((await createTopics(root.client, ['t'])).get('t')?.errorCode, ErrorCode.NONE);
  assert.equal(await produceTo(root.client, 't'), ErrorCode.NONE);
  const fetched = await fetchFrom(root.client, 't');
  assert.equal(fetched.errorCode, ErrorCode.NONE);
  assert.ok(fetched.bytes > 0);
  const made = await root.client.request(30, 3, { creations: [creation({ name: 'more', op: 'ALL', perm: 'DENY' })] });
  assert.equal(made.results[0]?.errorCode, ErrorCode.NONE);
  assert.equal((await describeAll(root.client)).resources.length, 2);
});

test('bad ACL requests: per-binding Kafka errors, unknown codes, and UNKNOWN fields closing the connection', async (t) => {
  const { broker, client } = await aclBroker(t, { allowEveryoneIfNoAclFound: true });
  const raw = (extra: Partial<Loose<CreateAclsRequestAclCreation>>): Loose<CreateAclsRequestAclCreation> => ({ ...creation({}), ...extra });
  const created = await client.request(30, 3, {
    creations: [
      raw({ principal: 'alice' }),
      raw({ resourceType: 99 }),
      raw({ resourceType: 1 }),
      raw({ resourcePatternType: 2 }),
      raw({ resourcePatternType: -3 }),
      raw({ operation: 1 }),
      raw({ operation: 42 }),
      raw({ permissionType: 1 }),
      raw({ resourceType: 4, resourceName: 'cluster' }),
      raw({ resourceName: '' }),
      raw({}),
    ],
  });
  assert.deepEqual(
    created.results.map((r) => [r.errorCode, r.errorMessage]),
    [
      [ErrorCode.INVALID_REQUEST, 'Could not parse principal from `alice` (no colon is present separating the principal type from the principal name)'],
      [ErrorCode.INVALID_REQUEST, 'Invalid resourceType UNKNOWN'],
      [ErrorCode.INVALID_REQUEST, 'Invalid resourceType ANY'],
      [ErrorCode.INVALID_REQUEST, 'Invalid patternType MATCH'],
      [ErrorCode.INVALID_REQUEST, 'Invalid patternType UNKNOWN'],
      [ErrorCode.INVALID_REQUEST, 'Invalid operation ANY'],
      [ErrorCode.INVALID_REQUEST, 'Invalid operation UNKNOWN'],
      [ErrorCode.INVALID_REQUEST, 'Invalid permissionType ANY'],
      [ErrorCode.INVALID_REQUEST, 'The only valid name for the CLUSTER resource is kafka-cluster'],
      [ErrorCode.INVALID_REQUEST, 'Invalid empty resource name'],
      [ErrorCode.NONE, null],
    ],
  );
  const stored = await describeAll(client, 1);
  assert.deepEqual(
    stored.resources.map((r) => [r.resourceType, r.resourceName, r.patternType, r.acls.length]),
    [[2, 'orders', 3, 1]],
    'only the valid binding was created (read back with the classic encoding)',
  );
  const unknownType = await client.request(29, 3, { ...ANY_FILTER, resourceTypeFilter: 99 });
  assert.deepEqual([unknownType.errorCode, unknownType.resources.length], [ErrorCode.NONE, 0]);
  const deleted = await client.request(31, 3, {
    filters: [
      { ...ANY_FILTER, patternTypeFilter: 99 },
      { ...ANY_FILTER, resourceTypeFilter: -1 },
      { ...ANY_FILTER, operation: 99 },
      { ...ANY_FILTER, permissionType: 9 },
    ],
  });
  assert.deepEqual(
    deleted.filterResults.map((r) => [r.errorCode, r.errorMessage]),
    [
      [ErrorCode.INVALID_REQUEST, 'Unknown patternFilter.'],
      [ErrorCode.INVALID_REQUEST, 'Unknown patternFilter.'],
      [ErrorCode.INVALID_REQUEST, 'Unknown entryFilter.'],
      [ErrorCode.INVALID_REQUEST, 'Unknown entryFilter.'],
    ],
  );
  const deletedV1 = await client.request(31, 1, { filters: [ANY_FILTER] });
  assert.deepEqual(
    deletedV1.filterResults[0]?.matchingAcls.map((a) => [a.resourceName, a.principal, a.operation, a.permissionType, a.errorCode]),
    [['orders', ANON, 3, 3, ErrorCode.NONE]],
  );

  // Kafka cannot even parse an ACL request with a field set to UNKNOWN (0): it closes the connection.
  const closing: [string, (c: RawClient) => number][] = [
    ['CreateAcls resource type', (c) => c.send(30, 3, { creations: [creation({}), raw({ resourceType: 0 })] })],
    ['CreateAcls operation', (c) => c.send(30, 2, { creations: [raw({ operation: 0 })] })],
    ['DescribeAcls pattern type', (c) => c.send(29, 3, { ...ANY_FILTER, patternTypeFilter: 0 })],
    ['DescribeAcls permission', (c) => c.send(29, 1, { ...ANY_FILTER, permissionType: 0 })],
    ['DeleteAcls resource type', (c) => c.send(31, 3, { filters: [ANY_FILTER, { ...ANY_FILTER, resourceTypeFilter: 0 }] })],
    ['DeleteAcls operation', (c) => c.send(31, 3, { filters: [{ ...ANY_FILTER, operation: 0 }] })],
  ];
  for (const [what, send] of closing) {
    const c = await RawClient.connect(broker.port);
    send(c);
    assert.equal(await c.nextFrame(), null, `${what}: no answer`);
    assert.ok(await c.waitClosed(), `${what}: connection closed`);
  }
  assert.equal((await describeAll(client)).errorCode, ErrorCode.NONE, 'the broker and other connections carry on');
});
