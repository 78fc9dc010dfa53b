/**
 * One Kafka record of the MSK event -> the bytes of one Firehose record.
 *
 * - `json-lines`: one JSON object and a newline: topic, partition, offset, timestamp (ISO 8601,
 *   as msk-consumer logs it), key and value. Key and value are UTF-8 text when their bytes are
 *   valid UTF-8, otherwise base64 with `keyEncoding`/`valueEncoding: "base64"`; null stays null.
 * - `raw`: the value's bytes as they are (a null value gives an empty record).
 * - `raw-newline`: the value's bytes and a newline (a null value gives an empty line), so the
 *   objects Firehose writes hold one record per line.
 */
import { keyBytes, readable, valueBytes, type MskRecord } from '../shared/kafka-event.ts';
import type { RecordFormat } from './config.ts';

const NEWLINE = Buffer.from('\n');
const EMPTY = Buffer.alloc(0);

export function jsonLine(record: MskRecord): string {
  const key = readable(keyBytes(record));
  const value = readable(valueBytes(record));
  return (
    JSON.stringify({
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
      timestamp: new Date(record.timestamp).toISOString(),
      key: key?.text ?? null,
      ...(key?.encoding === 'base64' ? { keyEncoding: 'base64' } : {}),
      value: value?.text ?? null,
      ...(value?.encoding === 'base64' ? { valueEncoding: 'base64' } : {}),
    }) + '\n'
  );
}

export function formatRecord(record: MskRecord, format: RecordFormat): Buffer {
  switch (format) {
    case 'json-lines':
      return Buffer.from(jsonLine(record), 'utf8');
    case 'raw':
      return valueBytes(record) ?? EMPTY;
    case 'raw-newline': {
      const value = valueBytes(record);
      return value === null ? NEWLINE : Buffer.concat([value, NEWLINE]);
    }
  }
}
