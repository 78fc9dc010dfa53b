/** Records the kill -9 child writes and the parent checks: contents follow from the key alone. Not a test file. */
import type { RecordInput } from '../../../src/protocol/records/index.ts';

function hash(text: string): number {
  let h = 2166136261;
  for (const c of text) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return h >>> 0;
}

/** Value bytes for a key: 1 B to 24 KiB, so some appends are large enough to be torn by a kill. */
export function killValue(key: string): Buffer {
  let h = hash(key);
  const out = Buffer.allocUnsafe(1 + (h % (24 * 1024)));
  for (let i = 0; i < out.length; i++) {
    h = Math.imul(h ^ i, 16777619);
    out[i] = h >>> 24;
  }
  return out;
}

export function killKey(id: string, index: number): string {
  return `${id}/${index}`;
}

export function killRecords(id: string, count: number): RecordInput[] {
  return Array.from({ length: count }, (_, i) => ({ timestamp: 1_700_000_000_000 + i, key: Buffer.from(killKey(id, i)), value: killValue(killKey(id, i)) }));
}

/** The config both sides open the log with: small segments so kills land around rolls too. */
export const KILL_LOG_CONFIG = {
  segmentBytes: 256 * 1024,
  segmentMs: 7 * 24 * 3600 * 1000,
  retentionMs: -1,
  retentionBytes: -1,
  indexIntervalBytes: 1024,
  segmentIndexBytes: 10 * 1024 * 1024,
  flushIntervalMessages: 1,
  fileDeleteDelayMs: 0,
};
