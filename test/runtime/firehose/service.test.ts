import { test } from 'node:test';
import { spawn } from 'node:child_process';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  DescribeDeliveryStreamCommand,
  FirehoseClient,
  ListDeliveryStreamsCommand,
  PutRecordBatchCommand,
  PutRecordCommand,
} from '@aws-sdk/client-firehose';
import { FileBucket } from '../../../src/runtime/object-store/file-bucket.ts';
import { ManualClock } from '../../../src/runtime/firehose/clock.ts';
import { startFirehose, type RunningFirehose } from '../../../src/runtime/firehose/service.ts';
import { parseStreamSettings, type DeliveryStreamSettings } from '../../../src/runtime/firehose/settings.ts';

const MIB = 1024 * 1024;

function settings(name: string, input: Record<string, unknown>): DeliveryStreamSettings {
  const parsed = parseStreamSettings(name, { BucketARN: 'arn:aws:s3:::local-bucket', ...input });
  if (Array.isArray(parsed)) throw new Error(parsed.join('\n'));
  return parsed;
}

interface Setup {
  readonly dir: string;
  readonly clock: ManualClock;
  readonly firehose: RunningFirehose;
  readonly client: FirehoseClient;
  objects(): Promise<{ key: string; body: Buffer }[]>;
  close(): Promise<void>;
}

async function setup(streams: DeliveryStreamSettings[], dir = mkdtempSync(join(tmpdir(), 'sds-firehose-'))): Promise<Setup> {
  const clock = new ManualClock(Date.UTC(2026, 10, 28, 9, 30, 15));
  const bucketDir = join(dir, 'buckets', 'local-bucket');
  const firehose = await startFirehose({ streams, dataDir: join(dir, 'firehose'), bucket: () => new FileBucket(bucketDir), clock });
  const client = new FirehoseClient({ endpoint: firehose.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
  const bucket = new FileBucket(bucketDir);
  return {
    dir,
    clock,
    firehose,
    client,
    // Through the bucket's own listing, which never shows an object being written.
    objects: async () => {
      const { objects } = await bucket.list('');
      return Promise.all(objects.map(async (o) => ({ key: o.key, body: await bucket.get(o.key) })));
    },
    close: async () => {
      client.destroy();
      await firehose.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Lets journal writes and object writes (real I/O) finish. */
async function settle(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 400 && !(await check()); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(await check(), `timed out waiting for ${what}`);
}

test('the AWS SDK against the local service: list, describe, put, and objects after the buffering interval', async () => {
  const s = await setup([settings('orders', { BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 60 }, ProcessingConfiguration: { Enabled: true, Processors: [{ Type: 'AppendDelimiterToRecord' }] } }), settings('other', {})]);
  try {
    const listed = await s.client.send(new ListDeliveryStreamsCommand({}));
    assert.deepEqual([listed.DeliveryStreamNames, listed.HasMoreDeliveryStreams], [['orders', 'other'], false]);
    const paged = await s.client.send(new ListDeliveryStreamsCommand({ Limit: 1, ExclusiveStartDeliveryStreamName: 'orders' }));
    assert.deepEqual([paged.DeliveryStreamNames, paged.HasMoreDeliveryStreams], [['other'], false]);
    const described = await s.client.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'orders' }));
    const d = described.DeliveryStreamDescription;
    assert.equal(d?.DeliveryStreamStatus, 'ACTIVE');
    assert.equal(d?.DeliveryStreamARN, 'arn:aws:firehose:us-east-1:000000000000:deliverystream/orders');
    assert.deepEqual(d?.Destinations?.[0]?.ExtendedS3DestinationDescription?.BufferingHints, { SizeInMBs: 1, IntervalInSeconds: 60 });

    const one = await s.client.send(new PutRecordCommand({ DeliveryStreamName: 'orders', Record: { Data: Buffer.from('first') } }));
    assert.ok((one.RecordId ?? '').length > 0);
    const batch = await s.client.send(new PutRecordBatchCommand({ DeliveryStreamName: 'orders', Records: [{ Data: Buffer.from('second') }, { Data: Buffer.from([0, 255]) }] }));
    assert.equal(batch.FailedPutCount, 0);
    assert.equal(batch.RequestResponses?.length, 2);

    s.clock.advance(59_000);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(await s.objects(), [], 'nothing before the interval ends');
    s.clock.advance(1000);
    await settle(async () => (await s.objects()).length === 1, 'the object');
    const [object] = await s.objects();
    assert.match(object?.key ?? '', /^2026\/11\/28\/09\/orders-1-2026-11-28-09-30-15-[0-9a-f-]{36}$/);
    assert.deepEqual(object?.body, Buffer.concat([Buffer.from('first\nsecond\n'), Buffer.from([0, 255]), Buffer.from('\n')]));
  } finally {
    await s.close();
  }
});

test('errors as AWS answers them: too many records, too many bytes, a record too large, an unknown stream, a malformed body', async () => {
  const s = await setup([settings('orders', {})]);
  try {
    const reject = async (command: PutRecordBatchCommand | PutRecordCommand, type: string, message: RegExp): Promise<void> => {
      await assert.rejects(s.client.send(command as PutRecordBatchCommand), (e: unknown) => {
        assert.equal((e as { name?: string }).name, type);
        assert.match((e as Error).message, message);
        return true;
      });
    };
    const records = (n: number, size = 1) => Array.from({ length: n }, () => ({ Data: Buffer.alloc(size, 1) }));
    await reject(new PutRecordBatchCommand({ DeliveryStreamName: 'orders', Records: records(501) }), 'InvalidArgumentException', /501 entries/);
    // 4 MiB + 1 byte over 5 records of at most 1,000 KiB each.
    const big = [...records(4, 1000 * 1024), { Data: Buffer.alloc(4 * MIB - 4 * 1000 * 1024 + 1, 2) }];
    await reject(new PutRecordBatchCommand({ DeliveryStreamName: 'orders', Records: big }), 'InvalidArgumentException', /4194305 bytes/);
    await reject(new PutRecordBatchCommand({ DeliveryStreamName: 'orders', Records: records(1, 1000 * 1024 + 1) }), 'InvalidArgumentException', /1024001 bytes exceeds/);
    await reject(new PutRecordCommand({ DeliveryStreamName: 'orders', Record: { Data: Buffer.alloc(1000 * 1024 + 1) } }), 'InvalidArgumentException', /1024001 bytes exceeds/);
    await reject(new PutRecordBatchCommand({ DeliveryStreamName: 'nope', Records: records(1) }), 'ResourceNotFoundException', /Firehose nope under account 000000000000 not found/);
    // Exactly at the limits is fine.
    const exact = await s.client.send(new PutRecordBatchCommand({ DeliveryStreamName: 'orders', Records: [...records(4, 1000 * 1024), { Data: Buffer.alloc(4 * MIB - 4 * 1000 * 1024, 2) }] }));
    assert.equal(exact.FailedPutCount, 0);
    assert.equal((await s.client.send(new PutRecordBatchCommand({ DeliveryStreamName: 'orders', Records: records(500) }))).RequestResponses?.length, 500);

    const raw = async (body: string, target = 'Firehose_20150804.PutRecordBatch'): Promise<{ status: number; type: unknown }> => {
      const res = await fetch(s.firehose.endpoint, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target }, body });
      return { status: res.status, type: ((await res.json()) as { __type?: unknown }).__type };
    };
    assert.deepEqual(await raw('{"DeliveryStreamName": "orders", "Records": [{"Data": '), { status: 400, type: 'SerializationException' });
    assert.deepEqual(await raw('{"DeliveryStreamName": "orders", "Records": [{"Data": "not base64!"}]}'), { status: 400, type: 'SerializationException' });
    assert.deepEqual(await raw('[]'), { status: 400, type: 'SerializationException' });
    assert.deepEqual(await raw('{}', 'Firehose_20150804.DeleteDeliveryStream'), { status: 400, type: 'UnknownOperationException' });
  } finally {
    await s.close();
  }
});

test('buffering by size cuts an object at once; GZIP objects are gzip', async () => {
  const s = await setup([settings('sized', { BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 900 }, CompressionFormat: 'GZIP', Prefix: 'raw/' })]);
  try {
    const chunk = Buffer.alloc(512 * 1024, 7);
    await s.client.send(new PutRecordBatchCommand({ DeliveryStreamName: 'sized', Records: [{ Data: chunk }] }));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal((await s.objects()).length, 0);
    await s.client.send(new PutRecordBatchCommand({ DeliveryStreamName: 'sized', Records: [{ Data: chunk }] }));
    await settle(async () => (await s.objects()).length === 1, 'an object cut by size');
    const [object] = await s.objects();
    assert.match(object?.key ?? '', /^raw\/2026\/11\/28\/09\/sized-1-2026-11-28-09-30-15-[0-9a-f-]{36}\.gz$/);
    assert.deepEqual(gunzipSync(object?.body ?? Buffer.alloc(0)), Buffer.concat([chunk, chunk]));
    const m = s.firehose.streams.get('sized')?.metrics.snapshot();
    assert.deepEqual([m?.IncomingRecords, m?.IncomingBytes, m?.['DeliveryToS3.Records'], m?.['DeliveryToS3.Success']], [2, 1024 * 1024, 2, 1]);
  } finally {
    await s.close();
  }
});

test('a bucket that cannot be written: records stay journaled, and once too much waits new ones get "Slow down." per record', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sds-firehose-'));
  writeFileSync(join(dir, 'blocker'), 'a file where the bucket folder should be');
  const clock = new ManualClock(Date.UTC(2026, 10, 28, 9, 30, 15));
  const firehose = await startFirehose({ streams: [settings('stuck', { BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 0 } })], dataDir: join(dir, 'firehose'), bucket: () => new FileBucket(join(dir, 'blocker', 'bucket')), clock });
  const client = new FirehoseClient({ endpoint: firehose.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
  try {
    // 1 MiB buffers may wait up to 2 MiB + 16 MiB: 18 records of 1,000 KiB fit, a 19th does not.
    const call = () => client.send(new PutRecordBatchCommand({ DeliveryStreamName: 'stuck', Records: Array.from({ length: 4 }, () => ({ Data: Buffer.alloc(1000 * 1024, 3) })) }));
    const one = () => client.send(new PutRecordCommand({ DeliveryStreamName: 'stuck', Record: { Data: Buffer.alloc(1000 * 1024, 3) } }));
    for (let i = 0; i < 4; i++) assert.equal((await call()).FailedPutCount, 0);
    await one();
    await one();
    const refused = await call();
    assert.equal(refused.FailedPutCount, 4);
    assert.deepEqual(refused.RequestResponses?.[0], { ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'Slow down.' });
    await assert.rejects(one(), (e: unknown) => (e as { name?: string }).name === 'ServiceUnavailableException');
    const m = firehose.streams.get('stuck')?.metrics.snapshot();
    assert.deepEqual([m?.IncomingRecords, m?.ThrottledRecords, m?.['DeliveryToS3.Records']], [23, 5, 0]);
  } finally {
    client.destroy();
    await firehose.stop();
  }
  // Nothing acknowledged was lost: after the bucket is mended, a restart delivers all 18 records.
  rmSync(join(dir, 'blocker'));
  const s = await setup([settings('stuck', { BufferingHints: { SizeInMBs: 128, IntervalInSeconds: 900 } })], dir);
  try {
    await settle(async () => (await s.objects()).length === 1, 'the journaled records');
    assert.equal((await s.objects())[0]?.body.length, 18 * 1000 * 1024);
  } finally {
    await s.close();
  }
});

test('kill -9 right after PutRecordBatch is acknowledged: after a restart every acknowledged record is in the bucket', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sds-firehose-'));
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'firehose-child.ts'), dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((r) => child.once('exit', r));
  try {
    const endpoint = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (c: string) => {
        out += c;
        const m = /ENDPOINT (\S+)/.exec(out);
        if (m?.[1] !== undefined) resolve(m[1]);
      });
      void exited.then(() => reject(new Error(`the child exited: ${out}`)));
    });
    const client = new FirehoseClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
    const acked: string[] = [];
    for (let i = 0; i < 20; i++) {
      const records = Array.from({ length: 25 }, (_, j) => `r${i * 25 + j};`);
      const answer = await client.send(new PutRecordBatchCommand({ DeliveryStreamName: 'kept', Records: records.map((r) => ({ Data: Buffer.from(r) })) }));
      assert.equal(answer.FailedPutCount, 0);
      acked.push(...records);
    }
    child.kill('SIGKILL');
    await exited;
    client.destroy();
    const s = await setup([settings('kept', { BufferingHints: { SizeInMBs: 5, IntervalInSeconds: 900 } })], dir);
    try {
      await settle(async () => (await s.objects()).length === 1, 'the journaled records');
      assert.deepEqual((await s.objects())[0]?.body.toString().split(';').filter((r) => r !== '').map((r) => `${r};`), acked);
    } finally {
      await s.close();
    }
  } finally {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
