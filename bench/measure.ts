/**
 * Times a synchronous operation: each round runs it for about 300 ms, and the result is the
 * median time per operation over the rounds, after a warm-up round that is discarded.
 */
export interface Measurement {
  /** Median nanoseconds per operation. */
  nsPerOp: number;
  /** Operations timed in all rounds. */
  ops: number;
}

const ROUND_NS = 300_000_000n;

export function measure(op: () => unknown, rounds: number): Measurement {
  let sink: unknown;
  const perRound: number[] = [];
  let ops = 0;
  for (let round = 0; round <= rounds; round++) {
    let n = 0;
    const start = process.hrtime.bigint();
    let elapsed = 0n;
    while (elapsed < ROUND_NS) {
      for (let i = 0; i < 16; i++) sink = op();
      n += 16;
      elapsed = process.hrtime.bigint() - start;
    }
    if (round === 0) continue; // warm-up: let the JIT settle
    perRound.push(Number(elapsed) / n);
    ops += n;
  }
  if (sink === Symbol.for('never')) console.log(sink);
  perRound.sort((a, b) => a - b);
  return { nsPerOp: perRound[Math.floor(perRound.length / 2)] as number, ops };
}

/** MB/s (10^6 bytes per second) for `bytes` processed per operation. */
export function megabytesPerSecond(bytes: number, m: Measurement): number {
  return bytes / m.nsPerOp / 1e-3;
}
