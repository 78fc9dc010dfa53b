/**
 * Rebuilding a partition's producer state when the broker starts: from the snapshot written
 * at the last clean shutdown (if it still fits the log) plus a replay of every batch after
 * it, or, without one, a replay of the whole log. The replay reads batch headers only, so a
 * retried batch is still recognised as a duplicate after a restart or a kill -9.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LOG_OVERHEAD, readBatchHeader, type BatchHeader } from '../../protocol/records/index.ts';
import type { PartitionLog } from '../log/index.ts';
import { writeFileAtomic } from '../metadata/atomic-file.ts';
import type { Logger } from '../../logging.ts';
import { PartitionProducers, type ProducerBatch } from './partition-state.ts';

/** Kafka names its snapshots `<offset>.snapshot`; one JSON file per partition is enough here. */
export const SNAPSHOT_FILE = 'producer-state.json';
const READ_BYTES = 1 << 20;

interface SnapshotBatch {
  firstSeq: number;
  lastSeq: number;
  timestamp: string;
  baseOffset: string;
  lastOffset: string;
  logAppendTime: string;
}

interface SnapshotProducer {
  producerId: string;
  epoch: number;
  batches: SnapshotBatch[];
}

interface SnapshotFile {
  version: 1;
  /** The log end offset the state covers: replay starts here. */
  offset: string;
  producers: SnapshotProducer[];
}

export async function rebuildProducerState(dir: string, log: PartitionLog, label: string, logger: Logger): Promise<PartitionProducers> {
  let state = new PartitionProducers(label);
  const snapshot = await readSnapshot(dir, logger);
  let from = log.logStartOffset;
  if (snapshot !== undefined && BigInt(snapshot.offset) <= log.logEndOffset) {
    try {
      restore(state, snapshot);
      state.dropBefore(log.logStartOffset);
      if (BigInt(snapshot.offset) > from) from = BigInt(snapshot.offset);
    } catch {
      logger.warn({ dir }, 'producer state snapshot is malformed; rebuilding it from the whole log');
      state = new PartitionProducers(label);
    }
  } else if (snapshot !== undefined) {
    logger.warn({ dir, snapshotOffset: snapshot.offset, logEndOffset: log.logEndOffset.toString() }, 'producer state snapshot is past the log end; rebuilding it from the whole log');
  }
  const replayed = await replay(log, state, from);
  if (replayed > 0) logger.info({ dir, from: from.toString(), batches: replayed, producers: state.size }, 'rebuilt producer state from the log');
  return state;
}

/** Applies every batch of a producer in [from, log end) as the broker accepted it. */
async function replay(log: PartitionLog, state: PartitionProducers, from: bigint): Promise<number> {
  const end = log.logEndOffset;
  let offset = from;
  let count = 0;
  while (offset < end) {
    const before = offset;
    const read = await log.read(offset, READ_BYTES, { minOneMessage: true, maxOffset: end });
    if (read.error !== undefined || read.records.length === 0) break;
    let position = 0;
    const records = read.records;
    while (records.length - position >= LOG_OVERHEAD) {
      const h = readBatchHeader(records, position);
      const size = LOG_OVERHEAD + h.length;
      if (position + size > records.length) break;
      position += size;
      const lastOffset = h.baseOffset + BigInt(h.lastOffsetDelta);
      if (lastOffset < offset) continue;
      offset = lastOffset + 1n;
      if (h.producerId < 0n || h.control) continue;
      state.record(batchOf(h), {
        baseOffset: h.baseOffset,
        lastOffset,
        logAppendTime: h.timestampType === 'LogAppendTime' ? h.maxTimestamp : -1n,
      });
      count++;
    }
    if (offset === before) break; // nothing new came back: never loop on the same offset
  }
  return count;
}

export function batchOf(h: BatchHeader, timestamp: bigint = h.maxTimestamp): ProducerBatch {
  return { producerId: h.producerId, producerEpoch: h.producerEpoch, baseSequence: h.baseSequence, lastOffsetDelta: h.lastOffsetDelta, timestamp };
}

/**
 * Written after the log closed cleanly, so every retained batch has its offset. A state with
 * a batch still in flight is not written (the replay covers it next time).
 */
export async function writeSnapshot(dir: string, state: PartitionProducers, logEndOffset: bigint): Promise<boolean> {
  const producers: SnapshotProducer[] = [];
  for (const e of state.producers()) {
    const batches: SnapshotBatch[] = [];
    for (const b of e.batches) {
      const p = b.placement;
      if (p === undefined || p.lastOffset >= logEndOffset) return false;
      batches.push({ firstSeq: b.firstSeq, lastSeq: b.lastSeq, timestamp: b.timestamp.toString(), baseOffset: p.baseOffset.toString(), lastOffset: p.lastOffset.toString(), logAppendTime: p.logAppendTime.toString() });
    }
    producers.push({ producerId: e.producerId.toString(), epoch: e.epoch, batches });
  }
  const file: SnapshotFile = { version: 1, offset: logEndOffset.toString(), producers };
  await writeFileAtomic(join(dir, SNAPSHOT_FILE), `${JSON.stringify(file)}\n`);
  return true;
}

async function readSnapshot(dir: string, logger: Logger): Promise<SnapshotFile | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, SNAPSHOT_FILE), 'utf8');
  } catch (e: unknown) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    const file = JSON.parse(text) as SnapshotFile;
    if (file.version === 1 && typeof file.offset === 'string' && Array.isArray(file.producers)) {
      BigInt(file.offset);
      return file;
    }
  } catch {
    // a snapshot is only a shortcut: fall back to the replay
  }
  logger.warn({ dir }, 'producer state snapshot is unreadable; rebuilding it from the whole log');
  return undefined;
}

function restore(state: PartitionProducers, file: SnapshotFile): void {
  for (const p of file.producers) {
    for (const b of p.batches) {
      state.record(
        { producerId: BigInt(p.producerId), producerEpoch: p.epoch, baseSequence: b.firstSeq, lastOffsetDelta: offsetDelta(b), timestamp: BigInt(b.timestamp) },
        { baseOffset: BigInt(b.baseOffset), lastOffset: BigInt(b.lastOffset), logAppendTime: BigInt(b.logAppendTime) },
      );
    }
  }
}

/** The offset span gives the record count, hence the sequence span, even across a wrap. */
function offsetDelta(b: SnapshotBatch): number {
  return Number(BigInt(b.lastOffset) - BigInt(b.baseOffset));
}
