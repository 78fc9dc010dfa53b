// kafka-acls as the super user (User:admin over SASL_SSL, --command-config), and a consumer as
// User:bob (SCRAM-SHA-512) whose access follows the ACLs: with allow.everyone.if.no.acl.found=true
// (MSK's setting) a resource is open until it has an ACL, so the topic and the group first get ACLs
// for User:carol; bob is then refused (TOPIC_AUTHORIZATION_FAILED, then GROUP_AUTHORIZATION_FAILED
// once he may read the topic), reads everything once he may read both, and is refused again after
// --remove.
import { check } from '../../../scripts/conformance/process.ts';
import type { RunResult } from '../../../scripts/conformance/process.ts';
import { expect, expectEqual, setup } from '../scenario.ts';
import type { Scenario } from '../scenario.ts';
import { describeAcls, javaExceptions, kafkaAcls, outputTail, parseAclList, propertiesFile, saslSslProperties, securityOf, withTempDir } from '../security.ts';
import { CLIENT, CONSOLE_CONSUMER, parseEvents, VERIFIABLE_PRODUCER } from './java-tools.ts';

const COUNT = 40;

/** Kafka's error names for the exceptions the consumer prints. */
const ERROR_NAMES: Readonly<Record<string, string>> = {
  TopicAuthorizationException: 'TOPIC_AUTHORIZATION_FAILED',
  GroupAuthorizationException: 'GROUP_AUTHORIZATION_FAILED',
  ClusterAuthorizationException: 'CLUSTER_AUTHORIZATION_FAILED',
};

/** What a consumer run ended with: the records it printed, and the authorization error names it reported. */
function consumerOutcome(result: RunResult): { values: string[]; errors: string[] } {
  return {
    values: result.stdout.split('\n').filter((l) => l !== ''),
    errors: javaExceptions(result).map((e) => ERROR_NAMES[e] ?? e),
  };
}

export const securityAclScenarios: readonly Scenario[] = [
  {
    name: 'kafka-acls --add/--list/--remove as User:admin; a consumer as User:bob is refused, then allowed, then refused again',
    client: CLIENT,
    timeoutMs: 180_000,
    async run(_bootstrap, ctx) {
      const security = securityOf(ctx);
      const bootstrap = security.saslSslBootstrap;
      const topic = ctx.topic('acl-topic');
      const group = ctx.topic('acl-group');
      const labels = { [topic]: 'T', [group]: 'G' };
      await setup('create topic', () => ctx.createTopic(topic, 1));
      await withTempDir('sds-acls-', async (dir) => {
        const admin = await propertiesFile(dir, 'admin.properties', saslSslProperties(security, security.users.admin));
        const bob = await propertiesFile(dir, 'bob.properties', saslSslProperties(security, security.users.bob));
        await setup('produce records as User:admin', async () => {
          const produced = check(
            await ctx.java(VERIFIABLE_PRODUCER, ['--bootstrap-server', bootstrap, '--producer.config', admin, '--topic', topic, '--max-messages', String(COUNT)]),
            'kafka-verifiable-producer as User:admin',
          );
          expectEqual(parseEvents(produced.stdout).filter((e) => e.name === 'producer_send_success').length, COUNT, 'acknowledged records');
        });

        const acls = (what: string, args: string[]): Promise<RunResult> => kafkaAcls(ctx, admin, args, what);
        const list = async (): Promise<string> => {
          const topicAcls = await acls('kafka-acls --list --topic', ['--list', '--topic', topic]);
          const groupAcls = await acls('kafka-acls --list --group', ['--list', '--group', group]);
          return describeAcls([...parseAclList(topicAcls.stdout), ...parseAclList(groupAcls.stdout)], labels);
        };
        const consumeAsBob = async (): Promise<{ values: string[]; errors: string[] }> => {
          const result = await ctx.java(
            CONSOLE_CONSUMER,
            ['--bootstrap-server', bootstrap, '--consumer.config', bob, '--topic', topic, '--group', group, '--from-beginning', '--max-messages', String(COUNT), '--timeout-ms', '15000'],
            { timeoutMs: 45_000 },
          );
          expect(!result.timedOut, 'kafka-console-consumer as User:bob timed out');
          const outcome = consumerOutcome(result);
          ctx.log(`bob: ${outcome.values.length} records, errors ${outcome.errors.join(',')}; ${outputTail(result, 2)}`);
          return outcome;
        };

        expectEqual(await list(), '', 'ACLs before the scenario added any');

        // The topic and the group get ACLs for carol: allow.everyone.if.no.acl.found no longer applies to them.
        await acls('kafka-acls --add (carol)', ['--add', '--allow-principal', 'User:carol', '--operation', 'Read', '--topic', topic, '--group', group]);
        const denied = await consumeAsBob();
        expectEqual(denied.values.length, 0, 'records read by bob without an ACL');
        expect(denied.errors.length > 0, 'the consumer as bob reported no error without an ACL');
        ctx.observe('before-add', denied.errors.join(','));

        await acls('kafka-acls --add (bob on the topic)', ['--add', '--allow-principal', 'User:bob', '--operation', 'Read', '--operation', 'Describe', '--topic', topic]);
        const groupDenied = await consumeAsBob();
        expectEqual(groupDenied.values.length, 0, 'records read by bob with an ACL on the topic only');
        expect(groupDenied.errors.length > 0, 'the consumer as bob reported no error without an ACL on the group');
        ctx.observe('topic-only', groupDenied.errors.join(','));

        await acls('kafka-acls --add (bob on the group)', ['--add', '--allow-principal', 'User:bob', '--operation', 'Read', '--group', group]);
        const afterAdd = await list();
        ctx.observe('acls-after-add', afterAdd);
        expect(afterAdd.includes('TOPIC:T:LITERAL ALLOW User:bob READ') && afterAdd.includes('GROUP:G:LITERAL ALLOW User:bob READ'), `kafka-acls --list shows ${afterAdd}`);
        const allowed = await consumeAsBob();
        expectEqual(allowed.errors, [], 'errors of the consumer as bob with both ACLs');
        expectEqual(allowed.values, Array.from({ length: COUNT }, (_, i) => String(i)), 'records read by bob with both ACLs');
        ctx.observe('after-add', allowed.values.length);

        await acls('kafka-acls --remove (bob on the topic)', ['--remove', '--force', '--allow-principal', 'User:bob', '--operation', 'Read', '--operation', 'Describe', '--topic', topic]);
        const afterRemove = await list();
        ctx.observe('acls-after-remove', afterRemove);
        expect(!afterRemove.includes('TOPIC:T:LITERAL ALLOW User:bob'), `bob's topic ACLs are still listed: ${afterRemove}`);
        const removed = await consumeAsBob();
        expectEqual(removed.values.length, 0, 'records read by bob after --remove');
        expect(removed.errors.length > 0, 'the consumer as bob reported no error after --remove');
        ctx.observe('after-remove', removed.errors.join(','));

        // --remove with only the resource removes every ACL on it.
        await acls('kafka-acls --remove (all on the topic and group)', ['--remove', '--force', '--topic', topic, '--group', group]);
        expectEqual(await list(), '', 'ACLs after removing all of them');
      });
    },
  },
];
