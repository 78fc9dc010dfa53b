import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isNotFound, writeFileAtomic } from './fs-util.ts';

/**
 * One offset per file, as text: a version line "0" then the offset. Kafka keeps one file per
 * log directory listing every partition; we keep one per partition directory so partitions
 * never contend for it.
 */
const VERSION = '0';

export async function writeOffsetCheckpoint(dir: string, name: string, offset: bigint): Promise<void> {
  await writeFileAtomic(join(dir, name), Buffer.from(`${VERSION}\n${offset}\n`, 'utf8'));
}

export type CheckpointRead = { kind: 'missing' } | { kind: 'malformed'; text: string } | { kind: 'ok'; offset: bigint };

export async function readOffsetCheckpoint(dir: string, name: string): Promise<CheckpointRead> {
  let text: string;
  try {
    text = await readFile(join(dir, name), 'utf8');
  } catch (err) {
    if (isNotFound(err)) return { kind: 'missing' };
    throw err;
  }
  const digits = /^0\n(\d{1,19})\n$/.exec(text)?.[1];
  if (digits === undefined) return { kind: 'malformed', text: text.slice(0, 80) };
  const offset = BigInt(digits);
  return offset > 0x7fffffffffffffffn ? { kind: 'malformed', text } : { kind: 'ok', offset };
}
