/**
 * The sample producer of `sds up --demo`: a few stock-ticker events a second
 * ({"ticker", "price", "event_time"}, keyed by ticker) to one topic, so that the dashboard's
 * charts, the functions' logs and the bucket all move without a second terminal. A failed send
 * is logged and the next tick tries again: the demo must not stop the stack it decorates.
 */
import { createProducer, type BufferProducer } from '../client/clients.ts';
import type { Connection } from '../client/connection.ts';
import { stockTickerSource } from '../client/verifiable-producer.ts';
import { silentLogger, type Logger } from '../logging.ts';

export const DEFAULT_DEMO_RATE = 5;

export interface DemoProducerOptions {
  readonly connection: Connection;
  readonly topic: string;
  /** Records per second (default 5), sent one tick a second. */
  readonly ratePerSecond?: number;
  readonly logger?: Logger;
}

export interface DemoProducer {
  readonly topic: string;
  readonly ratePerSecond: number;
  /** Records acknowledged so far. */
  sent(): number;
  /** Stops the ticks, waits for the send in flight and closes the producer. */
  stop(): Promise<void>;
}

const TICK_MS = 1000;

export function startDemoProducer(options: DemoProducerOptions): DemoProducer {
  const rate = options.ratePerSecond ?? DEFAULT_DEMO_RATE;
  if (!Number.isInteger(rate) || rate < 1) throw new RangeError(`ratePerSecond must be a whole number from 1, got ${rate}`);
  const logger = options.logger ?? silentLogger();
  const producer: BufferProducer = createProducer({ ...options.connection, clientId: 'sds-demo' });
  const source = stockTickerSource();
  let acknowledged = 0;
  let inFlight: Promise<void> = Promise.resolve();
  let stopped = false;

  const tick = async (): Promise<void> => {
    const records = (await source.next(rate)) ?? [];
    try {
      await producer.send({
        acks: -1,
        messages: records.map((r) => ({ topic: options.topic, ...(r.key === null ? {} : { key: Buffer.from(r.key) }), value: Buffer.from(r.value) })),
      });
      acknowledged += records.length;
    } catch (error: unknown) {
      logger.warn({ err: error, topic: options.topic }, 'demo producer: a send failed; trying again next second');
    }
  };

  const timer = setInterval(() => {
    // One send at a time: a slow broker delays the demo rather than piling sends up.
    inFlight = inFlight.then(() => (stopped ? undefined : tick()));
  }, TICK_MS);
  timer.unref();

  return {
    topic: options.topic,
    ratePerSecond: rate,
    sent: () => acknowledged,
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await inFlight;
      source.close();
      // A close that fails must not keep the stack behind the demo from stopping.
      await producer.close().catch((error: unknown) => logger.warn({ err: error }, 'demo producer: close failed'));
    },
  };
}
