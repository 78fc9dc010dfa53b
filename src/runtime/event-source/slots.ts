/**
 * Invocation slots: how many invocations may run at once. One instance per function, shared by
 * its mappings, plays the part of the function's concurrency; one per mapping caps a mapping.
 */

export class InvocationSlots {
  private used = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly freed = new Set<() => void>();

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`invocation slots: expected a whole number of at least 1, got ${limit}`);
  }

  tryAcquire(): boolean {
    if (this.used >= this.limit) return false;
    this.used++;
    return true;
  }

  /** Resolves when a slot is taken; `waited` says whether it had to wait for one (a throttle). */
  async acquire(): Promise<{ waited: boolean }> {
    if (this.tryAcquire()) return { waited: false };
    await new Promise<void>((ok) => this.waiting.push(ok));
    return { waited: true };
  }

  release(): void {
    const next = this.waiting.shift();
    if (next !== undefined) {
      next(); // the slot passes to the waiter
      return;
    }
    this.used--;
    for (const listener of this.freed) listener();
  }

  /** Calls `listener` whenever a slot becomes free; returns the unsubscribe function. */
  onFree(listener: () => void): () => void {
    this.freed.add(listener);
    return () => this.freed.delete(listener);
  }
}
