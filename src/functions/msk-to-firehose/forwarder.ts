/**
 * The forwarder's logic, apart from the environment and the AWS client: MSK event -> Firehose
 * records (in the configured format) -> PutRecordBatch calls within Firehose's limits -> sent
 * with retries. index.ts wires it to the environment and a FirehoseClient.
 */
import { eventRecords, type MskEvent } from '../shared/kafka-event.ts';
import { FIREHOSE_LIMITS, planBatches, type BatchLimits, type OutgoingRecord } from './batches.ts';
import type { ForwarderConfig } from './config.ts';
import { formatRecord } from './format.ts';
import { sendAll, type SendBatch, type SendOptions, type SendSummary } from './send.ts';

/** The part of Lambda's context object the forwarder uses. */
export interface InvocationContext {
  getRemainingTimeInMillis(): number;
}

export type ForwarderSummary = SendSummary;

export type ForwarderHandler = (event: MskEvent, context?: InvocationContext) => Promise<ForwarderSummary>;

export interface ForwarderOptions extends Omit<SendOptions, 'maxAttempts' | 'remainingTimeMs' | 'streamName'> {
  readonly limits?: BatchLimits;
}

/** The Firehose records of an event, each with the coordinates of its Kafka record. */
export function outgoingRecords(event: MskEvent, format: ForwarderConfig['format']): OutgoingRecord[] {
  return eventRecords(event).map((r) => ({ data: formatRecord(r, format), topic: r.topic, partition: r.partition, offset: r.offset }));
}

export function createHandler(config: Pick<ForwarderConfig, 'deliveryStreamName' | 'format' | 'maxAttempts'>, send: SendBatch, options: ForwarderOptions = {}): ForwarderHandler {
  const { limits = FIREHOSE_LIMITS, ...sendOptions } = options;
  return async (event, context) => {
    const batches = planBatches(outgoingRecords(event, config.format), limits);
    return sendAll(send, batches, {
      ...sendOptions,
      maxAttempts: config.maxAttempts,
      streamName: config.deliveryStreamName,
      ...(context !== undefined ? { remainingTimeMs: () => context.getRemainingTimeInMillis() } : {}),
    });
  };
}
