/**
 * Committed offsets survive kill -9: a broker child process acknowledges concurrent
 * OffsetCommits while it is killed with SIGKILL; after a restart every acknowledged commit
 * (or a later one) is what OffsetFetch returns. Also a torn journal tail is truncated.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RawClient } from '../../support/raw-client.ts';
import { ErrorCode } from '../../../src/protocol/error-codes.ts';
import { startBroker } from '../../../src/broker/broker.ts';
import { startBrokerChild } from '../../support/broker-child.ts';

const PARTITIONS = 4;


async function committed(port: number): Promise<bigint[]> {
  const c = await RawClient.connect(port);
  try {
    const res = await c.request(9, 7, { groupId: 'durable', topics: [{ name: 'offsets', partitionIndexes: [0, 1, 2, 3] }] });
    return res.topics[0]?.partitions.map((p) => p.committedOffset) ?? [];
  } finally {
    c.close();
  }
}

test('acknowledged OffsetCommits survive SIGKILL of the broker', { timeout: 120_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sds-offsets-crash-'));
  const children = new Set<ChildProcess>();
  // Highest acknowledged offset per partition; each writer commits increasing offsets to its own partition.
  const acked: bigint[] = Array.from({ length: PARTITIONS }, () => -1n);
  try {
    for (let cycle = 0; cycle < 3; cycle++) {
      const { child, port } = await startBrokerChild(dataDir);
      children.add(child);
      const exited = new Promise((resolve) => child.once('exit', resolve));
      if (cycle === 0) {
        const admin = await RawClient.connect(port);
        await admin.request(19, 7, { topics: [{ name: 'offsets', numPartitions: PARTITIONS, replicationFactor: 1 }] });
        admin.close();
      }
      const stored = await committed(port);
      for (let p = 0; p < PARTITIONS; p++) assert.ok((stored[p] ?? -1n) >= (acked[p] ?? -1n), `cycle ${cycle}: partition ${p} lost its acknowledged offset ${acked[p]}`);
      const killAt = Date.now() + 150 + Math.floor(Math.random() * 500);
      const killer = setTimeout(() => child.kill('SIGKILL'), killAt - Date.now());
      await Promise.all(
        Array.from({ length: PARTITIONS }, async (_, p) => {
          const c = await RawClient.connect(port);
          let next = (acked[p] ?? -1n) + 1n;
          while (!c.closed) {
            try {
              const res = await c.request(8, 8, { groupId: 'durable', generationIdOrMemberEpoch: -1, memberId: '', topics: [{ name: 'offsets', partitions: [{ partitionIndex: p, committedOffset: next, committedLeaderEpoch: -1, committedMetadata: null }] }] });
              assert.equal(res.topics[0]?.partitions[0]?.errorCode, ErrorCode.NONE);
              acked[p] = next;
              next++;
            } catch {
              break; // the broker died mid-request: never acknowledged
            }
          }
          c.close();
        }),
      );
      clearTimeout(killer);
      await exited;
    }
    const { child, port } = await startBrokerChild(dataDir);
    children.add(child);
    const stored = await committed(port);
    assert.ok(acked.every((a) => a > 0n), 'every writer got commits acknowledged');
    for (let p = 0; p < PARTITIONS; p++) assert.ok((stored[p] ?? -1n) >= (acked[p] ?? -1n), `partition ${p}: acknowledged ${acked[p]}, stored ${stored[p]}`);
  } finally {
    for (const c of children) c.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('a torn tail of the offsets journal is dropped at start; the intact commits remain', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sds-offsets-torn-'));
  try {
    let broker = await startBroker({ dataDir, port: 0 });
    const c = await RawClient.connect(broker.port);
    await c.request(19, 7, { topics: [{ name: 'offsets', numPartitions: 1, replicationFactor: 1 }] });
    await c.request(8, 8, { groupId: 'durable', generationIdOrMemberEpoch: -1, memberId: '', topics: [{ name: 'offsets', partitions: [{ partitionIndex: 0, committedOffset: 42n }] }] });
    c.close();
    await broker.stop();
    appendFileSync(join(dataDir, '__consumer_offsets.journal'), '0badc0de {"k":"c","g":"durable","o":[["offsets",0,"99"');
    broker = await startBroker({ dataDir, port: 0 });
    try {
      assert.deepEqual((await committed(broker.port)).slice(0, 1), [42n]);
    } finally {
      await broker.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
