/**
 * Group commit: one fsync at a time; everything written while it runs is covered by the
 * next one. `flush` makes durable all that was written when it started and returns the
 * offset durability now reaches.
 */
export class GroupCommit {
  private durable: bigint;
  private waiters: { offset: bigint; resolve: () => void; reject: (err: Error) => void }[] = [];
  private running: Promise<void> | undefined;
  private again = false;
  private failure: Error | undefined;

  constructor(
    durableOffset: bigint,
    private readonly flush: () => Promise<bigint>,
    private readonly onFailure: (err: Error) => void,
  ) {
    this.durable = durableOffset;
  }

  get durableOffset(): bigint {
    return this.durable;
  }

  /** True after a failed fsync, until restart(). */
  get failed(): boolean {
    return this.failure !== undefined;
  }

  /** Resolves once no fsync is in flight. */
  async idle(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }

  /**
   * After the log repaired its files (call only when idle): forgets the failure and starts
   * over with everything below `durableOffset` on disk.
   */
  restart(durableOffset: bigint): void {
    this.failure = undefined;
    this.again = false;
    this.durable = durableOffset;
  }

  /** Resolves once everything below `offset` is durable. Call only after those bytes are written. */
  waitFor(offset: bigint): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (offset <= this.durable) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ offset, resolve, reject });
      this.request();
    });
  }

  /** Asks for a flush without waiting; an fsync in flight is followed by one more. */
  request(): void {
    if (this.failure !== undefined) return;
    if (this.running !== undefined) {
      this.again = true;
      return;
    }
    this.running = this.run();
  }

  /** Flushes everything written so far and waits for it (close, relaxed flush policy). */
  async flushAll(): Promise<void> {
    this.request();
    while (this.running !== undefined) await this.running;
    if (this.failure !== undefined) throw this.failure;
  }

  private async run(): Promise<void> {
    try {
      do {
        this.again = false;
        const reached = await this.flush();
        const progressed = reached > this.durable;
        if (progressed) this.durable = reached;
        this.settle();
        // No progress means nothing new was written: the remaining waiters come with their own request.
        if (!progressed && !this.again) break;
      } while (this.again || this.waiters.length > 0);
    } catch (err) {
      this.fail(err instanceof Error ? err : new Error(String(err)));
    } finally {
      this.running = undefined;
    }
  }

  private settle(): void {
    let n = 0;
    // Waiters arrive in offset order (appends are written in order), so the covered ones lead.
    while (n < this.waiters.length && (this.waiters[n]?.offset ?? 0n) <= this.durable) n++;
    for (const w of this.waiters.splice(0, n)) w.resolve();
  }

  private fail(err: Error): void {
    this.failure = err;
    for (const w of this.waiters.splice(0)) w.reject(err);
    this.onFailure(err);
  }
}
