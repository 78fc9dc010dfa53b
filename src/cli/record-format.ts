/**
 * How `sds consume` prints a record: kafka-console-consumer's default formatter (the same columns,
 * order, separators and "null" / "NO_HEADERS" literals), or one JSON object per line.
 */
import type { ConsumedRecord } from '../client/consume.ts';

export const VALUE_FORMATS = ['utf8', 'base64', 'hex', 'json'] as const;
export type ValueFormat = (typeof VALUE_FORMATS)[number];
export const KEY_FORMATS = ['utf8', 'base64', 'hex'] as const;
export type KeyFormat = (typeof KEY_FORMATS)[number];

export interface RecordFormat {
  readonly printTimestamp: boolean;
  readonly printPartition: boolean;
  readonly printOffset: boolean;
  readonly printHeaders: boolean;
  readonly printKey: boolean;
  /** Between columns; kafka-console-consumer's key.separator (a tab by default). */
  readonly separator: string;
  readonly keyFormat: KeyFormat;
  readonly valueFormat: ValueFormat;
}

export const DEFAULT_FORMAT: RecordFormat = {
  printTimestamp: false,
  printPartition: false,
  printOffset: false,
  printHeaders: false,
  printKey: false,
  separator: '\t',
  keyFormat: 'utf8',
  valueFormat: 'utf8',
};

const NULL_LITERAL = 'null';

function encode(bytes: Buffer, format: KeyFormat): string {
  return format === 'utf8' ? bytes.toString('utf8') : bytes.toString(format);
}

/** JSON text parsed, or undefined when the bytes are not JSON. */
function parseJson(bytes: Buffer): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(bytes.toString('utf8')) as unknown };
  } catch {
    return undefined;
  }
}

/** A value as text: json pretty-prints valid JSON and leaves anything else as it is. */
export function valueText(bytes: Buffer | null, format: ValueFormat): string {
  if (bytes === null) return NULL_LITERAL;
  if (format !== 'json') return encode(bytes, format);
  const parsed = parseJson(bytes);
  return parsed === undefined ? bytes.toString('utf8') : JSON.stringify(parsed.value, null, 2);
}

/** One record as kafka-console-consumer prints it, with its line end. */
export function formatText(record: ConsumedRecord, f: RecordFormat): string {
  const columns: string[] = [];
  if (f.printTimestamp) columns.push(`${record.timestampType}:${record.timestamp}`);
  if (f.printPartition) columns.push(`Partition:${record.partition}`);
  if (f.printOffset) columns.push(`Offset:${record.offset}`);
  if (f.printHeaders) {
    columns.push(
      record.headers.length === 0 ? 'NO_HEADERS' : record.headers.map(([k, v]) => `${k}:${v === null ? NULL_LITERAL : v.toString('utf8')}`).join(','),
    );
  }
  if (f.printKey) columns.push(record.key === null ? NULL_LITERAL : encode(record.key, f.keyFormat));
  columns.push(valueText(record.value, f.valueFormat));
  return `${columns.join(f.separator)}\n`;
}

export interface JsonRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
  readonly key: string | null;
  readonly value: unknown;
  readonly headers: readonly { readonly key: string; readonly value: string | null }[];
}

/** One record as a JSON object; with the json value format, the value is embedded as JSON when it parses. */
export function toJson(record: ConsumedRecord, f: Pick<RecordFormat, 'keyFormat' | 'valueFormat'>): JsonRecord {
  let value: unknown = null;
  if (record.value !== null) {
    const parsed = f.valueFormat === 'json' ? parseJson(record.value) : undefined;
    value = parsed !== undefined ? parsed.value : encode(record.value, f.valueFormat === 'json' ? 'utf8' : f.valueFormat);
  }
  return {
    topic: record.topic,
    partition: record.partition,
    offset: Number(record.offset),
    timestamp: Number(record.timestamp),
    key: record.key === null ? null : encode(record.key, f.keyFormat),
    value,
    headers: record.headers.map(([key, v]) => ({ key, value: v === null ? null : v.toString('utf8') })),
  };
}

export function formatJson(record: ConsumedRecord, f: Pick<RecordFormat, 'keyFormat' | 'valueFormat'>): string {
  return `${JSON.stringify(toJson(record, f))}\n`;
}
