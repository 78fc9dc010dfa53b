import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProtocolError } from '../../../src/protocol/errors.ts';
import { decodeBatch } from '../../../src/protocol/records/batch-decode.ts';
import { encodeBatch } from '../../../src/protocol/records/batch-encode.ts';
import { readBatchHeader } from '../../../src/protocol/records/batch-header.ts';
import { iterateBatches, validateBatch, validateBatches } from '../../../src/protocol/records/batch-validate.ts';
import { codecName } from '../../../src/protocol/records/compression-codec.ts';
import { decompress } from '../../../src/protocol/records/compression.ts';
import { ALL_CODECS, fixCrc, manyRecords, prng, randomBytes, sampleRecords } from './helpers.ts';

const ITERATIONS = 20_000;
const SEED = 20240601;
const LIMIT = 1 << 20;

type Mutator = (b: Buffer, rand: () => number) => Buffer;

const pick = (rand: () => number, n: number): number => Math.floor(rand() * n);

/** Each mutator returns a new buffer; the "+crc" ones re-seal the CRC so the record parser is reached. */
const MUTATORS: [string, Mutator][] = [
  ['flip bytes', (b, rand) => flip(b, rand)],
  ['flip bytes +crc', (b, rand) => fixCrc(flip(b, rand))],
  ['flip records bytes +crc', (b, rand) => fixCrc(flip(b, rand, 61))],
  ['truncate', (b, rand) => b.subarray(0, pick(rand, b.length))],
  ['truncate +crc', (b, rand) => fixCrc(Buffer.from(b.subarray(0, 61 + pick(rand, Math.max(1, b.length - 61)))))],
  ['append junk', (b, rand) => Buffer.concat([b, randomBytes(rand, 1 + pick(rand, 40))])],
  ['random Length', (b, rand) => setInt32(b, 8, randomInt32(rand))],
  ['random Length +crc', (b, rand) => fixCrc(setInt32(b, 8, randomInt32(rand)))],
  ['random RecordsCount +crc', (b, rand) => fixCrc(setInt32(b, 57, randomInt32(rand)))],
  ['random LastOffsetDelta +crc', (b, rand) => fixCrc(setInt32(b, 23, randomInt32(rand)))],
  ['random attributes +crc', (b, rand) => fixCrc(setInt16(b, 21, pick(rand, 65536) - 32768))],
  ['random magic', (b, rand) => setInt8(b, 16, pick(rand, 256) - 128)],
  ['splice records +length+crc', (b, rand) => spliceRecords(b, rand)],
  ['random records +length+crc', (b, rand) => fixLength(Buffer.concat([b.subarray(0, 61), randomBytes(rand, pick(rand, 200))]))],
];

function flip(b: Buffer, rand: () => number, from = 0): Buffer {
  const c = Buffer.from(b);
  if (c.length <= from) return c;
  const n = 1 + pick(rand, 4);
  for (let i = 0; i < n; i++) {
    const at = from + pick(rand, c.length - from);
    c[at] = rand() < 0.5 ? (c[at] as number) ^ (1 << pick(rand, 8)) : pick(rand, 256);
  }
  return c;
}

function randomInt32(rand: () => number): number {
  const choices = [-1, 0, 1, 48, 49, 0x7fffffff, -0x80000000];
  return rand() < 0.5 ? (choices[pick(rand, choices.length)] as number) : (pick(rand, 2 ** 32) | 0);
}

function setInt32(b: Buffer, at: number, v: number): Buffer {
  const c = Buffer.from(b);
  if (c.length >= at + 4) c.writeInt32BE(v, at);
  return c;
}

function setInt16(b: Buffer, at: number, v: number): Buffer {
  const c = Buffer.from(b);
  if (c.length >= at + 2) c.writeInt16BE(v, at);
  return c;
}

function setInt8(b: Buffer, at: number, v: number): Buffer {
  const c = Buffer.from(b);
  if (c.length > at) c.writeInt8(v, at);
  return c;
}

/** Deletes or inserts bytes inside the records, then repairs Length and CRC. */
function spliceRecords(b: Buffer, rand: () => number): Buffer {
  if (b.length <= 61) return fixLength(Buffer.concat([b, randomBytes(rand, 1 + pick(rand, 8))]));
  const at = 61 + pick(rand, b.length - 61);
  const cut = rand() < 0.5 ? pick(rand, 8) : 0;
  const insert = randomBytes(rand, cut === 0 ? 1 + pick(rand, 8) : 0);
  return fixLength(Buffer.concat([b.subarray(0, at), insert, b.subarray(Math.min(b.length, at + cut))]));
}

function fixLength(b: Buffer): Buffer {
  const c = Buffer.from(b);
  if (c.length >= 12) c.writeInt32BE(c.length - 12, 8);
  return fixCrc(c);
}

async function seeds(): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (const codec of ALL_CODECS) {
    out.push(await encodeBatch({ codec, records: sampleRecords() }));
    out.push(await encodeBatch({ codec, records: manyRecords(12, prng(codec)) }));
  }
  // Uncompressed batches reach the record parser most often, so weigh them more.
  out.push(await encodeBatch({ records: manyRecords(3, prng(99)) }));
  out.push(await encodeBatch({ records: [] }));
  out.push(await encodeBatch({ timestampType: 'LogAppendTime', logAppendTime: 5n, records: sampleRecords() }));
  return out;
}

/** Runs every entry point on the bytes; anything thrown that is not a ProtocolError fails the test. */
async function exercise(b: Buffer, outcomes: Map<string, number>): Promise<void> {
  const record = (what: string): void => {
    outcomes.set(what, (outcomes.get(what) ?? 0) + 1);
  };
  const attempt = async (fn: () => unknown): Promise<void> => {
    try {
      await fn();
      record('ok');
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      record(err.code + (/record \d+ of/.test(err.message) ? ' (in a record)' : ''));
    }
  };
  await attempt(() => readBatchHeader(b, 0));
  await attempt(() => validateBatch(b));
  await attempt(() => validateBatches(b));
  await attempt(() => Array.from(iterateBatches(b, { allowPartialTail: true })));
  await attempt(() => decodeBatch(b, { maxDecompressedBytes: LIMIT }));
  await attempt(() => decodeBatch(b, { maxDecompressedBytes: LIMIT, verifyCrc: false }));
}

describe('fuzzing record batches', () => {
  it(`throws only ProtocolError across ${ITERATIONS} mutations of valid batches`, { timeout: 180_000 }, async () => {
    const rand = prng(SEED);
    const bases = await seeds();
    const outcomes = new Map<string, number>();
    for (let i = 0; i < ITERATIONS; i++) {
      const base = bases[pick(rand, bases.length)] as Buffer;
      const [name, mutate] = MUTATORS[pick(rand, MUTATORS.length)] as [string, Mutator];
      const mutated = mutate(base, rand);
      try {
        await exercise(mutated, outcomes);
      } catch (err) {
        assert.fail(`iteration ${i} (seed ${SEED}, ${name}) threw a non-ProtocolError: ${String(err)}\n${mutated.toString('hex')}`);
      }
    }
    // The fuzzer must reach past the CRC into the records and the codecs, or it proves little.
    assert.ok((outcomes.get('SDS_ERR_PROTOCOL_CORRUPT_BATCH (in a record)') ?? 0) > 500, JSON.stringify([...outcomes]));
    assert.ok((outcomes.get('SDS_ERR_PROTOCOL_COMPRESSION') ?? 0) > 500, JSON.stringify([...outcomes]));
    assert.ok((outcomes.get('ok') ?? 0) > 1000, JSON.stringify([...outcomes]));
  });

  it('throws only ProtocolError when each codec is fed random and mutated payloads', { timeout: 120_000 }, async () => {
    const rand = prng(SEED + 1);
    for (const codec of ALL_CODECS.slice(1)) {
      const valid = (await encodeBatch({ codec, records: manyRecords(20, prng(codec)) })).subarray(61);
      for (let i = 0; i < 500; i++) {
        const input = i % 2 === 0 ? randomBytes(rand, pick(rand, 300)) : flip(valid, rand);
        try {
          await decompress(codec, input, LIMIT);
        } catch (err) {
          assert.ok(err instanceof ProtocolError, `${codecName(codec)} iteration ${i}: ${String(err)}`);
        }
      }
    }
  });
});
