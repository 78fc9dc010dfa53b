/**
 * One execution environment: a worker thread that has loaded the handler module and runs one
 * invocation at a time. It enforces the timeout by terminating the worker; an environment that
 * timed out, crashed or exited is dead and the host starts another.
 */
import { Worker } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import type { ErrorPayload, InvokeMessage, LogLevel, WorkerInit, WorkerMessage } from './messages.ts';
import { WORKER_ENTRY } from './worker-entry.ts';

export interface EnvironmentSink {
  console(time: number, requestId: string | null, level: LogLevel, message: string): void;
  /** A complete line of raw stdout/stderr output. */
  raw(line: string): void;
  /** The worker ended on its own while idle (e.g. an uncaught exception after an invocation). */
  lost(env: ExecutionEnvironment): void;
}

export type RunResult =
  | { readonly kind: 'done'; readonly durationMs: number; readonly memoryUsedMb: number; readonly outcome: { ok: true; payload: string } | ({ ok: false } & ErrorPayload) }
  | { readonly kind: 'timeout'; readonly durationMs: number }
  | { readonly kind: 'exit'; readonly durationMs: number; readonly exitCode: number };

/** The init phase failed: the module did not load, or the worker died or hung while loading it. */
export class InitFailure extends Error {
  constructor(
    readonly payload: ErrorPayload,
    readonly initDurationMs: number,
  ) {
    super(`${payload.errorType}: ${payload.errorMessage}`);
  }
}

interface Current {
  readonly requestId: string;
  readonly started: number;
  readonly timer: NodeJS.Timeout;
  readonly resolve: (r: RunResult) => void;
}

export class ExecutionEnvironment {
  /** Reported in the REPORT line of the environment's first invocation, then cleared. */
  initDurationMs: number | undefined;
  private current: Current | null = null;
  private dead = false;
  private partial = '';

  private constructor(
    private readonly worker: Worker,
    private readonly sink: EnvironmentSink,
    readonly logStreamName: string,
  ) {}

  static start(init: WorkerInit, env: Record<string, string | undefined>, sink: EnvironmentSink, initTimeoutMs: number): Promise<ExecutionEnvironment> {
    const started = performance.now();
    const worker = new Worker(WORKER_ENTRY, { workerData: init, env, execArgv: [], stdout: true, stderr: true, name: `function ${init.functionName}` });
    const environment = new ExecutionEnvironment(worker, sink, init.logStreamName);
    return new Promise((resolve, reject) => {
      let settled = false;
      const failed = (payload: ErrorPayload): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        environment.dead = true;
        void worker.terminate();
        reject(new InitFailure(payload, performance.now() - started));
      };
      const timer = setTimeout(
        () => failed({ errorType: 'Sandbox.Timedout', errorMessage: `The handler module did not load within ${(initTimeoutMs / 1000).toFixed(2)} seconds`, trace: [] }),
        initTimeoutMs,
      );
      let crash: Error | null = null;
      worker.on('error', (error: Error) => {
        crash = error;
        environment.crashed(error);
      });
      worker.on('exit', (code: number) => {
        if (!settled) {
          failed(crash !== null ? { errorType: crash.name, errorMessage: crash.message, trace: (crash.stack ?? '').split('\n') } : { errorType: 'Runtime.ExitError', errorMessage: `Runtime exited during init: exit status ${code}`, trace: [] });
        } else {
          environment.exited(code);
        }
      });
      worker.on('message', (m: WorkerMessage) => {
        if (m.type === 'ready' && !settled) {
          settled = true;
          clearTimeout(timer);
          // Like Lambda's Init Duration, this covers starting the runtime as well as loading the module.
          environment.initDurationMs = performance.now() - started;
          worker.unref();
          resolve(environment);
        } else if (m.type === 'init-error') {
          failed(m);
        } else {
          environment.received(m);
        }
      });
      worker.stdout.setEncoding('utf8').on('data', (text: string) => environment.rawText(text));
      worker.stderr.setEncoding('utf8').on('data', (text: string) => environment.rawText(text));
    });
  }

  get alive(): boolean {
    return !this.dead;
  }

  run(requestId: string, event: string, timeoutMs: number): Promise<RunResult> {
    if (this.dead || this.current !== null) throw new Error('internal: the execution environment is not idle');
    this.worker.ref();
    return new Promise((resolve) => {
      const started = performance.now();
      const timer = setTimeout(() => {
        this.finish({ kind: 'timeout', durationMs: performance.now() - started });
        this.kill();
      }, timeoutMs);
      this.current = { requestId, started, timer, resolve };
      const message: InvokeMessage = { type: 'invoke', requestId, event, deadlineMs: Date.now() + timeoutMs };
      this.worker.postMessage(message);
    });
  }

  /** Stops the worker now (whatever it is doing). */
  async terminate(): Promise<void> {
    this.dead = true;
    await this.worker.terminate();
  }

  private kill(): void {
    this.dead = true;
    void this.worker.terminate();
  }

  private finish(result: RunResult): void {
    const current = this.current;
    if (current === null) return;
    this.current = null;
    clearTimeout(current.timer);
    this.flushPartial();
    if (!this.dead) this.worker.unref();
    current.resolve(result);
  }

  private received(m: WorkerMessage): void {
    switch (m.type) {
      case 'console':
        this.flushPartial();
        this.sink.console(m.time, m.requestId, m.level, m.message);
        return;
      case 'raw':
        this.rawText(m.text);
        return;
      case 'done':
        if (m.requestId !== this.current?.requestId) return;
        // A fatal error ends the worker right after this message: no new invocation may start on it.
        if (m.fatal) this.dead = true;
        this.finish({ kind: 'done', durationMs: m.durationMs, memoryUsedMb: m.memoryUsedMb, outcome: m.outcome });
        return;
      default:
        return;
    }
  }

  private rawText(text: string): void {
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.sink.raw(line);
  }

  private flushPartial(): void {
    if (this.partial.length === 0) return;
    const line = this.partial;
    this.partial = '';
    this.sink.raw(line);
  }

  private crashed(error: Error): void {
    // An error the worker's own handlers did not catch; the 'exit' event follows.
    this.sink.console(Date.now(), this.current?.requestId ?? null, 'ERROR', `Uncaught Exception \t${JSON.stringify({ errorType: error.name, errorMessage: error.message })}`);
  }

  private exited(code: number): void {
    const wasDead = this.dead;
    this.dead = true;
    const current = this.current;
    if (current !== null) {
      this.finish({ kind: 'exit', durationMs: performance.now() - current.started, exitCode: code });
    } else {
      this.flushPartial();
      if (!wasDead) this.sink.lost(this);
    }
  }
}
