import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigFileError, loadProfile } from '../../src/config/profiles.ts';

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'sds-profiles-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const fails = (code: string, pattern: RegExp) => (e: unknown) => e instanceof ConfigFileError && e.code === code && pattern.test(e.message);

test('profiles: bootstrap, a properties file relative to the config file, inline properties', () =>
  withDir(async (dir) => {
    const file = join(dir, 'sds.config.yaml');
    await writeFile(
      file,
      [
        'profiles:',
        '  local:',
        '    bootstrap: 127.0.0.1:9092',
        '  msk-scram:',
        '    bootstrap: b-1.demo.abc.c2.kafka.eu-west-1.amazonaws.com:9096',
        '    commandConfig: ./client-sasl.properties',
        '    properties:',
        '      security.protocol: SASL_SSL',
        '      request.timeout.ms: 30000',
      ].join('\n'),
    );
    assert.deepEqual(loadProfile(file, 'local'), { bootstrap: '127.0.0.1:9092', properties: new Map() });
    const scram = loadProfile(file, 'msk-scram');
    assert.equal(scram.commandConfig, join(dir, 'client-sasl.properties'));
    assert.deepEqual(Object.fromEntries(scram.properties), { 'security.protocol': 'SASL_SSL', 'request.timeout.ms': '30000' });
  }));

test('profiles: a missing profile names the ones there are; every problem of a profile is listed', () =>
  withDir(async (dir) => {
    const file = join(dir, 'sds.config.yaml');
    await writeFile(file, 'profiles:\n  a:\n    bootstrap: [1, 2]\n    commandConfig: 7\n    properties: {x: {y: 1}}\n    colour: blue\n  b: {}\n');
    assert.throws(() => loadProfile(file, 'c'), fails('SDS_ERR_PROFILE_NOT_FOUND', /no profile "c" \(profiles: a, b\)/));
    assert.throws(() => loadProfile(file, 'toString'), fails('SDS_ERR_PROFILE_NOT_FOUND', /no profile "toString"/));
    assert.throws(
      () => loadProfile(file, 'a'),
      fails('SDS_ERR_CONFIG_INVALID', /profiles\.a\.colour: unknown setting[\s\S]*profiles\.a\.bootstrap: expected[\s\S]*profiles\.a\.commandConfig: expected[\s\S]*profiles\.a\.properties\.x: expected/),
    );
    assert.deepEqual(loadProfile(file, 'b'), { properties: new Map() });
  }));

test('profiles: unreadable, oversized, non-YAML and profile-less files are clear errors', () =>
  withDir(async (dir) => {
    assert.throws(() => loadProfile(join(dir, 'none.yaml'), 'x'), fails('SDS_ERR_CONFIG_READ', /does not exist/));
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, 'profiles:\n  a: [unclosed\n');
    assert.throws(() => loadProfile(bad, 'a'), fails('SDS_ERR_CONFIG_INVALID', /is not valid YAML/));
    await writeFile(bad, 'topics: []\n');
    assert.throws(() => loadProfile(bad, 'a'), fails('SDS_ERR_PROFILE_NOT_FOUND', /no profiles section/));
    await writeFile(bad, 'profiles:\n  a: just-a-string\n');
    assert.throws(() => loadProfile(bad, 'a'), fails('SDS_ERR_CONFIG_INVALID', /profiles\.a: expected a mapping/));
    // A billion-laughs style alias bomb is refused by the parser's alias limit.
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 0; i < 12; i++) bomb.push(`${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(', ')}]`);
    await writeFile(bad, `${bomb.join('\n')}\nprofiles: {}\n`);
    assert.throws(() => loadProfile(bad, 'a'), ConfigFileError);
    await writeFile(bad, '');
    await truncate(bad, (1 << 20) + 1);
    assert.throws(() => loadProfile(bad, 'a'), fails('SDS_ERR_CONFIG_READ', /the limit is/));
  }));
