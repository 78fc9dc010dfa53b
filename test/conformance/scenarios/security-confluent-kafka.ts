// confluent-kafka for Python with SCRAM-SHA-512 on the SASL_SSL listener (MSK's 9096): the
// suite's librdkafka client that logs in with the right password. Debian's kcat links librdkafka
// 2.0.2, whose SCRAM proof Kafka 4.x refuses (librdkafka#4895, fixed in 2.6.1; see
// security-kcat.ts); the confluent-kafka wheel bundles a librdkafka after the fix.
//
// librdkafka logs in with SaslHandshake v1 and SaslAuthenticate requests, produces with an
// idempotent producer (InitProducerId, acks=all) and consumes through the classic group protocol
// with a synchronous commit, all over TLS.
import { join } from 'node:path';
import { REPO_ROOT } from '../../../scripts/conformance/apache-kafka.ts';
import { check } from '../../../scripts/conformance/process.ts';
import type { RunResult } from '../../../scripts/conformance/process.ts';
import type { ScramUser, ServerSecurity } from '../../../scripts/conformance/security.ts';
import { expect, expectEqual, setup } from '../scenario.ts';
import type { Scenario, ScenarioContext } from '../scenario.ts';
import { securityOf } from '../security.ts';
import { confluentKafka, versions } from '../versions.ts';

const PEER = join(REPO_ROOT, 'test/conformance/peers/confluent_kafka_sasl_peer.py');
const COUNT = 60;
const PARTITIONS = 3;

interface ProduceConsumeReport {
  /** [record index, partition, offset], in the order the delivery reports came. */
  readonly delivered: readonly (readonly [number, number, number])[];
  readonly deliveryErrors: readonly (readonly [number, string])[];
  readonly undelivered: number;
  /** [partition, offset, key, value], in the order polled. */
  readonly read: readonly (readonly [number, number, string, string])[];
  /** partition → committed offset, as the group coordinator gave it back. */
  readonly committed: Readonly<Record<string, number>>;
  /** Error names librdkafka's error callback got. */
  readonly errors: readonly string[];
}

interface LoginReport {
  readonly listed: boolean;
  /** [name, message] of each error the error callback got (names only when listed). */
  readonly errors: readonly (readonly [string, string] | string)[];
  /** The KafkaError name AdminClient.list_topics raised. */
  readonly call?: string;
}

/** Runs the peer with the password in its environment (never on its command line), and checks it printed no password. */
async function peer(ctx: ScenarioContext, user: ScramUser, args: readonly string[], what: string): Promise<RunResult> {
  expect(confluentKafka !== null, 'confluent-kafka is not installed (bash scripts/conformance/install.sh)');
  const result = check(
    await ctx.exec(confluentKafka.python, [PEER, ...args], { timeoutMs: 90_000, env: { ...process.env, SCRAM_PASSWORD: user.password } }),
    what,
  );
  expect(!`${result.stdout}\n${result.stderr}`.includes(user.password), `${what} printed the password`);
  return result;
}

function lastJson(result: RunResult): unknown {
  return JSON.parse(result.stdout.trim().split('\n').pop() ?? '{}');
}

async function login(ctx: ScenarioContext, security: ServerSecurity, user: ScramUser): Promise<LoginReport> {
  const result = await peer(
    ctx,
    user,
    ['login', security.saslSslBootstrap, security.mechanism, user.username, join(security.certsDir, 'ca.pem')],
    `confluent_kafka_sasl_peer.py login (${user.username})`,
  );
  return lastJson(result) as LoginReport;
}

/**
 * How librdkafka reported a refused login: the names of the distinct errors its error callback got
 * (a refusal, and "all brokers down" after it), and the refusal's message less the broker's
 * address ("sasl_ssl://127.0.0.1:PORT/bootstrap: "), which differs per server.
 */
function refusal(report: LoginReport): { names: string; message: string } {
  const errors = report.errors.filter((e): e is readonly [string, string] => typeof e !== 'string');
  const authentication = errors.find(([name]) => name === '_AUTHENTICATION');
  expect(authentication !== undefined, `no _AUTHENTICATION error was reported: ${JSON.stringify(report).slice(0, 300)}`);
  return {
    names: [...new Set(errors.map(([name]) => name))].join(', '),
    message: authentication[1].replace(/\b(sasl_ssl|ssl):\/\/\S+?: /gi, ''),
  };
}

export const securityConfluentKafkaScenarios: readonly Scenario[] = [
  {
    name: 'SCRAM-SHA-512 over SASL_SSL: idempotent produce (acks=all) and group consume; a wrong password and an unknown user are refused',
    client: `confluent-kafka ${versions.confluentKafka} (librdkafka ${versions.confluentLibrdkafka})`,
    timeoutMs: 180_000,
    async run(_bootstrap, ctx) {
      const security = securityOf(ctx);
      const bob = security.users.bob;
      const topic = ctx.topic('confluent-kafka-sasl-ssl');
      const group = ctx.topic('confluent-kafka-sasl-ssl-group');
      await setup('create topic', () => ctx.createTopic(topic, PARTITIONS));

      const result = await peer(
        ctx,
        bob,
        ['produce-consume', security.saslSslBootstrap, security.mechanism, bob.username, join(security.certsDir, 'ca.pem'), topic, String(COUNT), group],
        'confluent_kafka_sasl_peer.py produce-consume (bob)',
      );
      const report = lastJson(result) as ProduceConsumeReport;
      ctx.log(`errors: ${report.errors.join(', ') || 'none'}; stderr: ${result.stderr.trim().slice(0, 300)}`);
      expectEqual(report.deliveryErrors, [], 'delivery errors');
      expectEqual(report.undelivered, 0, 'records still queued after flush');
      expectEqual(
        [...report.delivered].map(([i]) => i).sort((a, b) => a - b),
        Array.from({ length: COUNT }, (_, i) => i),
        'records delivered (index)',
      );

      // The idempotent producer keeps each partition in send order: record i's offset is the
      // number of earlier records sent to its partition.
      const partitionOf = new Map<number, number>();
      const offsetOf = new Map<number, number>();
      for (const [i, partition, offset] of report.delivered) {
        partitionOf.set(i, partition);
        offsetOf.set(i, offset);
      }
      const sent = new Map<number, number[]>();
      for (let i = 0; i < COUNT; i++) {
        const partition = partitionOf.get(i) as number;
        expect(partition >= 0 && partition < PARTITIONS, `record ${i} delivered to partition ${partition}`);
        const list = sent.get(partition) ?? [];
        expectEqual(offsetOf.get(i), list.length, `offset of record ${i} (partition ${partition})`);
        list.push(i);
        sent.set(partition, list);
      }

      // The group read every record once, each partition in offset order.
      expectEqual(report.read.length, COUNT, 'records read by the group');
      for (let partition = 0; partition < PARTITIONS; partition++) {
        const read = report.read.filter(([p]) => p === partition).map(([, offset, key, value]) => [offset, key, value]);
        const expected = (sent.get(partition) ?? []).map((i, offset) => [offset, `k-${i}`, `v-${i}`]);
        expectEqual(read, expected, `records read from partition ${partition} (offset, key, value)`);
      }
      const perPartition = Array.from({ length: PARTITIONS }, (_, p) => `${p}:${sent.get(p)?.length ?? 0}`).join(' ');
      const committed = Object.fromEntries(
        Array.from({ length: PARTITIONS }, (_, p) => [String(p), sent.get(p)?.length ?? 0] as const).filter(([, n]) => n > 0),
      );
      expectEqual(report.committed, committed, 'offsets committed by the group (partition → next offset)');
      ctx.observe('records', report.read.length);
      ctx.observe('records-per-partition', perPartition);
      ctx.observe('committed', JSON.stringify(report.committed));
      ctx.observe('client-errors', report.errors.join(', '));

      const wrong = await login(ctx, security, { username: bob.username, password: 'not-bobs-password' });
      expect(!wrong.listed, 'a wrong password was accepted');
      const unknown = await login(ctx, security, { username: 'mallory', password: 'mallory-secret' });
      expect(!unknown.listed, 'an unknown user was accepted');
      ctx.log(`wrong password: ${JSON.stringify(wrong)}; unknown user: ${JSON.stringify(unknown)}`);
      for (const [key, report] of [['wrong-password', wrong], ['unknown-user', unknown]] as const) {
        const { names, message } = refusal(report);
        ctx.observe(`${key}-errors`, names);
        ctx.observe(`${key}-message`, message);
        ctx.observe(`${key}-list-topics`, report.call ?? '');
      }
      ctx.note(`records per partition ${perPartition}, all read back in order and committed`);
    },
  },
];
