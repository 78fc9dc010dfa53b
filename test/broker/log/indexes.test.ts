import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32c } from '../../../src/protocol/records/index.ts';
import { crc32cUpdate } from '../../../src/broker/log/crc-stream.ts';
import { parseSegmentFileName, segmentFileName } from '../../../src/broker/log/file-names.ts';
import { OffsetIndex } from '../../../src/broker/log/offset-index.ts';
import { TimeIndex } from '../../../src/broker/log/time-index.ts';

test('segment file names are the 20-digit base offset', () => {
  assert.equal(segmentFileName(42n, '.log'), '00000000000000000042.log');
  assert.deepEqual(parseSegmentFileName('00000000000000000042.timeindex'), { baseOffset: 42n, suffix: '.timeindex' });
  assert.equal(parseSegmentFileName('42.log'), undefined);
  assert.equal(parseSegmentFileName('00000000000000000042.log.deleted'), undefined);
});

test('offset index: floor lookup, Kafka byte layout, and refusal of implausible files', () => {
  const index = new OffsetIndex(100n);
  assert.deepEqual(index.lookup(150n), { offset: 100n, position: 0 });
  index.append(110n, 500);
  index.append(130n, 900);
  for (let i = 0; i < 40; i++) index.append(200n + BigInt(i), 1000 + i * 10);
  assert.deepEqual(index.lookup(109n), { offset: 100n, position: 0 });
  assert.deepEqual(index.lookup(110n), { offset: 110n, position: 500 });
  assert.deepEqual(index.lookup(129n), { offset: 110n, position: 500 });
  assert.deepEqual(index.lookup(10_000n), { offset: 239n, position: 1390 });
  const bytes = index.toBuffer();
  assert.equal(bytes.length, 42 * 8);
  assert.equal(bytes.readInt32BE(0), 10);
  assert.equal(bytes.readInt32BE(4), 500);
  const parsed = OffsetIndex.parse(100n, bytes, 2000);
  assert.ok(parsed instanceof OffsetIndex);
  assert.deepEqual(parsed.toBuffer(), bytes);
  assert.equal(typeof OffsetIndex.parse(100n, bytes.subarray(0, 12), 2000), 'string');
  assert.equal(typeof OffsetIndex.parse(100n, bytes, 1000), 'string', 'positions past the log');
  const swapped = Buffer.concat([bytes.subarray(8, 16), bytes.subarray(0, 8)]);
  assert.equal(typeof OffsetIndex.parse(100n, swapped, 2000), 'string', 'out of order');
  assert.throws(() => index.append(239n, 5000), /out of order/);
});

test('time index keeps strictly newer timestamps and finds the last entry at or below a time', () => {
  const index = new TimeIndex(0n);
  assert.equal(index.maybeAppend(-1n, 0n), false);
  assert.equal(index.maybeAppend(1000n, 5n), true);
  assert.equal(index.maybeAppend(1000n, 9n), false);
  assert.equal(index.maybeAppend(900n, 9n), false);
  assert.equal(index.maybeAppend(2000n, 20n), true);
  assert.equal(index.lookup(999n), undefined);
  assert.deepEqual(index.lookup(1500n), { timestamp: 1000n, offset: 5n });
  assert.deepEqual(index.lookup(5000n), { timestamp: 2000n, offset: 20n });
  const parsed = TimeIndex.parse(0n, index.toBuffer());
  assert.ok(parsed instanceof TimeIndex);
  assert.deepEqual(parsed.toBuffer(), index.toBuffer());
  assert.equal(typeof TimeIndex.parse(0n, Buffer.alloc(13)), 'string');
  assert.equal(typeof TimeIndex.parse(0n, Buffer.concat([index.toBuffer().subarray(12), index.toBuffer().subarray(0, 12)])), 'string');
});

test('a CRC-32C continued piece by piece equals the CRC of the whole', () => {
  const data = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 31) & 0xff));
  let crc = 0;
  for (let at = 0; at < data.length; at += 777) crc = crc32cUpdate(crc, data.subarray(at, at + 777));
  assert.equal(crc, crc32c(data));
});
