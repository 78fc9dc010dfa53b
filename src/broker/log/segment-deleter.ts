import type { LogLogger } from './types.ts';
import type { Segment } from './segment.ts';

/**
 * Removes segments already renamed to *.deleted, after a delay so reads in flight finish
 * (Kafka file.delete.delay.ms). Closing waits for the segment's readers in any case.
 */
export class SegmentDeleter {
  private readonly pending = new Map<Segment, NodeJS.Timeout>();

  constructor(
    private readonly dir: string,
    private readonly logger: LogLogger,
  ) {}

  async schedule(segment: Segment, delayMs: number): Promise<void> {
    if (delayMs === 0) return remove(segment);
    const timer = setTimeout(() => {
      this.pending.delete(segment);
      remove(segment).catch((err: unknown) => this.logger.warn({ dir: this.dir, err }, 'could not remove a deleted segment'));
    }, delayMs);
    timer.unref();
    this.pending.set(segment, timer);
  }

  /** At shutdown: removes everything still waiting, now. */
  async removeAll(): Promise<void> {
    for (const [segment, timer] of this.pending) {
      clearTimeout(timer);
      await remove(segment).catch(() => undefined);
    }
    this.pending.clear();
  }
}

async function remove(segment: Segment): Promise<void> {
  await segment.close();
  await segment.removeFiles(true);
}
