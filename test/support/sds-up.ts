/** Runs `sds up` (or `sds dashboard`) as a child process, as a user would, for the end-to-end tests. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { resolve } from 'node:path';

const BIN = resolve(import.meta.dirname, '../../bin/sds.js');

export interface SdsProcess {
  readonly child: ChildProcessWithoutNullStreams;
  /** Everything printed so far, stdout and stderr. */
  out(): string;
  readonly exited: Promise<number | null>;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
  kill(): void;
}

/** Starts `sds ARGS` and resolves once stdout shows `ready` (by default sds up's last summary line). */
export async function startSds(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; ready?: RegExp } = {}): Promise<SdsProcess> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.end();
  let out = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => (out += c));
  const exited = new Promise<number | null>((r) => child.once('exit', r));
  const ready = options.ready ?? /Ctrl-C stops everything\./;
  await new Promise<void>((done, fail) => {
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      out += c;
      if (ready.test(out)) done();
    });
    void exited.then((code) => fail(new Error(`sds ${args.join(' ')} exited ${code}: ${out}`)));
  });
  return {
    child,
    out: () => out,
    exited,
    stop: () => {
      child.kill('SIGTERM');
      return exited;
    },
    kill: () => child.kill('SIGKILL'),
  };
}

/** The value printed after `label: ` in the summary (e.g. "Kafka broker ready", "Dashboard"). */
export function printed(out: string, label: string): string {
  const value = new RegExp(`${label}: (\\S+)`).exec(out)?.[1];
  if (value === undefined) throw new Error(`"${label}:" is not in the output:\n${out}`);
  return value;
}

/** An sds config with every port set to 0 (free ones), so a test runs next to anything else. */
export function withFreePorts(yaml: string): string {
  return yaml.replace(/^(\s+(?:metricsPort|port): )\d+/gm, '$10');
}
