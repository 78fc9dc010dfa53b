/**
 * Builds the event Lambda's Kafka event source mapping builds: records grouped under
 * "<topic>-<partition>" in offset order, key and value in base64, headers as single-key objects
 * holding the header bytes as numbers, bootstrap servers as one comma-separated string.
 *
 * Choices where AWS's documentation is silent: a null key or value is left out of the record
 * (its typings make both optional, and handlers test for absence); header bytes above 127 are
 * negative, as the Java byte values the poller serializes (the documented examples only show
 * ASCII, and Rust's event types use i8).
 */
import type { MskEvent, MskHeader, MskRecord } from '../../functions/shared/kafka-event.ts';

export interface PolledRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly timestamp: bigint;
  /** Kafka's timestamp type: log-append time when the topic sets it. */
  readonly logAppendTime: boolean;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: readonly (readonly [string, Buffer | null])[];
  /** The record's JSON in the event, kept by encodeRecord: sized once, sent as is. */
  encoded?: EncodedRecord;
}

export interface EncodedRecord {
  readonly json: string;
  /** UTF-8 bytes of `json`. */
  readonly bytes: number;
}

export interface EventSource {
  /** host:port of each bootstrap server, as configured. */
  readonly bootstrapServers: readonly string[];
  /** An Amazon MSK cluster ARN: the event says "aws:kafka"; without one, "SelfManagedKafka". */
  readonly clusterArn?: string;
}

function signedBytes(bytes: Buffer | null): number[] {
  return bytes === null ? [] : Array.from(bytes, (b) => (b > 127 ? b - 256 : b));
}

export function toMskRecord(r: PolledRecord): MskRecord {
  return {
    topic: r.topic,
    partition: r.partition,
    offset: Number(r.offset),
    timestamp: Number(r.timestamp),
    timestampType: r.logAppendTime ? 'LOG_APPEND_TIME' : 'CREATE_TIME',
    ...(r.key !== null ? { key: r.key.toString('base64') } : {}),
    ...(r.value !== null ? { value: r.value.toString('base64') } : {}),
    headers: r.headers.map(([name, bytes]): MskHeader => ({ [name]: signedBytes(bytes) })),
  };
}

/** The invocation event for `records`, which must be in offset order within each partition. */
export function buildEvent(source: EventSource, records: readonly PolledRecord[]): MskEvent {
  const grouped: Record<string, MskRecord[]> = {};
  for (const r of records) (grouped[`${r.topic}-${r.partition}`] ??= []).push(toMskRecord(r));
  return {
    eventSource: source.clusterArn !== undefined ? 'aws:kafka' : 'SelfManagedKafka',
    ...(source.clusterArn !== undefined ? { eventSourceArn: source.clusterArn } : {}),
    bootstrapServers: source.bootstrapServers.join(','),
    records: grouped,
  };
}

/**
 * One record as it appears in the event's JSON: the text JSON.stringify(toMskRecord(r)) gives,
 * written directly because this runs for every record polled (base64 needs no escaping).
 */
export function recordJson(r: PolledRecord): string {
  const key = r.key !== null ? `,"key":"${r.key.toString('base64')}"` : '';
  const value = r.value !== null ? `,"value":"${r.value.toString('base64')}"` : '';
  const headers = r.headers.map(([name, bytes]) => `{${JSON.stringify(name)}:[${signedBytes(bytes).join(',')}]}`).join(',');
  const type = r.logAppendTime ? 'LOG_APPEND_TIME' : 'CREATE_TIME';
  return `{"topic":${JSON.stringify(r.topic)},"partition":${r.partition},"offset":${Number(r.offset)},"timestamp":${Number(r.timestamp)},"timestampType":"${type}"${key}${value},"headers":[${headers}]}`;
}

/** The record's JSON and its size, made on first use and kept on the record. */
export function encodeRecord(r: PolledRecord): EncodedRecord {
  if (r.encoded === undefined) {
    const json = recordJson(r);
    r.encoded = { json, bytes: Buffer.byteLength(json) };
  }
  return r.encoded;
}

/**
 * The JSON text of buildEvent(source, records), assembled from each record's JSON (which the
 * caller may have made already, to size the batch): the same text JSON.stringify would give.
 */
export function eventJson(source: EventSource, records: readonly PolledRecord[], jsonOf: (r: PolledRecord) => string = (r) => encodeRecord(r).json): string {
  const grouped = new Map<string, string[]>();
  for (const r of records) {
    const key = `${r.topic}-${r.partition}`;
    const list = grouped.get(key);
    if (list === undefined) grouped.set(key, [jsonOf(r)]);
    else list.push(jsonOf(r));
  }
  const head = JSON.stringify(buildEvent(source, []));
  // The empty event ends with `"records":{}}`: the groups go between those braces.
  const groups = [...grouped].map(([key, list]) => `${JSON.stringify(key)}:[${list.join(',')}]`).join(',');
  return `${head.slice(0, -2)}${groups}}}`;
}
