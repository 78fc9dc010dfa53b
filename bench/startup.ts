/**
 * Start-up time and idle RSS of the embedded broker as a process: from spawn until its port
 * accepts a TCP connection, then RSS after it has been idle for a moment: `sds broker start` as
 * installed (the precompiled build in dist/) and from the sources through tsx, and the broker
 * alone (no CLI) both ways. The reference is Node.js itself: a script that only opens a
 * listening socket.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { freePorts, REPO_ROOT } from '../scripts/conformance/apache-kafka.ts';
import { buildPrecompiled } from './sds-broker.ts';

export interface StartupCase {
  name: string;
  startMs: number[];
  rssMb: number[];
}

const IDLE_MS = 500;

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? NaN) / 1024;
}

/** One start: spawn, poll the port every millisecond, sample RSS once idle, kill. */
async function startOnce(args: (dataDir: string, port: number) => string[]): Promise<{ ms: number; rss: number }> {
  const [port] = await freePorts(1);
  if (port === undefined) throw new Error('no free port');
  const dataDir = mkdtempSync(join(tmpdir(), 'sds-startup-'));
  const start = performance.now();
  const child = spawn(process.execPath, args(dataDir, port), { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  try {
    while (!(await accepts(port))) {
      if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}: ${stderr.slice(-500)}`);
      if (performance.now() - start > 60_000) throw new Error('did not listen within 60 s');
      await new Promise((ok) => setTimeout(ok, 1));
    }
    const ms = performance.now() - start;
    await new Promise((ok) => setTimeout(ok, IDLE_MS));
    return { ms, rss: rssMb(child.pid as number) };
  } finally {
    child.kill('SIGKILL');
    await new Promise((ok) => (child.exitCode !== null || child.signalCode !== null ? ok(undefined) : child.once('exit', ok)));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function runStartupBenchmark(samples: number): Promise<StartupCase[]> {
  buildPrecompiled();
  mkdirSync(join(REPO_ROOT, '.tmp'), { recursive: true });
  const work = mkdtempSync(join(REPO_ROOT, '.tmp', 'startup-'));
  try {
    // Inside the repository, so that the bundle finds node_modules as the sources do.
    const bundle = join(work, 'broker.mjs');
    await build({ entryPoints: [join(REPO_ROOT, 'bench/fixtures/broker-main.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', outfile: bundle, logLevel: 'error' });
    const listenOnly = join(work, 'listen.mjs');
    writeFileSync(listenOnly, "import { createServer } from 'node:net';\ncreateServer().listen(Number(process.argv[3]), '127.0.0.1');\n");
    const cases: { name: string; args: (dataDir: string, port: number) => string[] }[] = [
      { name: 'Node.js opening a listening socket (reference)', args: (d, p) => [listenOnly, d, String(p)] },
      { name: '`sds broker start` (the precompiled build, as `npm install` leaves it)', args: (d, p) => ['bin/sds.js', 'broker', 'start', '--data-dir', d, '--port', String(p)] },
      { name: '`sds broker start` from the sources through tsx', args: (d, p) => ['--import', 'tsx', 'src/cli/main.ts', 'broker', 'start', '--data-dir', d, '--port', String(p)] },
      { name: 'the broker alone, sources through tsx', args: (d, p) => ['--import', 'tsx', 'bench/fixtures/broker-main.ts', d, String(p)] },
      { name: 'the broker alone, precompiled by esbuild', args: (d, p) => [bundle, d, String(p)] },
    ];
    const out: StartupCase[] = cases.map((c) => ({ name: c.name, startMs: [], rssMb: [] }));
    // Interleaved, so that a busy moment of the machine does not fall on one case only.
    for (let i = 0; i < samples; i++) {
      for (const [index, c] of cases.entries()) {
        const r = await startOnce(c.args);
        out[index]?.startMs.push(r.ms);
        out[index]?.rssMb.push(r.rss);
      }
    }
    return out;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
