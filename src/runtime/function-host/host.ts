/**
 * The local Lambda: runs a handler module in worker threads ("execution environments"), each
 * running one invocation at a time, at most `concurrency` of them; further invocations wait in
 * order. The first environment is started (and the module loaded) before startFunctionHost
 * returns, so a broken module is reported at once and nothing is invoked.
 *
 * Limits as on Lambda: a 6 MB request and response payload, the function timeout (the worker is
 * terminated and replaced), a JSON-serializable result. Every invocation is logged with START,
 * END and REPORT lines to the function's log file.
 */
import { mkdir } from 'node:fs/promises';
import { basename, extname, dirname, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { SdsError } from '../../errors.ts';
import { ExecutionEnvironment, InitFailure, type EnvironmentSink, type RunResult } from './environment.ts';
import { FunctionLog } from './function-log.ts';
import { FUNCTION_VERSION, functionArn, logGroupName, newLogStreamName, newRequestId } from './identity.ts';
import { consoleLine, endLine, exitMessage, initReportLine, reportLine, startLine, timeoutLine, timeoutMessage, type Report } from './log-format.ts';
import type { ErrorPayload, WorkerInit } from './messages.ts';
import { InvocationCounters } from './metrics.ts';
import { validateSettings } from './settings.ts';
import { JsonEvent, type FunctionHost, type FunctionHostOptions, type FunctionMetrics, type FunctionSettings, type InvokeOutcome } from './types.ts';

/** Lambda's synchronous invocation payload limits, request and response. */
export const MAX_REQUEST_BYTES = 6 * 1024 * 1024;
export const MAX_RESPONSE_BYTES = 6 * 1024 * 1024 + 100;
const DEFAULT_INIT_TIMEOUT_MS = 10_000;

interface Pending {
  readonly requestId: string;
  readonly event: string;
  readonly resolve: (outcome: InvokeOutcome) => void;
}

type Failure = Extract<InvokeOutcome, { ok: false }>;

function failure(requestId: string, durationMs: number, payload: ErrorPayload, timedOut = false): Failure {
  return { ok: false, requestId, durationMs, errorType: payload.errorType, errorMessage: payload.errorMessage, timedOut, trace: payload.trace };
}

class LocalFunctionHost implements FunctionHost, EnvironmentSink {
  readonly invoke = (event: unknown): Promise<InvokeOutcome> => this.accept(event);
  private readonly queue: Pending[] = [];
  private readonly idle: ExecutionEnvironment[] = [];
  private readonly environments = new Set<ExecutionEnvironment>();
  private readonly spawning = new Set<Promise<ExecutionEnvironment>>();
  private running = 0;
  private closing = false;
  private readonly counters = new InvocationCounters();
  private readonly concurrency: number;
  private readonly maxQueued: number;
  private readonly initTimeoutMs: number;
  private drained: (() => void) | null = null;

  constructor(
    readonly settings: FunctionSettings,
    private readonly modulePath: string,
    private readonly log: FunctionLog,
    options: FunctionHostOptions,
  ) {
    this.concurrency = options.concurrency ?? 1;
    this.maxQueued = options.maxQueued ?? Infinity;
    this.initTimeoutMs = options.initTimeoutMs ?? DEFAULT_INIT_TIMEOUT_MS;
  }

  metrics(): FunctionMetrics {
    const c = this.counters;
    return {
      invocations: c.invocations,
      errors: c.errors,
      timeouts: c.timeouts,
      throttles: c.throttles,
      concurrentExecutions: this.running,
      queued: this.queue.length,
      workers: this.environments.size,
      duration: c.duration(),
    };
  }

  async close(): Promise<void> {
    this.closing = true;
    if (this.queue.length > 0 || this.running > 0) await new Promise<void>((r) => (this.drained = r));
    // Environments still starting join the set when they are ready; then all stop.
    await Promise.allSettled([...this.spawning]);
    await Promise.all([...this.environments].map((e) => e.terminate()));
    this.environments.clear();
    this.idle.length = 0;
    await this.log.close();
  }

  /** Starts the first execution environment; a module that does not load fails here. */
  async warmUp(): Promise<void> {
    const env = await this.spawn();
    this.environments.add(env);
    this.idle.push(env);
  }

  // EnvironmentSink: what the workers print.
  console(time: number, requestId: string | null, level: Parameters<typeof consoleLine>[2], message: string): void {
    this.log.write(consoleLine(time, requestId, level, message));
  }

  raw(line: string): void {
    this.log.write(line);
  }

  lost(env: ExecutionEnvironment): void {
    this.forget(env);
    this.replenish();
  }

  private accept(event: unknown): Promise<InvokeOutcome> {
    if (this.closing) return Promise.reject(new SdsError('SDS_ERR_FUNCTION_CLOSED', `function ${this.settings.name} is closed; start a new function host to invoke it`));
    const requestId = newRequestId();
    let json: string | undefined;
    try {
      json = event instanceof JsonEvent ? event.text : JSON.stringify(event);
    } catch (error: unknown) {
      return Promise.resolve(failure(requestId, 0, { errorType: 'InvalidRequestContentException', errorMessage: `Could not serialize the event as JSON: ${(error as Error).message}`, trace: [] }));
    }
    json ??= 'null';
    // Refused before invoking, as Lambda's API does: not counted as an invocation.
    if (Buffer.byteLength(json) > MAX_REQUEST_BYTES) {
      return Promise.resolve(failure(requestId, 0, { errorType: 'RequestTooLargeException', errorMessage: `Request must be smaller than ${MAX_REQUEST_BYTES} bytes for the InvokeFunction operation`, trace: [] }));
    }
    if (this.idle.length === 0 && this.queue.length >= this.maxQueued) {
      this.counters.throttles++;
      return Promise.resolve(failure(requestId, 0, { errorType: 'TooManyRequestsException', errorMessage: 'Rate Exceeded.', trace: [] }));
    }
    return new Promise((resolve) => {
      this.queue.push({ requestId, event: json, resolve });
      this.pump();
    });
  }

  private pump(): void {
    for (;;) {
      const env = this.idle.pop();
      if (env === undefined) break;
      const next = this.queue.shift();
      if (next === undefined) {
        this.idle.push(env);
        break;
      }
      void this.dispatch(env, next);
    }
    // Start environments for waiting invocations, up to the concurrency.
    let wanted = this.queue.length - this.spawning.size;
    while (wanted > 0 && this.environments.size + this.spawning.size < this.concurrency) {
      wanted--;
      this.spawn().then(
        (env) => {
          this.environments.add(env);
          this.idle.push(env);
          this.pump();
        },
        (error: unknown) => this.initFailedOnInvoke(error),
      );
    }
    this.checkDrained();
  }

  private checkDrained(): void {
    if (this.drained !== null && this.queue.length === 0 && this.running === 0) {
      this.drained();
      this.drained = null;
    }
  }

  private spawn(): Promise<ExecutionEnvironment> {
    const started = this.start();
    this.spawning.add(started);
    const done = (): void => void this.spawning.delete(started);
    started.then(done, done);
    return started;
  }

  private async start(): Promise<ExecutionEnvironment> {
    const logStreamName = newLogStreamName();
    const s = this.settings;
    const init: WorkerInit = {
      moduleUrl: pathToFileURL(this.modulePath).href,
      exportName: s.exportName,
      handlerString: `${basename(this.modulePath, extname(this.modulePath))}.${s.exportName}`,
      functionName: s.name,
      functionVersion: FUNCTION_VERSION,
      invokedFunctionArn: functionArn(s),
      memoryLimitInMB: String(s.memoryMb),
      logGroupName: logGroupName(s),
      logStreamName,
    };
    try {
      return await ExecutionEnvironment.start(init, this.environmentVariables(init), this, this.initTimeoutMs);
    } catch (error: unknown) {
      if (error instanceof InitFailure) {
        this.log.write(consoleLine(Date.now(), null, 'ERROR', `${error.payload.errorType}: ${error.payload.errorMessage}`));
        this.log.write(initReportLine(error.initDurationMs, error.payload.errorType));
      }
      throw error;
    }
  }

  /** The host's environment, the function's variables, and the ones Lambda sets itself. */
  private environmentVariables(init: WorkerInit): Record<string, string | undefined> {
    const s = this.settings;
    return {
      ...process.env,
      ...s.environment,
      AWS_REGION: s.region,
      AWS_DEFAULT_REGION: s.region,
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
      AWS_LAMBDA_FUNCTION_NAME: s.name,
      AWS_LAMBDA_FUNCTION_VERSION: FUNCTION_VERSION,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(s.memoryMb),
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      AWS_LAMBDA_LOG_GROUP_NAME: init.logGroupName,
      AWS_LAMBDA_LOG_STREAM_NAME: init.logStreamName,
      LAMBDA_TASK_ROOT: dirname(this.modulePath),
      _HANDLER: init.handlerString,
    };
  }

  /** An environment started for waiting invocations did not load: the first of them gets the init error, as on Lambda. */
  private initFailedOnInvoke(error: unknown): void {
    const next = this.queue.shift();
    if (next !== undefined) {
      const payload = error instanceof InitFailure ? error.payload : { errorType: 'Runtime.Unknown', errorMessage: String(error), trace: [] };
      const durationMs = error instanceof InitFailure ? error.initDurationMs : 0;
      this.log.write(startLine(next.requestId));
      this.log.write(endLine(next.requestId));
      this.log.write(reportLine({ requestId: next.requestId, durationMs, memorySizeMb: this.settings.memoryMb, maxMemoryUsedMb: 0, status: { kind: 'error', errorType: payload.errorType } }));
      this.counters.record(durationMs, 'error');
      next.resolve(failure(next.requestId, durationMs, payload));
    }
    this.pump();
  }

  private async dispatch(env: ExecutionEnvironment, p: Pending): Promise<void> {
    this.running++;
    this.log.write(startLine(p.requestId));
    const timeoutMs = this.settings.timeoutSeconds * 1000;
    const started = performance.now();
    let result: RunResult;
    try {
      result = await env.run(p.requestId, p.event, timeoutMs);
    } catch (error: unknown) {
      result = { kind: 'exit', durationMs: performance.now() - started, exitCode: -1 };
      this.log.write(consoleLine(Date.now(), p.requestId, 'ERROR', `could not run the invocation: ${String(error)}`));
    }
    const outcome = this.complete(env, p.requestId, result);
    this.running--;
    if (env.alive) {
      this.idle.push(env);
    } else {
      this.forget(env);
      this.replenish();
    }
    p.resolve(outcome);
    this.pump();
  }

  /** Logs the end of an invocation, counts it, and turns the worker's result into the outcome. */
  private complete(env: ExecutionEnvironment, requestId: string, r: RunResult): InvokeOutcome {
    const report: Omit<Report, 'status'> = {
      requestId,
      durationMs: r.durationMs,
      memorySizeMb: this.settings.memoryMb,
      maxMemoryUsedMb: r.kind === 'done' ? r.memoryUsedMb : 0,
      ...(env.initDurationMs !== undefined ? { initDurationMs: env.initDurationMs } : {}),
    };
    env.initDurationMs = undefined;
    let outcome: InvokeOutcome;
    if (r.kind === 'timeout') {
      this.log.write(timeoutLine(Date.now(), requestId, r.durationMs));
      outcome = failure(requestId, r.durationMs, { errorType: 'Sandbox.Timedout', errorMessage: timeoutMessage(r.durationMs), trace: [] }, true);
    } else if (r.kind === 'exit') {
      const message = exitMessage(requestId, r.exitCode);
      this.log.write(message);
      this.log.write('Runtime.ExitError');
      outcome = failure(requestId, r.durationMs, { errorType: 'Runtime.ExitError', errorMessage: message, trace: [] });
    } else if (!r.outcome.ok) {
      outcome = failure(requestId, r.durationMs, r.outcome);
    } else if (Buffer.byteLength(r.outcome.payload) > MAX_RESPONSE_BYTES) {
      const errorMessage = `Response payload size exceeded maximum allowed payload size (${MAX_RESPONSE_BYTES} bytes).`;
      outcome = failure(requestId, r.durationMs, { errorType: 'Function.ResponseSizeTooLarge', errorMessage, trace: [] });
    } else {
      outcome = { ok: true, requestId, durationMs: r.durationMs, result: JSON.parse(r.outcome.payload) as unknown };
    }
    this.log.write(endLine(requestId));
    const status = outcome.ok ? undefined : outcome.timedOut ? ({ kind: 'timeout' } as const) : ({ kind: 'error', errorType: outcome.errorType } as const);
    this.log.write(reportLine({ ...report, ...(status !== undefined ? { status } : {}) }));
    this.counters.record(r.durationMs, outcome.ok ? 'ok' : outcome.timedOut ? 'timeout' : 'error');
    return outcome;
  }

  private forget(env: ExecutionEnvironment): void {
    this.environments.delete(env);
    const i = this.idle.indexOf(env);
    if (i >= 0) this.idle.splice(i, 1);
  }

  /** Keeps one warm environment after one dies, unless closing; invocations that wait start more. */
  private replenish(): void {
    if (this.closing || this.environments.size + this.spawning.size > 0 || this.queue.length > 0) return;
    this.spawn().then(
      (env) => {
        if (this.closing) {
          void env.terminate();
          return;
        }
        this.environments.add(env);
        this.idle.push(env);
        this.pump();
      },
      () => undefined, // Logged by spawn; the next invocation tries again.
    );
  }
}

/**
 * Starts a function: checks the settings (every problem at once), creates the log folder and
 * loads the handler module in a first worker. Throws SdsError SDS_ERR_FUNCTION_SETTINGS,
 * SDS_ERR_FUNCTION_LOG_DIR or SDS_ERR_FUNCTION_LOAD.
 */
export async function startFunctionHost(settings: FunctionSettings, options: FunctionHostOptions = {}): Promise<FunctionHost> {
  validateSettings(settings);
  const concurrency = options.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new SdsError('SDS_ERR_FUNCTION_SETTINGS', `function ${JSON.stringify(settings.name)}: concurrency ${concurrency}: expected a whole number from 1`);
  }
  try {
    await mkdir(settings.logDir, { recursive: true });
  } catch (error: unknown) {
    throw new SdsError('SDS_ERR_FUNCTION_LOG_DIR', `function ${settings.name}: cannot create the log folder ${settings.logDir}: ${(error as Error).message}; choose another folder or fix its permissions`, { cause: error });
  }
  let warned = false;
  const log = new FunctionLog(settings.logDir, settings.name, options.onLogLine, options.logFile, (error: unknown) => {
    if (warned) return;
    warned = true;
    process.emitWarning(`function ${settings.name}: cannot write its log file in ${settings.logDir}: ${String(error)}`);
  });
  const modulePath = resolve(settings.modulePath);
  const host = new LocalFunctionHost(settings, modulePath, log, options);
  try {
    await host.warmUp();
  } catch (error: unknown) {
    await log.close();
    if (!(error instanceof InitFailure)) throw error;
    throw new SdsError(
      'SDS_ERR_FUNCTION_LOAD',
      `function ${settings.name}: cannot load its handler (export "${settings.exportName}" of ${settings.modulePath}): ${error.payload.errorType}: ${error.payload.errorMessage}`,
      { cause: error },
    );
  }
  return host;
}
