/**
 * `sds up` locked down as an MSK cluster with SASL/SCRAM and mutual TLS would be: no
 * plaintext listener, ACLs with nothing allowed by default, users whose passwords come from an
 * owner-only file and the environment, certificates from `sds certs create`. The stack's own
 * clients log in through broker.clientProfile; a user gets in only once an ACL lets it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AclOperations, AclPermissionTypes, ResourcePatternTypes, ResourceTypes } from '@platformatic/kafka';
import { withAdmin } from '../../src/client/clients.ts';
import { readPropertiesFile, resolveConnection } from '../../src/client/connection.ts';
import { eventually } from '../broker/groups/helpers.ts';
import { runSds } from '../support/sds-cli.ts';
import { startSds } from '../support/sds-up.ts';

function writeSecret(path: string, text: string): void {
  writeFileSync(path, text);
  chmodSync(path, 0o600);
}

function scramProperties(certs: string, user: string, password: string): string {
  return [
    'security.protocol=SASL_SSL',
    'sasl.mechanism=SCRAM-SHA-512',
    `sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${user}" password="${password}";`,
    'ssl.truststore.type=PEM',
    `ssl.truststore.location=${join(certs, 'ca.pem')}`,
    '',
  ].join('\n');
}

test('sds up with SASL_SSL and mutual TLS only: its functions log in, users need ACLs', { timeout: 240_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sds-up-secure-'));
  const certs = join(dir, 'certs');
  try {
    const made = await runSds(['certs', 'create', '--dir', certs, '--client', 'client']);
    assert.equal(made.code, 0, made.stderr);
    writeSecret(join(dir, 'admin-password'), 'admin-secret-1\n');
    writeSecret(join(dir, 'admin.properties'), scramProperties(certs, 'admin', 'admin-secret-1'));
    writeSecret(join(dir, 'alice.properties'), scramProperties(certs, 'alice', 'alice-secret-2'));
    writeFileSync(join(dir, 'sds.config.yaml'), [
      'broker:',
      '  listeners: [SASL_SSL://127.0.0.1:0, SSL://127.0.0.1:0]',
      `  tls: { certificate: certs/broker.pem, key: certs/broker-key.pem, ca: certs/ca.pem, clientAuth: required }`,
      '  sasl: { mechanisms: [SCRAM-SHA-512] }',
      '  authorizer: { superUsers: [User:admin], allowEveryoneIfNoAclFound: false }',
      '  users:',
      '    - { name: admin, passwordFile: admin-password }',
      '    - { name: alice, passwordEnv: SDS_TEST_ALICE_PASSWORD }',
      '  clientProfile: admin',
      'profiles:',
      '  admin: { commandConfig: admin.properties }',
      'topics:',
      '  - name: Orders',
      'functions:',
      '  msk-consumer:',
      `    entry: ${resolve('src/functions/msk-consumer/index.ts')}`,
      '    eventSources:',
      '      - { Topics: [Orders], StartingPosition: TRIM_HORIZON, BatchSize: 10 }',
      '',
    ].join('\n'));
    const running = await startSds(['up'], { cwd: dir, env: { ...process.env, SDS_TEST_ALICE_PASSWORD: 'alice-secret-2' } });
    try {
      const out = running.out();
      const saslSsl = /SASL_SSL:\/\/(\S+?),/.exec(out)?.[1];
      const ssl = /\bSSL:\/\/(\S+?) /.exec(out.replace(/SASL_SSL:\/\/\S+/, ''))?.[1];
      assert.ok(saslSsl !== undefined && ssl !== undefined, out);
      assert.match(out, /Topics: Orders \(created\)/);

      // alice has no ACL: refused.
      const denied = await runSds(['produce', '--topic', 'Orders', '--max-messages', '1', '--bootstrap-server', saslSsl, '--command-config', join(dir, 'alice.properties')], { timeoutMs: 60_000 });
      assert.notEqual(denied.code, 0);
      assert.match(denied.stderr, /does not exist, or you may not describe it/);

      // The admin (a super user) lets alice write to Orders.
      const admin = resolveConnection({ bootstrap: saslSsl, properties: readPropertiesFile(join(dir, 'admin.properties')) });
      await withAdmin(admin, 'creating an ACL', (a) =>
        a.createAcls({
          creations: [{ resourceType: ResourceTypes.TOPIC, resourceName: 'Orders', resourcePatternType: ResourcePatternTypes.LITERAL, principal: 'User:alice', host: '*', operation: AclOperations.WRITE, permissionType: AclPermissionTypes.ALLOW }],
        }),
      );
      const produced = await runSds(['produce', '--topic', 'Orders', '--max-messages', '20', '--bootstrap-server', saslSsl, '--command-config', join(dir, 'alice.properties')], { timeoutMs: 60_000 });
      assert.equal(produced.code, 0, produced.stderr);

      // The mapping (logged in as admin through clientProfile) hands all 20 to the function.
      const log = join(dir, '.sds', 'logs', 'msk-consumer.log');
      await eventually('20 records in the consumer log', () => existsSync(log) && readFileSync(log, 'utf8').split('\n').filter((l) => l.includes('\tINFO\t')).length >= 20, 60_000);

      // The mutual-TLS client (User:CN=client) has no ACL either: it may not even see the topic.
      const listed = await runSds(['topics', 'list', '--bootstrap-server', ssl, '--command-config', join(certs, 'client-mtls-client.properties')], { timeoutMs: 60_000 });
      assert.equal(listed.code, 0, listed.stderr);
      assert.equal(listed.stdout.trim(), '');

      // Nothing secret was printed.
      for (const secret of ['admin-secret-1', 'alice-secret-2']) assert.ok(!running.out().includes(secret));
      assert.equal(await running.stop(), 0, running.out());
    } finally {
      running.kill();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
