// `sds topics` and `sds cluster describe` against both servers: the same commands, the same
// answers (apart from ids), and the topics they make look the same to Kafka's own kafka-topics.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../../scripts/conformance/apache-kafka.ts';
import { check } from '../../../scripts/conformance/process.ts';
import { expect, expectEqual } from '../scenario.ts';
import type { Scenario, ScenarioContext } from '../scenario.ts';
import { TOPIC_COMMAND } from './java-tools.ts';

const CLIENT = 'sds client toolkit';
const SDS = join(REPO_ROOT, 'bin/sds.js');

function sds(ctx: ScenarioContext, args: readonly string[]): ReturnType<ScenarioContext['exec']> {
  return ctx.exec(process.execPath, [SDS, ...args, '--bootstrap-server', ctx.bootstrap]);
}

interface DescribedTopic {
  readonly name: string;
  readonly partitions: readonly { partition: number; leader: number; replicas: number[]; isr: number[] }[];
  readonly replicationFactor: number;
  readonly configs: Record<string, string>;
}

export const sdsAdminScenarios: readonly Scenario[] = [
  {
    name: 'sds topics create/list/describe/alter/delete; kafka-topics sees the same',
    client: CLIENT,
    timeoutMs: 90_000,
    async run(_bootstrap, ctx) {
      const topic = ctx.topic('sds-topics');
      const created = check(await sds(ctx, ['topics', 'create', '--topic', topic, '--partitions', '2', '--replication-factor', '1', '--config', 'retention.ms=3600000']), 'sds topics create');
      expectEqual(created.stdout, `Created topic ${topic}.\n`, 'create output');
      const duplicate = await sds(ctx, ['topics', 'create', '--topic', topic]);
      expectEqual(duplicate.code, 1, 'exit code of a second create');
      ctx.observe('duplicate', /already exists/.test(duplicate.stderr));
      const listed = check(await sds(ctx, ['topics', 'list', '--exclude-internal']), 'sds topics list');
      expect(listed.stdout.split('\n').includes(topic), `sds topics list does not show ${topic}`);

      check(await sds(ctx, ['topics', 'alter', '--topic', topic, '--partitions', '3', '--config', 'cleanup.policy=compact', '--delete-config', 'retention.ms']), 'sds topics alter');
      const described = JSON.parse(check(await sds(ctx, ['topics', 'describe', '--topic', topic, '--json']), 'sds topics describe').stdout) as DescribedTopic[];
      const t = described[0];
      expect(t !== undefined, 'no topic described');
      const shape = {
        partitions: t.partitions.map((p) => p.partition),
        led: t.partitions.every((p) => p.leader >= 0 && p.replicas.length === 1 && p.isr.length === 1),
        replicationFactor: t.replicationFactor,
        configs: t.configs,
      };
      expectEqual(shape, { partitions: [0, 1, 2], led: true, replicationFactor: 1, configs: { 'cleanup.policy': 'compact' } }, 'described topic');
      ctx.observe('described', JSON.stringify(shape));

      // Kafka's own tool agrees on the partition count and the override.
      const java = check(await ctx.java(TOPIC_COMMAND, ['--bootstrap-server', ctx.bootstrap, '--describe', '--topic', topic]), 'kafka-topics --describe');
      expect(/PartitionCount:\s*3/.test(java.stdout), `kafka-topics shows ${java.stdout.split('\n')[0] ?? ''}`);
      expect(/cleanup\.policy=compact/.test(java.stdout) && !/retention\.ms/.test(java.stdout), `kafka-topics configs: ${java.stdout.split('\n')[0] ?? ''}`);

      const shrink = await sds(ctx, ['topics', 'alter', '--topic', topic, '--partitions', '1']);
      expectEqual(shrink.code, 1, 'exit code of a partition decrease');
      ctx.observe('shrink', /INVALID_PARTITIONS/.exec(shrink.stderr)?.[0] ?? shrink.stderr.trim());

      expectEqual(check(await sds(ctx, ['topics', 'delete', '--topic', topic]), 'sds topics delete').stdout, `Deleted topic ${topic}.\n`, 'delete output');
      const missing = await sds(ctx, ['topics', 'describe', '--topic', topic]);
      expectEqual(missing.code, 1, 'exit code of describing a deleted topic');
      ctx.observe('missing', /does not exist/.test(missing.stderr));
    },
  },
  {
    name: 'sds cluster describe',
    client: CLIENT,
    async run(_bootstrap, ctx) {
      const topic = ctx.topic('sds-cluster');
      await ctx.createTopic(topic, 2);
      const c = JSON.parse(check(await sds(ctx, ['cluster', 'describe', '--json']), 'sds cluster describe').stdout) as {
        clusterId: string;
        controllerId: number;
        brokers: { nodeId: number; host: string; port: number }[];
        topicCount: number;
        partitionCount: number;
        bootstrap: Record<string, string>;
      };
      expect(/^[A-Za-z0-9_-]{22}$/.test(c.clusterId), `cluster id ${c.clusterId}`);
      expectEqual(c.brokers.length, 1, 'brokers');
      expectEqual(`${c.brokers[0]?.host ?? ''}:${c.brokers[0]?.port ?? 0}`, ctx.bootstrap, 'the broker\'s address');
      expectEqual(c.controllerId, c.brokers[0]?.nodeId, 'controller');
      expect(c.topicCount >= 1 && c.partitionCount >= 2, `counts ${c.topicCount}/${c.partitionCount}`);
      expectEqual(c.bootstrap, { PLAINTEXT: ctx.bootstrap }, 'bootstrap brokers');
      ctx.observe('brokers', c.brokers.length);
    },
  },
  {
    name: 'sds with SASL/SCRAM-SHA-512 (client-sasl.properties): the right password works, a wrong one says so',
    client: CLIENT,
    async run(_bootstrap, ctx) {
      const sasl = ctx.sasl;
      expect(sasl !== undefined, 'the server has no SASL listener');
      const dir = await mkdtemp(join(tmpdir(), 'sds-sasl-'));
      try {
        const file = join(dir, 'client-sasl.properties');
        const properties = (password: string): string =>
          [
            'security.protocol=SASL_PLAINTEXT',
            `sasl.mechanism=${sasl.mechanism}`,
            `sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${sasl.username}" password="${password}";`,
          ].join('\n');
        await writeFile(file, properties(sasl.password));
        const topic = ctx.topic('sds-sasl');
        const args = ['--bootstrap-server', sasl.bootstrap, '--command-config', file];
        check(await ctx.exec(process.execPath, [SDS, 'topics', 'create', '--topic', topic, '--partitions', '1', ...args]), 'sds topics create over SASL/SCRAM');
        const listed = check(await ctx.exec(process.execPath, [SDS, 'topics', 'list', ...args]), 'sds topics list over SASL/SCRAM');
        expect(listed.stdout.split('\n').includes(topic), `the topic is not listed: ${listed.stdout.slice(0, 200)}`);

        await writeFile(file, properties('wrong-password'));
        const refused = await ctx.exec(process.execPath, [SDS, 'topics', 'list', ...args]);
        expectEqual(refused.code, 1, 'exit code with a wrong password');
        expect(
          /authentication with \S+ failed .*Check the user name and password.*\[SDS_ERR_CLIENT_AUTH\]/.test(refused.stderr),
          `unclear message: ${refused.stderr.trim().slice(0, 300)}`,
        );
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  },
];
