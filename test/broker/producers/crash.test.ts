/**
 * Producer state after kill -9: a broker child is killed without a clean shutdown, so no
 * fresh snapshot exists; after restart a retried batch must still be recognised from the log.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RawClient } from '../../support/raw-client.ts';
import { encodeBatch } from '../../../src/protocol/records/index.ts';
import { ErrorCode } from '../../../src/protocol/error-codes.ts';
import { SNAPSHOT_FILE } from '../../../src/broker/producers/index.ts';
import { startBrokerChild } from '../../support/broker-child.ts';


async function kill(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

async function produce(client: RawClient, records: Buffer): Promise<[number | undefined, bigint | undefined]> {
  const res = await client.request(0, 9, { acks: -1, timeoutMs: 5000, topicData: [{ name: 'crashy', partitionData: [{ index: 0, records: Buffer.from(records) }] }] });
  const p = res.responses[0]?.partitionResponses[0];
  return [p?.errorCode, p?.baseOffset];
}

test('after kill -9 a retried batch is still a duplicate and producer ids are not reused', { timeout: 60_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sds-idem-crash-'));
  const children = new Set<ChildProcess>();
  try {
    let { child, port } = await startBrokerChild(dataDir, children);
    let client = await RawClient.connect(port);
    await client.request(19, 7, { topics: [{ name: 'crashy', numPartitions: 1, replicationFactor: 1 }] });
    const init = await client.request(22, 4, { transactionalId: null, transactionTimeoutMs: 60_000 });
    const ids = { producerId: init.producerId, producerEpoch: init.producerEpoch };
    const batches = await Promise.all(
      Array.from({ length: 8 }, (_, i) => encodeBatch({ ...ids, baseSequence: i * 3, records: ['a', 'b', 'c'].map((v) => ({ key: null, value: Buffer.from(`${i}${v}`), timestamp: Date.now() })) })),
    );
    for (const [i, b] of batches.entries()) assert.deepEqual(await produce(client, b), [ErrorCode.NONE, BigInt(i * 3)]);
    client.close();
    await kill(child);
    assert.ok(!existsSync(join(dataDir, 'crashy-0', SNAPSHOT_FILE)), 'no snapshot after kill -9');

    ({ child, port } = await startBrokerChild(dataDir, children));
    client = await RawClient.connect(port);
    // The last five batches are known again from the log alone.
    for (let i = 3; i < 8; i++) assert.deepEqual(await produce(client, batches[i] as Buffer), [ErrorCode.NONE, BigInt(i * 3)]);
    assert.equal((await produce(client, batches[2] as Buffer))[0], ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    const next = await client.request(22, 4, { transactionalId: null, transactionTimeoutMs: 60_000 });
    assert.ok(next.producerId > ids.producerId);
    const more = await encodeBatch({ ...ids, baseSequence: 24, records: [{ key: null, value: Buffer.from('8a'), timestamp: Date.now() }] });
    assert.deepEqual(await produce(client, more), [ErrorCode.NONE, 24n]);
    const end = await client.request(2, 7, { replicaId: -1, isolationLevel: 0, topics: [{ name: 'crashy', partitions: [{ partitionIndex: 0, timestamp: -1n }] }] });
    assert.equal(end.topics[0]?.partitions[0]?.offset, 25n, 'a duplicate was appended');
    client.close();
    await kill(child);

    // Once more, now from a log whose tail is past the first restart.
    ({ child, port } = await startBrokerChild(dataDir, children));
    client = await RawClient.connect(port);
    assert.deepEqual(await produce(client, more), [ErrorCode.NONE, 24n]);
    client.close();
  } finally {
    for (const c of children) c.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
});
