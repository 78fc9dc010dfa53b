/**
 * Codec benchmark: decode and encode a Produce request and a Fetch response each carrying
 * 1 MiB of 1 KiB records, and validate the batches' headers and CRCs. Every figure is also
 * given as a ratio to a plain Buffer.copy of the same bytes, measured in the same run.
 */
import { Reader } from '../src/protocol/primitives/reader.ts';
import { Writer } from '../src/protocol/primitives/writer.ts';
import { readProduceRequest, writeProduceRequest } from '../src/protocol/generated/produce.ts';
import { readFetchResponse, writeFetchResponse } from '../src/protocol/generated/fetch.ts';
import { encodeBatch, validateBatches } from '../src/protocol/records/index.ts';
import { measure, type Measurement } from './measure.ts';

const RECORD_BYTES = 1024;
const RECORDS_PER_BATCH = 16; // 16 KiB: the Java producer's default batch.size
const BATCHES = 64; // 64 x 16 KiB = 1 MiB

export interface CodecResult {
  name: string;
  bytes: number;
  measurement: Measurement;
}

async function recordBatches(): Promise<Buffer> {
  const value = Buffer.alloc(RECORD_BYTES, 0x61);
  const batches: Buffer[] = [];
  for (let b = 0; b < BATCHES; b++) {
    const records = Array.from({ length: RECORDS_PER_BATCH }, (_, i) => ({
      key: Buffer.from(`key-${b}-${i}`),
      value,
      timestamp: 1_764_000_000_000 + i,
    }));
    batches.push(await encodeBatch({ records }));
  }
  return Buffer.concat(batches);
}

function encoded(write: (w: Writer) => void): Buffer {
  const w = new Writer(4096);
  write(w);
  return w.toBuffer();
}

export async function runCodecBenchmarks(rounds: number): Promise<CodecResult[]> {
  const records = await recordBatches();
  const produce = {
    transactionalId: null,
    acks: -1,
    timeoutMs: 30_000,
    topicData: [{ name: 'bench', partitionData: [{ index: 0, records }] }],
  };
  const fetch = {
    responses: [
      {
        topic: 'bench',
        partitions: [{ partitionIndex: 0, highWatermark: 1024n, lastStableOffset: 1024n, logStartOffset: 0n, records }],
      },
    ],
  };
  const versions = { produceClassic: 7, produceFlexible: 11, fetchClassic: 11, fetchFlexible: 12 };
  const produceClassic = encoded((w) => writeProduceRequest(w, versions.produceClassic, produce));
  const produceFlexible = encoded((w) => writeProduceRequest(w, versions.produceFlexible, produce));
  const fetchClassic = encoded((w) => writeFetchResponse(w, versions.fetchClassic, fetch));
  const fetchFlexible = encoded((w) => writeFetchResponse(w, versions.fetchFlexible, fetch));
  const target = Buffer.allocUnsafe(records.length);
  // The same bytes spread over 1024 partitions of one small batch each: field decoding dominates.
  const small = await encodeBatch({ records: [{ key: null, value: Buffer.alloc(RECORD_BYTES - 70, 0x62), timestamp: 1_764_000_000_000 }] });
  const manyPartitions = {
    acks: -1,
    timeoutMs: 30_000,
    topicData: Array.from({ length: 16 }, (_, t) => ({
      name: `bench-${t}`,
      partitionData: Array.from({ length: 64 }, (_, index) => ({ index, records: small })),
    })),
  };
  const produceMany = encoded((w) => writeProduceRequest(w, versions.produceFlexible, manyPartitions));

  const cases: Array<[string, number, () => unknown]> = [
    ['Buffer.copy of the same bytes (reference)', records.length, () => records.copy(target)],
    [`decode Produce request v${versions.produceClassic}`, produceClassic.length, () => readProduceRequest(new Reader(produceClassic), versions.produceClassic)],
    [`decode Produce request v${versions.produceFlexible}`, produceFlexible.length, () => readProduceRequest(new Reader(produceFlexible), versions.produceFlexible)],
    [`encode Produce request v${versions.produceFlexible}`, produceFlexible.length, () => encodeChunks((w) => writeProduceRequest(w, versions.produceFlexible, produce))],
    [`decode Produce request v${versions.produceFlexible}, 16 topics x 64 partitions`, produceMany.length, () => readProduceRequest(new Reader(produceMany), versions.produceFlexible)],
    [`encode Produce request v${versions.produceFlexible}, 16 topics x 64 partitions`, produceMany.length, () => encodeChunks((w) => writeProduceRequest(w, versions.produceFlexible, manyPartitions))],
    [`decode Fetch response v${versions.fetchClassic}`, fetchClassic.length, () => readFetchResponse(new Reader(fetchClassic), versions.fetchClassic)],
    [`decode Fetch response v${versions.fetchFlexible}`, fetchFlexible.length, () => readFetchResponse(new Reader(fetchFlexible), versions.fetchFlexible)],
    [`encode Fetch response v${versions.fetchFlexible}`, fetchFlexible.length, () => encodeChunks((w) => writeFetchResponse(w, versions.fetchFlexible, fetch))],
    [`encode Fetch response v${versions.fetchFlexible}, joined into one buffer`, fetchFlexible.length, () => encoded((w) => writeFetchResponse(w, versions.fetchFlexible, fetch))],
    [`validate ${BATCHES} batch headers + CRC-32C`, records.length, () => validateBatches(records)],
  ];
  const results: CodecResult[] = [];
  for (const [name, bytes, op] of cases) {
    results.push({ name, bytes, measurement: measure(op, rounds) });
  }
  return results;
}

function encodeChunks(write: (w: Writer) => void): Buffer[] {
  const w = new Writer(4096);
  write(w);
  return w.toChunks();
}
