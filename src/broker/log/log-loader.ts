import { mkdir, readdir, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { scanBatches } from './batch-scan.ts';
import { readOffsetCheckpoint, writeOffsetCheckpoint, type CheckpointRead } from './checkpoint.ts';
import type { LogConfig } from './config.ts';
import {
  CLEAN_SHUTDOWN_FILE,
  INDEX_SUFFIX,
  LOG_START_OFFSET_FILE,
  LOG_SUFFIX,
  RECOVERY_POINT_FILE,
  TIME_INDEX_SUFFIX,
  isLeftover,
  parseSegmentFileName,
  segmentFileName,
} from './file-names.ts';
import { fsyncDir, isNotFound } from './fs-util.ts';
import { Segment } from './segment.ts';
import { recoverSegment } from './segment-recovery.ts';
import type { LogLogger } from './types.ts';

export interface LoadedLog {
  segments: Segment[];
  logStartOffset: bigint;
  cleanShutdown: boolean;
}

interface LoadContext {
  dir: string;
  config: LogConfig;
  nowMs: number;
  logger: LogLogger;
}

/**
 * Opens a partition directory (Kafka LogLoader): removes leftovers, then loads each segment.
 * After a clean shutdown the index files are trusted (rebuilt only if missing or implausible).
 * After a crash, every segment from the one holding the recovery point on is re-validated
 * batch by batch; a torn or corrupt tail is truncated and every later segment deleted, since
 * nothing in them can have been acknowledged (each fsync covers all earlier writes).
 */
export async function loadLog(dir: string, config: LogConfig, nowMs: number, logger: LogLogger): Promise<LoadedLog> {
  const ctx: LoadContext = { dir, config, nowMs, logger };
  if ((await mkdir(dir, { recursive: true })) !== undefined) await fsyncDir(dirname(dir));
  const segments: Segment[] = [];
  try {
    return await load(ctx, segments);
  } catch (err) {
    for (const s of segments) await s.close().catch(() => undefined);
    throw err;
  }
}

async function load(ctx: LoadContext, segments: Segment[]): Promise<LoadedLog> {
  const { dir, logger, nowMs } = ctx;
  const { bases, clean } = await listDirectory(ctx);
  const recoveryPoint = clean ? -1n : checkpointOr(await readOffsetCheckpoint(dir, RECOVERY_POINT_FILE), 0n, ctx, 'recovery point');
  const recoverFrom = clean ? bases.length : Math.max(0, lastIndexAtOrBelow(bases, recoveryPoint));

  for (let i = 0; i < bases.length; i++) {
    const base = bases[i] as bigint;
    const previous = segments[segments.length - 1];
    if (previous !== undefined && base < previous.nextOffset) {
      logger.warn({ dir, segment: base.toString(), previousEnd: previous.nextOffset.toString() }, 'log segment overlaps the one before; deleting it and every later segment');
      await deleteFrom(ctx, bases.slice(i));
      break;
    }
    const { segment, fileSize } = await Segment.openExisting(dir, base);
    segments.push(segment);
    const truncated = i >= recoverFrom ? await recover(ctx, segment, fileSize) : await loadTrusted(ctx, segment, fileSize);
    if (truncated && i >= recoverFrom && i + 1 < bases.length) {
      logger.warn({ dir, segment: base.toString() }, 'log segment was truncated by recovery; deleting every later segment');
      await deleteFrom(ctx, bases.slice(i + 1));
      break;
    }
    if (i + 1 < bases.length) segment.seal();
  }

  const checkpointed = checkpointOr(await readOffsetCheckpoint(dir, LOG_START_OFFSET_FILE), 0n, ctx, 'log start offset');
  if (segments.length === 0) segments.push(await Segment.create(dir, checkpointed, nowMs));
  const first = segments[0] as Segment;
  const logStartOffset = checkpointed > first.baseOffset ? checkpointed : first.baseOffset;
  const last = segments[segments.length - 1] as Segment;
  if (logStartOffset > last.nextOffset) {
    // DeleteRecords went past what survived the crash (possible only with relaxed flushing): start over there.
    logger.warn({ dir, logStartOffset: logStartOffset.toString() }, 'log start offset is past the recovered log end; emptying the log');
    const doomed = segments.splice(0);
    for (const s of doomed) await s.close();
    await deleteFrom(ctx, doomed.map((s) => s.baseOffset));
    segments.push(await Segment.create(dir, logStartOffset, nowMs));
  }

  await checkpointSealed(ctx, segments, recoveryPoint);
  if (clean) {
    // From here on a crash must look unclean, so the marker goes before any write.
    await unlink(join(dir, CLEAN_SHUTDOWN_FILE));
    await fsyncDir(dir);
  }
  for (const s of segments) if (s.size > 0) s.rollStartMs = nowMs;
  return { segments, logStartOffset, cleanShutdown: clean };
}

/**
 * Writes the index files of sealed segments that were rebuilt, then moves the recovery point to
 * the active segment, so the next crash re-checks only that one.
 */
async function checkpointSealed(ctx: LoadContext, segments: Segment[], recoveryPoint: bigint): Promise<void> {
  const active = segments[segments.length - 1] as Segment;
  for (const s of segments) if (s !== active && !s.indexesOnDisk) await s.writeIndexFiles();
  if (recoveryPoint >= 0n && recoveryPoint < active.baseOffset) {
    await writeOffsetCheckpoint(ctx.dir, RECOVERY_POINT_FILE, active.baseOffset);
  }
}

async function listDirectory(ctx: LoadContext): Promise<{ bases: bigint[]; clean: boolean }> {
  const names = await readdir(ctx.dir);
  const logs = new Set<bigint>();
  const indexes: { name: string; base: bigint }[] = [];
  let clean = false;
  for (const name of names) {
    if (name === CLEAN_SHUTDOWN_FILE) clean = true;
    else if (isLeftover(name)) await unlink(join(ctx.dir, name));
    else {
      const parsed = parseSegmentFileName(name);
      if (parsed?.suffix === LOG_SUFFIX) logs.add(parsed.baseOffset);
      else if (parsed !== undefined) indexes.push({ name, base: parsed.baseOffset });
    }
  }
  for (const { name, base } of indexes) if (!logs.has(base)) await unlink(join(ctx.dir, name));
  return { bases: [...logs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)), clean };
}

/** Validates the segment from byte 0 and truncates a bad tail; returns whether it truncated. */
async function recover(ctx: LoadContext, segment: Segment, fileSize: number): Promise<boolean> {
  const outcome = await recoverSegment(segment, fileSize, ctx.config.indexIntervalBytes);
  if (outcome.validBytes === fileSize) {
    // The bytes may have been only in the page cache (process crash); make them durable before trusting them.
    await segment.sync();
    return false;
  }
  ctx.logger.warn(
    { dir: ctx.dir, segment: segment.baseOffset.toString(), validBytes: outcome.validBytes, fileSize, problem: outcome.problem },
    'truncating log segment after the last valid batch',
  );
  await segment.truncate(outcome.validBytes);
  await segment.sync();
  return true;
}

/** Loads the index files and finds the end by walking the few batches after the last entry; falls back to recovery. */
async function loadTrusted(ctx: LoadContext, segment: Segment, fileSize: number): Promise<boolean> {
  const loaded = await segment.readIndexFiles(fileSize);
  let problem = typeof loaded === 'string' ? loaded : undefined;
  if (typeof loaded !== 'string') {
    segment.adoptIndexes(loaded.offsets, loaded.times);
    const tail = await scanTail(segment, fileSize, ctx.config.indexIntervalBytes);
    if (typeof tail === 'string') problem = tail;
    else {
      segment.setEnd(fileSize, tail);
      return false;
    }
  }
  if (fileSize > 0) ctx.logger.warn({ dir: ctx.dir, segment: segment.baseOffset.toString(), problem }, 'rebuilding log segment indexes');
  return recover(ctx, segment, fileSize);
}

/**
 * Walks the batches after the last offset index entry (which names its batch's last offset)
 * to find the log end, and checks that the loaded indexes plausibly cover the file: no batch
 * further than indexIntervalBytes past the last entry (or an entry is missing), and the time
 * index reaching the newest timestamp seen. Returns the offset after the last batch, or why not.
 */
async function scanTail(segment: Segment, fileSize: number, indexIntervalBytes: number): Promise<bigint | string> {
  const entry = segment.offsetIndex.last();
  const from = entry?.position ?? 0;
  const lastTimed = segment.timeIndex.last();
  let next = segment.baseOffset;
  let first = true;
  try {
    for await (const b of scanBatches(segment, from, fileSize)) {
      if (first && entry !== undefined && b.lastOffset !== entry.offset) {
        return `index entry ${entry.offset} does not match the batch at byte ${entry.position}`;
      }
      const expected = first && entry === undefined ? segment.baseOffset : next;
      if ((!first || entry === undefined) && b.baseOffset !== expected) return `batch at byte ${b.position} has offset ${b.baseOffset}, expected ${expected}`;
      if (b.position - from > indexIntervalBytes) return `no index entry for the batch at byte ${b.position}`;
      if (b.maxTimestamp >= 0n && (lastTimed === undefined || b.maxTimestamp > lastTimed.timestamp)) {
        return `time index misses timestamp ${b.maxTimestamp} of the batch at byte ${b.position}`;
      }
      first = false;
      next = b.lastOffset + 1n;
    }
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  if (lastTimed !== undefined && lastTimed.offset >= next) return `time index entry ${lastTimed.offset} is past the log end ${next}`;
  return next;
}

async function deleteFrom(ctx: LoadContext, bases: bigint[]): Promise<void> {
  for (const base of bases) {
    for (const suffix of [LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX]) {
      try {
        await unlink(join(ctx.dir, segmentFileName(base, suffix)));
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }
  await fsyncDir(ctx.dir);
}

function checkpointOr(read: CheckpointRead, fallback: bigint, ctx: LoadContext, what: string): bigint {
  if (read.kind === 'ok') return read.offset;
  if (read.kind === 'malformed') ctx.logger.warn({ dir: ctx.dir, text: read.text }, `${what} checkpoint is malformed; using ${fallback}`);
  return fallback;
}

/** Index of the last element at or below `limit` in an ascending list, or -1. */
function lastIndexAtOrBelow(sorted: bigint[], limit: bigint): number {
  let found = -1;
  for (let i = 0; i < sorted.length; i++) if ((sorted[i] as bigint) <= limit) found = i;
  return found;
}
