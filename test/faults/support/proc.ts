/**
 * What Linux tells about a process in /proc: resident memory, open file descriptors, the
 * open-file limit; and a sampler that records them over time, with a least-squares slope to
 * tell growth from noise.
 */
import { readFileSync, readdirSync } from 'node:fs';

/** VmRSS of a process, in bytes. */
export function rssBytes(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for process ${pid}`);
  return Number(m[1]) * 1024;
}

/** Open file descriptors of a process (sockets, files, pipes). */
export function fdCount(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** The soft limit on open files of a process. */
export function openFileLimit(pid: number): number {
  const m = /^Max open files\s+(\d+|unlimited)\s/m.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'));
  if (!m) throw new Error(`no open-file limit for process ${pid}`);
  return m[1] === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(m[1]);
}

export const MB = 1024 * 1024;

export interface Sample {
  /** Milliseconds since sampling started. */
  readonly t: number;
  readonly rss: number;
  readonly fds: number;
}

/** Samples a process every `intervalMs` until stopped. */
export class ProcessSampler {
  readonly samples: Sample[] = [];
  private readonly timer: NodeJS.Timeout;
  private readonly started = Date.now();

  constructor(
    private readonly pid: number,
    intervalMs: number,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  sample(): Sample | undefined {
    try {
      const s = { t: Date.now() - this.started, rss: rssBytes(this.pid), fds: fdCount(this.pid) };
      this.samples.push(s);
      return s;
    } catch {
      return undefined; // the process is gone: the test asserts that separately
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }

  maxRss(): number {
    return Math.max(...this.samples.map((s) => s.rss));
  }

  /** One line for a test's diagnostics. */
  summary(): string {
    const rss = this.samples.map((s) => s.rss / MB);
    const fds = this.samples.map((s) => s.fds);
    const f = (n: number | undefined): string => (n ?? NaN).toFixed(1);
    return (
      `${this.samples.length} samples over ${((this.samples.at(-1)?.t ?? 0) / 1000).toFixed(0)} s: ` +
      `RSS MB start ${f(rss[0])} min ${f(Math.min(...rss))} max ${f(Math.max(...rss))} end ${f(rss.at(-1))}; ` +
      `fds start ${fds[0]} min ${Math.min(...fds)} max ${Math.max(...fds)} end ${fds.at(-1)}`
    );
  }
}

/** Least-squares slope of y over x. */
export function slope(points: readonly { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((a, p) => a + p.x, 0) / n;
  const my = points.reduce((a, p) => a + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.x - mx) * (p.y - my);
    den += (p.x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}
