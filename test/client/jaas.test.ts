import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JaasConfigError, parseJaasConfig } from '../../src/client/jaas.ts';

test('jaas: the SCRAM login module with quoted credentials', () => {
  const jaas = parseJaasConfig('org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="p;a=s\\"s";');
  assert.equal(jaas.loginModule, 'org.apache.kafka.common.security.scram.ScramLoginModule');
  assert.equal(jaas.flag, 'required');
  assert.deepEqual(Object.fromEntries(jaas.options), { username: 'alice', password: 'p;a=s"s' });
});

test('jaas: the MSK IAM login module, with and without options', () => {
  assert.equal(parseJaasConfig('software.amazon.msk.auth.iam.IAMLoginModule required;').options.size, 0);
  const withProfile = parseJaasConfig('software.amazon.msk.auth.iam.IAMLoginModule required awsProfileName=dev awsDebugCreds=true ;');
  assert.deepEqual(Object.fromEntries(withProfile.options), { awsProfileName: 'dev', awsDebugCreds: 'true' });
});

test('jaas: malformed configs are refused with what was expected', () => {
  const cases: [string, RegExp][] = [
    ['', /login module class/],
    ['Module', /control flag/],
    ['Module mandatory;', /control flag/],
    ['Module required username="a"', /end with ";"/],
    ['Module required username;', /"=" after option username/],
    ['Module required username=;', /value for option username/],
    ['Module required password="open', /not closed/],
    ['A required; B required;', /only one login module/],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => parseJaasConfig(text), (e: unknown) => e instanceof JaasConfigError && message.test(e.message), text);
  }
});
