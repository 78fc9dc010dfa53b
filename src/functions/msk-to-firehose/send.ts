/**
 * Sends planned batches with PutRecordBatch, retrying what failed.
 *
 * - A call that answers with some entries failed (RequestResponses entries with an ErrorCode:
 *   ServiceUnavailableException "Slow down." or InternalFailure) is retried with only those
 *   entries, in their original order.
 * - A call that fails as a whole with a retryable error (throttling, 5xx, network, our own
 *   deadline abort) is retried whole. Any other error (ResourceNotFoundException,
 *   InvalidArgumentException, access denied, ...) throws at once.
 * - Between attempts: exponential backoff with full jitter, delay = random() * min(maxDelayMs,
 *   baseDelayMs * 2^(retry-1)), slept with a timer (the event loop stays free).
 * - Bounded by maxAttempts calls per batch and by the invocation's remaining time less a margin:
 *   no sleep or call is started that would end after remainingTimeMs() - marginMs, and each call
 *   is aborted at that point. When either bound is hit, FirehoseDeliveryError says how many
 *   records were not delivered and the first error of the last failed call.
 *
 * Batches are sent one after another, so records reach Firehose in event order (apart from
 * retried entries, which follow their batch's successful ones). Delivery is at-least-once: when
 * this throws, the event source mapping retries the whole event, including records Firehose
 * already acknowledged.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { FirehoseDeliveryError } from './errors.ts';

/** One entry of PutRecordBatch's RequestResponses (the SDK's PutRecordBatchResponseEntry). */
export interface PutEntryResult {
  readonly RecordId?: string | undefined;
  readonly ErrorCode?: string | undefined;
  readonly ErrorMessage?: string | undefined;
}

/** What PutRecordBatch answers (a structural subset of the SDK's PutRecordBatchCommandOutput). */
export interface PutBatchResult {
  readonly FailedPutCount?: number | undefined;
  readonly RequestResponses?: readonly PutEntryResult[] | undefined;
}

/** Makes one PutRecordBatch call with these records' data; rejects when the call fails as a whole. */
export type SendBatch = (data: readonly Uint8Array[], signal: AbortSignal | undefined) => Promise<PutBatchResult>;

export interface RetryEvent {
  /** The number of the attempt about to be made (2 for the first retry). */
  readonly attempt: number;
  readonly records: number;
  readonly delayMs: number;
  readonly errorCode: string;
  readonly errorMessage: string;
}

export interface SendOptions {
  /** Calls per batch, the first included (1 = no retries). */
  readonly maxAttempts: number;
  /** Ceiling of the first retry's delay (default 200 ms); it doubles on each retry. */
  readonly baseDelayMs?: number;
  /** Largest delay ceiling (default 5,000 ms). */
  readonly maxDelayMs?: number;
  /** The invocation's remaining time (context.getRemainingTimeInMillis); no deadline without it. */
  readonly remainingTimeMs?: () => number;
  /** Time kept back from the deadline to fail cleanly (default 1,000 ms). */
  readonly marginMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** A number in [0, 1) (default Math.random). */
  readonly random?: () => number;
  readonly onRetry?: (retry: RetryEvent) => void;
  /** Named in error messages. */
  readonly streamName?: string;
}

export interface SendSummary {
  /** Records Firehose acknowledged. */
  readonly records: number;
  /** PutRecordBatch calls made, retries included. */
  readonly calls: number;
  /** Calls that were retries. */
  readonly retries: number;
}

export const DEFAULT_BASE_DELAY_MS = 200;
export const DEFAULT_MAX_DELAY_MS = 5_000;
export const DEFAULT_MARGIN_MS = 1_000;

/** Full jitter: a random delay between 0 and min(maxDelayMs, baseDelayMs * 2^(retry-1)). */
export function backoffDelay(retry: number, baseDelayMs: number, maxDelayMs: number, random: () => number): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(Math.min(Math.max(random(), 0), 1) * ceiling);
}

const RETRYABLE_NAMES = new Set([
  'ServiceUnavailableException',
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'LimitExceededException',
  'SlowDown',
  'InternalFailure',
  'InternalServerError',
  'InternalError',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'AbortError',
]);

const NON_RETRYABLE_NAMES = new Set([
  'ResourceNotFoundException',
  'InvalidArgumentException',
  'InvalidKMSResourceException',
  'InvalidSourceException',
  'ResourceInUseException',
  'AccessDeniedException',
  'ValidationException',
  'SerializationException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'MissingAuthenticationTokenException',
  'ExpiredTokenException',
]);

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

interface AwsLikeError {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly $retryable?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: unknown };
  readonly cause?: unknown;
}

/** Whether a call that failed as a whole with this error may succeed when made again. */
export function isRetryable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as AwsLikeError;
  const name = typeof e.name === 'string' ? e.name : '';
  if (NON_RETRYABLE_NAMES.has(name)) return false;
  if (RETRYABLE_NAMES.has(name)) return true;
  if (e.$retryable !== undefined && e.$retryable !== null && e.$retryable !== false) return true;
  const status = e.$metadata?.httpStatusCode;
  if (typeof status === 'number') return status >= 500 || status === 429;
  if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) return true;
  const cause = e.cause as AwsLikeError | undefined;
  return typeof cause === 'object' && cause !== null && typeof cause.code === 'string' && NETWORK_CODES.has(cause.code);
}

function describeError(error: unknown): { code: string; message: string } {
  if (error instanceof Error) {
    const code = (error as AwsLikeError).code;
    return { code: error.name !== 'Error' ? error.name : typeof code === 'string' ? code : 'Error', message: error.message };
  }
  return { code: 'Error', message: String(error) };
}

/** The entries of `pending` that failed, and the first failure, from one call's answer. */
function failedEntries<R>(pending: readonly R[], result: PutBatchResult): { failed: R[]; first?: { code: string; message: string } } {
  const responses = result.RequestResponses ?? [];
  if (responses.length === pending.length) {
    const failed: R[] = [];
    let first: { code: string; message: string } | undefined;
    responses.forEach((entry, i) => {
      if (entry.ErrorCode === undefined || entry.ErrorCode === '') return;
      failed.push(pending[i] as R);
      first ??= { code: entry.ErrorCode, message: entry.ErrorMessage ?? '' };
    });
    return first === undefined ? { failed } : { failed, first };
  }
  // Firehose always answers one entry per record; if it did not, FailedPutCount 0 still means
  // every record was taken. Otherwise which ones failed is unknown: resend them all.
  if (result.FailedPutCount === 0) return { failed: [] };
  return {
    failed: [...pending],
    first: {
      code: 'InconsistentResponse',
      message: `FailedPutCount ${String(result.FailedPutCount)} with ${responses.length} RequestResponses for ${pending.length} records`,
    },
  };
}

/** Sends every batch, in order; resolves when Firehose has acknowledged every record. */
export async function sendAll<R extends { readonly data: Uint8Array }>(send: SendBatch, batches: readonly (readonly R[])[], options: SendOptions): Promise<SendSummary> {
  const baseDelayMs = options.baseDelayMs ?? DEFAULT_BASE_DELAY_MS;
  const maxDelayMs = options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
  const marginMs = options.marginMs ?? DEFAULT_MARGIN_MS;
  const sleep = options.sleep ?? ((ms: number) => delay(ms));
  const random = options.random ?? Math.random;
  const timeLeft = (): number => (options.remainingTimeMs === undefined ? Number.POSITIVE_INFINITY : options.remainingTimeMs() - marginMs);
  const stream = options.streamName === undefined ? 'Firehose' : `Firehose stream ${JSON.stringify(options.streamName)}`;
  if (!Number.isInteger(options.maxAttempts) || options.maxAttempts < 1) throw new RangeError(`maxAttempts must be a whole number of at least 1, not ${options.maxAttempts}`);

  const total = batches.reduce((n, b) => n + b.length, 0);
  let undeliveredCount = total;
  let delivered = 0;
  let calls = 0;
  let retries = 0;

  const fail = (reason: string, failing: number, first: { code: string; message: string }, retryable: boolean, cause?: unknown): FirehoseDeliveryError => {
    const undelivered = undeliveredCount;
    const notSent = undeliveredCount - failing;
    const advice = retryable
      ? 'The event source mapping retries the event (records already delivered may be delivered again); raise MAX_ATTEMPTS or the function timeout, or check the stream\'s throughput quotas.'
      : 'Check that the delivery stream exists in this account and region, that the function\'s role may put records to it, and the records.';
    return new FirehoseDeliveryError(
      `${undelivered} of ${total} records could not be delivered to ${stream}: ${reason}` +
        `${notSent > 0 ? ` (${notSent} of them not yet sent)` : ''}; first error: ${first.code}: ${first.message}. ${advice}`,
      { undelivered, total, errorCode: first.code, errorMessage: first.message, retryable },
      cause === undefined ? undefined : { cause },
    );
  };

  for (const batch of batches) {
    let pending: readonly R[] = batch;
    let attempt = 1;
    let last: { code: string; message: string } | undefined;
    for (;;) {
      const left = timeLeft();
      if (left <= 0) {
        throw fail(
          `the invocation has ${Math.max(0, Math.round(left + marginMs))} ms left, within the ${marginMs} ms margin`,
          pending.length,
          last ?? { code: 'Timeout', message: 'no time left to send' },
          true,
        );
      }
      calls += 1;
      if (attempt > 1) retries += 1;
      let failed: readonly R[];
      try {
        const signal = Number.isFinite(left) ? AbortSignal.timeout(Math.max(1, Math.floor(left))) : undefined;
        const result = await send(
          pending.map((r) => r.data),
          signal,
        );
        const outcome = failedEntries(pending, result);
        failed = outcome.failed;
        if (outcome.first !== undefined) last = outcome.first;
      } catch (error: unknown) {
        last = describeError(error);
        if (!isRetryable(error)) throw fail(`PutRecordBatch failed with a non-retryable error`, pending.length, last, false, error);
        failed = pending;
      }
      const acknowledged = pending.length - failed.length;
      delivered += acknowledged;
      undeliveredCount -= acknowledged;
      if (failed.length === 0) break;
      pending = failed;
      const first = last ?? { code: 'Unknown', message: '' };
      if (attempt >= options.maxAttempts) {
        throw fail(`${failed.length} still failing after ${attempt} attempt${attempt === 1 ? '' : 's'} (MAX_ATTEMPTS ${options.maxAttempts})`, failed.length, first, true);
      }
      const wait = backoffDelay(attempt, baseDelayMs, maxDelayMs, random);
      const leftAfterWait = timeLeft() - wait;
      if (leftAfterWait <= 0) {
        throw fail(`${failed.length} still failing after ${attempt} attempt${attempt === 1 ? '' : 's'} and too little invocation time left to retry`, failed.length, first, true);
      }
      attempt += 1;
      options.onRetry?.({ attempt, records: failed.length, delayMs: wait, errorCode: first.code, errorMessage: first.message });
      await sleep(wait);
    }
  }
  return { records: delivered, calls, retries };
}
