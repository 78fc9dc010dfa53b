/** Shared helpers for the partition log tests: temp dirs, configs, batches, full reads. Not a test file. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { decodeBatch, encodeBatch, iterateBatches, type EncodeBatchInput } from '../../../src/protocol/records/index.ts';
import { DEFAULT_LOG_CONFIG, PartitionLog, type LogConfig, type PartitionLogOptions } from '../../../src/broker/log/index.ts';

const created: string[] = [];
after(async () => {
  for (const dir of created) await rm(dir, { recursive: true, force: true });
});

/** A fresh directory under the OS temp dir, removed when the test file ends. */
export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sds-log-'));
  created.push(dir);
  return dir;
}

/** A partition directory inside a fresh temp dir (not yet created: open creates it). */
export async function partitionDir(): Promise<string> {
  return join(await tempDir(), 'topic-0');
}

export function config(overrides: Partial<LogConfig> = {}): LogConfig {
  return { ...DEFAULT_LOG_CONFIG, indexIntervalBytes: 256, fileDeleteDelayMs: 0, ...overrides };
}

export async function openLog(dir: string, overrides: Partial<LogConfig> = {}, options: PartitionLogOptions = {}): Promise<PartitionLog> {
  return PartitionLog.open(dir, config(overrides), options);
}

export const T0 = 1_700_000_000_000n;

/** A batch whose records are `${tag}-${i}` keys with values of `valueBytes` bytes derived from the key. */
export async function batch(tag: string, count = 1, options: { valueBytes?: number; timestamp?: bigint; extra?: Partial<EncodeBatchInput> } = {}): Promise<Buffer> {
  const ts = options.timestamp ?? T0;
  const records = Array.from({ length: count }, (_, i) => ({
    timestamp: ts + BigInt(i),
    key: Buffer.from(`${tag}-${i}`),
    value: valueFor(`${tag}-${i}`, options.valueBytes ?? 16),
  }));
  return encodeBatch({ records, ...options.extra });
}

/** Deterministic bytes for a key, so a reader can check a value without keeping it. */
export function valueFor(key: string, size: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  let h = 2166136261;
  for (const c of key) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  for (let i = 0; i < size; i++) {
    h = Math.imul(h ^ i, 16777619);
    out[i] = h & 0xff;
  }
  return out;
}

export interface ReadRecord {
  offset: bigint;
  timestamp: bigint;
  key: string;
  value: Buffer;
  leaderEpoch: number;
}

/** Every record from the log start to `upTo` (default the high watermark), checking each batch's CRC. */
export async function readAll(log: PartitionLog, upTo?: bigint): Promise<ReadRecord[]> {
  const out: ReadRecord[] = [];
  let offset = log.logStartOffset;
  const end = upTo ?? log.highWatermark;
  while (offset < end) {
    const r = await log.read(offset, 64 * 1024, { minOneMessage: true, maxOffset: end });
    if (r.error !== undefined) throw new Error(`read at ${offset}: ${r.error}`);
    if (r.records.length === 0) throw new Error(`read at ${offset} returned nothing below ${end}`);
    for (const info of iterateBatches(r.records, { verifyCrc: true })) {
      const decoded = await decodeBatch(r.records, { position: info.position, maxDecompressedBytes: 1 << 24 });
      for (const rec of decoded.records) {
        if (rec.offset < offset) continue;
        out.push({
          offset: rec.offset,
          timestamp: rec.timestamp,
          key: rec.key?.toString() ?? '',
          value: Buffer.from(rec.value ?? Buffer.alloc(0)),
          leaderEpoch: decoded.header.partitionLeaderEpoch,
        });
      }
      offset = info.header.baseOffset + BigInt(info.header.lastOffsetDelta) + 1n;
    }
  }
  return out;
}
