/**
 * Records whose object could not be written to the bucket for the whole retry duration. Firehose
 * drops them after its 24 hours for S3; we keep them instead, in the stream's folder
 * (`<stream>/undelivered/<object name>.jsonl`), one JSON line per record in the shape Firehose
 * gives its failed records (attemptsMade, arrivalTimestamp, errorCode, errorMessage,
 * attemptEndingTimestamp, rawData in base64), so they can be inspected and sent again.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDir, writeFileAtomic } from '../../broker/log/fs-util.ts';
import type { JournalRecord } from './journal.ts';

export const UNDELIVERED_FOLDER = 'undelivered';

export interface DeliveryFailure {
  readonly attempts: number;
  readonly error: unknown;
  /** Epoch ms of the last attempt. */
  readonly endedAt: number;
}

/** S3-style error code of a failed write: the SDK's error name, or the local error's code. */
export function deliveryErrorCode(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string') return `S3.${code}`;
  if (error instanceof Error && error.name !== 'Error') return `S3.${error.name}`;
  return 'S3.InternalError';
}

/** Writes the records to a new file in `streamDir/undelivered/` (atomically) and returns its path. */
export async function setAside(streamDir: string, objectName: string, records: readonly JournalRecord[], failure: DeliveryFailure): Promise<string> {
  const folder = join(streamDir, UNDELIVERED_FOLDER);
  if ((await mkdir(folder, { recursive: true })) !== undefined) await fsyncDir(streamDir);
  const errorCode = deliveryErrorCode(failure.error);
  const errorMessage = failure.error instanceof Error ? failure.error.message : String(failure.error);
  const lines = records.map((r) =>
    JSON.stringify({
      attemptsMade: failure.attempts,
      arrivalTimestamp: r.arrival,
      errorCode,
      errorMessage,
      attemptEndingTimestamp: failure.endedAt,
      rawData: r.data.toString('base64'),
    }),
  );
  const path = join(folder, `${objectName}.jsonl`);
  await writeFileAtomic(path, Buffer.from(`${lines.join('\n')}\n`));
  return path;
}
