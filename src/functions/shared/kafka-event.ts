/**
 * The event Lambda's Kafka event source mapping (Amazon MSK or self-managed Kafka) passes to a
 * handler, and helpers to read its records. Deployable as is: no imports beyond Node.js.
 *
 * Shape: `records` is keyed by "<topic>-<partition>", each list in offset order; key and value
 * are base64 (absent or null for a null key/value); headers are single-key objects whose value
 * is the header's bytes as an array of numbers.
 */

export interface MskHeader {
  readonly [headerKey: string]: readonly number[];
}

export interface MskRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** Milliseconds since the epoch. */
  readonly timestamp: number;
  readonly timestampType: 'CREATE_TIME' | 'LOG_APPEND_TIME';
  readonly key?: string | null;
  readonly value?: string | null;
  readonly headers: readonly MskHeader[];
}

export interface MskEvent {
  /** "aws:kafka" for Amazon MSK, "SelfManagedKafka" otherwise. */
  readonly eventSource: 'aws:kafka' | 'SelfManagedKafka';
  /** The MSK cluster ARN; absent for self-managed Kafka. */
  readonly eventSourceArn?: string;
  /** One comma-separated string. */
  readonly bootstrapServers: string;
  readonly records: Readonly<Record<string, readonly MskRecord[]>>;
}

/** A partial batch response (FunctionResponseTypes: ReportBatchItemFailures). */
export interface KafkaBatchResponse {
  readonly batchItemFailures: readonly { readonly itemIdentifier: { readonly partition: string; readonly offset: number } }[];
}

/** The records of an event in the order Lambda delivers them: by partition key, then offset. */
export function eventRecords(event: MskEvent): MskRecord[] {
  return Object.values(event.records).flat();
}

export function keyBytes(record: MskRecord): Buffer | null {
  return record.key === undefined || record.key === null ? null : Buffer.from(record.key, 'base64');
}

export function valueBytes(record: MskRecord): Buffer | null {
  return record.value === undefined || record.value === null ? null : Buffer.from(record.value, 'base64');
}

/** Header names and their bytes, in the order they were produced (a name may repeat). */
export function headerEntries(record: MskRecord): [string, Buffer][] {
  return record.headers.flatMap((h) => Object.entries(h).map(([name, bytes]): [string, Buffer] => [name, Buffer.from(bytes.map((b) => b & 0xff))]));
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The bytes as text when they are valid UTF-8, otherwise as base64, saying which. */
export function readable(bytes: Buffer | null): { encoding: 'utf8' | 'base64'; text: string } | null {
  if (bytes === null) return null;
  try {
    return { encoding: 'utf8', text: utf8.decode(bytes) };
  } catch {
    return { encoding: 'base64', text: bytes.toString('base64') };
  }
}

/** The value parsed as JSON, or undefined when it is null or not JSON. */
export function valueJson(record: MskRecord): unknown {
  const text = readable(valueBytes(record));
  if (text?.encoding !== 'utf8') return undefined;
  try {
    return JSON.parse(text.text) as unknown;
  } catch {
    return undefined;
  }
}
