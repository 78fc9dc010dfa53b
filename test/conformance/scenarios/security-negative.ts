// What the secured listeners refuse, seen through Kafka's AdminClient (kafka-topics --list with
// short timeouts): a TLS client that does not log in on the SASL_SSL listener, a wrong password, an
// unknown user, a SASL mechanism the listener does not offer, a plaintext client on the TLS
// listener. None of it may put a password in the server's log or in an error message.
import type { RunResult } from '../../../scripts/conformance/process.ts';
import { SCRAM_USERS } from '../../../scripts/conformance/security.ts';
import { expect } from '../scenario.ts';
import type { Scenario, ScenarioContext } from '../scenario.ts';
import { FAIL_FAST, javaExceptionMessage, javaExceptions, outputTail, propertiesFile, saslSslProperties, securityOf, sslProperties, withTempDir } from '../security.ts';
import { CLIENT, TOPIC_COMMAND } from './java-tools.ts';

const WRONG_PASSWORD = 'not-bobs-password-7f3a';
const UNKNOWN_USER = { username: 'mallory', password: 'mallory-secret-91c2' };

/** kafka-topics --list that must fail: resolves to the first Kafka exception it printed. */
async function refusedList(ctx: ScenarioContext, bootstrap: string, config: string, what: string): Promise<{ result: RunResult; exception: string }> {
  const result = await ctx.java(TOPIC_COMMAND, ['--bootstrap-server', bootstrap, '--command-config', config, '--list'], { timeoutMs: 45_000 });
  expect(!result.timedOut, `${what}: kafka-topics timed out`);
  expect(result.code !== 0, `${what}: kafka-topics exited 0 and listed ${JSON.stringify(result.stdout.trim().slice(0, 200))}`);
  const exception = javaExceptions(result)[0];
  expect(exception !== undefined, `${what}: kafka-topics printed no Kafka exception: ${outputTail(result)}`);
  ctx.log(`${what}: ${exception}: ${javaExceptionMessage(result, exception) ?? ''}`);
  return { result, exception };
}

export const securityNegativeScenarios: readonly Scenario[] = [
  {
    name: 'refused: no SASL login on SASL_SSL, wrong password, unknown user, SCRAM-SHA-256, plaintext on the TLS listener; no password in the log',
    client: CLIENT,
    timeoutMs: 180_000,
    async run(_bootstrap, ctx) {
      const security = securityOf(ctx);
      await withTempDir('sds-negative-', async (dir) => {
        // The right password works on the same listener, so what follows is refused for its own reason.
        const good = await propertiesFile(dir, 'good.properties', saslSslProperties(security, security.users.bob, FAIL_FAST));
        const ok = await ctx.java(TOPIC_COMMAND, ['--bootstrap-server', security.saslSslBootstrap, '--command-config', good, '--list'], { timeoutMs: 45_000 });
        expect(ok.code === 0, `bob with the right password was refused: ${outputTail(ok)}`);

        const tlsOnly = await propertiesFile(dir, 'tls-only.properties', sslProperties(security, FAIL_FAST));
        const noLogin = await refusedList(ctx, security.saslSslBootstrap, tlsOnly, 'TLS without a SASL login on the SASL_SSL listener');
        ctx.observe('no-sasl-login', noLogin.exception);

        const wrong = await propertiesFile(dir, 'wrong.properties', saslSslProperties(security, { username: 'bob', password: WRONG_PASSWORD }, FAIL_FAST));
        const wrongPassword = await refusedList(ctx, security.saslSslBootstrap, wrong, 'a wrong password');
        ctx.observe('wrong-password', `${wrongPassword.exception}: ${javaExceptionMessage(wrongPassword.result, wrongPassword.exception) ?? ''}`);

        const unknown = await propertiesFile(dir, 'unknown.properties', saslSslProperties(security, UNKNOWN_USER, FAIL_FAST));
        const unknownUser = await refusedList(ctx, security.saslSslBootstrap, unknown, 'an unknown user');
        // Kafka answers an unknown user as it answers a wrong password: nothing tells which user names exist.
        ctx.observe('unknown-user', `${unknownUser.exception}: ${javaExceptionMessage(unknownUser.result, unknownUser.exception) ?? ''}`);

        const sha256 = await propertiesFile(
          dir,
          'sha256.properties',
          saslSslProperties(security, security.users.bob, { ...FAIL_FAST, 'sasl.mechanism': 'SCRAM-SHA-256' }),
        );
        const mechanism = await refusedList(ctx, security.saslSslBootstrap, sha256, 'SCRAM-SHA-256 (not enabled)');
        ctx.observe('scram-sha-256', `${mechanism.exception}: ${javaExceptionMessage(mechanism.result, mechanism.exception) ?? ''}`);

        const plain = await propertiesFile(dir, 'plaintext.properties', Object.entries({ 'security.protocol': 'PLAINTEXT', ...FAIL_FAST }).map(([k, v]) => `${k}=${v}\n`).join(''));
        const plaintextOnTls = await refusedList(ctx, security.sslBootstrap, plain, 'a plaintext client on the SSL listener');
        ctx.observe('plaintext-on-ssl', plaintextOnTls.exception);

        const passwords = [WRONG_PASSWORD, UNKNOWN_USER.password, ...Object.values(SCRAM_USERS).map((u) => u.password)];
        const messages = [wrongPassword, unknownUser, mechanism].map((r) => `${r.result.stdout}\n${r.result.stderr}`).join('\n');
        const inMessages = passwords.filter((p) => messages.includes(p));
        expect(inMessages.length === 0, `a password is in a client's error output: ${inMessages.join(', ')}`);
        // Both servers log refused logins (Kafka at INFO: "Failed authentication with …"), so the log checked is not empty.
        const log = ctx.serverLog(2000);
        expect(/authenticat/i.test(log), `the server's log says nothing about the refused logins: ${log.split('\n').slice(-3).join(' / ').slice(0, 300)}`);
        const inLog = passwords.filter((p) => log.includes(p));
        expect(inLog.length === 0, `the server's log holds a password: ${inLog.join(', ')}`);
        ctx.observe('password-in-log', inLog.length > 0);
      });
    },
  },
];
