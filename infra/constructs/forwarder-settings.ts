/**
 * The pattern 3 forwarder's own settings (its environment), checked with the function's own
 * readConfig so the stack accepts exactly what the function accepts when it starts.
 */
import { DEFAULT_MAX_ATTEMPTS, readConfig, RECORD_FORMATS, type RecordFormat } from '../../src/functions/msk-to-firehose/config.ts';
import { ForwarderConfigError } from '../../src/functions/msk-to-firehose/errors.ts';

export { DEFAULT_MAX_ATTEMPTS, RECORD_FORMATS, type RecordFormat };
export const DEFAULT_RECORD_FORMAT: RecordFormat = 'json-lines';
/** readConfig's upper bound for MAX_ATTEMPTS (a test holds the two together). */
export const MAX_MAX_ATTEMPTS = 20;

export interface ForwarderDefaults {
  /** Default: json-lines. */
  readonly recordFormat?: string;
  /** Default: DEFAULT_MAX_ATTEMPTS (5). */
  readonly maxAttempts?: number;
}

export function forwarderProblems(d: ForwarderDefaults): string[] {
  try {
    readConfig({
      // Lambda sets the region, and the stack sets the stream's name; stand-ins here.
      DELIVERY_STREAM_NAME: 'delivery-stream',
      AWS_REGION: 'us-east-1',
      RECORD_FORMAT: d.recordFormat ?? DEFAULT_RECORD_FORMAT,
      MAX_ATTEMPTS: String(d.maxAttempts ?? DEFAULT_MAX_ATTEMPTS),
    });
    return [];
  } catch (error: unknown) {
    if (error instanceof ForwarderConfigError) return [...error.problems];
    throw error;
  }
}
