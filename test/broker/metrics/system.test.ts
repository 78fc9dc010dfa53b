import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuPercent, diskUsed, hostProbe } from '../../../src/broker/metrics/system.ts';

test('disk use is df\'s: used blocks over used plus available to users', () => {
  assert.equal(diskUsed({ blocks: 100, bfree: 40, bavail: 30 }), (60 / 90) * 100);
  assert.equal(diskUsed({ blocks: 0, bfree: 0, bavail: 0 }), 0);
});

test('the host probe reads this machine; an unreadable data directory gives NaN', async () => {
  const used = await hostProbe.diskUsedPercent(tmpdir());
  assert.ok(used >= 0 && used <= 100, `disk used ${used}`);
  assert.ok(Number.isNaN(await hostProbe.diskUsedPercent(join(tmpdir(), 'no-such-dir-for-metrics', 'x'))));
  const cpu = hostProbe.cpuTimes();
  assert.ok(cpu.total > 0 && cpu.user + cpu.system + cpu.idle <= cpu.total);
  assert.ok(hostProbe.memoryUsed() > 0);
});

test('without time passed since the base, the CPU split is the one since boot', () => {
  const times = { user: 20, system: 30, idle: 50, total: 100 };
  assert.deepEqual(cpuPercent(times, times), { CpuUser: 20, CpuSystem: 30, CpuIdle: 50 });
  assert.deepEqual(cpuPercent(times, undefined), { CpuUser: 20, CpuSystem: 30, CpuIdle: 50 });
  assert.deepEqual(cpuPercent({ user: 0, system: 0, idle: 0, total: 0 }, undefined), { CpuUser: 0, CpuSystem: 0, CpuIdle: 0 });
});
