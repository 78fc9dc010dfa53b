// Bounded child processes for the conformance suite: every external program runs with a
// timeout (SIGTERM, then SIGKILL after a grace period) and can be cancelled by an AbortSignal.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';

export interface RunOptions {
  /** Milliseconds before the process is killed; the result then has timedOut = true. */
  readonly timeoutMs: number;
  readonly input?: string | Buffer;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly signal?: AbortSignal;
  /** Stop keeping stdout after this many bytes (default 64 MiB). */
  readonly maxOutputBytes?: number;
}

export interface RunResult {
  readonly command: string;
  /** Exit code, or null when the process died of a signal. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
  readonly ms: number;
}

const KILL_GRACE_MS = 3000;

/** Runs a program to completion; never rejects for a non-zero exit (see `check`). */
export function run(file: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  const started = performance.now();
  const command = [file, ...args].map(shellQuote).join(' ');
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted === true) {
      reject(new Error(`not started (cancelled): ${command}`));
      return;
    }
    const child = spawn(file, [...args], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const maxOut = options.maxOutputBytes ?? 64 * 1024 * 1024;
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let errBytes = 0;
    let timedOut = false;
    child.stdout.on('data', (chunk: Buffer) => {
      if (outBytes < maxOut) out.push(chunk);
      outBytes += chunk.length;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      // stderr is for diagnostics: keep the first 1 MiB.
      if (errBytes < 1024 * 1024) err.push(chunk);
      errBytes += chunk.length;
    });
    const timer = setTimeout(() => {
      timedOut = true;
      terminate(child);
    }, options.timeoutMs);
    const onAbort = (): void => terminate(child);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (error) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      reject(new Error(`cannot run ${command}: ${error.message}`, { cause: error }));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      resolve({
        command,
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        timedOut,
        ms: performance.now() - started,
      });
    });
    child.stdin.on('error', () => {
      // The program may exit without reading its input (EPIPE): its exit status tells.
    });
    if (options.input !== undefined) child.stdin.end(options.input);
    else child.stdin.end();
  });
}

/** Throws a readable error unless the process exited 0. */
export function check(result: RunResult, what: string): RunResult {
  if (result.timedOut) {
    throw new Error(`${what} timed out after ${Math.round(result.ms)} ms${tailOf(result)}`);
  }
  if (result.code !== 0) {
    const how = result.code === null ? `died of ${result.signal ?? 'a signal'}` : `exited ${result.code}`;
    throw new Error(`${what} ${how}${tailOf(result)}`);
  }
  return result;
}

/** SIGTERM now, SIGKILL after a grace period if it is still there. */
export function terminate(child: ChildProcess, graceMs = KILL_GRACE_MS): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }, graceMs);
  timer.unref();
  child.once('exit', () => clearTimeout(timer));
}

/**
 * Resolves when the child has exited; SIGTERM first, SIGKILL after `graceMs` (at once if `hard`).
 * A child spawned with `detached: true` leads its own process group: the signals then go to the
 * whole group, so that nothing it started outlives it.
 */
export function stopChild(child: ChildProcess, graceMs: number, hard = false): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    signal(child, 'SIGKILL'); // whatever is left of its group
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => signal(child, 'SIGKILL'), hard ? 0 : graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      signal(child, 'SIGKILL');
      resolve();
    });
    if (!hard) signal(child, 'SIGTERM');
  });
}

/** Sends `sig` to the child, or to its process group if it leads one; never throws. */
export function signal(child: ChildProcess, sig: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    if (isGroupLeader(child)) process.kill(-child.pid, sig);
    else if (child.exitCode === null && child.signalCode === null) child.kill(sig);
  } catch {
    // already gone
  }
}

const groupLeaders = new WeakSet<ChildProcess>();

/** Marks a child spawned with `detached: true` (it leads a process group of its own). */
export function markGroupLeader<T extends ChildProcess>(child: T): T {
  groupLeaders.add(child);
  return child;
}

function isGroupLeader(child: ChildProcess): boolean {
  return groupLeaders.has(child);
}

function tailOf(result: RunResult): string {
  const line = explain(result);
  return line === '' ? '' : `: ${line}`;
}

/**
 * The most telling line of a program's output, for a failure report: the root cause of the first
 * Java exception ("...Exception: message"), else the first ERROR line, else the last lines of
 * stderr (or stdout).
 */
export function explain(result: RunResult): string {
  const text = (result.stderr.trim() !== '' ? result.stderr : result.stdout).trim();
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  // The root cause (the last "Caused by:") says more than the exception that wrapped it.
  const causes = lines.filter((l) => l.startsWith('Caused by: '));
  const exception = causes.at(-1) ?? lines.find((l) => /\b[\w.$]+(?:Exception|Error): /.test(l));
  // Simple class name: "UnsupportedVersionException: The node does not support INIT_PRODUCER_ID".
  if (exception !== undefined) return exception.replace(/^.*?\b(?:[\w$]+\.)*([\w$]+(?:Exception|Error): )/, '$1').slice(0, 300);
  const error = lines.find((l) => /\bERROR\b/.test(l));
  if (error !== undefined) return error.slice(0, 300);
  return lines.slice(-3).join(' / ').slice(0, 300);
}

function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
