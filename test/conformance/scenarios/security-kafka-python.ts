// kafka-python with SASL/SCRAM-SHA-512, on the SASL_SSL listener (MSK's 9096) and on the
// SASL_PLAINTEXT one. kafka-python 2.0.x logs in with a version 0 SaslHandshake followed by bare
// SCRAM tokens (no SaslAuthenticate requests), which a broker must still accept.
import { join } from 'node:path';
import { REPO_ROOT } from '../../../scripts/conformance/apache-kafka.ts';
import { check } from '../../../scripts/conformance/process.ts';
import type { ScramUser, ServerSecurity } from '../../../scripts/conformance/security.ts';
import { expect, expectEqual, setup } from '../scenario.ts';
import type { Scenario, ScenarioContext } from '../scenario.ts';
import { securityOf } from '../security.ts';
import { kafkaPython, versions } from '../versions.ts';

const PEER = join(REPO_ROOT, 'test/conformance/peers/kafka_python_sasl_peer.py');
const COUNT = 20;

interface PeerReport {
  readonly error?: string;
  readonly acked?: readonly number[];
  readonly read?: readonly (readonly [number, string, string])[];
}

async function peer(
  ctx: ScenarioContext,
  security: ServerSecurity,
  protocol: 'SASL_SSL' | 'SASL_PLAINTEXT',
  user: ScramUser,
  topic: string,
  count: number,
): Promise<PeerReport> {
  expect(kafkaPython !== null, 'kafka-python is not installed (bash scripts/conformance/install.sh)');
  const bootstrap = protocol === 'SASL_SSL' ? security.saslSslBootstrap : security.saslPlaintextBootstrap;
  const result = check(
    await ctx.exec(
      kafkaPython.python,
      [PEER, bootstrap, protocol, security.mechanism, user.username, user.password, join(security.certsDir, 'ca.pem'), topic, String(count)],
      { timeoutMs: 60_000 },
    ),
    `kafka_python_sasl_peer.py (${protocol}, ${user.username})`,
  );
  return JSON.parse(result.stdout.trim().split('\n').pop() ?? '{}') as PeerReport;
}

function produceAndConsume(protocol: 'SASL_SSL' | 'SASL_PLAINTEXT'): Scenario {
  return {
    name: `SCRAM-SHA-512 over ${protocol}: produce and consume; a wrong password and an unknown user are refused`,
    client: `kafka-python ${versions.kafkaPython}`,
    timeoutMs: 120_000,
    async run(_bootstrap, ctx) {
      const security = securityOf(ctx);
      const topic = ctx.topic(`kafka-python-${protocol.toLowerCase().replace('_', '-')}`);
      await setup('create topic', () => ctx.createTopic(topic, 1));
      const ok = await peer(ctx, security, protocol, security.users.bob, topic, COUNT);
      expect(ok.error === undefined, `bob could not log in: ${ok.error ?? ''}`);
      expectEqual(ok.acked, Array.from({ length: COUNT }, (_, i) => i), 'acknowledged offsets');
      expectEqual(ok.read, Array.from({ length: COUNT }, (_, i) => [i, `k-${i}`, `v-${i}`]), 'records read (offset, key, value)');
      ctx.observe('records', ok.read?.length ?? 0);

      const wrong = await peer(ctx, security, protocol, { username: 'bob', password: 'not-bobs-password' }, topic, 0);
      expect(wrong.error !== undefined, 'a wrong password was accepted');
      ctx.observe('wrong-password', wrong.error);
      const unknown = await peer(ctx, security, protocol, { username: 'mallory', password: 'mallory-secret' }, topic, 0);
      expect(unknown.error !== undefined, 'an unknown user was accepted');
      ctx.observe('unknown-user', unknown.error);
    },
  };
}

export const securityKafkaPythonScenarios: readonly Scenario[] = [produceAndConsume('SASL_SSL'), produceAndConsume('SASL_PLAINTEXT')];
