/**
 * Machine metrics as MSK's node exporter reports them: CPU time split (from os.cpus()
 * deltas), memory in use, and how full the file system holding the data directory is.
 * The probe is an interface so tests can give fixed readings.
 */
import { cpus, freemem, totalmem } from 'node:os';
import { statfs } from 'node:fs/promises';

/** CPU time in ms, summed over every core since boot. */
export interface CpuTimes {
  /** user + nice */
  readonly user: number;
  /** sys + irq */
  readonly system: number;
  readonly idle: number;
  readonly total: number;
}

export interface CpuPercent {
  readonly CpuUser: number;
  readonly CpuSystem: number;
  readonly CpuIdle: number;
}

export interface SystemProbe {
  cpuTimes(): CpuTimes;
  /** Bytes of machine memory in use. */
  memoryUsed(): number;
  /** Percent used of the file system holding `path` (NaN when it cannot be read). */
  diskUsedPercent(path: string): Promise<number>;
}

export const hostProbe: SystemProbe = {
  cpuTimes() {
    let user = 0;
    let system = 0;
    let idle = 0;
    let total = 0;
    for (const { times } of cpus()) {
      user += times.user + times.nice;
      system += times.sys + times.irq;
      idle += times.idle;
      total += times.user + times.nice + times.sys + times.irq + times.idle;
    }
    return { user, system, idle, total };
  },
  memoryUsed() {
    // os.freemem() is the kernel's MemAvailable, so page cache that can be reclaimed counts as free.
    return totalmem() - freemem();
  },
  async diskUsedPercent(path) {
    try {
      return diskUsed(await statfs(path));
    } catch {
      return Number.NaN;
    }
  },
};

/** df's formula: blocks in use over the blocks an unprivileged user could have. */
export function diskUsed(s: { blocks: number; bfree: number; bavail: number }): number {
  const used = s.blocks - s.bfree;
  const usable = used + s.bavail;
  return usable > 0 ? (used / usable) * 100 : 0;
}

/**
 * Percent of CPU time spent in each state between two readings. Without a usable base (no
 * time passed) it is the split since boot, which is what the counters hold.
 */
export function cpuPercent(now: CpuTimes, base: CpuTimes | undefined): CpuPercent {
  const d = base !== undefined && now.total > base.total ? { user: now.user - base.user, system: now.system - base.system, idle: now.idle - base.idle, total: now.total - base.total } : now;
  if (d.total <= 0) return { CpuUser: 0, CpuSystem: 0, CpuIdle: 0 };
  return { CpuUser: (d.user / d.total) * 100, CpuSystem: (d.system / d.total) * 100, CpuIdle: (d.idle / d.total) * 100 };
}
