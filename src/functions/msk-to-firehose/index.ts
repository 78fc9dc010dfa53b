/**
 * Pattern 3's function: forwards every record of the Kafka event source mapping's event to an
 * Amazon Data Firehose delivery stream with PutRecordBatch, one Firehose record per Kafka record,
 * and returns { records, calls, retries }. Deployable to Lambda as is.
 *
 * Environment (read at module load; a bad setting is an init error listing every problem):
 * DELIVERY_STREAM_NAME (required), RECORD_FORMAT (json-lines | raw | raw-newline), MAX_ATTEMPTS
 * (default 5), FIREHOSE_ENDPOINT (the local Firehose), AWS_REGION.
 *
 * Failure: a record above 1,000 KiB, a non-retryable Firehose error, or records still failing
 * when the attempts or the invocation's time run out make the invocation throw, so the event
 * source mapping retries the event (or sets it aside); nothing is dropped silently.
 *
 * The client makes one attempt per call (maxAttempts 1): send.ts is the only retry layer, so the
 * attempts are bounded by MAX_ATTEMPTS and the remaining time rather than multiplied by the SDK's.
 */
import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { readConfig } from './config.ts';
import { createHandler, type ForwarderHandler } from './forwarder.ts';
import type { SendBatch } from './send.ts';

const config = readConfig(process.env);

const client = new FirehoseClient({
  region: config.region,
  maxAttempts: 1,
  ...(config.endpoint !== undefined ? { endpoint: config.endpoint } : {}),
});

const send: SendBatch = (data, signal) =>
  client.send(
    new PutRecordBatchCommand({ DeliveryStreamName: config.deliveryStreamName, Records: data.map((d) => ({ Data: d })) }),
    signal !== undefined ? { abortSignal: signal } : {},
  );

export const handler: ForwarderHandler = createHandler(config, send, {
  onRetry: (retry) => console.warn(JSON.stringify({ message: 'retrying PutRecordBatch', stream: config.deliveryStreamName, ...retry })),
});
