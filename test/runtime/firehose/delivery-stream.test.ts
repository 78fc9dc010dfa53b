import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { pino } from 'pino';
import { join } from 'node:path';
import { silentLogger } from '../../../src/logging.ts';
import { FileBucket } from '../../../src/runtime/object-store/file-bucket.ts';
import { ManualClock } from '../../../src/runtime/firehose/clock.ts';
import { DeliveryStream } from '../../../src/runtime/firehose/delivery-stream.ts';
import { parseStreamSettings, type DeliveryStreamSettings } from '../../../src/runtime/firehose/settings.ts';

function settings(name: string): DeliveryStreamSettings {
  const parsed = parseStreamSettings(name, { BucketARN: 'arn:aws:s3:::local-bucket', BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 60 } });
  if (Array.isArray(parsed)) throw new Error(parsed.join('\n'));
  return parsed;
}

/**
 * A bucket folder that cannot be written: its parent is a regular file, so every put fails
 * with ENOTDIR, as a real file system answers. Removing the file mends it.
 */
function brokenBucket(dir: string): { bucket: FileBucket; mend: () => void } {
  const blocker = join(dir, 'blocker');
  writeFileSync(blocker, 'not a folder');
  return {
    bucket: new FileBucket(join(blocker, 'bucket')),
    mend: () => {
      rmSync(blocker);
      mkdirSync(join(blocker, 'bucket'), { recursive: true });
    },
  };
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(check(), `timed out waiting for ${what}`);
}

function objectFiles(folder: string): string[] {
  return existsSync(folder) ? readdirSync(folder, { recursive: true, encoding: 'utf8' }).filter((p) => /-[0-9a-f-]{36}$/.test(p)) : [];
}

interface Retry {
  readonly key: string;
  readonly attempt: number;
  readonly retryInMs: number;
}

/** A stream on a broken bucket, with its retry warnings collected from the log. */
async function failingStream(dir: string, clock: ManualClock, retryDurationMs?: number) {
  const { bucket, mend } = brokenBucket(dir);
  const retries: Retry[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void retries.push(JSON.parse(line) as Retry) });
  const stream = await DeliveryStream.open(settings('kept'), join(dir, 'firehose'), bucket, clock, logger, retryDurationMs);
  /** Moves the clock by `ms` and waits for the attempt that then fails. */
  const failAgainAfter = async (ms: number): Promise<void> => {
    const seen = retries.length;
    clock.advance(ms - 1);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(retries.length, seen, `no attempt before ${ms} ms`);
    clock.advance(1);
    await until(() => retries.length > seen, `the attempt after ${ms} ms`);
  };
  return { stream, retries, mend, failAgainAfter };
}

test('a failing bucket is retried with growing delays under one key; the object lands once the bucket works again', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sds-delivery-'));
  const clock = new ManualClock(Date.UTC(2026, 10, 28, 9, 0, 0));
  const { stream, retries, mend, failAgainAfter } = await failingStream(dir, clock);
  try {
    await stream.put([Buffer.from('a;'), Buffer.from('b;')]);
    await failAgainAfter(60_000);
    await failAgainAfter(1000);
    await failAgainAfter(2000);
    assert.deepEqual(retries.map((r) => [r.attempt, r.retryInMs]), [[1, 1000], [2, 2000], [3, 4000]]);
    assert.equal(new Set(retries.map((r) => r.key)).size, 1);
    assert.equal(stream.dataFreshnessMs(), 63_000);
    mend();
    clock.advance(4000);
    await until(() => stream.metrics.snapshot()['DeliveryToS3.Records'] === 2 && stream.dataFreshnessMs() === 0, 'the write after the bucket is mended');
    const files = objectFiles(join(dir, 'blocker', 'bucket'));
    assert.deepEqual(files, [retries[0]?.key]);
    assert.equal(readFileSync(join(dir, 'blocker', 'bucket', files[0] ?? '')).toString(), 'a;b;');
    const m = stream.metrics.snapshot();
    assert.deepEqual([m['DeliveryToS3.Success'], m['DeliveryToS3.Objects'], m.UndeliveredRecords, stream.dataFreshnessMs()], [1 / 4, 1, 0, 0]);
  } finally {
    await stream.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('after the retry duration the records are set aside in the stream folder, in Firehose\'s failed-record shape, and delivery goes on', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sds-delivery-'));
  const start = Date.UTC(2026, 10, 28, 9, 0, 0);
  const clock = new ManualClock(start);
  const { stream, retries, mend, failAgainAfter } = await failingStream(dir, clock, 10_000);
  try {
    await stream.put([Buffer.from('lost?'), Buffer.from('no')]);
    await failAgainAfter(60_000);
    for (const delay of [1000, 2000, 4000]) await failAgainAfter(delay);
    // The last delay is cut to what is left of the 10 s; the attempt after it sets the records aside.
    assert.deepEqual(retries.map((r) => r.retryInMs), [1000, 2000, 4000, 3000]);
    clock.advance(3000);
    await until(() => stream.metrics.snapshot().UndeliveredRecords === 2 && stream.dataFreshnessMs() === 0, 'the records set aside');
    const folder = join(dir, 'firehose', 'kept', 'undelivered');
    const [file] = readdirSync(folder);
    assert.match(file ?? '', /^kept-1-2026-11-28-09-00-00-[0-9a-f-]{36}\.jsonl$/);
    const lines = readFileSync(join(folder, file ?? ''), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.match(String(lines[0]?.['errorMessage']), /the bucket's folder cannot be created \(ENOTDIR/);
    assert.deepEqual(lines.map((l) => Buffer.from(String(l['rawData']), 'base64').toString()), ['lost?', 'no']);
    assert.deepEqual(lines[0], { ...lines[0], attemptsMade: 5, arrivalTimestamp: start, errorCode: 'S3.SDS_ERR_OBJECT_STORE', attemptEndingTimestamp: start + 70_000 });

    // Delivery goes on: the next records reach the mended bucket.
    mend();
    await stream.put([Buffer.from('next')]);
    clock.advance(60_000);
    await until(() => stream.metrics.snapshot()['DeliveryToS3.Records'] === 1, 'the next object');
    await stream.close();
    // Nothing is delivered twice after a restart: the journal's checkpoint moved past both objects.
    const reopened = await DeliveryStream.open(settings('kept'), join(dir, 'firehose'), new FileBucket(join(dir, 'blocker', 'bucket')), clock, silentLogger());
    assert.equal(reopened.dataFreshnessMs(), 0);
    await reopened.close();
    assert.equal(objectFiles(join(dir, 'blocker', 'bucket')).length, 1);
  } finally {
    await stream.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('close while the bucket fails gives up at once; the records stay journaled and are delivered after a restart', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sds-delivery-'));
  const clock = new ManualClock(Date.UTC(2026, 10, 28, 9, 0, 0));
  const { stream, mend, failAgainAfter } = await failingStream(dir, clock);
  await stream.put([Buffer.from('kept')]);
  await failAgainAfter(60_000);
  await stream.close(); // with the retry delay pending on a clock that does not move
  mend();
  const reopened = await DeliveryStream.open(settings('kept'), join(dir, 'firehose'), new FileBucket(join(dir, 'blocker', 'bucket')), clock, silentLogger());
  try {
    await until(() => reopened.metrics.snapshot()['DeliveryToS3.Records'] === 1, 'the journaled record');
    assert.equal(objectFiles(join(dir, 'blocker', 'bucket')).length, 1);
  } finally {
    await reopened.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
