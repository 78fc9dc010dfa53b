import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProducerIdAllocator, PRODUCER_IDS_FILE } from '../../../src/broker/producers/index.ts';
import { SdsError } from '../../../src/errors.ts';

test('producer ids are monotonic and never reused after a restart, even one without a clean stop', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sds-pid-'));
  try {
    const a = await ProducerIdAllocator.open(dir);
    const first = await Promise.all([a.allocate(), a.allocate(), a.allocate()]);
    assert.deepEqual(first, [0n, 1n, 2n]);
    assert.deepEqual(JSON.parse(await readFile(join(dir, PRODUCER_IDS_FILE), 'utf8')), { version: 1, reservedUpTo: '1000' });
    // A second allocator on the same directory (as after kill -9) continues past the block.
    const b = await ProducerIdAllocator.open(dir);
    assert.equal(await b.allocate(), 1000n);
    assert.equal(await b.allocate(), 1001n);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a corrupt reservation file stops the start with SDS_ERR_BROKER_METADATA_CORRUPT', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sds-pid-'));
  try {
    await writeFile(join(dir, PRODUCER_IDS_FILE), '{"version":1,"reservedUpTo":"abc"}');
    await assert.rejects(ProducerIdAllocator.open(dir), (e: unknown) => e instanceof SdsError && e.code === 'SDS_ERR_BROKER_METADATA_CORRUPT');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
