/** Small Kafka conversations over raw connections, shared by the fault tests. */
import { get } from 'node:http';
import assert from 'node:assert/strict';
import { RawClient } from '../../support/raw-client.ts';
import { ErrorCode } from '../../../src/protocol/error-codes.ts';
import { decodeBatch, encodeBatch, iterateBatches } from '../../../src/protocol/records/index.ts';

export async function createTopic(port: number, name: string, partitions: number, configs: { name: string; value: string }[] = []): Promise<void> {
  const client = await RawClient.connect(port);
  try {
    const res = await client.request(19, 7, { topics: [{ name, numPartitions: partitions, replicationFactor: 1, configs }], timeoutMs: 10_000 });
    assert.equal(res.topics[0]?.errorCode, ErrorCode.NONE, `create topic ${name}`);
  } finally {
    client.close();
  }
}

/** One uncompressed batch of the given values. */
export function batchOf(values: readonly (string | Buffer)[]): Promise<Buffer> {
  const timestamp = Date.now();
  return encodeBatch({ records: values.map((v) => ({ key: null, value: Buffer.isBuffer(v) ? v : Buffer.from(v), timestamp })) });
}

/** Produce v9 of one batch with acks=all; resolves the base offset. */
export async function produce(client: RawClient, topic: string, partition: number, records: Buffer): Promise<bigint> {
  const res = await client.request(0, 9, { acks: -1, timeoutMs: 30_000, topicData: [{ name: topic, partitionData: [{ index: partition, records }] }] });
  const p = res.responses[0]?.partitionResponses[0];
  assert.equal(p?.errorCode, ErrorCode.NONE, `produce to ${topic}-${partition}`);
  return p.baseOffset;
}

/** A Fetch v12 request body for one partition. */
export function fetchBody(topic: string, partition: number, offset: bigint, maxBytes: number, maxWaitMs = 0) {
  return {
    replicaId: -1,
    maxWaitMs,
    minBytes: 1,
    maxBytes,
    isolationLevel: 0,
    topics: [{ topic, partitions: [{ partition, fetchOffset: offset, partitionMaxBytes: maxBytes }] }],
  };
}

/** Fetch v12 from one partition; resolves the record values read (whole batches only). */
export async function fetchValues(client: RawClient, topic: string, partition: number, offset: bigint, maxBytes = 1 << 20): Promise<{ offset: bigint; value: string }[]> {
  const res = await client.request(1, 12, fetchBody(topic, partition, offset, maxBytes));
  const p = res.responses[0]?.partitions[0];
  assert.equal(p?.errorCode, ErrorCode.NONE, `fetch from ${topic}-${partition}`);
  return recordsIn(p.records);
}

export async function recordsIn(records: Buffer | null): Promise<{ offset: bigint; value: string }[]> {
  if (records === null) return [];
  const out: { offset: bigint; value: string }[] = [];
  for (const b of iterateBatches(records, { allowPartialTail: true })) {
    const decoded = await decodeBatch(records, { position: b.position, maxDecompressedBytes: 64 << 20 });
    for (const r of decoded.records) out.push({ offset: r.offset, value: r.value?.toString() ?? '' });
  }
  return out;
}

/** A fresh connection answers ApiVersions and Metadata; resolves how long that took in ms. */
export async function probe(port: number, timeoutMs = 10_000): Promise<number> {
  const started = Date.now();
  const client = await RawClient.connect(port);
  try {
    const deadline = setTimeout(() => client.close(), timeoutMs);
    const versions = await client.request(18, 3, { clientSoftwareName: 'probe', clientSoftwareVersion: '1' });
    assert.equal(versions.errorCode, ErrorCode.NONE);
    const metadata = await client.request(3, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    assert.equal(metadata.brokers.length, 1);
    clearTimeout(deadline);
    return Date.now() - started;
  } finally {
    client.close();
  }
}

/** The broker's ConnectionCount gauge from its Prometheus endpoint (a connection of its own, closed after). */
export function connectionCount(metricsUrl: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = get(metricsUrl, { agent: false, headers: { connection: 'close' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        const m = /^kafka_ConnectionCount\{[^}]*\} (\d+)$/m.exec(body);
        if (m) resolve(Number(m[1]));
        else reject(new Error('no ConnectionCount in the metrics'));
      });
    });
    req.on('error', reject);
  });
}

/** Polls until `check` holds or the time is up; resolves whether it held. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** The log end offset of a partition (ListOffsets v7, latest). */
export async function endOffset(port: number, topic: string, partition: number): Promise<bigint> {
  const client = await RawClient.connect(port);
  try {
    const res = await client.request(2, 7, { replicaId: -1, isolationLevel: 0, topics: [{ name: topic, partitions: [{ partitionIndex: partition, timestamp: -1n }] }] });
    const p = res.topics[0]?.partitions[0];
    assert.equal(p?.errorCode, ErrorCode.NONE, `list offsets of ${topic}-${partition}`);
    return p.offset;
  } finally {
    client.close();
  }
}
