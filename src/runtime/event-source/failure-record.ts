/**
 * What an event source mapping sends to its on-failure destination, in the shapes AWS documents
 * for Kafka sources:
 *
 * - a batch record (the SQS/SNS/S3 form): requestContext, responseContext (null when the batch was
 *   never invoked because it exceeded the payload limit), version, timestamp, KafkaBatchInfo with
 *   recordsInfo per "topic-partition", and for object-store destinations the whole event as an
 *   escaped JSON string in `payload`;
 * - a per-record message for a Kafka topic destination: condition RetriesExhausted, KafkaBatchInfo
 *   with recordInfo, and the event holding that one record as an object in `payload`.
 */
import type { MskEvent } from '../../functions/shared/kafka-event.ts';
import { buildEvent, type EventSource, type PolledRecord } from './event.ts';

export type FailureCondition = 'RetryAttemptsExhausted' | 'MaximumPayloadSizeExceeded' | 'RecordAgeExceeded';

export interface FailureContext {
  readonly requestId: string;
  readonly functionArn: string;
  readonly condition: FailureCondition;
  /** Invocations made for the batch (0 when it was never invoked). */
  readonly approximateInvokeCount: number;
  /** The last invocation's error type, e.g. "Unhandled"; absent when never invoked. */
  readonly functionError?: string;
  readonly now: Date;
}

export interface BatchFailureRecord {
  readonly requestContext: { requestId: string; functionArn: string; condition: FailureCondition; approximateInvokeCount: number };
  readonly responseContext: { statusCode: number; executedVersion: string; functionError: string } | null;
  readonly version: '1.0';
  readonly timestamp: string;
  readonly KafkaBatchInfo: {
    batchSize: number;
    eventSourceArn?: string;
    bootstrapServers: string;
    payloadSize: number;
    recordsInfo: Record<string, { firstRecordOffset: string; lastRecordOffset: string; firstRecordTimestamp: string; lastRecordTimestamp: string }>;
  };
  /** Object-store destinations only: the invocation event as JSON text. */
  readonly payload?: string;
}

function iso(ms: bigint): string {
  return new Date(Number(ms)).toISOString();
}

export function batchFailureRecord(source: EventSource, batch: readonly PolledRecord[], ctx: FailureContext, withPayload: boolean): BatchFailureRecord {
  const event = buildEvent(source, batch);
  const text = JSON.stringify(event);
  const recordsInfo: BatchFailureRecord['KafkaBatchInfo']['recordsInfo'] = {};
  for (const [key, records] of Object.entries(event.records)) {
    const polled = batch.filter((r) => `${r.topic}-${r.partition}` === key);
    const first = polled[0];
    const last = polled[polled.length - 1];
    if (first === undefined || last === undefined || records.length === 0) continue;
    recordsInfo[key] = {
      firstRecordOffset: first.offset.toString(),
      lastRecordOffset: last.offset.toString(),
      firstRecordTimestamp: iso(first.timestamp),
      lastRecordTimestamp: iso(last.timestamp),
    };
  }
  return {
    requestContext: { requestId: ctx.requestId, functionArn: ctx.functionArn, condition: ctx.condition, approximateInvokeCount: ctx.approximateInvokeCount },
    responseContext: ctx.condition === 'MaximumPayloadSizeExceeded' ? null : { statusCode: 200, executedVersion: '$LATEST', functionError: ctx.functionError ?? 'Unhandled' },
    version: '1.0',
    timestamp: ctx.now.toISOString(),
    KafkaBatchInfo: {
      batchSize: batch.length,
      ...(event.eventSourceArn !== undefined ? { eventSourceArn: event.eventSourceArn } : {}),
      bootstrapServers: event.bootstrapServers,
      payloadSize: Buffer.byteLength(text),
      recordsInfo,
    },
    ...(withPayload ? { payload: text } : {}),
  };
}

export type TopicFailureCondition = 'RetriesExhausted' | 'MaximumPayloadSizeExceeded' | 'RecordAgeExceeded';

export interface TopicFailureMessage {
  readonly requestContext: { requestId: string; functionArn: string; condition: TopicFailureCondition; approximateInvokeCount: number };
  /** Null when the record was never invoked (it exceeded the payload limit). */
  readonly responseContext: { statusCode: number; executedVersion: string; functionError: string } | null;
  readonly version: '1.0';
  readonly timestamp: string;
  readonly KafkaBatchInfo: { batchSize: 1; eventSourceArn?: string; bootstrapServers: string; payloadSize: number; recordInfo: { offset: string; timestamp: string } };
  readonly payload: MskEvent;
}

/**
 * The message for a Kafka topic destination, one per failed record (produced with the record's
 * key). The topic form's documented condition for spent retries is "RetriesExhausted"; the
 * other conditions keep their batch-form names (not documented for topics).
 */
export function topicFailureMessage(source: EventSource, record: PolledRecord, ctx: Omit<FailureContext, 'condition'> & { readonly condition?: FailureCondition }): TopicFailureMessage {
  const event = buildEvent(source, [record]);
  const condition: TopicFailureCondition = ctx.condition === undefined || ctx.condition === 'RetryAttemptsExhausted' ? 'RetriesExhausted' : ctx.condition;
  return {
    requestContext: { requestId: ctx.requestId, functionArn: ctx.functionArn, condition, approximateInvokeCount: ctx.approximateInvokeCount },
    responseContext: condition === 'MaximumPayloadSizeExceeded' ? null : { statusCode: 200, executedVersion: '$LATEST', functionError: ctx.functionError ?? 'Unhandled' },
    version: '1.0',
    timestamp: ctx.now.toISOString(),
    KafkaBatchInfo: {
      batchSize: 1,
      ...(event.eventSourceArn !== undefined ? { eventSourceArn: event.eventSourceArn } : {}),
      bootstrapServers: event.bootstrapServers,
      payloadSize: Buffer.byteLength(JSON.stringify(event)),
      recordInfo: { offset: record.offset.toString(), timestamp: iso(record.timestamp) },
    },
    payload: event,
  };
}
