/** What main.ts needs from each client that it drives against the capture server. */
import type { FixtureExpectation } from '../../test/support/capture-manifest.ts';
import type { CaptureServer, CapturedFrame } from './server.ts';

export interface Driver {
  /** Fixture folder name under test/fixtures/kafka/. */
  readonly client: string;
  readonly description: string;
  /** Null when the client can run here, else why not and how to install it. */
  unavailable(): string | null;
  /** Client software and version, for the manifest. */
  clientVersion(): string;
  /** Talks to the server until every request of interest has been sent. */
  run(server: CaptureServer): Promise<void>;
  /** What the kept frame must contain, from what the driver asked the client to send. */
  expect(frame: CapturedFrame): FixtureExpectation;
  /** Anything surprising about the kept frame, written to the manifest. */
  note?(frame: CapturedFrame): string | undefined;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves when `done()` returns true, or after `timeoutMs` (polled every 25 ms). */
export async function waitFor(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() >= deadline) return false;
    await sleep(25);
  }
  return true;
}
