// Kafka's Java tools on the SASL_SSL listener (MSK's port 9096), configured the way the AWS
// solution's client machine is: one client-sasl.properties with security.protocol=SASL_SSL,
// sasl.mechanism=SCRAM-SHA-512, the ScramLoginModule with a user name and password, and the CA as a
// PEM trust store, given to every tool (--command-config, --producer.config, --consumer.config).
import { check, explain } from '../../../scripts/conformance/process.ts';
import { expect, expectEqual } from '../scenario.ts';
import type { Scenario } from '../scenario.ts';
import { propertiesFile, saslSslProperties, securityOf, withTempDir } from '../security.ts';
import { CLIENT, CONSOLE_CONSUMER, CONSUMER_GROUP_COMMAND, parseEvents, TOPIC_COMMAND, VERIFIABLE_PRODUCER } from './java-tools.ts';

const PARTITIONS = 2;
const COUNT = 300;

export const securityJavaSaslSslScenarios: readonly Scenario[] = [
  {
    name: 'SASL_SSL with SCRAM-SHA-512 (client-sasl.properties): kafka-topics, kafka-verifiable-producer, kafka-console-consumer, kafka-consumer-groups',
    client: CLIENT,
    timeoutMs: 120_000,
    async run(_bootstrap, ctx) {
      const security = securityOf(ctx);
      const bootstrap = security.saslSslBootstrap;
      await withTempDir('sds-sasl-ssl-', async (dir) => {
        const config = await propertiesFile(dir, 'client-sasl.properties', saslSslProperties(security, security.users.alice));
        const topic = ctx.topic('java-sasl-ssl');
        const group = ctx.topic('java-sasl-ssl-group');

        const created = check(
          await ctx.java(TOPIC_COMMAND, [
            '--bootstrap-server', bootstrap, '--command-config', config, '--create', '--topic', topic,
            '--partitions', String(PARTITIONS), '--replication-factor', '1',
          ]),
          'kafka-topics --create over SASL_SSL',
        );
        expect(created.stdout.includes(`Created topic ${topic}.`), `kafka-topics --create printed ${JSON.stringify(created.stdout.trim().slice(0, 300))}`);
        const described = check(
          await ctx.java(TOPIC_COMMAND, ['--bootstrap-server', bootstrap, '--command-config', config, '--describe', '--topic', topic]),
          'kafka-topics --describe over SASL_SSL',
        );
        const count = /PartitionCount:\s*(\d+)/.exec(described.stdout)?.[1];
        expectEqual(Number(count), PARTITIONS, 'PartitionCount');
        ctx.observe('partitions', PARTITIONS);

        const produced = check(
          await ctx.java(
            VERIFIABLE_PRODUCER,
            ['--bootstrap-server', bootstrap, '--producer.config', config, '--topic', topic, '--max-messages', String(COUNT), '--acks', '-1'],
            { timeoutMs: 60_000 },
          ),
          'kafka-verifiable-producer over SASL_SSL',
        );
        const events = parseEvents(produced.stdout);
        const errors = events.filter((e) => e.name === 'producer_send_error');
        expect(errors.length === 0, `${errors.length} producer_send_error, first: ${errors[0]?.exception ?? ''} ${errors[0]?.message ?? ''}`);
        const acked = events.filter((e) => e.name === 'producer_send_success');
        expectEqual(acked.length, COUNT, 'producer_send_success events');
        ctx.observe('acked', acked.length);

        const consumed = check(
          await ctx.java(
            CONSOLE_CONSUMER,
            [
              '--bootstrap-server', bootstrap, '--consumer.config', config, '--topic', topic, '--group', group,
              '--from-beginning', '--max-messages', String(COUNT), '--timeout-ms', '30000',
            ],
            { timeoutMs: 60_000 },
          ),
          'kafka-console-consumer over SASL_SSL',
        );
        const values = consumed.stdout.split('\n').filter((l) => l !== '');
        expect(values.length === COUNT, `kafka-console-consumer read ${values.length} of ${COUNT} records: ${explain(consumed)}`);
        // Two partitions: each in order, interleaved in any way; together every value once.
        expectEqual(
          values.map(Number).sort((a, b) => a - b),
          Array.from({ length: COUNT }, (_, i) => i),
          'values read',
        );
        ctx.observe('consumed', values.length);

        const groups = check(
          await ctx.java(CONSUMER_GROUP_COMMAND, ['--bootstrap-server', bootstrap, '--command-config', config, '--describe', '--group', group]),
          'kafka-consumer-groups --describe over SASL_SSL',
        );
        // GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG CONSUMER-ID HOST CLIENT-ID
        const rows = groups.stdout
          .split('\n')
          .map((l) => l.trim().split(/\s+/))
          .filter((cols) => cols[1] === topic);
        expectEqual(rows.length, PARTITIONS, `rows for ${topic} in kafka-consumer-groups --describe`);
        const committed = rows.reduce((sum, cols) => sum + Number(cols[3]), 0);
        const lag = rows.reduce((sum, cols) => sum + Number(cols[5]), 0);
        expectEqual([committed, lag], [COUNT, 0], 'committed offsets and lag, summed over the partitions');
        ctx.observe('committed', committed);
        ctx.observe('lag', lag);
      });
    },
  },
];
