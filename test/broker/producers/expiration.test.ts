/**
 * producer.id.expiration.ms over the wire: an idle idempotent producer disappears from
 * DescribeProducers once the broker's expiry check runs, and one that keeps producing stays.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBroker } from '../../../src/broker/broker.ts';
import { ErrorCode } from '../../../src/protocol/error-codes.ts';
import { encodeBatch } from '../../../src/protocol/records/index.ts';
import { RawClient } from '../../support/raw-client.ts';
import { eventually } from '../groups/helpers.ts';

const TOPIC = 'expiring';

async function activeProducers(client: RawClient): Promise<bigint[]> {
  const res = await client.request(61, 0, { topics: [{ name: TOPIC, partitionIndexes: [0] }] });
  const partition = res.topics[0]?.partitions[0];
  assert.equal(partition?.errorCode, ErrorCode.NONE);
  return partition.activeProducers.map((p) => p.producerId).sort();
}

async function produceOne(client: RawClient, producerId: bigint, baseSequence: number): Promise<void> {
  const records = await encodeBatch({ producerId, producerEpoch: 0, baseSequence, records: [{ key: null, value: Buffer.from(`v${baseSequence}`), timestamp: Date.now() }] });
  const res = await client.request(0, 9, { acks: -1, timeoutMs: 5000, topicData: [{ name: TOPIC, partitionData: [{ index: 0, records }] }] });
  assert.equal(res.responses[0]?.partitionResponses[0]?.errorCode, ErrorCode.NONE);
}

test('an idle producer expires after producerIdExpirationMs; an active one is kept', { timeout: 60_000 }, async () => {
  const broker = await startBroker({ config: { producerIdExpirationMs: 10_000, producerIdExpirationCheckIntervalMs: 100 } });
  const client = await RawClient.connect(broker.port);
  try {
    const created = await client.request(19, 7, { topics: [{ name: TOPIC, numPartitions: 1, replicationFactor: 1 }] });
    assert.equal(created.topics[0]?.errorCode, ErrorCode.NONE);
    const ids: bigint[] = [];
    for (let i = 0; i < 2; i++) {
      const init = await client.request(22, 4, { transactionalId: null, transactionTimeoutMs: 60_000 });
      assert.equal(init.errorCode, ErrorCode.NONE);
      ids.push(init.producerId);
    }
    const [idle, active] = ids as [bigint, bigint];
    await produceOne(client, idle, 0);
    await produceOne(client, active, 0);
    assert.deepEqual(await activeProducers(client), [idle, active].sort());

    // The active producer writes between checks, far more often than the expiration time.
    let sequence = 1;
    await eventually('the idle producer to expire', async () => {
      await produceOne(client, active, sequence++);
      return (await activeProducers(client)).length === 1;
    }, 40_000);
    assert.deepEqual(await activeProducers(client), [active]);
  } finally {
    client.close();
    await broker.stop();
  }
});
