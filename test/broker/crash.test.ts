/**
 * Crash safety of the whole broker: a broker child process takes acks=all produces while it
 * is killed with SIGKILL at random moments. After each restart every acknowledged record
 * must be at its acknowledged offset exactly once, and every batch served must pass its CRC.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RawClient } from '../support/raw-client.ts';
import { decodeBatch, encodeBatch, iterateBatches } from '../../src/protocol/records/index.ts';
import { ErrorCode } from '../../src/protocol/error-codes.ts';
import { startBrokerChild } from '../support/broker-child.ts';

const CYCLES = 5;


async function readEverything(port: number): Promise<Map<bigint, string>> {
  const client = await RawClient.connect(port);
  const seen = new Map<bigint, string>();
  try {
    let offset = 0n;
    for (;;) {
      const res = await client.request(1, 12, { replicaId: -1, maxBytes: 1 << 20, topics: [{ topic: 'crash', partitions: [{ partition: 0, fetchOffset: offset, partitionMaxBytes: 1 << 20 }] }] });
      const p = res.responses[0]?.partitions[0];
      assert.equal(p?.errorCode, ErrorCode.NONE);
      const records = p?.records ?? Buffer.alloc(0);
      if (records.length === 0) return seen;
      for (const b of iterateBatches(records, { allowPartialTail: true })) {
        const batch = await decodeBatch(records, { position: b.position, maxDecompressedBytes: 1 << 24 }); // verifies the CRC
        for (const r of batch.records) {
          assert.ok(!seen.has(r.offset), `offset ${r.offset} served twice`);
          seen.set(r.offset, r.value?.toString() ?? '');
        }
        offset = b.header.baseOffset + BigInt(b.header.lastOffsetDelta) + 1n;
      }
    }
  } finally {
    client.close();
  }
}

test('kill -9 at random moments loses no acknowledged record', { timeout: 120_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sds-crash-'));
  const acked = new Map<bigint, string>();
  let sequence = 0;
  const children = new Set<ChildProcess>();
  try {
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const { child, port } = await startBrokerChild(dataDir);
      children.add(child);
      const exited = new Promise((resolve) => child.once('exit', resolve));
      if (cycle === 0) {
        const admin = await RawClient.connect(port);
        await admin.request(19, 7, { topics: [{ name: 'crash', numPartitions: 1, replicationFactor: 1 }] });
        admin.close();
      }
      const stored = await readEverything(port);
      for (const [offset, value] of acked) assert.equal(stored.get(offset), value, `cycle ${cycle}: acknowledged offset ${offset} lost or changed`);
      const killAt = Date.now() + 200 + Math.floor(Math.random() * 800);
      const killer = setTimeout(() => child.kill('SIGKILL'), killAt - Date.now());
      // Several producers in flight at once, so the kill lands amid group commits.
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          const client = await RawClient.connect(port);
          while (!client.closed && Date.now() < killAt + 50) {
            const values = Array.from({ length: 5 }, () => `record-${sequence++}`);
            const records = await encodeBatch({ records: values.map((v) => ({ key: null, value: Buffer.from(v), timestamp: Date.now() })) });
            try {
              const res = await client.request(0, 9, { acks: -1, timeoutMs: 5000, topicData: [{ name: 'crash', partitionData: [{ index: 0, records }] }] });
              const p = res.responses[0]?.partitionResponses[0];
              assert.equal(p?.errorCode, ErrorCode.NONE);
              values.forEach((v, i) => acked.set((p?.baseOffset ?? -1n) + BigInt(i), v));
            } catch {
              break; // the broker died mid-request: this batch was never acknowledged
            }
          }
          client.close();
        }),
      );
      clearTimeout(killer);
      child.kill('SIGKILL');
      await exited;
    }
    const { child, port } = await startBrokerChild(dataDir);
    children.add(child);
    const stored = await readEverything(port);
    assert.ok(acked.size > 50, `only ${acked.size} records acknowledged`);
    for (const [offset, value] of acked) assert.equal(stored.get(offset), value, `acknowledged offset ${offset} lost`);
  } finally {
    for (const c of children) c.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
});
