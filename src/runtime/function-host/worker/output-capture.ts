/**
 * Routes the handler's output to the host, as Lambda's Node.js runtime does: console methods
 * become log entries with the current request id and a level (console.log is INFO), and raw
 * process.stdout/stderr writes are passed through as they are (Lambda does not prefix them).
 */
import { format } from 'node:util';
import type { LogLevel, WorkerMessage } from '../messages.ts';

type Post = (message: WorkerMessage) => void;
type WriteCallback = (error?: Error | null) => void;

const LEVELS: readonly (readonly ['log' | 'info' | 'warn' | 'error' | 'debug' | 'trace' | 'fatal', LogLevel])[] = [
  ['log', 'INFO'],
  ['info', 'INFO'],
  ['warn', 'WARN'],
  ['error', 'ERROR'],
  ['debug', 'DEBUG'],
  ['trace', 'TRACE'],
  ['fatal', 'FATAL'],
];

function rawWriter(post: Post): typeof process.stdout.write {
  const write = (chunk: string | Uint8Array, encodingOrCallback?: BufferEncoding | WriteCallback, callback?: WriteCallback): boolean => {
    const encoding = typeof encodingOrCallback === 'string' ? encodingOrCallback : 'utf8';
    const text = typeof chunk === 'string' ? Buffer.from(chunk, encoding).toString('utf8') : Buffer.from(chunk).toString('utf8');
    post({ type: 'raw', text });
    const done = typeof encodingOrCallback === 'function' ? encodingOrCallback : callback;
    if (done !== undefined) queueMicrotask(() => done(null));
    return true;
  };
  return write;
}

export function captureOutput(post: Post, requestId: () => string | null): void {
  const target = console as unknown as Record<string, (...args: unknown[]) => void>;
  for (const [method, level] of LEVELS) {
    // Lambda formats the arguments with util.format, like console itself.
    target[method] = (message?: unknown, ...params: unknown[]) => {
      post({ type: 'console', time: Date.now(), requestId: requestId(), level, message: format(message, ...params) });
    };
  }
  process.stdout.write = rawWriter(post);
  process.stderr.write = rawWriter(post);
}
