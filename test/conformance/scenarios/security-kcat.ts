// kcat (librdkafka) on the secured listeners: produce and consume over TLS with a client
// certificate (MSK's TLS port with mutual TLS), and SCRAM-SHA-512 over SASL_SSL.
//
// librdkafka before 2.6.1 builds the SCRAM client-final-message with the client nonce appended a
// second time (confluentinc/librdkafka#4895). Kafka 4.x compares the nonce strictly, as RFC 5802
// asks, so it refuses this kcat (librdkafka 2.0.2) even with the right password: the scenario
// follows Kafka, and a server that accepted that proof would differ from it.
import { join } from 'node:path';
import { check } from '../../../scripts/conformance/process.ts';
import type { RunResult } from '../../../scripts/conformance/process.ts';
import type { ScramUser, ServerSecurity } from '../../../scripts/conformance/security.ts';
import { expect, expectEqual, setup } from '../scenario.ts';
import type { Scenario } from '../scenario.ts';
import { securityOf } from '../security.ts';
import { versions } from '../versions.ts';

const CLIENT = `kcat ${versions.kcat} (librdkafka ${versions.librdkafka})`;
const COUNT = 25;

function mtlsArgs(security: ServerSecurity, name: string): string[] {
  return [
    '-b', security.sslBootstrap,
    '-X', 'security.protocol=SSL',
    '-X', `ssl.ca.location=${join(security.certsDir, 'ca.pem')}`,
    '-X', `ssl.certificate.location=${join(security.certsDir, `${name}.pem`)}`,
    '-X', `ssl.key.location=${join(security.certsDir, `${name}-key.pem`)}`,
  ];
}

function scramArgs(security: ServerSecurity, user: ScramUser): string[] {
  return [
    '-b', security.saslSslBootstrap,
    '-X', 'security.protocol=SASL_SSL',
    '-X', `sasl.mechanisms=${security.mechanism}`,
    '-X', `sasl.username=${user.username}`,
    '-X', `sasl.password=${user.password}`,
    '-X', `ssl.ca.location=${join(security.certsDir, 'ca.pem')}`,
  ];
}

/** How kcat -L ended: listed the broker, or which error librdkafka reported. */
function outcome(result: RunResult): string {
  if (result.timedOut) return 'timed out';
  if (result.code === 0 && /\b1 brokers:/.test(result.stdout)) return 'listed';
  if (result.stderr.includes('SASL authentication error')) return 'SASL authentication error';
  if (/SSL handshake failed|ssl.*(alert|handshake)/i.test(result.stderr)) return 'SSL handshake failed';
  return `exit ${result.code ?? result.signal ?? '?'}`;
}

export const securityKcatScenarios: readonly Scenario[] = [
  {
    name: 'mutual TLS (SSL listener, ssl.certificate.location): produce and consume keyed records',
    client: CLIENT,
    async run(_bootstrap, ctx) {
      const security = securityOf(ctx);
      const topic = ctx.topic('kcat-mtls');
      await setup('create topic', () => ctx.createTopic(topic, 1));
      const args = mtlsArgs(security, 'client');
      const input = Array.from({ length: COUNT }, (_, i) => `key-${i}\tvalue-${i}\n`).join('');
      const produced = check(
        await ctx.exec('kcat', ['-P', ...args, '-t', topic, '-p', '0', '-K', '\t', '-X', 'acks=all'], { input }),
        'kcat -P over mutual TLS',
      );
      expect(!/Delivery failed|% ERROR/.test(produced.stderr), `kcat -P reported: ${produced.stderr.trim().slice(0, 300)}`);
      const consumed = check(
        await ctx.exec('kcat', ['-C', ...args, '-t', topic, '-p', '0', '-o', 'beginning', '-c', String(COUNT), '-e', '-q', '-f', '%o\t%k\t%s\n']),
        'kcat -C over mutual TLS',
      );
      const rows = consumed.stdout.split('\n').filter((l) => l !== '');
      expectEqual(rows, Array.from({ length: COUNT }, (_, i) => `${i}\tkey-${i}\tvalue-${i}`), 'records read (offset, key, value)');
      ctx.observe('records', rows.length);

      const metadata = await ctx.exec('kcat', ['-L', ...args, '-t', topic, '-m', '10']);
      expectEqual(outcome(metadata), 'listed', 'kcat -L over mutual TLS');
      // The broker advertises its SSL listener to a client that came in on it.
      expect(metadata.stdout.includes(`at ${security.sslBootstrap}`), `kcat -L does not show the SSL listener ${security.sslBootstrap}: ${metadata.stdout.slice(0, 300)}`);
      ctx.observe('advertised-listener', 'SSL');

      const noCertificate = await ctx.exec('kcat', [
        '-L', '-b', security.sslBootstrap, '-X', 'security.protocol=SSL', '-X', `ssl.ca.location=${join(security.certsDir, 'ca.pem')}`, '-m', '6',
      ]);
      expect(noCertificate.code !== 0 && !noCertificate.timedOut, `kcat without a client certificate: ${outcome(noCertificate)}, ${noCertificate.stdout.slice(0, 200)}`);
      ctx.observe('without-certificate', noCertificate.code === 0 ? 'listed' : 'refused');
    },
  },
  {
    name: 'SCRAM-SHA-512 over SASL_SSL: Kafka 4.x refuses librdkafka < 2.6.1\'s SCRAM proof (right password too), and a wrong password',
    client: CLIENT,
    async run(_bootstrap, ctx) {
      const security = securityOf(ctx);
      const right = await ctx.exec('kcat', ['-L', ...scramArgs(security, security.users.bob), '-m', '6']);
      const wrong = await ctx.exec('kcat', ['-L', ...scramArgs(security, { username: 'bob', password: 'not-bobs-password' }), '-m', '6']);
      expect(!right.timedOut && !wrong.timedOut, 'kcat -L timed out');
      expect(wrong.code !== 0, `kcat -L with a wrong password exited ${wrong.code}: ${wrong.stdout.slice(0, 200)}`);
      ctx.observe('right-password', outcome(right));
      ctx.observe('wrong-password', outcome(wrong));
      if (outcome(right) === 'SASL authentication error') ctx.note('librdkafka 2.0.2 SCRAM refused, as by Kafka 4.x (librdkafka#4895)');
    },
  },
];
