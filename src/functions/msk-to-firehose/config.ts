/**
 * The forwarder's settings, read from the function's environment. Every problem is reported at
 * once, in one ForwarderConfigError.
 *
 * - DELIVERY_STREAM_NAME (required): the Firehose delivery stream to put records into.
 * - RECORD_FORMAT: `json-lines` (default) | `raw` | `raw-newline`.
 * - MAX_ATTEMPTS: calls per batch before giving up, 1 to 20 (default 5).
 * - FIREHOSE_ENDPOINT: another endpoint for the Firehose API (the local service), an http(s) URL.
 * - AWS_REGION (set by Lambda; AWS_DEFAULT_REGION is also read). Without either, a local
 *   endpoint gets us-east-1 and AWS is refused.
 */

import { ForwarderConfigError } from './errors.ts';

export const RECORD_FORMATS = ['json-lines', 'raw', 'raw-newline'] as const;
export type RecordFormat = (typeof RECORD_FORMATS)[number];

/**
 * Five calls per batch: the SDK's own default is three, but Firehose's throttling (per-second
 * quotas, answered as per-record ServiceUnavailableException) usually clears within a second or
 * two, and four backoff delays of up to 0.2 + 0.4 + 0.8 + 1.6 s cover that. Beyond it, failing the
 * invocation and letting the event source mapping retry the batch costs less than waiting on.
 */
export const DEFAULT_MAX_ATTEMPTS = 5;
const MAX_MAX_ATTEMPTS = 20;

export interface ForwarderConfig {
  readonly deliveryStreamName: string;
  readonly format: RecordFormat;
  readonly maxAttempts: number;
  readonly region: string;
  readonly endpoint?: string;
}

function isRecordFormat(value: string): value is RecordFormat {
  return (RECORD_FORMATS as readonly string[]).includes(value);
}

export function readConfig(env: Readonly<Record<string, string | undefined>>): ForwarderConfig {
  const problems: string[] = [];

  const deliveryStreamName = env['DELIVERY_STREAM_NAME']?.trim() ?? '';
  if (deliveryStreamName === '') problems.push('DELIVERY_STREAM_NAME is not set; set it to the name of the Firehose delivery stream to forward to');

  const formatText = env['RECORD_FORMAT']?.trim() || 'json-lines';
  let format: RecordFormat = 'json-lines';
  if (isRecordFormat(formatText)) format = formatText;
  else problems.push(`RECORD_FORMAT is ${JSON.stringify(formatText)}; use one of ${RECORD_FORMATS.join(', ')}`);

  const attemptsText = env['MAX_ATTEMPTS']?.trim() || String(DEFAULT_MAX_ATTEMPTS);
  const maxAttempts = Number(attemptsText);
  if (!/^\d+$/.test(attemptsText) || maxAttempts < 1 || maxAttempts > MAX_MAX_ATTEMPTS) {
    problems.push(`MAX_ATTEMPTS is ${JSON.stringify(attemptsText)}; use a whole number from 1 to ${MAX_MAX_ATTEMPTS}`);
  }

  const endpoint = env['FIREHOSE_ENDPOINT']?.trim() || undefined;
  if (endpoint !== undefined) {
    const protocol = URL.canParse(endpoint) ? new URL(endpoint).protocol : '';
    if (protocol !== 'http:' && protocol !== 'https:') problems.push(`FIREHOSE_ENDPOINT is ${JSON.stringify(endpoint)}; use an http:// or https:// URL, or leave it unset for AWS`);
  }

  let region = env['AWS_REGION']?.trim() || env['AWS_DEFAULT_REGION']?.trim() || '';
  if (region === '') {
    if (endpoint !== undefined) region = 'us-east-1';
    else problems.push('AWS_REGION is not set; Lambda sets it, elsewhere set it to the stream\'s region');
  }

  if (problems.length > 0) throw new ForwarderConfigError(problems);
  return { deliveryStreamName, format, maxAttempts, region, ...(endpoint !== undefined ? { endpoint } : {}) };
}
