/**
 * kafkajs 2.2.4's internal RecordBatch encoder and decoder, typed for the tests. kafkajs
 * is an independent implementation: if it reads our bytes and we read its bytes, both
 * sides agree on the format. Not a test file itself.
 */
import { createRequire } from 'node:module';
import { CompressionCodec } from '../../../src/protocol/records/compression-codec.ts';
import { compress, decompress } from '../../../src/protocol/records/compression.ts';

const require = createRequire(import.meta.url);

export interface KafkajsEncoder {
  buffer: Buffer;
}

interface KafkajsLong {
  toString(): string;
}

export interface KafkajsRecordInput {
  offsetDelta?: number;
  timestampDelta?: number;
  key: Buffer | null;
  value: Buffer | null;
  headers?: Record<string, Buffer | Buffer[]>;
}

export interface KafkajsBatchInput {
  compression?: number;
  firstOffset?: KafkajsLong;
  firstTimestamp?: number;
  maxTimestamp?: number;
  partitionLeaderEpoch?: number;
  lastOffsetDelta?: number;
  transactional?: boolean;
  producerId?: KafkajsLong;
  producerEpoch?: number;
  firstSequence?: number;
  records: KafkajsEncoder[];
}

export interface KafkajsDecodedRecord {
  attributes: number;
  timestamp: string;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | null | (Buffer | null)[]>;
  isControlRecord: boolean;
}

export interface KafkajsDecodedBatch {
  firstOffset: string;
  firstTimestamp: string;
  maxTimestamp: string;
  partitionLeaderEpoch: number;
  inTransaction: boolean;
  isControlBatch: boolean;
  lastOffsetDelta: number;
  producerId: string;
  producerEpoch: number;
  firstSequence: number;
  timestampType: number;
  records: KafkajsDecodedRecord[];
}

interface KafkajsCodec {
  compress(encoder: KafkajsEncoder): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

type DecoderCtor = new (buffer: Buffer) => object;

const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js') as {
  RecordBatch: (input: KafkajsBatchInput) => Promise<KafkajsEncoder>;
};
const Record = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (r: KafkajsRecordInput) => KafkajsEncoder;
const decodeRecordBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder.js') as (
  decoder: object,
) => Promise<KafkajsDecodedBatch>;
const Decoder = require('kafkajs/src/protocol/decoder.js') as DecoderCtor;
const Long = require('kafkajs/src/utils/long.js') as { fromValue(v: bigint | number | string): KafkajsLong };
/** kafkajs.CompressionCodecs: the registry its encoder and decoder look codecs up in. */
const { CompressionCodecs } = require('kafkajs') as { CompressionCodecs: Record<number, () => KafkajsCodec> };

export const kafkajsGzip = (CompressionCodecs[CompressionCodec.Gzip] as () => KafkajsCodec)();

/** kafkajs has no snappy, lz4 or zstd of its own: give it ours, the way users plug in codecs. */
export function registerOurCodecs(): void {
  for (const codec of [CompressionCodec.Snappy, CompressionCodec.Lz4, CompressionCodec.Zstd]) {
    CompressionCodecs[codec] = () => ({
      compress: (encoder) => compress(codec, encoder.buffer),
      decompress: (buffer) => decompress(codec, buffer, 64 * 1024 * 1024),
    });
  }
}

/** Makes kafkajs write snappy in the Xerial framing, as the Java producer does; returns an undo. */
export function useXerialSnappy(): () => void {
  const previous = CompressionCodecs[CompressionCodec.Snappy];
  CompressionCodecs[CompressionCodec.Snappy] = () => ({
    compress: (encoder) => compress(CompressionCodec.Snappy, encoder.buffer, { snappyFraming: 'xerial' }),
    decompress: (buffer) => decompress(CompressionCodec.Snappy, buffer, 64 * 1024 * 1024),
  });
  return () => {
    if (previous) CompressionCodecs[CompressionCodec.Snappy] = previous;
  };
}

export async function kafkajsEncode(
  input: Omit<KafkajsBatchInput, 'records' | 'firstOffset' | 'producerId'> & {
    firstOffset?: bigint;
    producerId?: bigint;
    records: KafkajsRecordInput[];
  },
): Promise<Buffer> {
  const encoder = await RecordBatch({
    ...input,
    firstOffset: Long.fromValue(input.firstOffset ?? 0n),
    producerId: Long.fromValue(input.producerId ?? -1n),
    records: input.records.map((r) => Record(r)),
  });
  return encoder.buffer;
}

export function kafkajsDecode(batch: Buffer): Promise<KafkajsDecodedBatch> {
  return decodeRecordBatch(new Decoder(batch));
}
