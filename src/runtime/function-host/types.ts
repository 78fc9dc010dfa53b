/**
 * The contract between the function host (runs a Lambda handler module) and whatever invokes it
 * (the event source mapping, `sds functions invoke`). Settings use Lambda's names and ranges.
 */

export interface FunctionSettings {
  /** Lambda function name: 1-64 of letters, digits, hyphen, underscore. */
  readonly name: string;
  /** Path of the handler module (.ts, .mts, .js, .mjs, .cjs). */
  readonly modulePath: string;
  /** The exported function to call (Lambda's handler "file.export"); default "handler". */
  readonly exportName: string;
  /** 1-900 seconds; Lambda's default is 3. */
  readonly timeoutSeconds: number;
  /** 128-10240 MB; reported in the context and the REPORT line (not enforced). */
  readonly memoryMb: number;
  /** Environment variables the handler sees (process.env in its worker). */
  readonly environment: Readonly<Record<string, string>>;
  /** Folder of the function's log files. */
  readonly logDir: string;
  /** Region and account used in ARNs (invokedFunctionArn). */
  readonly region: string;
  readonly accountId: string;
}

export type InvokeOutcome =
  | { readonly ok: true; readonly requestId: string; readonly durationMs: number; readonly result: unknown }
  | {
      readonly ok: false;
      readonly requestId: string;
      readonly durationMs: number;
      /** Lambda's errorType: the error's name, "Runtime.ExitError", or "Sandbox.Timedout" on timeout. */
      readonly errorType: string;
      readonly errorMessage: string;
      readonly timedOut: boolean;
      /** The error's stack, one line per entry, as in Lambda's error payload (may be empty). */
      readonly trace?: readonly string[];
    };

/**
 * An event that is JSON text already (the event source mapping writes its events as text), so the
 * host sends it as it is. Anything else that serializes it (JSON.stringify) gets the event itself.
 */
export class JsonEvent {
  constructor(readonly text: string) {}

  toJSON(): unknown {
    return JSON.parse(this.text);
  }
}

/** Anything that runs one invocation at a time per call; the event source mapping needs only this. */
export type Invoke = (event: unknown) => Promise<InvokeOutcome>;

export interface FunctionHost {
  readonly settings: FunctionSettings;
  readonly invoke: Invoke;
  /** Counters since the host started, under CloudWatch's Lambda metric names. */
  metrics(): FunctionMetrics;
  /** Waits for in-flight invocations, then stops the workers. */
  close(): Promise<void>;
}

export interface FunctionHostOptions {
  /** Workers, each running one invocation at a time (Lambda's concurrency); default 1. */
  readonly concurrency?: number;
  /** Invocations allowed to wait for a worker; beyond that an invoke is throttled. Default: no limit. */
  readonly maxQueued?: number;
  /** Every log line as written to the log file (e.g. `sds functions invoke` echoes them to stderr). */
  readonly onLogLine?: (line: string) => void;
  /** Log file rotation: size of one file, and how many rotated files are kept. */
  readonly logFile?: { readonly maxBytes?: number; readonly keep?: number };
  /** Time a worker has to load the handler module (Lambda's init phase limit is 10 s). */
  readonly initTimeoutMs?: number;
}

export interface DurationSummary {
  readonly count: number;
  readonly sumMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  readonly avgMs: number;
  /** Percentiles estimated from the buckets (the upper bound of the bucket they fall in). */
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  /** Invocations with a duration of at most `leMs` and above the previous bound (the last is +Infinity). */
  readonly buckets: readonly { readonly leMs: number; readonly count: number }[];
}

export interface FunctionMetrics {
  /** Invocations that ran (successful or not); throttled ones are not counted, as on Lambda. */
  readonly invocations: number;
  /** Invocations that ended in a function error, a timeout included. */
  readonly errors: number;
  readonly timeouts: number;
  /** Invocations refused because the queue was full. */
  readonly throttles: number;
  /** Invocations running now (ConcurrentExecutions) and waiting for a worker. */
  readonly concurrentExecutions: number;
  readonly queued: number;
  /** Live workers (execution environments). */
  readonly workers: number;
  readonly duration: DurationSummary;
}
