/**
 * Pattern 2's function: logs every record it receives from the Kafka event source mapping as one
 * JSON line (topic, partition, offset, timestamp, key, value and headers; UTF-8 text where the
 * bytes are valid UTF-8, base64 otherwise, with the encoding named) and returns how many it saw.
 * Deployable to Lambda as is.
 */
import { eventRecords, headerEntries, keyBytes, readable, valueBytes, type MskEvent } from '../shared/kafka-event.ts';

export interface MskConsumerResult {
  readonly processed: number;
}

// Nothing to wait for, but Lambda handlers are called for a promise (or a callback).
export const handler = (event: MskEvent): Promise<MskConsumerResult> => {
  const records = eventRecords(event);
  for (const record of records) {
    const key = readable(keyBytes(record));
    const value = readable(valueBytes(record));
    console.log(
      JSON.stringify({
        topic: record.topic,
        partition: record.partition,
        offset: record.offset,
        timestamp: new Date(record.timestamp).toISOString(),
        timestampType: record.timestampType,
        key: key?.text ?? null,
        ...(key?.encoding === 'base64' ? { keyEncoding: 'base64' } : {}),
        value: value?.text ?? null,
        ...(value?.encoding === 'base64' ? { valueEncoding: 'base64' } : {}),
        headers: headerEntries(record).map(([name, bytes]) => {
          const text = readable(bytes);
          return { key: name, value: text?.text ?? null, ...(text?.encoding === 'base64' ? { valueEncoding: 'base64' } : {}) };
        }),
      }),
    );
  }
  return Promise.resolve({ processed: records.length });
};
