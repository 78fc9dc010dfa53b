// Mutual TLS on the SSL listener (MSK's TLS port with client authentication): Kafka's console
// producer and consumer with the properties files `sds certs create` writes
// (client-mtls-NAME.properties: a PEM trust store and a PEM key store). The broker names a
// certificate's holder User:CN=NAME, and ACLs on that principal decide what it may do: User:CN=client
// is allowed to write and read the topic, User:CN=other is denied it, and a client without a
// certificate does not get past the TLS handshake.
import { check, explain } from '../../../scripts/conformance/process.ts';
import { expect, expectEqual, setup } from '../scenario.ts';
import type { Scenario } from '../scenario.ts';
import {
  describeAcls,
  FAIL_FAST,
  javaExceptions,
  kafkaAcls,
  mtlsPropertiesPath,
  outputTail,
  parseAclList,
  propertiesFile,
  saslSslProperties,
  securityOf,
  sslProperties,
  withTempDir,
} from '../security.ts';
import { CLIENT, CONSOLE_CONSUMER, CONSOLE_PRODUCER, TOPIC_COMMAND } from './java-tools.ts';

const COUNT = 50;

export const securityMtlsScenarios: readonly Scenario[] = [
  {
    name: 'mutual TLS (client-mtls-*.properties): ACLs on User:CN=client allow it, a DENY stops User:CN=other, no certificate is refused',
    client: CLIENT,
    timeoutMs: 150_000,
    async run(_bootstrap, ctx) {
      const security = securityOf(ctx);
      const bootstrap = security.sslBootstrap;
      const client = mtlsPropertiesPath(security, 'client');
      const other = mtlsPropertiesPath(security, 'other');
      const topic = ctx.topic('mtls');
      const group = ctx.topic('mtls-group');
      const otherGroup = ctx.topic('mtls-other-group');
      await setup('create topic', () => ctx.createTopic(topic, 1));
      await withTempDir('sds-mtls-', async (dir) => {
        const admin = await propertiesFile(dir, 'admin.properties', saslSslProperties(security, security.users.admin));
        await setup('kafka-acls --add as User:admin', async () => {
          await kafkaAcls(ctx, admin, [
            '--add', '--allow-principal', 'User:CN=client', '--operation', 'Write', '--operation', 'Read', '--operation', 'Describe', '--topic', topic,
          ], 'kafka-acls --add (User:CN=client on the topic)');
          await kafkaAcls(ctx, admin, ['--add', '--allow-principal', 'User:CN=client', '--operation', 'Read', '--group', group], 'kafka-acls --add (User:CN=client on the group)');
          await kafkaAcls(ctx, admin, ['--add', '--deny-principal', 'User:CN=other', '--operation', 'All', '--topic', topic], 'kafka-acls --add (DENY User:CN=other)');
        });
        const listed = await kafkaAcls(ctx, admin, ['--list', '--topic', topic], 'kafka-acls --list --topic');
        const acls = describeAcls(parseAclList(listed.stdout), { [topic]: 'mtls' });
        expect(acls.includes('ALLOW User:CN=client WRITE') && acls.includes('DENY User:CN=other ALL'), `kafka-acls --list shows ${acls}`);
        ctx.observe('acls', acls);

        const input = Array.from({ length: COUNT }, (_, i) => `mtls-${i}\n`).join('');
        const produced = check(
          await ctx.java(CONSOLE_PRODUCER, ['--bootstrap-server', bootstrap, '--producer.config', client, '--topic', topic, '--producer-property', 'acks=all'], { input }),
          'kafka-console-producer as User:CN=client',
        );
        expectEqual(javaExceptions(produced), [], 'exceptions printed by kafka-console-producer as User:CN=client');
        const consumed = check(
          await ctx.java(
            CONSOLE_CONSUMER,
            ['--bootstrap-server', bootstrap, '--consumer.config', client, '--topic', topic, '--group', group, '--from-beginning', '--max-messages', String(COUNT), '--timeout-ms', '20000'],
            { timeoutMs: 45_000 },
          ),
          'kafka-console-consumer as User:CN=client',
        );
        const values = consumed.stdout.split('\n').filter((l) => l !== '');
        expect(values.length === COUNT, `User:CN=client read ${values.length} of ${COUNT} records: ${explain(consumed)}`);
        expectEqual(values, Array.from({ length: COUNT }, (_, i) => `mtls-${i}`), 'values read by User:CN=client');
        ctx.observe('client-read', values.length);

        // User:CN=other: a certificate the broker trusts, a principal the ACLs deny.
        const otherRead = await ctx.java(
          CONSOLE_CONSUMER,
          ['--bootstrap-server', bootstrap, '--consumer.config', other, '--topic', topic, '--group', otherGroup, '--from-beginning', '--max-messages', '1', '--timeout-ms', '10000'],
          { timeoutMs: 45_000 },
        );
        expectEqual(otherRead.stdout.trim(), '', 'records read by User:CN=other');
        const otherReadErrors = javaExceptions(otherRead);
        expect(otherReadErrors.length > 0, `kafka-console-consumer as User:CN=other printed no error: ${outputTail(otherRead)}`);
        ctx.observe('other-read', otherReadErrors.join(','));

        const otherWrite = await ctx.java(
          CONSOLE_PRODUCER,
          ['--bootstrap-server', bootstrap, '--producer.config', other, '--topic', topic, '--producer-property', 'max.block.ms=10000', '--producer-property', 'delivery.timeout.ms=10000', '--producer-property', 'request.timeout.ms=5000'],
          { input: 'from-other\n', timeoutMs: 45_000 },
        );
        const otherWriteErrors = javaExceptions(otherWrite);
        expect(otherWriteErrors.length > 0, `kafka-console-producer as User:CN=other printed no error: ${outputTail(otherWrite)}`);
        ctx.observe('other-write', otherWriteErrors.join(','));

        // The topic still holds only User:CN=client's records.
        const recount = check(
          await ctx.java(CONSOLE_CONSUMER, [
            '--bootstrap-server', bootstrap, '--consumer.config', client, '--topic', topic, '--partition', '0', '--offset', 'earliest', '--max-messages', String(COUNT + 1), '--timeout-ms', '5000',
          ], { timeoutMs: 45_000 }),
          'kafka-console-consumer as User:CN=client (recount)',
        );
        expectEqual(recount.stdout.split('\n').filter((l) => l !== '').length, COUNT, 'records in the topic after User:CN=other tried to write');

        // No client certificate on a listener that requires one: the TLS handshake fails.
        const anonymous = await propertiesFile(dir, 'client-ssl.properties', sslProperties(security, FAIL_FAST));
        const refused = await ctx.java(TOPIC_COMMAND, ['--bootstrap-server', bootstrap, '--command-config', anonymous, '--list'], { timeoutMs: 45_000 });
        expect(!refused.timedOut, 'kafka-topics without a client certificate timed out');
        expect(refused.code !== 0, `kafka-topics without a client certificate exited 0: ${refused.stdout.slice(0, 200)}`);
        const refusedErrors = javaExceptions(refused);
        expect(refusedErrors.length > 0, `kafka-topics without a client certificate printed no Kafka exception: ${outputTail(refused)}`);
        ctx.observe('no-certificate', refusedErrors[0] ?? '');
      });
    },
  },
];
