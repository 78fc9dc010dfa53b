import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { resolveConnection } from '../../../src/client/connection.ts';
import { consume, type ConsumedRecord } from '../../../src/client/consume.ts';
import type { MskEvent } from '../../../src/functions/shared/kafka-event.ts';
import { failureObjectKey, openDestination, type Failure } from '../../../src/runtime/event-source/destinations.ts';
import { buildEvent, type PolledRecord } from '../../../src/runtime/event-source/event.ts';
import { createTopic, mappingBroker, tempDir } from './helpers.ts';

const rec = (partition: number, offset: number, key: string | null): PolledRecord => ({
  topic: 'orders', partition, offset: BigInt(offset), timestamp: 1_573_691_884_835n, logAppendTime: false, key: key === null ? null : Buffer.from(key), value: Buffer.from(`v${offset}`), headers: [],
});
const failure = (records: PolledRecord[]): Failure => ({ records, condition: 'RetryAttemptsExhausted', approximateInvokeCount: 3, requestId: 'req-1', functionError: 'Unhandled' });
const now = new Date('2026-03-04T05:06:07.890Z');

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name)));
}

test('a local bucket holds one object per failed batch, keyed as Lambda keys S3 objects', async () => {
  const dir = tempDir();
  try {
    const source = { bootstrapServers: ['127.0.0.1:9092'] };
    const destination = openDestination({ kind: 'bucket', bucket: 'failed-batches' }, {
      source, functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f', mappingUuid: '14e0db71-5d35-4eb5-b481-8945cf9d10c2',
      connection: resolveConnection({ bootstrap: '127.0.0.1:9092' }), bucketRoot: dir.path, now: () => now,
    });
    const batch = [rec(1, 7, 'k'), rec(1, 8, null)];
    await destination.send(failure(batch));
    await destination.close();
    const [file, ...others] = filesUnder(join(dir.path, 'failed-batches'));
    assert.equal(others.length, 0);
    assert.match(file ?? '', /^aws\/lambda\/14e0db71-5d35-4eb5-b481-8945cf9d10c2\/orders-1\/2026\/03\/04\/2026-03-04T05\.06\.07-[0-9a-f-]{36}$/);
    const body = JSON.parse(readFileSync(join(dir.path, 'failed-batches', file ?? ''), 'utf8')) as { payload: string; KafkaBatchInfo: { recordsInfo: unknown }; timestamp: string };
    assert.equal(body.payload, JSON.stringify(buildEvent(source, batch)), 'the whole event, as an escaped JSON string');
    assert.deepEqual(body.KafkaBatchInfo.recordsInfo, { 'orders-1': { firstRecordOffset: '7', lastRecordOffset: '8', firstRecordTimestamp: '2019-11-14T00:38:04.835Z', lastRecordTimestamp: '2019-11-14T00:38:04.835Z' } });
    assert.equal(body.timestamp, now.toISOString());
    assert.match(failureObjectKey('u', 't-0', now), /^aws\/lambda\/u\/t-0\/2026\/03\/04\/2026-03-04T05\.06\.07-/);
  } finally {
    dir.remove();
  }
});

test('a local file gets one JSON line per failed batch', async () => {
  const dir = tempDir();
  try {
    const path = join(dir.path, 'nested', 'failures.jsonl');
    const destination = openDestination({ kind: 'file', path }, {
      source: { bootstrapServers: ['h:1'] }, functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f', mappingUuid: 'u',
      connection: resolveConnection({ bootstrap: 'h:1' }), bucketRoot: dir.path,
    });
    await Promise.all([destination.send(failure([rec(0, 1, 'a')])), destination.send(failure([rec(0, 2, 'b')]))]);
    await destination.close();
    const lines = readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { KafkaBatchInfo: { recordsInfo: Record<string, { firstRecordOffset: string }> } });
    assert.deepEqual(lines.map((l) => l.KafkaBatchInfo.recordsInfo['orders-0']?.firstRecordOffset), ['1', '2']);
  } finally {
    dir.remove();
  }
});

test('a Kafka topic gets one message per record, with the record\'s key and the one-record event', { timeout: 60_000 }, async () => {
  const broker = await mappingBroker();
  try {
    await createTopic(broker.bootstrap, 'dlq', 1);
    const connection = resolveConnection({ bootstrap: broker.bootstrap, clientId: 'esm-test' });
    const source = { bootstrapServers: [broker.bootstrap], clusterArn: 'arn:aws:kafka:us-east-1:123456789012:cluster/demo/abc' };
    const destination = openDestination({ kind: 'kafka', topic: 'dlq' }, {
      source, functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f', mappingUuid: 'u', connection, bucketRoot: '', now: () => now,
    });
    const batch = [rec(2, 40, 'key-40'), rec(2, 41, null)];
    await destination.send(failure(batch));
    await destination.close();
    const read: ConsumedRecord[] = [];
    await consume(connection, { topic: 'dlq', start: 'earliest', reset: 'earliest', maxMessages: 2, idleTimeoutMs: 10_000 }, { onRecord: (r) => void read.push(r) });
    assert.deepEqual(read.map((r) => r.key?.toString() ?? null), ['key-40', null]);
    const messages = read.map((r) => JSON.parse(r.value?.toString() ?? '') as { requestContext: { condition: string; approximateInvokeCount: number }; KafkaBatchInfo: { batchSize: number; eventSourceArn: string; recordInfo: { offset: string; timestamp: string } }; payload: MskEvent });
    assert.deepEqual(messages.map((m) => m.KafkaBatchInfo.recordInfo), [{ offset: '40', timestamp: '2019-11-14T00:38:04.835Z' }, { offset: '41', timestamp: '2019-11-14T00:38:04.835Z' }]);
    assert.equal(messages[0]?.requestContext.condition, 'RetriesExhausted');
    assert.equal(messages[0]?.requestContext.approximateInvokeCount, 3);
    assert.equal(messages[0]?.KafkaBatchInfo.batchSize, 1);
    assert.equal(messages[0]?.KafkaBatchInfo.eventSourceArn, source.clusterArn);
    assert.deepEqual(messages[1]?.payload, buildEvent(source, [batch[1] as PolledRecord]), 'the event of that one record, as an object');
  } finally {
    await broker.stop();
  }
});
