/**
 * The broker's metrics over HTTP, as MSK's open monitoring serves them to Prometheus:
 * `GET /metrics` answers the text exposition, any other path 404, any other method 405.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SdsError } from '../../errors.ts';
import type { Logger } from '../../logging.ts';
import { PROMETHEUS_CONTENT_TYPE } from './prometheus.ts';

export interface MetricsServerOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** Host name for the URL (default: host). */
  readonly urlHost?: string;
  /** Produces the exposition text for each scrape. */
  readonly render: () => Promise<string>;
  readonly logger: Logger;
}

export interface RunningMetricsServer {
  readonly port: number;
  /** http://host:port/metrics */
  readonly url: string;
  close(): Promise<void>;
}

export async function startMetricsServer(options: MetricsServerOptions): Promise<RunningMetricsServer> {
  const { host, logger } = options;
  const server = createServer((req, res) => void answer(req, res, options.render, logger));
  const port = await listen(server, host, options.port);
  const urlHost = options.urlHost ?? host;
  let closing: Promise<void> | undefined;
  return {
    port,
    url: `http://${urlHost.includes(':') ? `[${urlHost}]` : urlHost}:${port}/metrics`,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        // A scraper's keep-alive connection must not hold the broker's stop.
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

async function answer(req: IncomingMessage, res: ServerResponse, render: () => Promise<string>, logger: Logger): Promise<void> {
  const path = (req.url ?? '/').split('?', 1)[0];
  if (path !== '/metrics') return reply(res, 404, 'not found: the metrics are at /metrics\n');
  if (req.method !== 'GET') {
    res.setHeader('Allow', 'GET');
    return reply(res, 405, 'method not allowed: use GET\n');
  }
  let text: string;
  try {
    text = await render();
  } catch (e: unknown) {
    logger.error({ err: e }, 'cannot collect broker metrics');
    return reply(res, 500, 'cannot collect the metrics; see the broker log\n');
  }
  res.writeHead(200, { 'Content-Type': PROMETHEUS_CONTENT_TYPE, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function reply(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      const reason = e.code === 'EADDRINUSE' ? `port ${port} is already in use` : e.message;
      reject(new SdsError('SDS_ERR_METRICS_LISTEN', `the broker's metrics endpoint cannot listen on ${host}:${port}: ${reason}; choose another metrics port or stop the process that holds it`, { cause: e }));
    });
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}
