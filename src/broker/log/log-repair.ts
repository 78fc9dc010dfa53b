import { writeOffsetCheckpoint } from './checkpoint.ts';
import { LogError } from './errors.ts';
import { RECOVERY_POINT_FILE } from './file-names.ts';
import { fsyncDir } from './fs-util.ts';
import { Segment } from './segment.ts';
import type { LogPosition, SegmentList } from './segment-list.ts';
import { recoverSegment } from './segment-recovery.ts';

export interface RepairTarget {
  dir: string;
  segments: SegmentList;
  /** Everything below it was acknowledged or served, and is on disk: it stays; everything after it goes. */
  keep: LogPosition;
  indexIntervalBytes: number;
}

/**
 * Brings a log's files back to `keep` after a failed write, fsync or roll, with the disk
 * usable again: segments past it are deleted, the segment holding it is cut there and
 * fsynced (a failed write may have left part of a batch after it), the sealed segments
 * before it get their fsync and index files if a roll did not finish, and the recovery
 * point moves to the segment that is active now. Returns where appends continue.
 * Throws (and may be called again) when the disk still fails.
 */
export async function repairLog(target: RepairTarget): Promise<LogPosition> {
  const { dir, segments, keep } = target;
  // The last segment starting at or below keep.offset: keep's own (compared by base offset, since an
  // earlier attempt may have replaced the object), or an empty one rolled right after it.
  const holder = segments.from(keep.offset)[0] as Segment;
  const holdsKeep = holder.baseOffset === keep.segment.baseOffset;
  if (!holdsKeep && holder.baseOffset !== keep.offset) {
    throw new LogError('SDS_ERR_LOG_CORRUPT', `cannot repair ${dir}: no segment starts at or holds offset ${keep.offset}; restart the broker so recovery checks the log`);
  }
  const keepBytes = holdsKeep ? keep.position : 0;

  // Later segments hold nothing acknowledged. They leave the list only once their files are gone,
  // so that an attempt failing half-way leaves the rest to the next one.
  const all = segments.all();
  const doomed = all.slice(all.indexOf(holder) + 1);
  for (const s of doomed) {
    await s.close();
    await s.removeFiles(false);
  }
  if (doomed.length > 0) {
    await fsyncDir(dir);
    segments.removeAfter(holder);
  }

  await holder.truncate(keepBytes);
  let active = holder;
  if (holder.size > keepBytes) {
    // Memory knows batches past keep (written, then the fsync failed): rebuild the segment's state from the file.
    active = await reopenAt(dir, holder, keepBytes, target.indexIntervalBytes);
    segments.replace(holder, active);
    await holder.close();
  }

  for (const s of segments.all()) {
    if (s === active) continue;
    if (s.syncedSize < s.size) await s.sync();
    if (!s.indexesOnDisk) await s.writeIndexFiles();
  }
  await writeOffsetCheckpoint(dir, RECOVERY_POINT_FILE, active.baseOffset);
  return { offset: keep.offset, segment: active, position: keepBytes };
}

/** A second handle on the segment's file, with offsets and indexes rebuilt from its first `size` bytes. */
async function reopenAt(dir: string, old: Segment, size: number, indexIntervalBytes: number): Promise<Segment> {
  const { segment } = await Segment.openExisting(dir, old.baseOffset);
  try {
    const outcome = await recoverSegment(segment, size, indexIntervalBytes);
    if (outcome.validBytes !== size) {
      throw new LogError('SDS_ERR_LOG_CORRUPT', `cannot repair ${old.logPath}: acknowledged bytes fail validation (${outcome.problem ?? 'short'}); restart the broker so recovery checks the log`);
    }
  } catch (err) {
    await segment.close();
    throw err;
  }
  segment.syncedSize = size;
  segment.rollStartMs = old.rollStartMs;
  segment.lastModifiedMs = old.lastModifiedMs;
  return segment;
}
