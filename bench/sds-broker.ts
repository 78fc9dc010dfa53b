/**
 * The embedded broker as users run it, for the broker benchmark: `sds broker start` in a child
 * process (the precompiled build when it is up to date), timed from spawn until a Metadata call
 * lists it, as the conformance launcher times Apache Kafka. No initial rebalance delay, as the
 * launcher configures Apache Kafka.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts, REPO_ROOT } from '../scripts/conformance/apache-kafka.ts';
import { stopChild } from '../scripts/conformance/process.ts';
import { waitUntilReady } from '../scripts/conformance/probe.ts';
import type { RunningServer } from '../scripts/conformance/server.ts';

/** Builds dist/ from the current sources, so that the run measures them precompiled. */
export function buildPrecompiled(): void {
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: REPO_ROOT, stdio: 'inherit' });
}

export async function startSdsBroker(): Promise<RunningServer> {
  const [port] = await freePorts(1);
  if (port === undefined) throw new Error('no free port');
  const workDir = mkdtempSync(join(tmpdir(), 'sds-bench-broker-'));
  const dataDir = join(workDir, 'data');
  const host = '127.0.0.1';
  let log = '';
  const t0 = performance.now();
  const child = spawn(process.execPath, ['bin/sds.js', 'broker', 'start', '--data-dir', dataDir, '--port', String(port), '--log-level', 'warn', '--group-initial-rebalance-delay-ms', '0'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (chunk: Buffer): void => {
    log = (log + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  try {
    await waitUntilReady(host, port, 60_000, () => (child.exitCode === null ? null : `sds broker start exited with ${child.exitCode}: ${log}`));
  } catch (error) {
    await stopChild(child, 1000, true);
    rmSync(workDir, { recursive: true, force: true });
    throw error;
  }
  const startMs = performance.now() - t0;
  return {
    bootstrap: `${host}:${port}`,
    host,
    port,
    dataDir,
    startMs,
    restart: () => Promise.reject(new Error('the benchmark does not restart servers')),
    stop: async () => {
      await stopChild(child, 15_000);
      rmSync(workDir, { recursive: true, force: true });
    },
    logTail: (lines = 50) => log.split('\n').slice(-lines).join('\n'),
  };
}
