/**
 * The local Firehose: its delivery streams (each with its journal, buffer and bucket) behind the
 * Firehose HTTP API. Streams deliver what their journals held before a restart as soon as they open.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SdsError } from '../../errors.ts';
import { silentLogger, type Logger } from '../../logging.ts';
import type { ObjectStore } from '../object-store/object-store.ts';
import { handleRequest } from './api.ts';
import { systemClock, type Clock } from './clock.ts';
import { DeliveryStream } from './delivery-stream.ts';
import type { DeliveryStreamSettings } from './settings.ts';

export interface FirehoseOptions {
  readonly streams: readonly DeliveryStreamSettings[];
  /** Journals live in `<dataDir>/<stream name>/`. */
  readonly dataDir: string;
  /** The object store of a bucket named in a stream's BucketARN. */
  readonly bucket: (name: string) => ObjectStore;
  readonly host?: string;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  readonly region?: string;
  readonly accountId?: string;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** How long a failing object write is retried before its records are set aside; Firehose's 24 hours by default. */
  readonly retryDurationMs?: number;
}

export interface RunningFirehose {
  /** The endpoint to give the AWS SDK: http://host:port */
  readonly endpoint: string;
  readonly port: number;
  readonly streams: ReadonlyMap<string, DeliveryStream>;
  /** Stops taking requests, writes every buffered record to its bucket, closes the journals. */
  stop(): Promise<void>;
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const reason = error.code === 'EADDRINUSE' ? `port ${port} is already in use` : error.message;
      reject(new SdsError('SDS_ERR_FIREHOSE_LISTEN', `the local Firehose cannot listen on ${host}:${port}: ${reason}; choose another port`, { cause: error }));
    });
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

export async function startFirehose(options: FirehoseOptions): Promise<RunningFirehose> {
  const logger = options.logger ?? silentLogger();
  const clock = options.clock ?? systemClock;
  const streams = new Map<string, DeliveryStream>();
  try {
    for (const settings of options.streams) {
      streams.set(settings.name, await DeliveryStream.open(settings, options.dataDir, options.bucket(settings.bucket), clock, logger, options.retryDurationMs));
    }
  } catch (error: unknown) {
    await Promise.allSettled([...streams.values()].map((s) => s.close()));
    throw error;
  }
  const ctx = { streams, region: options.region ?? 'us-east-1', accountId: options.accountId ?? '000000000000', createdAt: new Date(clock.now()) };
  const server = createServer((req, res) => void handleRequest(ctx, req, res));
  const host = options.host ?? '127.0.0.1';
  let port: number;
  try {
    port = await listen(server, host, options.port ?? 0);
  } catch (error: unknown) {
    await Promise.allSettled([...streams.values()].map((s) => s.close()));
    throw error;
  }
  return {
    endpoint: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    streams,
    stop: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await Promise.all([...streams.values()].map((s) => s.close()));
    },
  };
}
