/**
 * What the mapping does after an invocation failed (an error, a timeout, or a malformed partial
 * response), from the mapping's error-handling settings:
 *
 * 1. records older than MaximumRecordAgeInSeconds go to the on-failure destination (RecordAgeExceeded);
 * 2. while retries remain, the same batch is invoked again (MaximumRetryAttempts; -1 retries until
 *    the records expire, but at most 10 times when an on-failure destination is set, as Lambda caps it);
 * 3. then, with BisectBatchOnFunctionError, a batch of several records is split in two halves, each
 *    invoked on its own with no retries left (a half that fails again is split again);
 * 4. then the batch goes to the on-failure destination (RetryAttemptsExhausted) and the partition
 *    moves on; without a destination it stays blocked, retried until it succeeds, as Lambda does.
 */
import type { MappingSettings } from './settings.ts';

/** Lambda's cap on retries when MaximumRetryAttempts is -1 and an on-failure destination is set. */
export const INFINITE_RETRY_CAP_WITH_DESTINATION = 10;

export type NextStep =
  | { readonly action: 'retry' }
  | { readonly action: 'bisect' }
  | { readonly action: 'to-destination'; readonly condition: 'RetryAttemptsExhausted' | 'RecordAgeExceeded' };

export interface FailedBatch {
  /** Retries already made for this batch (0 after the first failure). */
  readonly retries: number;
  readonly size: number;
  /** Age of its oldest record, in milliseconds. */
  readonly oldestRecordAgeMs: number;
  /** A half of a bisected batch: its retries are spent. */
  readonly bisected: boolean;
}

type Policy = Pick<MappingSettings, 'maximumRetryAttempts' | 'maximumRecordAgeSeconds' | 'bisectBatchOnFunctionError'>;

export function allowedRetries(policy: Policy, hasDestination: boolean): number {
  if (policy.maximumRetryAttempts >= 0) return policy.maximumRetryAttempts;
  return hasDestination ? INFINITE_RETRY_CAP_WITH_DESTINATION : Number.POSITIVE_INFINITY;
}

export function nextStep(policy: Policy, failed: FailedBatch, hasDestination: boolean): NextStep {
  if (policy.maximumRecordAgeSeconds >= 0 && failed.oldestRecordAgeMs > policy.maximumRecordAgeSeconds * 1000 && hasDestination) {
    return { action: 'to-destination', condition: 'RecordAgeExceeded' };
  }
  if (!failed.bisected && failed.retries < allowedRetries(policy, hasDestination)) return { action: 'retry' };
  if (policy.bisectBatchOnFunctionError && failed.size > 1) return { action: 'bisect' };
  // Without a destination the records cannot be set aside: keep retrying (the partition waits).
  return hasDestination ? { action: 'to-destination', condition: 'RetryAttemptsExhausted' } : { action: 'retry' };
}

/** The two halves of a batch for bisection (the first half takes the extra record). */
export function bisect<T>(batch: readonly T[]): [T[], T[]] {
  const middle = Math.ceil(batch.length / 2);
  return [batch.slice(0, middle), batch.slice(middle)];
}
