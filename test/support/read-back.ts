/** Reads what a topic holds, from the start, with @platformatic/kafka's consumer (a real client over TCP). */
import { Consumer, stringDeserializers } from '@platformatic/kafka';

export interface ReadRecord {
  readonly partition: number;
  readonly offset: number;
  /** null for a record without a key. */
  readonly key: string | null;
  readonly value: string;
  readonly headers: Record<string, string>;
}

/** The first `count` records of `topic` (in a throw-away group; needs a broker with no initial rebalance delay to be quick). */
export async function readBack(bootstrap: string, topic: string, count: number): Promise<ReadRecord[]> {
  const consumer = new Consumer({
    clientId: 'test-read-back',
    groupId: `read-back-${topic}-${process.pid}`,
    bootstrapBrokers: [bootstrap],
    deserializers: stringDeserializers,
    maxWaitTime: 200,
  });
  const out: ReadRecord[] = [];
  try {
    const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false });
    for await (const m of stream) {
      out.push({ partition: m.partition, offset: Number(m.offset), key: m.key ?? null, value: m.value, headers: Object.fromEntries(m.headers) });
      if (out.length >= count) break;
    }
    await stream.close();
  } finally {
    // close(true) has a callback overload first: wrap it so that the promise is the one awaited.
    await new Promise<void>((ok) => consumer.close(true, () => ok()));
  }
  return out;
}
