/**
 * The dashboard's HTTP server, read-only: the page and its assets (uPlot served from the package,
 * the page script built once at start, so nothing comes from the internet), the history as JSON
 * and new samples as server-sent events.
 *
 *   GET /                      the page
 *   GET /assets/<file>         dashboard.js, dashboard.css, uPlot.min.css
 *   GET /api/history?range=S   the last S seconds (1-3600, default 3600) and the sources' status
 *   GET /api/events            `event: sample` per collection; a comment every 15 s keeps proxies open
 *
 * Anything else is 404; methods other than GET and HEAD are 405; unknown query parameters are 400.
 * A client that does not read its event stream is dropped once 1 MiB waits for it (its browser
 * reconnects by itself), so a slow client cannot grow the server's memory.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';
import { SdsError } from '../errors.ts';
import { sourcePath } from '../package-root.ts';
import type { Collector, SampleEvent } from './collector.ts';

const PAGE_DIR = sourcePath('dashboard', 'page');
const MAX_PENDING_EVENT_BYTES = 1024 * 1024;
const KEEPALIVE_MS = 15_000;
const MAX_RANGE_SECONDS = 3600;

interface Asset {
  readonly type: string;
  readonly body: Buffer;
}

async function loadAssets(): Promise<Map<string, Asset>> {
  const uplotDir = dirname(createRequire(import.meta.url).resolve('uplot/package.json'));
  const script = await build({ entryPoints: [join(PAGE_DIR, 'app.ts')], bundle: true, write: false, format: 'iife', minify: true, target: 'es2020', legalComments: 'none', logLevel: 'silent' });
  const js = script.outputFiles[0]?.contents;
  if (js === undefined) throw new Error('the page script did not build');
  return new Map<string, Asset>([
    ['/', { type: 'text/html; charset=utf-8', body: await readFile(join(PAGE_DIR, 'index.html')) }],
    ['/assets/dashboard.js', { type: 'text/javascript; charset=utf-8', body: Buffer.from(js) }],
    ['/assets/dashboard.css', { type: 'text/css; charset=utf-8', body: await readFile(join(PAGE_DIR, 'dashboard.css')) }],
    ['/assets/uPlot.min.css', { type: 'text/css; charset=utf-8', body: await readFile(join(uplotDir, 'dist', 'uPlot.min.css')) }],
  ]);
}

export interface DashboardServerOptions {
  readonly collector: Collector;
  /** Default 127.0.0.1: the dashboard shows the cluster's topics and groups to whoever reaches it. */
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port: number;
}

export interface RunningDashboard {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

/** The `range` parameter in seconds; every other parameter is refused. */
function rangeOf(url: URL): number {
  for (const key of url.searchParams.keys()) if (key !== 'range') throw new HttpError(400, `unknown query parameter "${key}"; /api/history takes only range (seconds, 1-${MAX_RANGE_SECONDS})`);
  const text = url.searchParams.get('range');
  if (text === null) return MAX_RANGE_SECONDS;
  const range = Number(text);
  if (!/^\d+$/.test(text) || range < 1 || range > MAX_RANGE_SECONDS) throw new HttpError(400, `range must be a whole number of seconds from 1 to ${MAX_RANGE_SECONDS}, got "${text}"`);
  return range;
}

export async function startDashboardServer(options: DashboardServerOptions): Promise<RunningDashboard> {
  const assets = await loadAssets();
  const { collector } = options;
  const streams = new Set<ServerResponse>();

  const events = (req: IncomingMessage, res: ServerResponse): void => {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive' });
    res.write(`retry: ${collector.intervalMs}\n\n`);
    streams.add(res);
    const send = (text: string): void => {
      if (res.writableLength > MAX_PENDING_EVENT_BYTES) {
        res.destroy();
        return;
      }
      res.write(text);
    };
    const unsubscribe = collector.subscribe((event: SampleEvent) => send(`event: sample\ndata: ${JSON.stringify(event)}\n\n`));
    const keepalive = setInterval(() => send(': keepalive\n\n'), KEEPALIVE_MS);
    const done = (): void => {
      unsubscribe();
      clearInterval(keepalive);
      streams.delete(res);
    };
    req.once('close', done);
    res.once('close', done);
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.setHeader('allow', 'GET, HEAD');
        throw new HttpError(405, `${req.method ?? ''} is not allowed: the dashboard is read-only`);
      }
      const url = new URL(req.url ?? '/', 'http://dashboard');
      if (url.pathname === '/api/history') {
        const range = rangeOf(url);
        const history = collector.historySince(Date.now() - range * 1000);
        sendJson(res, 200, { ...history, sources: collector.sourceStatuses(), intervalMs: collector.intervalMs });
        return;
      }
      if (url.pathname === '/api/events') {
        if ([...url.searchParams.keys()].length > 0) throw new HttpError(400, '/api/events takes no query parameters');
        events(req, res);
        return;
      }
      const asset = assets.get(url.pathname);
      if (asset === undefined) throw new HttpError(404, `${url.pathname} is not here; the dashboard is at /`);
      res.writeHead(200, { 'content-type': asset.type, 'content-length': asset.body.length, 'x-content-type-options': 'nosniff' });
      res.end(req.method === 'HEAD' ? undefined : asset.body);
    } catch (error: unknown) {
      if (error instanceof HttpError) sendJson(res, error.status, { error: error.message });
      else sendJson(res, 500, { error: error instanceof Error ? error.message : String(error) });
    }
  };

  const server: Server = createServer(handle);
  const host = options.host ?? '127.0.0.1';
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const reason = error.code === 'EADDRINUSE' ? `port ${options.port} is already in use` : error.message;
      reject(new SdsError('SDS_ERR_DASHBOARD_LISTEN', `the dashboard cannot listen on ${host}:${options.port}: ${reason}; choose another port (dashboard.port in the config, or sds dashboard --port)`, { cause: error }));
    });
    server.listen(options.port, host, () => resolve((server.address() as AddressInfo).port));
  });
  const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}/`,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const res of streams) res.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
