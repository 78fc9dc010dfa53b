import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeRequest } from '../../src/protocol/frame.ts';

function sds(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  return sdsWith(process.env, ...args);
}

function sdsWith(env: NodeJS.ProcessEnv, ...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['bin/sds.js', ...args], { encoding: 'utf8', env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('the sources through tsx and the precompiled build (when up to date) give the same help for every command', () => {
  const fromSources = { ...process.env, SDS_FROM_SOURCES: '1' };
  for (const args of [['--help'], ['broker', 'start', '--help'], ['up', '--help'], ['logs', '--help'], ['--version']]) {
    const a = sds(...args);
    const b = sdsWith(fromSources, ...args);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    assert.equal(a.stdout, b.stdout, args.join(' '));
  }
});

test('sds --version and --help exit 0', () => {
  const version = sds('--version');
  assert.equal(version.code, 0);
  assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
  const help = sds('--help');
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage: sds/);
  assert.match(help.stdout, /protocol/);
});

test('usage errors exit 2 with a hint', () => {
  const unknown = sds('no-such-command');
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command/);
  assert.match(unknown.stderr, /sds --help/);
  assert.equal(sds('protocol', 'apis', '--no-such-flag').code, 2);
  assert.equal(sds('protocol', 'decode').code, 2);
});

test('sds protocol apis lists every API, as text and as JSON', () => {
  const text = sds('protocol', 'apis');
  assert.equal(text.code, 0);
  assert.match(text.stdout, /Produce\s+3-13\s+9\+/);
  const json = JSON.parse(sds('protocol', 'apis', '--json').stdout) as { apiKey: number; name: string }[];
  assert.ok(json.length > 80);
  assert.deepEqual(json.find((r) => r.apiKey === 18)?.name, 'ApiVersions');
});

test('sds protocol decode prints a request frame as JSON, and refuses bad files clearly', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sds-cli-'));
  try {
    const frame = encodeRequest(10, 3, 9, 'cli-test', { key: 'my-group', keyType: 0 });
    writeFileSync(join(dir, 'frame.bin'), frame);
    writeFileSync(join(dir, 'frame.hex'), frame.subarray(4).toString('hex').replace(/(.{16})/g, '$1\n'));
    for (const args of [['frame.bin'], ['frame.hex', '--hex']]) {
      const out = sds('protocol', 'decode', join(dir, args[0] as string), ...args.slice(1));
      assert.equal(out.code, 0, out.stderr);
      const parsed = JSON.parse(out.stdout) as { api: string; header: { correlationId: number }; request: { key: string } };
      assert.equal(parsed.api, 'FindCoordinator');
      assert.equal(parsed.header.correlationId, 9);
      assert.equal(parsed.request.key, 'my-group');
    }
    const missing = sds('protocol', 'decode', join(dir, 'nope.bin'));
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /cannot read .*nope\.bin.*SDS_ERR_CLI_READ_FILE/);
    writeFileSync(join(dir, 'bad.hex'), 'zz');
    const badHex = sds('protocol', 'decode', join(dir, 'bad.hex'), '--hex');
    assert.equal(badHex.code, 1);
    assert.match(badHex.stderr, /SDS_ERR_CLI_BAD_HEX/);
    writeFileSync(join(dir, 'truncated.bin'), frame.subarray(4, 12));
    const truncated = sds('protocol', 'decode', join(dir, 'truncated.bin'));
    assert.equal(truncated.code, 1);
    assert.match(truncated.stderr, /SDS_ERR_PROTOCOL_TRUNCATED/);
    writeFileSync(join(dir, 'unknown.bin'), Buffer.from([0x03, 0xe7, 0, 0, 0, 0, 0, 1, 0, 0]));
    const unknownKey = sds('protocol', 'decode', join(dir, 'unknown.bin'));
    assert.equal(unknownKey.code, 1);
    assert.match(unknownKey.stderr, /SDS_ERR_CLI_UNKNOWN_API/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
