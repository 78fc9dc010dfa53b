/**
 * The committed-offsets journal's record format: one line per record,
 *
 *   <crc32c of the JSON, 8 hex digits> <JSON>\n
 *
 * One line is one atomic change (all offsets of one OffsetCommit, or a deletion), so a torn
 * write loses a whole request, never part of one. Text keeps the file inspectable with `less`.
 */
import { crc32c } from '../../protocol/records/index.ts';

export interface JournalOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly leaderEpoch: number;
  readonly metadata: string;
  /** When it was committed (ms since the epoch): offset retention counts from here. */
  readonly timestamp: number;
}

export type JournalRecord =
  | { readonly kind: 'commit'; readonly group: string; readonly offsets: readonly JournalOffset[] }
  | { readonly kind: 'delete-offsets'; readonly group: string; readonly partitions: readonly { topic: string; partition: number }[] }
  | { readonly kind: 'delete-group'; readonly group: string };

type Wire =
  | { k: 'c'; g: string; o: [string, number, string, number, string, number][] }
  | { k: 'd'; g: string; p: [string, number][] }
  | { k: 'x'; g: string };

export function encodeRecord(record: JournalRecord): Buffer {
  let wire: Wire;
  if (record.kind === 'commit') {
    wire = { k: 'c', g: record.group, o: record.offsets.map((o) => [o.topic, o.partition, o.offset.toString(), o.leaderEpoch, o.metadata, o.timestamp]) };
  } else if (record.kind === 'delete-offsets') {
    wire = { k: 'd', g: record.group, p: record.partitions.map((p) => [p.topic, p.partition]) };
  } else {
    wire = { k: 'x', g: record.group };
  }
  const json = Buffer.from(JSON.stringify(wire));
  const crc = (crc32c(json) >>> 0).toString(16).padStart(8, '0');
  return Buffer.concat([Buffer.from(`${crc} `), json, Buffer.from('\n')]);
}

/** The record of one line (without its newline), or undefined if the line is torn or corrupt. */
export function decodeLine(line: Buffer): JournalRecord | undefined {
  if (line.length < 10 || line[8] !== 0x20) return undefined;
  const json = line.subarray(9);
  if ((crc32c(json) >>> 0).toString(16).padStart(8, '0') !== line.subarray(0, 8).toString('latin1')) return undefined;
  try {
    return fromWire(JSON.parse(json.toString('utf8')) as Wire);
  } catch {
    return undefined;
  }
}

function fromWire(w: Wire): JournalRecord | undefined {
  if (typeof w.g !== 'string') return undefined;
  if (w.k === 'c' && Array.isArray(w.o)) {
    return {
      kind: 'commit',
      group: w.g,
      offsets: w.o.map(([topic, partition, offset, leaderEpoch, metadata, timestamp]) => ({ topic, partition, offset: BigInt(offset), leaderEpoch, metadata, timestamp })),
    };
  }
  if (w.k === 'd' && Array.isArray(w.p)) return { kind: 'delete-offsets', group: w.g, partitions: w.p.map(([topic, partition]) => ({ topic, partition })) };
  if (w.k === 'x') return { kind: 'delete-group', group: w.g };
  return undefined;
}

/**
 * Splits the file into records. A bad line followed by no good line is a torn tail (a crash
 * mid-write): `validBytes` ends before it. A bad line with good lines after it is corruption.
 */
export function parseJournal(bytes: Buffer): { records: JournalRecord[]; validBytes: number; corruptAt?: number } {
  const records: JournalRecord[] = [];
  let pos = 0;
  let firstBad: number | undefined;
  while (pos < bytes.length) {
    const nl = bytes.indexOf(0x0a, pos);
    const end = nl === -1 ? bytes.length : nl;
    const record = nl === -1 ? undefined : decodeLine(bytes.subarray(pos, end));
    if (record === undefined) {
      firstBad ??= pos;
    } else {
      if (firstBad !== undefined) return { records, validBytes: firstBad, corruptAt: firstBad };
      records.push(record);
    }
    pos = end + 1;
  }
  return { records, validBytes: firstBad ?? bytes.length };
}
