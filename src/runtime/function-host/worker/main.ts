/**
 * The worker thread: Lambda's Node.js runtime loop for one execution environment. It loads the
 * handler module once (the init phase), then runs one invocation per message from the host.
 *
 * Completion follows Lambda's runtime: a returned promise settles the invocation; a callback
 * settles it once the event loop is empty (or at once when callbackWaitsForEmptyEventLoop is
 * false); a handler that does neither completes with null when the event loop empties. "Empty"
 * is observed with 'beforeExit', so the port to the host is unref'd while an invocation runs.
 * An uncaught exception or unhandled rejection fails the invocation and ends the worker, as it
 * ends Lambda's runtime process; the host starts a new one.
 */
import { performance } from 'node:perf_hooks';
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import type { ErrorPayload, InvokeMessage, WorkerInit, WorkerMessage } from '../messages.ts';
import { buildContext } from './context.ts';
import { errorPayload, formattedError, PayloadError } from './errors.ts';
import { loadHandler, type Handler } from './load-handler.ts';
import { captureOutput } from './output-capture.ts';

const MIB = 1024 * 1024;

interface Running {
  readonly requestId: string;
  readonly started: number;
  reported: boolean;
}

class Runtime {
  private requestId: string | null = null;
  private running: Running | null = null;
  /** What to do when the event loop empties during an invocation. */
  private onEmptyLoop: (() => void) | null = null;
  private peakMemoryMb = 0;

  constructor(
    private readonly port: MessagePort,
    private readonly init: WorkerInit,
  ) {}

  start(): void {
    captureOutput((m) => this.post(m), () => this.requestId);
    process.on('beforeExit', () => this.emptyLoop());
    process.on('uncaughtException', (error) => this.fatal(error, 'Uncaught Exception', errorPayload(error), 129));
    process.on('unhandledRejection', (reason) => {
      const { trace } = errorPayload(reason);
      this.fatal(reason, 'Unhandled Promise Rejection', { errorType: 'Runtime.UnhandledPromiseRejection', errorMessage: String(reason), trace }, 128);
    });
    void this.load();
  }

  private post(message: WorkerMessage): void {
    this.port.postMessage(message);
  }

  private memoryUsedMb(): number {
    const { heapUsed, external } = process.memoryUsage();
    this.peakMemoryMb = Math.max(this.peakMemoryMb, Math.ceil((heapUsed + external) / MIB));
    return this.peakMemoryMb;
  }

  private async load(): Promise<void> {
    let handler: Handler;
    try {
      handler = await loadHandler(this.init);
    } catch (error: unknown) {
      this.post({ type: 'init-error', ...(error instanceof PayloadError ? error.payload : errorPayload(error)) });
      return;
    }
    this.memoryUsedMb();
    this.port.on('message', (m: InvokeMessage) => this.invoke(handler, m));
    this.post({ type: 'ready' });
  }

  private emptyLoop(): void {
    const action = this.onEmptyLoop;
    this.onEmptyLoop = null;
    if (action !== null) action();
    else this.port.ref();
  }

  private report(outcome: { ok: true; payload: string } | ({ ok: false } & ErrorPayload), fatal = false): void {
    const run = this.running;
    if (run === null) return;
    if (run.reported) {
      console.error('Invocation has already been reported as done. Cannot call complete more than once per invocation.');
      return;
    }
    run.reported = true;
    this.onEmptyLoop = null;
    this.port.ref();
    const durationMs = performance.now() - run.started;
    this.post({ type: 'done', requestId: run.requestId, durationMs, memoryUsedMb: this.memoryUsedMb(), outcome, fatal });
  }

  private succeed(result: unknown): void {
    let payload: string | undefined;
    try {
      payload = JSON.stringify(result === undefined ? null : result);
    } catch {
      this.fail(new PayloadError({ errorType: 'Runtime.JSONStringifyError', errorMessage: 'Unable to stringify response body', trace: [] }));
      return;
    }
    // JSON.stringify gives undefined for a function or a symbol; Lambda answers null.
    this.report({ ok: true, payload: payload ?? 'null' });
  }

  private fail(error: unknown): void {
    console.error('Invoke Error', formattedError(error));
    this.report({ ok: false, ...(error instanceof PayloadError ? error.payload : errorPayload(error)) });
  }

  private invoke(handler: Handler, message: InvokeMessage): void {
    this.requestId = message.requestId;
    this.running = { requestId: message.requestId, started: performance.now(), reported: false };
    const waits = { value: true };
    const done = (error: unknown, result: unknown): void => {
      this.onEmptyLoop = null;
      if (error !== undefined && error !== null) this.fail(error);
      else this.succeed(result);
    };
    let called = false;
    const callback = (error?: unknown, result?: unknown): void => {
      if (called) return;
      called = true;
      if ((error !== undefined && error !== null) || !waits.value) done(error, result);
      else this.onEmptyLoop = () => setImmediate(() => done(null, result));
    };
    const context = buildContext(this.init, message, { done, waitsForEmptyEventLoop: waits });
    // Neither a promise nor a callback: Lambda answers null once the event loop is empty.
    this.onEmptyLoop = () => done(null, null);
    this.port.unref();
    try {
      const result = handler(JSON.parse(message.event), context, callback);
      if (isThenable(result)) result.then(context.succeed, context.fail);
    } catch (error: unknown) {
      callback(error);
    }
  }

  private fatal(error: unknown, what: string, payload: ErrorPayload, exitCode: number): void {
    console.error(what, formattedError(error));
    if (this.running !== null && !this.running.reported) this.report({ ok: false, ...payload }, true);
    process.exit(exitCode);
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

if (parentPort === null) throw new Error('the function host worker runs in a worker thread only');
new Runtime(parentPort, workerData as WorkerInit).start();
