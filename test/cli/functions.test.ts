import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { eventually } from '../broker/groups/helpers.ts';
import { runSds } from '../support/sds-cli.ts';

const FIXTURES = resolve('test/fixtures/functions');

function project(): { dir: string; file: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'sds-fn-cli-'));
  const file = join(dir, 'sds.config.yaml');
  writeFileSync(file, `functions:\n  modes:\n    entry: ${join(FIXTURES, 'modes.ts')}\n  echo:\n    entry: ${join(FIXTURES, 'echo.ts')}\n    memorySize: 256\n`);
  return { dir, file, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

test('sds functions invoke: the result on stdout, the log lines on stderr and in the log file; errors as Lambda returns them', async () => {
  const p = project();
  try {
    const event = join(p.dir, 'event.json');
    writeFileSync(event, JSON.stringify({ order: 7 }));
    const ok = await runSds(['functions', 'invoke', 'echo', '--event', event, '--config-file', p.file]);
    assert.equal(ok.code, 0, ok.stderr);
    const result = JSON.parse(ok.stdout) as { event: unknown; context: { functionName: string; memoryLimitInMB: string } };
    assert.deepEqual(result.event, { order: 7 });
    assert.deepEqual([result.context.functionName, result.context.memoryLimitInMB], ['echo', '256']);
    assert.match(ok.stderr, /^START RequestId: [0-9a-f-]{36} Version: \$LATEST$/m);
    assert.match(ok.stderr, /^REPORT RequestId: [0-9a-f-]{36}\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\tMemory Size: 256 MB/m);

    const failed = await runSds(['functions', 'invoke', 'modes', '--config-file', p.file, '--event', '-', '--quiet'], { input: '{"mode":"throw"}' });
    assert.equal(failed.code, 1);
    const payload = JSON.parse(failed.stdout) as { errorType: string; errorMessage: string; trace: string[] };
    assert.deepEqual([payload.errorType, payload.errorMessage], ['ValidationError', 'the order has no items']);
    assert.ok(payload.trace.length > 0);
    assert.match(failed.stderr, /function modes failed: ValidationError: the order has no items \[SDS_ERR_FUNCTION_ERROR\]/);
    assert.doesNotMatch(failed.stderr, /START RequestId/);

    const logs = await runSds(['logs', 'modes', '-n', '2', '--config-file', p.file]);
    assert.equal(logs.code, 0);
    assert.match(logs.stdout, /^END RequestId: .*\nREPORT RequestId: .*\tStatus: error\tError Type: ValidationError\n$/);
  } finally {
    p.remove();
  }
});

test('sds functions invoke refuses bad events and unknown functions; sds functions list shows the config', async () => {
  const p = project();
  try {
    const notJson = join(p.dir, 'bad.json');
    writeFileSync(notJson, '{"order":');
    const bad = await runSds(['functions', 'invoke', 'echo', '--event', notJson, '--config-file', p.file]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /is not JSON.*SDS_ERR_EVENT_INVALID/);
    // A sparse file just over 6 MB: refused from its size, before it is read.
    const big = join(p.dir, 'big.json');
    const fd = openSync(big, 'w');
    ftruncateSync(fd, 6 * 1024 * 1024 + 1);
    closeSync(fd);
    const tooBig = await runSds(['functions', 'invoke', 'echo', '--event', big, '--config-file', p.file]);
    assert.match(tooBig.stderr, /6291457 bytes; Lambda's limit is 6291456 \[SDS_ERR_EVENT_INVALID\]/);
    const missing = await runSds(['functions', 'invoke', 'echo', '--event', join(p.dir, 'none.json'), '--config-file', p.file]);
    assert.match(missing.stderr, /cannot read the event file .*none\.json.*SDS_ERR_EVENT_INVALID/);
    const unknown = await runSds(['functions', 'invoke', 'nope', '--config-file', p.file]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /has no function "nope" \(functions: modes, echo\) \[SDS_ERR_FUNCTION_NOT_FOUND\]/);
    const list = await runSds(['functions', 'list', '--json', '--config-file', p.file]);
    assert.deepEqual((JSON.parse(list.stdout) as { name: string; memorySize: number }[]).map((f) => [f.name, f.memorySize]), [['modes', 128], ['echo', 256]]);
    const noLogs = await runSds(['logs', 'echo', '--config-file', p.file]);
    assert.equal(noLogs.code, 0);
    assert.match(noLogs.stderr, /has logged nothing yet/);
    assert.equal((await runSds(['logs', 'echo', '--lines', '-1', '--config-file', p.file])).code, 2);
  } finally {
    p.remove();
  }
});

test('sds logs --follow prints the lines of invocations made while it runs, and stops on SIGINT', async () => {
  const p = project();
  const follower = spawn(process.execPath, [resolve('bin/sds.js'), 'logs', 'echo', '--follow', '--config-file', p.file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  follower.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  const exited = new Promise<number | null>((r) => follower.once('exit', r));
  try {
    const first = await runSds(['functions', 'invoke', 'echo', '--quiet', '--config-file', p.file]);
    assert.equal(first.code, 0, first.stderr);
    await eventually('the first invocation followed', () => /REPORT RequestId/.test(out));
    await runSds(['functions', 'invoke', 'echo', '--quiet', '--config-file', p.file]);
    await eventually('the second invocation followed', () => (out.match(/^REPORT RequestId/gm) ?? []).length === 2);
    follower.kill('SIGINT');
    assert.equal(await exited, 0);
  } finally {
    follower.kill('SIGKILL');
    p.remove();
  }
});
