import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FirehoseDeliveryError } from '../../../src/functions/msk-to-firehose/errors.ts';
import { backoffDelay, isRetryable, sendAll, type PutBatchResult, type SendBatch, type SendOptions } from '../../../src/functions/msk-to-firehose/send.ts';

interface Rec {
  readonly data: Uint8Array;
}

const recs = (...names: string[]): Rec[] => names.map((n) => ({ data: Buffer.from(n) }));

/** What one call does: fail these entries (by the data they carry), or throw. */
type Step = { readonly fail?: readonly string[]; readonly code?: string } | { readonly throws: Error };

/** A send that follows a script (then succeeds) and records every call's data and signal. */
function scripted(steps: readonly Step[]): { send: SendBatch; calls: string[][]; signals: (AbortSignal | undefined)[] } {
  const calls: string[][] = [];
  const signals: (AbortSignal | undefined)[] = [];
  const send: SendBatch = (data, signal) => {
    const names = data.map((d) => Buffer.from(d).toString());
    const step = steps[calls.length] ?? {};
    calls.push(names);
    signals.push(signal);
    if ('throws' in step) return Promise.reject(step.throws);
    const fail = new Set(step.fail ?? []);
    const responses = names.map((n, i) =>
      fail.has(n) ? { ErrorCode: step.code ?? 'ServiceUnavailableException', ErrorMessage: 'Slow down.' } : { RecordId: `id-${calls.length}-${i}` },
    );
    const result: PutBatchResult = { FailedPutCount: responses.filter((r) => 'ErrorCode' in r).length, RequestResponses: responses };
    return Promise.resolve(result);
  };
  return { send, calls, signals };
}

/** Options whose sleeps are recorded and return at once. */
function quick(extra: Partial<SendOptions> = {}): SendOptions & { slept: number[] } {
  const slept: number[] = [];
  return { maxAttempts: 5, random: () => 0.5, sleep: (ms) => (slept.push(ms), Promise.resolve()), slept, ...extra };
}

function awsError(name: string, status: number | undefined, extra: Record<string, unknown> = {}): Error {
  const error = new Error(`${name} happened`);
  error.name = name;
  Object.assign(error, { $fault: status !== undefined && status >= 500 ? 'server' : 'client', $metadata: status === undefined ? {} : { httpStatusCode: status } }, extra);
  return error;
}

test('all records delivered in one call each batch: no retries', async () => {
  const { send, calls } = scripted([]);
  const options = quick();
  assert.deepEqual(await sendAll(send, [recs('a', 'b'), recs('c')], options), { records: 3, calls: 2, retries: 0 });
  assert.deepEqual(calls, [['a', 'b'], ['c']]);
  assert.deepEqual(options.slept, []);
});

test('partial failures: only the failed entries are resent, in order, until they succeed', async () => {
  const { send, calls } = scripted([{ fail: ['b', 'd', 'e'] }, { fail: ['e'] }, { fail: ['e'], code: 'InternalFailure' }]);
  const options = quick();
  const summary = await sendAll(send, [recs('a', 'b', 'c', 'd', 'e')], options);
  assert.deepEqual(calls, [['a', 'b', 'c', 'd', 'e'], ['b', 'd', 'e'], ['e'], ['e']]);
  assert.deepEqual(summary, { records: 5, calls: 4, retries: 3 });
  assert.equal(options.slept.length, 3);
});

test('a batch\'s retries finish before the next batch is sent', async () => {
  const { send, calls } = scripted([{ fail: ['b'] }]);
  await sendAll(send, [recs('a', 'b'), recs('c', 'd')], quick());
  assert.deepEqual(calls, [['a', 'b'], ['b'], ['c', 'd']]);
});

test('exhausted retries throw, saying how many records were not delivered and the first error', async () => {
  const { send, calls } = scripted([{ fail: ['b', 'c'] }, { fail: ['b', 'c'] }, { fail: ['c'] }]);
  const options = quick({ maxAttempts: 3, streamName: 'kafka-to-s3' });
  await assert.rejects(sendAll(send, [recs('a', 'b', 'c'), recs('d', 'e')], options), (error: unknown) => {
    assert.ok(error instanceof FirehoseDeliveryError);
    assert.equal(error.undelivered, 3, 'c failed, d and e never sent');
    assert.equal(error.total, 5);
    assert.equal(error.errorCode, 'ServiceUnavailableException');
    assert.equal(error.errorMessage, 'Slow down.');
    assert.equal(error.retryable, true);
    assert.match(error.message, /^3 of 5 records could not be delivered to Firehose stream "kafka-to-s3": 1 still failing after 3 attempts \(MAX_ATTEMPTS 3\) \(2 of them not yet sent\); first error: ServiceUnavailableException: Slow down\./);
    return true;
  });
  assert.deepEqual(calls, [['a', 'b', 'c'], ['b', 'c'], ['b', 'c']]);
  assert.equal(options.slept.length, 2, 'no sleep after the last attempt');
});

test('MAX_ATTEMPTS 1 means no retry', async () => {
  const { send, calls } = scripted([{ fail: ['a'] }]);
  await assert.rejects(sendAll(send, [recs('a', 'b')], quick({ maxAttempts: 1 })), /1 of 2 records could not be delivered to Firehose: 1 still failing after 1 attempt \(/);
  assert.equal(calls.length, 1);
});

test('whole calls failing with throttling, 5xx or network errors are retried whole', async () => {
  const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET', $metadata: {} });
  const { send, calls } = scripted([
    { throws: awsError('ServiceUnavailableException', 500) },
    { throws: awsError('ThrottlingException', 400, { $retryable: { throttling: true } }) },
    { throws: awsError('SomethingNew', 503) },
    { throws: reset },
    { fail: ['b'] },
  ]);
  const options = quick({ maxAttempts: 6 });
  assert.deepEqual(await sendAll(send, [recs('a', 'b')], options), { records: 2, calls: 6, retries: 5 });
  assert.deepEqual(calls, [['a', 'b'], ['a', 'b'], ['a', 'b'], ['a', 'b'], ['a', 'b'], ['b']]);
});

test('exhausted retries after whole-call failures name the error', async () => {
  const { send } = scripted([{ throws: awsError('ServiceUnavailableException', 500) }, { throws: awsError('ServiceUnavailableException', 500) }]);
  await assert.rejects(
    sendAll(send, [recs('a', 'b')], quick({ maxAttempts: 2 })),
    (error: unknown) => error instanceof FirehoseDeliveryError && error.undelivered === 2 && /first error: ServiceUnavailableException: ServiceUnavailableException happened/.test(error.message),
  );
});

test('non-retryable errors throw at once, with the SDK error as the cause', async () => {
  for (const name of ['ResourceNotFoundException', 'InvalidArgumentException', 'AccessDeniedException']) {
    const cause = awsError(name, 400);
    const { send, calls } = scripted([{ throws: cause }]);
    const options = quick({ streamName: 'missing' });
    await assert.rejects(sendAll(send, [recs('a'), recs('b', 'c')], options), (error: unknown) => {
      assert.ok(error instanceof FirehoseDeliveryError);
      assert.equal(error.retryable, false);
      assert.equal(error.errorCode, name);
      assert.equal(error.undelivered, 3);
      assert.equal(error.cause, cause);
      assert.match(error.message, new RegExp(`^3 of 3 records could not be delivered to Firehose stream "missing": PutRecordBatch failed with a non-retryable error \\(2 of them not yet sent\\); first error: ${name}: `));
      return true;
    });
    assert.equal(calls.length, 1, name);
    assert.deepEqual(options.slept, [], name);
  }
});

test('errors are classified: throttling, 5xx and network retry; client errors and bugs do not', () => {
  assert.equal(isRetryable(awsError('ServiceUnavailableException', 500)), true);
  assert.equal(isRetryable(awsError('InternalFailure', 500)), true);
  assert.equal(isRetryable(awsError('Unknown', 502)), true);
  assert.equal(isRetryable(awsError('Unknown', 429)), true);
  assert.equal(isRetryable(awsError('ThrottlingException', 400)), true);
  assert.equal(isRetryable(awsError('Weird', 400, { $retryable: {} })), true);
  assert.equal(isRetryable(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })), true);
  assert.equal(isRetryable(Object.assign(new Error('wrapped'), { cause: Object.assign(new Error('x'), { code: 'ETIMEDOUT' }) })), true);
  assert.equal(isRetryable(Object.assign(new Error('Request aborted'), { name: 'AbortError' })), true);
  assert.equal(isRetryable(awsError('ResourceNotFoundException', 400)), false);
  assert.equal(isRetryable(awsError('InvalidArgumentException', 400)), false);
  assert.equal(isRetryable(awsError('InvalidKMSResourceException', 400)), false);
  assert.equal(isRetryable(awsError('Unknown', 403)), false);
  assert.equal(isRetryable(new TypeError('x is not a function')), false);
  assert.equal(isRetryable('a string'), false);
});

test('backoff: the ceiling doubles from the base up to the cap, and the delay is a random share of it (full jitter)', () => {
  const half = (): number => 0.5;
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 8].map((r) => backoffDelay(r, 200, 5000, half)), [100, 200, 400, 800, 1600, 2500, 2500, 2500]);
  assert.equal(backoffDelay(3, 200, 5000, () => 0), 0);
  assert.equal(backoffDelay(3, 200, 5000, () => 0.999_999), 799);
});

test('backoff delays grow across retries and are jittered', async () => {
  const randoms = [0.9, 0.1, 0.9, 0.5];
  const seen: number[] = [];
  const { send } = scripted([{ fail: ['a'] }, { fail: ['a'] }, { fail: ['a'] }, { fail: ['a'] }]);
  const options = quick({ random: () => randoms.shift() ?? 0, baseDelayMs: 100, maxDelayMs: 10_000, onRetry: (r) => seen.push(r.attempt) });
  await sendAll(send, [recs('a')], options);
  assert.deepEqual(options.slept, [90, 20, 360, 400], 'random * 100, 200, 400, 800');
  assert.deepEqual(seen, [2, 3, 4, 5]);
  // With the same random draw the delays double.
  const steady = quick({ random: () => 0.75, baseDelayMs: 100, maxDelayMs: 10_000 });
  await sendAll(scripted([{ fail: ['a'] }, { fail: ['a'] }, { fail: ['a'] }]).send, [recs('a')], steady);
  assert.deepEqual(steady.slept, [75, 150, 300]);
});

test('the default sleep is a timer: the event loop keeps running while it waits', async () => {
  const { send } = scripted([{ fail: ['a'] }]);
  let ticks = 0;
  const interval = setInterval(() => (ticks += 1), 1);
  try {
    const started = Date.now();
    await sendAll(send, [recs('a')], { maxAttempts: 2, baseDelayMs: 40, random: () => 0.999 });
    assert.ok(Date.now() - started >= 35);
  } finally {
    clearInterval(interval);
  }
  // A busy wait would starve the interval completely; under load it may still fire only once.
  assert.ok(ticks >= 1, `interval ran ${ticks} times during the backoff`);
});

test('retries stop when the invocation\'s remaining time, less the margin, cannot cover the next wait', async () => {
  let now = 0;
  const deadline = 3_000;
  const { send, calls } = scripted(Array.from({ length: 10 }, () => ({ fail: ['a'] })));
  const options = quick({
    maxAttempts: 10,
    random: () => 0.99,
    marginMs: 1_000,
    remainingTimeMs: () => deadline - now,
    sleep: (ms) => {
      now += ms;
      return Promise.resolve();
    },
  });
  await assert.rejects(sendAll(send, [recs('a')], options), (error: unknown) => {
    assert.ok(error instanceof FirehoseDeliveryError);
    assert.match(error.message, /too little invocation time left to retry/);
    return true;
  });
  // Waits of 198, 396, 792 fit in 2,000 ms; the next (1,584) would not.
  assert.deepEqual(calls.length, 4);
  assert.ok(now <= deadline - 1_000);
});

test('each call gets an abort signal at the deadline less the margin; none without a deadline', async () => {
  const timed = scripted([]);
  await sendAll(timed.send, [recs('a')], quick({ remainingTimeMs: () => 60_000 }));
  assert.ok(timed.signals[0] instanceof AbortSignal);
  const untimed = scripted([]);
  await sendAll(untimed.send, [recs('a')], quick());
  assert.equal(untimed.signals[0], undefined);
});

test('a call aborted at the deadline ends the invocation with a clear error', async () => {
  let remaining = 1_500;
  const send: SendBatch = (_data, signal) =>
    new Promise((_resolve, reject) => {
      assert.ok(signal !== undefined);
      signal.addEventListener('abort', () => {
        remaining = 1_000; // the time the call took
        reject(Object.assign(new Error('Request aborted'), { name: 'AbortError' }));
      });
    });
  // AbortSignal.timeout's timer does not hold the process open (a real call's socket does).
  const keepAlive = setInterval(() => undefined, 1_000);
  try {
    const started = Date.now();
    await assert.rejects(sendAll(send, [recs('a', 'b')], quick({ remainingTimeMs: () => remaining, marginMs: 1_000 })), (error: unknown) => {
      assert.ok(error instanceof FirehoseDeliveryError);
      assert.equal(error.undelivered, 2);
      assert.equal(error.errorCode, 'AbortError');
      assert.match(error.message, /too little invocation time left to retry/);
      return true;
    });
    assert.ok(Date.now() - started >= 450, 'aborted after the 500 ms left before the margin');
  } finally {
    clearInterval(keepAlive);
  }
});

test('no call is started inside the margin', async () => {
  const { send, calls } = scripted([]);
  await assert.rejects(sendAll(send, [recs('a')], quick({ remainingTimeMs: () => 900, marginMs: 1_000 })), /the invocation has 900 ms left, within the 1000 ms margin/);
  assert.equal(calls.length, 0);
});

test('an answer that does not match the request is resent whole unless FailedPutCount is 0', async () => {
  const answers: PutBatchResult[] = [{ FailedPutCount: 1, RequestResponses: [] }, { FailedPutCount: 0, RequestResponses: [] }];
  const calls: number[] = [];
  const send: SendBatch = (data) => {
    calls.push(data.length);
    return Promise.resolve(answers[calls.length - 1] ?? {});
  };
  assert.deepEqual(await sendAll(send, [recs('a', 'b')], quick()), { records: 2, calls: 2, retries: 1 });
  assert.deepEqual(calls, [2, 2]);
});
