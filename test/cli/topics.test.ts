/** `sds topics` and `sds cluster describe` against the embedded broker over TCP. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker } from '../../src/broker/broker.ts';
import { runSds } from '../support/sds-cli.ts';

test('sds topics: create, list, describe, alter, delete, with kafka-topics\' output', { timeout: 120_000 }, async () => {
  const broker = await startBroker({ port: 0 });
  const b = ['--bootstrap-server', broker.bootstrap];
  try {
    const created = await runSds(['topics', 'create', ...b, '--topic', 'MyTopic', '--partitions', '2', '--replication-factor', '1', '--config', 'retention.ms=86400000']);
    assert.equal(created.code, 0, created.stderr);
    assert.equal(created.stdout, 'Created topic MyTopic.\n');

    const again = await runSds(['topics', 'create', ...b, '--topic', 'MyTopic']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /topic MyTopic already exists .*--if-not-exists.*\[SDS_ERR_TOPIC_EXISTS\]/);
    assert.equal((await runSds(['topics', 'create', ...b, '--topic', 'MyTopic', '--if-not-exists'])).stdout, 'Topic MyTopic already exists.\n');

    assert.equal((await runSds(['topics', 'create', ...b, '--topic', 'Other'])).code, 0, 'partition count and replication factor default to the broker\'s');
    assert.equal((await runSds(['topics', 'list', ...b])).stdout, 'MyTopic\nOther\n');

    const described = await runSds(['topics', 'describe', ...b, '--topic', 'MyTopic']);
    assert.equal(described.code, 0, described.stderr);
    const lines = described.stdout.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^Topic: MyTopic\tTopicId: \S+\tPartitionCount: 2\tReplicationFactor: 1\tConfigs: retention.ms=86400000$/);
    assert.deepEqual(lines.slice(1), ['\tTopic: MyTopic\tPartition: 0\tLeader: 1\tReplicas: 1\tIsr: 1', '\tTopic: MyTopic\tPartition: 1\tLeader: 1\tReplicas: 1\tIsr: 1']);

    const altered = await runSds(['topics', 'alter', ...b, '--topic', 'MyTopic', '--partitions', '3', '--config', 'cleanup.policy=compact', '--delete-config', 'retention.ms']);
    assert.equal(altered.code, 0, altered.stderr);
    const json = JSON.parse((await runSds(['topics', 'describe', ...b, '--json'])).stdout) as { name: string; partitions: unknown[]; configs: Record<string, string> }[];
    assert.deepEqual(json.map((t) => [t.name, t.partitions.length, t.configs]), [
      ['MyTopic', 3, { 'cleanup.policy': 'compact' }],
      ['Other', 1, {}],
    ]);

    const shrink = await runSds(['topics', 'alter', ...b, '--topic', 'MyTopic', '--partitions', '2']);
    assert.equal(shrink.code, 1);
    assert.match(shrink.stderr, /INVALID_PARTITIONS/);

    const cluster = await runSds(['cluster', 'describe', ...b, '--json']);
    assert.equal(cluster.code, 0, cluster.stderr);
    assert.deepEqual(JSON.parse(cluster.stdout), {
      clusterId: broker.clusterId,
      controllerId: 1,
      brokers: [{ nodeId: 1, host: broker.host, port: broker.port, rack: null }],
      topicCount: 2,
      partitionCount: 4,
      bootstrap: { PLAINTEXT: broker.bootstrap },
    });

    assert.equal((await runSds(['topics', 'delete', ...b, '--topic', 'MyTopic'])).stdout, 'Deleted topic MyTopic.\n');
    const gone = await runSds(['topics', 'delete', ...b, '--topic', 'MyTopic']);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /topic MyTopic does not exist/);
    assert.equal((await runSds(['topics', 'delete', ...b, '--topic', 'MyTopic', '--if-exists'])).code, 0);
    assert.equal((await runSds(['topics', 'list', ...b])).stdout, 'Other\n');
  } finally {
    await broker.stop();
  }
});

test('sds topics: bad flags exit 2; refused requests, missing topics and unreachable brokers exit 1 with a reason', { timeout: 120_000 }, async () => {
  const broker = await startBroker({ port: 0 });
  const b = ['--bootstrap-server', broker.bootstrap];
  const dir = await mkdtemp(join(tmpdir(), 'sds-topics-'));
  try {
    for (const args of [
      ['topics', 'create', ...b],
      ['topics', 'create', ...b, '--topic', 't', '--partitions', '0'],
      ['topics', 'create', ...b, '--topic', 't', '--partitions', 'many'],
      ['topics', 'create', ...b, '--topic', 't', '--config', 'novalue'],
      ['topics', 'create', ...b, '--topic', 't', '--no-such-flag'],
      ['topics', 'alter', ...b, '--topic', 't'],
      ['topics', 'frobnicate'],
    ]) {
      const r = await runSds(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /sds --help|error:/, args.join(' '));
    }
    const rf = await runSds(['topics', 'create', ...b, '--topic', 'rf', '--replication-factor', '3']);
    assert.equal(rf.code, 1);
    assert.match(rf.stderr, /INVALID_REPLICATION_FACTOR/);
    const missing = await runSds(['topics', 'describe', ...b, '--topic', 'nope']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /topic nope does not exist/);

    const badBootstrap = await runSds(['topics', 'list', '--bootstrap-server', 'localhost']);
    assert.equal(badBootstrap.code, 1);
    assert.match(badBootstrap.stderr, /bootstrap server "localhost" is not host:port/);

    const unreachable = await runSds(['topics', 'list', '--bootstrap-server', '127.0.0.1:1']);
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.stderr, /cannot reach Kafka at 127\.0\.0\.1:1: connection refused.*\[SDS_ERR_CLIENT_UNREACHABLE\]/);

    const noFile = await runSds(['topics', 'list', ...b, '--command-config', join(dir, 'missing.properties')]);
    assert.equal(noFile.code, 1);
    assert.match(noFile.stderr, /cannot read the client config file .*missing\.properties: no such file/);

    const props = join(dir, 'client.properties');
    await writeFile(props, 'security.protocol=SASL_PLAINTEXT\nsasl.mechanism=SCRAM-SHA-512\n');
    const noCreds = await runSds(['topics', 'list', ...b, '--command-config', props]);
    assert.equal(noCreds.code, 1);
    assert.match(noCreds.stderr, /needs sasl.jaas.config with username/);

    await writeFile(props, `bootstrap.servers=${broker.bootstrap}\nclient.id=from-file\nlinger.ms=5\n`);
    const fromFile = await runSds(['topics', 'list', '--command-config', props]);
    assert.equal(fromFile.code, 0, fromFile.stderr);
    assert.match(fromFile.stderr, /ignoring client properties not used by sds: linger.ms/);

    const config = join(dir, 'sds.config.yaml');
    await writeFile(config, `profiles:\n  local:\n    bootstrap: ${broker.bootstrap}\n    commandConfig: client.properties\n`);
    const viaProfile = await runSds(['topics', 'list', '--profile', 'local', '--config-file', config]);
    assert.equal(viaProfile.code, 0, viaProfile.stderr);
    const unknownProfile = await runSds(['topics', 'list', '--profile', 'prod', '--config-file', config]);
    assert.equal(unknownProfile.code, 1);
    assert.match(unknownProfile.stderr, /has no profile "prod" \(profiles: local\)/);
  } finally {
    await rm(dir, { recursive: true, force: true });
    await broker.stop();
  }
});
