/** Codec ids as carried in bits 0-2 of a record batch's attributes (Kafka CompressionType). */
export const CompressionCodec = {
  None: 0,
  Gzip: 1,
  Snappy: 2,
  Lz4: 3,
  Zstd: 4,
} as const;

export type CompressionCodec = (typeof CompressionCodec)[keyof typeof CompressionCodec];

const NAMES: Record<CompressionCodec, string> = {
  0: 'none',
  1: 'gzip',
  2: 'snappy',
  3: 'lz4',
  4: 'zstd',
};

export function isCompressionCodec(id: number): id is CompressionCodec {
  return Number.isInteger(id) && id >= 0 && id <= 4;
}

/** The name Kafka uses in configs (compression.type), for messages. */
export function codecName(codec: CompressionCodec): string {
  return NAMES[codec];
}
