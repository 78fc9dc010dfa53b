/** File names inside a partition directory (Kafka's layout). */

export const LOG_SUFFIX = '.log';
export const INDEX_SUFFIX = '.index';
export const TIME_INDEX_SUFFIX = '.timeindex';
/** Appended to a segment's files when it is deleted; removed after fileDeleteDelayMs. */
export const DELETED_SUFFIX = '.deleted';
/** Written first, then renamed over the real file. */
export const TMP_SUFFIX = '.tmp';
export const CLEAN_SHUTDOWN_FILE = '.kafka_cleanshutdown';
export const RECOVERY_POINT_FILE = 'recovery-point-offset-checkpoint';
export const LOG_START_OFFSET_FILE = 'log-start-offset-checkpoint';
/** A partition directory renamed for deletion ends with this (Kafka's -delete). */
export const DELETE_DIR_SUFFIX = '-delete';

const OFFSET_DIGITS = 20;
const SEGMENT_NAME = /^(\d{20})(\.log|\.index|\.timeindex)$/;

/** 20-digit zero-padded base offset, e.g. 00000000000000000042 for 42. */
export function segmentPrefix(baseOffset: bigint): string {
  return baseOffset.toString().padStart(OFFSET_DIGITS, '0');
}

export function segmentFileName(baseOffset: bigint, suffix: string): string {
  return segmentPrefix(baseOffset) + suffix;
}

export interface ParsedSegmentName {
  baseOffset: bigint;
  suffix: typeof LOG_SUFFIX | typeof INDEX_SUFFIX | typeof TIME_INDEX_SUFFIX;
}

export function parseSegmentFileName(name: string): ParsedSegmentName | undefined {
  const m = SEGMENT_NAME.exec(name);
  if (m === null) return undefined;
  const [, digits, suffix] = m;
  if (digits === undefined || (suffix !== LOG_SUFFIX && suffix !== INDEX_SUFFIX && suffix !== TIME_INDEX_SUFFIX)) return undefined;
  return { baseOffset: BigInt(digits), suffix };
}

/** Leftovers of an interrupted deletion or atomic write, safe to remove at open. */
export function isLeftover(name: string): boolean {
  return name.endsWith(DELETED_SUFFIX) || name.endsWith(TMP_SUFFIX);
}

/** A partition directory that delete() renamed but did not finish removing: the broker may remove it at startup. */
export function isDeletedLogDir(name: string): boolean {
  return name.endsWith(DELETE_DIR_SUFFIX);
}
