// The shape of a conformance scenario and of what the runner hands it. A scenario is run once per
// server (Apache Kafka, the embedded broker); it throws on failure. Observations recorded with
// ctx.observe() are compared between the two servers: a difference fails the run even when each
// server passed on its own.
import type { RunResult } from '../../scripts/conformance/process.ts';
import type { RestartOptions, RunningServer } from '../../scripts/conformance/server.ts';

export type TargetId = 'apache-kafka' | 'embedded';

export interface ExecOptions {
  readonly timeoutMs?: number;
  readonly input?: string | Buffer;
  readonly env?: NodeJS.ProcessEnv;
}

export interface ScenarioContext {
  readonly target: TargetId;
  /** The current bootstrap address (changes only if a restart moves the server). */
  readonly bootstrap: string;
  /** The server's SASL/SCRAM listener and user, if it has one. */
  readonly sasl: RunningServer['sasl'];
  /** The TLS, mutual-TLS and SASL_SSL listeners, the SCRAM users and the certificates folder (security.ts). */
  readonly security: RunningServer['security'];
  /** Aborted when the scenario times out: pass it on, and stop waiting. */
  readonly signal: AbortSignal;
  /** A topic name unique to this run and scenario. */
  topic(label: string): string;
  /** Creates a topic with @platformatic/kafka's admin and waits until every partition has a leader. */
  createTopic(name: string, partitions: number): Promise<void>;
  /** Stops the server and starts it again on the same data; resolves to the new bootstrap. */
  restart(options?: RestartOptions): Promise<string>;
  /** Runs one of Apache Kafka's Java tools (main class in the 4.1.1 jars). */
  java(mainClass: string, args: readonly string[], options?: ExecOptions): Promise<RunResult>;
  /** Runs an external program, bounded by a timeout and by the scenario's signal. */
  exec(file: string, args: readonly string[], options?: ExecOptions): Promise<RunResult>;
  /** Records a value that must be the same on both servers. */
  observe(key: string, value: string | number | boolean): void;
  /** A short remark shown in the table cell next to the result. */
  note(text: string): void;
  /** A diagnostic line, printed with --verbose. */
  log(message: string): void;
  /** The last lines of the server's own log (Kafka's server.log, the embedded broker's output). */
  serverLog(lines: number): string;
}

export interface Scenario {
  readonly name: string;
  /** The client implementation under test, as shown in the table (e.g. "kcat 1.7.1"). */
  readonly client: string;
  /** Default 60 s. */
  readonly timeoutMs?: number;
  /** Servers this scenario needs something of that the others lack; elsewhere it is "not run" with the reason. */
  readonly onlyOn?: { readonly targets: readonly TargetId[]; readonly reason: string };
  /** Restarts the server: run after the others. */
  readonly disruptive?: boolean;
  run(bootstrap: string, ctx: ScenarioContext): Promise<void>;
}

/** Throws `message` unless `condition` holds. */
export function expect(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

/** Throws unless `actual` equals `expected` (compared as JSON). */
export function expectEqual<T>(actual: T, expected: T, what: string): void {
  const a = JSON.stringify(actual, bigintJson);
  const e = JSON.stringify(expected, bigintJson);
  if (a !== e) throw new Error(`${what}: expected ${clip(e)}, got ${clip(a)}`);
}

/** Runs `fn`, and marks anything it throws as a setup failure (not the behaviour under test). */
export async function setup<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw new Error(`setup (${what}) failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/**
 * Retries `fn` until it resolves or `timeoutMs` passed (then throws its last error). For the
 * transient answers of a server that just (re)started, which Kafka gives too
 * (COORDINATOR_LOAD_IN_PROGRESS, NOT_LEADER_OR_FOLLOWER) and which some client calls do not retry.
 */
export async function retrying<T>(fn: () => Promise<T>, timeoutMs: number, signal?: AbortSignal): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (error) {
      if (Date.now() > deadline || signal?.aborted === true) throw error;
      await new Promise((ok) => setTimeout(ok, 250));
    }
  }
}

/** Resolves when `condition()` is (or resolves to) true; rejects after `timeoutMs` or when `signal` aborts. */
export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string, signal?: AbortSignal): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (signal?.aborted === true) throw new Error(`cancelled while waiting for ${what}`);
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((ok) => setTimeout(ok, 25));
  }
}

function bigintJson(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

function clip(text: string, max = 200): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
