import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SdsError } from '../../../src/errors.ts';
import { startFunctionHost } from '../../../src/runtime/function-host/host.ts';
import type { FunctionHost, InvokeOutcome } from '../../../src/runtime/function-host/types.ts';
import { ISO, UUID, linesOf, logLines, settingsFor, tempDir, type TempDir } from './support.ts';

function ok(outcome: InvokeOutcome): unknown {
  assert.ok(outcome.ok, `expected success, got ${JSON.stringify(outcome)}`);
  return outcome.result;
}

function failed(outcome: InvokeOutcome): Extract<InvokeOutcome, { ok: false }> {
  assert.ok(!outcome.ok, `expected a failure, got ${JSON.stringify(outcome)}`);
  return outcome;
}

describe('an async TypeScript handler', () => {
  let dir: TempDir;
  let host: FunctionHost;
  before(async () => {
    dir = tempDir();
    host = await startFunctionHost(settingsFor('echo-fn', 'echo.ts', dir.path, { environment: { GREETING: 'hello' }, memoryMb: 256, timeoutSeconds: 30, region: 'eu-west-1', accountId: '123456789012' }));
  });
  after(async () => {
    await host.close();
    dir.remove();
  });

  test('gets the event, Lambda\'s context and environment, and its result comes back', async () => {
    const outcome = await host.invoke({ order: 7, items: ['a'] });
    const result = ok(outcome) as { event: unknown; invocations: number; context: Record<string, unknown>; env: Record<string, unknown> };
    assert.deepEqual(result.event, { order: 7, items: ['a'] });
    assert.equal(result.invocations, 1);
    const c = result.context;
    assert.equal(c.functionName, 'echo-fn');
    assert.equal(c.functionVersion, '$LATEST');
    assert.equal(c.invokedFunctionArn, 'arn:aws:lambda:eu-west-1:123456789012:function:echo-fn');
    assert.equal(c.memoryLimitInMB, '256');
    assert.equal(c.awsRequestId, outcome.requestId);
    assert.match(outcome.requestId, new RegExp(`^${UUID}$`));
    assert.equal(c.logGroupName, '/aws/lambda/echo-fn');
    assert.match(String(c.logStreamName), /^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
    assert.equal(c.callbackWaitsForEmptyEventLoop, true);
    assert.ok(typeof c.remainingTimeInMillis === 'number' && c.remainingTimeInMillis > 0 && c.remainingTimeInMillis <= 30_000);
    assert.deepEqual(result.env, {
      GREETING: 'hello',
      AWS_LAMBDA_FUNCTION_NAME: 'echo-fn',
      AWS_LAMBDA_LOG_STREAM_NAME: c.logStreamName,
      AWS_REGION: 'eu-west-1',
      _HANDLER: 'echo.handler',
    });
  });

  test('the execution environment is reused: module state survives between invocations', async () => {
    const result = ok(await host.invoke(null)) as { invocations: number; event: unknown };
    assert.equal(result.event, null);
    assert.ok(result.invocations >= 2);
  });
});

test('each invocation is logged with START, END and REPORT lines and prefixed console lines', async () => {
  const dir = tempDir();
  try {
    const host = await startFunctionHost(settingsFor('logged', 'echo.ts', dir.path, { memoryMb: 512 }));
    const first = await host.invoke({ n: 1 });
    const second = await host.invoke({ n: 2 });
    await host.close();
    const lines = logLines(dir.path, 'logged');
    const one = linesOf(lines, first.requestId);
    assert.equal(one.length, 4, one.join('\n'));
    assert.equal(one[0], `START RequestId: ${first.requestId} Version: $LATEST`);
    assert.match(one[1] as string, new RegExp(`^${ISO}\\t${first.requestId}\\tINFO\\techo \\{"n":1\\}$`));
    assert.equal(one[2], `END RequestId: ${first.requestId}`);
    // The first invocation of an environment reports its init duration (a cold start).
    assert.match(one[3] as string, new RegExp(`^REPORT RequestId: ${first.requestId}\\tDuration: \\d+\\.\\d{2} ms\\tBilled Duration: \\d+ ms\\tMemory Size: 512 MB\\tMax Memory Used: \\d+ MB\\tInit Duration: \\d+\\.\\d{2} ms$`));
    const two = linesOf(lines, second.requestId);
    assert.match(two[3] as string, new RegExp(`^REPORT RequestId: ${second.requestId}\\tDuration: [\\d.]+ ms\\tBilled Duration: \\d+ ms\\tMemory Size: 512 MB\\tMax Memory Used: \\d+ MB$`));
    assert.deepEqual(lines, [...one, ...two]);
  } finally {
    dir.remove();
  }
});

describe('a handler that fails', () => {
  let dir: TempDir;
  let host: FunctionHost;
  before(async () => {
    dir = tempDir();
    host = await startFunctionHost(settingsFor('modes', 'modes.ts', dir.path, { timeoutSeconds: 30 }));
  });
  after(async () => {
    await host.close();
    dir.remove();
  });

  test('a thrown error gives its name, message and stack, and is logged as Lambda logs it', async () => {
    const outcome = failed(await host.invoke({ mode: 'throw' }));
    assert.equal(outcome.errorType, 'ValidationError');
    assert.equal(outcome.errorMessage, 'the order has no items');
    assert.equal(outcome.timedOut, false);
    assert.equal(outcome.trace?.[0], 'ValidationError: the order has no items');
    const thrown = failed(await host.invoke({ mode: 'throw-string' }));
    assert.deepEqual([thrown.errorType, thrown.errorMessage], ['string', 'plain string']);
    // The environment survives a thrown error.
    assert.ok((ok(await host.invoke({})) as { invocations: number }).invocations >= 3);
    await host.close();
    const lines = linesOf(logLines(dir.path, 'modes'), outcome.requestId);
    const invokeError = lines.find((l) => l.includes('Invoke Error'));
    assert.match(invokeError ?? '', new RegExp(`^${ISO}\\t${outcome.requestId}\\tERROR\\tInvoke Error \\t\\{"errorType":"ValidationError","errorMessage":"the order has no items","code":"E_VALIDATION",`));
    assert.match(lines.at(-1) ?? '', /\tStatus: error\tError Type: ValidationError$/);
    host = await startFunctionHost(settingsFor('modes', 'modes.ts', dir.path, { timeoutSeconds: 30 }));
  });

  test('a result that is not JSON-serializable is an error, as on Lambda; undefined is null', async () => {
    for (const mode of ['unserializable', 'circular']) {
      const outcome = failed(await host.invoke({ mode }));
      assert.deepEqual([outcome.errorType, outcome.errorMessage], ['Runtime.JSONStringifyError', 'Unable to stringify response body']);
    }
    assert.equal(ok(await host.invoke({ mode: 'undefined' })), null);
  });

  test('a response over 6 MB is refused; so is a request over 6 MB, without invoking', async () => {
    const big = failed(await host.invoke({ mode: 'big' }));
    assert.equal(big.errorType, 'Function.ResponseSizeTooLarge');
    const before = host.metrics().invocations;
    const tooLarge = failed(await host.invoke({ padding: 'x'.repeat(6 * 1024 * 1024) }));
    assert.equal(tooLarge.errorType, 'RequestTooLargeException');
    assert.equal(host.metrics().invocations, before);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.equal(failed(await host.invoke(cyclic)).errorType, 'InvalidRequestContentException');
  });

  test('process.exit fails the invocation with Runtime.ExitError and the worker is replaced', async () => {
    const outcome = failed(await host.invoke({ mode: 'exit' }));
    assert.equal(outcome.errorType, 'Runtime.ExitError');
    assert.equal(outcome.errorMessage, `RequestId: ${outcome.requestId} Error: Runtime exited with error: exit status 3`);
    // A new environment: its module state starts again.
    assert.deepEqual(ok(await host.invoke({})), { invocations: 1 });
  });

  test('an uncaught exception or unhandled rejection fails the invocation and replaces the worker', async () => {
    const uncaught = failed(await host.invoke({ mode: 'uncaught' }));
    assert.deepEqual([uncaught.errorType, uncaught.errorMessage], ['TypeError', 'late failure']);
    assert.deepEqual(ok(await host.invoke({})), { invocations: 1 });
    const rejection = failed(await host.invoke({ mode: 'rejection' }));
    assert.equal(rejection.errorType, 'Runtime.UnhandledPromiseRejection');
    assert.equal(rejection.errorMessage, 'RangeError: nobody listens');
    assert.deepEqual(ok(await host.invoke({})), { invocations: 1 });
  });

  test('the timeout terminates the worker, reports Sandbox.Timedout, and the next invocation works', async () => {
    // Only this test runs with a 1 s timeout: the others must not time out on a loaded machine.
    await host.close();
    host = await startFunctionHost(settingsFor('modes', 'modes.ts', dir.path, { timeoutSeconds: 1 }));
    const outcome = failed(await host.invoke({ mode: 'hang' }));
    assert.equal(outcome.errorType, 'Sandbox.Timedout');
    assert.equal(outcome.timedOut, true);
    assert.match(outcome.errorMessage, /^Task timed out after \d+\.\d\d seconds$/);
    assert.deepEqual(ok(await host.invoke({})), { invocations: 1 });
    const m = host.metrics();
    assert.ok(m.timeouts >= 1 && m.errors >= m.timeouts && m.invocations > m.errors);
    assert.equal(m.workers, 1);
    await host.close();
    const lines = linesOf(logLines(dir.path, 'modes'), outcome.requestId);
    assert.match(lines[1] ?? '', new RegExp(`^${ISO}\\t${outcome.requestId}\\tINFO\\thanging$`));
    assert.match(lines[2] ?? '', new RegExp(`^${ISO} ${outcome.requestId} Task timed out after \\d+\\.\\d\\d seconds$`));
    assert.equal(lines[3], `END RequestId: ${outcome.requestId}`);
    assert.match(lines[4] ?? '', /\tStatus: timeout$/);
    host = await startFunctionHost(settingsFor('modes', 'modes.ts', dir.path, { timeoutSeconds: 30 }));
  });
});

describe('a callback-style JavaScript handler', () => {
  let dir: TempDir;
  let host: FunctionHost;
  before(async () => {
    dir = tempDir();
    host = await startFunctionHost(settingsFor('callback', 'callback.mjs', dir.path));
  });
  after(async () => {
    await host.close();
    dir.remove();
  });

  test('answers through the callback once the event loop is empty', async () => {
    const outcome = await host.invoke({ value: 5 });
    assert.deepEqual(ok(outcome), { style: 'callback', value: 5 });
    const noWait = await host.invoke({ value: 6, noWait: true });
    assert.deepEqual(ok(noWait), { style: 'callback', value: 6 });
    await host.close();
    const lines = linesOf(logLines(dir.path, 'callback'), outcome.requestId);
    // callbackWaitsForEmptyEventLoop (the default): the timer ran before the invocation ended.
    assert.match(lines[1] ?? '', /\tINFO\ttimer fired$/);
    assert.equal(lines[2], `END RequestId: ${outcome.requestId}`);
    host = await startFunctionHost(settingsFor('callback', 'callback.mjs', dir.path));
  });

  test('callback errors, context.succeed, and a handler that answers neither way', async () => {
    const error = failed(await host.invoke({ mode: 'error' }));
    assert.deepEqual([error.errorType, error.errorMessage], ['Error', 'callback failed']);
    const stringError = failed(await host.invoke({ mode: 'string-error' }));
    assert.deepEqual([stringError.errorType, stringError.errorMessage], ['string', 'a string error']);
    assert.deepEqual(ok(await host.invoke({ mode: 'succeed' })), { via: 'context.succeed' });
    // A plain return value is ignored by Lambda's runtime: the answer is null.
    assert.equal(ok(await host.invoke({ mode: 'none' })), null);
  });
});

test('a CommonJS module loads, and the export can be named', async () => {
  const dir = tempDir();
  try {
    const host = await startFunctionHost(settingsFor('cjs', 'cjs/index.js', dir.path));
    assert.deepEqual(ok(await host.invoke({ a: 1 })), { format: 'commonjs', event: { a: 1 } });
    await host.close();
    const other = await startFunctionHost(settingsFor('named', 'bad-export.ts', dir.path, { exportName: 'other' }));
    assert.equal(ok(await other.invoke({})), 'not the handler');
    await other.close();
  } finally {
    dir.remove();
  }
});

describe('a module that cannot be loaded is refused at start', () => {
  let dir: TempDir;
  before(() => {
    dir = tempDir();
    writeFileSync(join(dir.path, 'broken.ts'), 'export const handler = async (event: = {\n');
    writeFileSync(join(dir.path, 'broken.mjs'), 'export const handler = async ( => 1;\n');
  });
  after(() => dir.remove());

  async function loadError(file: string, more: Record<string, unknown> = {}): Promise<SdsError> {
    const settings = settingsFor('broken', file, dir.path, more);
    const error = await startFunctionHost(settings).then(
      () => assert.fail(`${file} should not load`),
      (e: unknown) => e,
    );
    assert.ok(error instanceof SdsError);
    assert.equal(error.code, 'SDS_ERR_FUNCTION_LOAD');
    return error;
  }

  test('missing file, syntax errors (TS and JS), a missing or non-function export, a throwing init', async () => {
    assert.match((await loadError(join(dir.path, 'nope.ts'))).message, /Runtime\.ImportModuleError: Error: Cannot find module '.*nope\.ts'/);
    assert.match((await loadError(join(dir.path, 'broken.ts'))).message, /Runtime\.UserCodeSyntaxError: [^]*broken\.ts:1:37/);
    assert.match((await loadError(join(dir.path, 'broken.mjs'))).message, /of .*broken\.mjs\): Runtime\.UserCodeSyntaxError: SyntaxError: Unexpected token/);
    assert.match((await loadError('bad-export.ts')).message, /Runtime\.HandlerNotFound: bad-export\.handler is not a function/);
    assert.match((await loadError('echo.ts', { exportName: 'missing' })).message, /Runtime\.HandlerNotFound: echo\.missing is undefined or not exported/);
    assert.match((await loadError('init-throws.ts')).message, /Error: cannot reach the database/);
    const lines = logLines(dir.path, 'broken');
    assert.ok(lines.some((l) => /^INIT_REPORT Init Duration: [\d.]+ ms\tPhase: init\tStatus: error\tError Type: Runtime\.HandlerNotFound$/.test(l)), lines.join('\n'));
  });

  test('settings are checked first, with every problem listed', async () => {
    const error = await startFunctionHost(settingsFor('bad name!', 'echo.ts', dir.path, { timeoutSeconds: 901, memoryMb: 64, environment: { AWS_REGION: 'x' } })).then(
      () => assert.fail('should be refused'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof SdsError);
    assert.equal(error.code, 'SDS_ERR_FUNCTION_SETTINGS');
    assert.match(error.message, /4 settings are wrong/);
    assert.match(error.message, /name "bad name!"/);
    assert.match(error.message, /timeoutSeconds 901: expected a whole number of seconds from 1 to 900/);
    assert.match(error.message, /memoryMb 64: expected a whole number of MB from 128 to 10240/);
    assert.match(error.message, /environment "AWS_REGION": reserved/);
  });
});

describe('concurrency', () => {
  let dir: TempDir;
  before(() => {
    dir = tempDir();
  });
  after(() => dir.remove());

  test('with concurrency 1, invocations wait in order and never overlap', async () => {
    const host = await startFunctionHost(settingsFor('queue', 'modes.ts', dir.path));
    const running = [1, 2, 3].map(() => host.invoke({ mode: 'slow', ms: 30 }));
    const m = host.metrics();
    assert.equal(m.concurrentExecutions, 1);
    assert.equal(m.queued, 2);
    const results = (await Promise.all(running)).map(ok);
    assert.deepEqual(results, [
      { invocations: 1, maxActive: 1 },
      { invocations: 2, maxActive: 1 },
      { invocations: 3, maxActive: 1 },
    ]);
    assert.equal(host.metrics().workers, 1);
    await host.close();
  });

  test('a larger pool starts more workers, up to the limit; a full queue throttles', async () => {
    const host = await startFunctionHost(settingsFor('pool', 'modes.ts', dir.path), { concurrency: 2, maxQueued: 3 });
    const running = [1, 2, 3, 4].map(() => host.invoke({ mode: 'slow', ms: 50 }));
    const throttled = failed(await host.invoke({ mode: 'slow' }));
    assert.equal(throttled.errorType, 'TooManyRequestsException');
    for (const result of (await Promise.all(running)).map(ok)) assert.equal((result as { maxActive: number }).maxActive, 1);
    const m = host.metrics();
    assert.ok(m.workers >= 1 && m.workers <= 2);
    assert.deepEqual([m.invocations, m.errors, m.throttles, m.queued, m.concurrentExecutions], [4, 0, 1, 0, 0]);
    assert.equal(m.duration.count, 4);
    assert.equal(m.duration.buckets.reduce((a, b) => a + b.count, 0), 4);
    await host.close();
  });

  test('close waits for the invocations in flight, then refuses new ones', async () => {
    const host = await startFunctionHost(settingsFor('closing', 'modes.ts', dir.path));
    const running = host.invoke({ mode: 'slow', ms: 50 });
    const queued = host.invoke({});
    await host.close();
    assert.ok((await running).ok);
    assert.ok((await queued).ok);
    await assert.rejects(host.invoke({}), (e: unknown) => e instanceof SdsError && e.code === 'SDS_ERR_FUNCTION_CLOSED');
  });
});
