/**
 * The embedded broker in a child process (broker-main.ts), so that a test can watch its memory
 * and file descriptors from outside and see it crash. The open-file limit of the child is
 * raised through the shell when a test needs more descriptors than the default soft limit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrokerConfig } from '../../../src/broker/config.ts';
import { openFileLimit } from './proc.ts';

const MAIN = join(import.meta.dirname, 'broker-main.ts');

export interface BrokerProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly port: number;
  readonly metricsUrl: string;
  readonly dataDir: string;
  /** Everything the child wrote to stderr so far (its warnings, errors and any crash). */
  stderr(): string;
  alive(): boolean;
  /** SIGTERM (a clean stop), SIGKILL after a grace period; removes the data directory. */
  stop(): Promise<void>;
}

export interface BrokerProcessOptions {
  readonly config?: Partial<BrokerConfig>;
  /** Open files the child needs; its soft limit is raised to this when lower. */
  readonly openFiles?: number;
}

export async function startBrokerProcess(options: BrokerProcessOptions = {}): Promise<BrokerProcess> {
  const dataDir = await mkdtemp(join(tmpdir(), 'sds-faults-'));
  const args = ['--import', 'tsx', MAIN, dataDir, JSON.stringify(options.config ?? {})];
  const wanted = options.openFiles ?? 0;
  // `ulimit -n` may only lower the hard limit, never pass it: the child checks what it got.
  const child =
    wanted > openFileLimit(process.pid)
      ? spawn('sh', ['-c', `ulimit -S -n ${wanted} 2>/dev/null; exec "$@"`, 'sh', process.execPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    // Keep the tail only: a chatty broker must not grow the test's own memory.
    err = (err + chunk.toString()).slice(-200_000);
  });
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => {
    exited = true;
    resolve();
  }));
  try {
    const ready = await new Promise<{ port: number; metricsUrl: string }>((resolve, reject) => {
      let out = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const m = /READY (\{.*\})\n/.exec(out);
        if (m) resolve(JSON.parse(m[1] as string) as { port: number; metricsUrl: string });
      });
      void exit.then(() => reject(new Error(`broker child exited before it was ready: ${err}`)));
    });
    const pid = child.pid as number;
    if (wanted > 0 && openFileLimit(pid) < wanted) {
      throw new Error(`the broker needs ${wanted} open files; raise the hard limit (ulimit -Hn) to run this test`);
    }
    let stopping: Promise<void> | undefined;
    return {
      child,
      pid,
      port: ready.port,
      metricsUrl: ready.metricsUrl,
      dataDir,
      stderr: () => err,
      alive: () => !exited,
      stop() {
        stopping ??= (async () => {
          if (!exited) {
            child.kill('SIGTERM');
            const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
            await exit;
            clearTimeout(timer);
          }
          await rm(dataDir, { recursive: true, force: true });
        })();
        return stopping;
      },
    };
  } catch (e: unknown) {
    child.kill('SIGKILL');
    await exit;
    await rm(dataDir, { recursive: true, force: true });
    throw e;
  }
}
