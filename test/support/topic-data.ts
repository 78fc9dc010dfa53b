/**
 * Set-up for the consume and groups tests: topics created and records written with
 * @platformatic/kafka (a real client over TCP), and `sds` run in the background for the cases
 * that need a live consumer (a group member, Ctrl-C).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { resolve } from 'node:path';
import { Admin, Producer } from '@platformatic/kafka';

const BIN = resolve(import.meta.dirname, '../../bin/sds.js');

/** Retention is off: the tests write records with timestamps from 1970, which time-based retention would delete. */
export async function createTopic(bootstrap: string, topic: string, partitions: number, configs: Record<string, string> = {}): Promise<void> {
  const admin = new Admin({ clientId: 'test-setup', bootstrapBrokers: [bootstrap] });
  try {
    const all = { 'retention.ms': '-1', ...configs };
    await admin.createTopics({ topics: [topic], partitions, replicas: 1, configs: Object.entries(all).map(([name, value]) => ({ name, value })) });
  } finally {
    await admin.close();
  }
}

export interface TestRecord {
  readonly partition: number;
  readonly key?: string | Buffer | null;
  readonly value?: string | Buffer | null;
  readonly headers?: Record<string, string>;
  readonly timestamp?: number;
}

const bytes = (v: string | Buffer | null | undefined): Buffer | undefined => (v === null || v === undefined ? undefined : Buffer.isBuffer(v) ? v : Buffer.from(v));

/** Writes records in order (one send each, so each partition's offsets follow the list). */
export async function produce(bootstrap: string, topic: string, records: readonly TestRecord[]): Promise<void> {
  const producer = new Producer<Buffer, Buffer, Buffer, Buffer>({ clientId: 'test-setup', bootstrapBrokers: [bootstrap] });
  try {
    for (const r of records) {
      const key = bytes(r.key);
      const value = bytes(r.value);
      await producer.send({
        acks: -1,
        messages: [
          {
            topic,
            partition: r.partition,
            ...(key !== undefined ? { key } : {}),
            ...(value !== undefined ? { value } : {}),
            ...(r.headers !== undefined ? { headers: new Map(Object.entries(r.headers).map(([k, v]) => [Buffer.from(k), Buffer.from(v)])) } : {}),
            ...(r.timestamp !== undefined ? { timestamp: BigInt(r.timestamp) } : {}),
          },
        ],
      });
    }
  } finally {
    await producer.close();
  }
}

/** `sds` running in the background, with what it printed so far. */
export class Background {
  readonly child: ChildProcessWithoutNullStreams;
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;

  constructor(args: readonly string[]) {
    this.child = spawn(process.execPath, [BIN, ...args], { stdio: 'pipe' });
    this.child.stdin.end();
    this.child.stdout.setEncoding('utf8').on('data', (c: string) => (this.stdout += c));
    this.child.stderr.setEncoding('utf8').on('data', (c: string) => (this.stderr += c));
    this.exited = new Promise((ok) => this.child.once('close', (code) => ok(code)));
  }

  /** Waits until `check` holds (polling), failing after `timeoutMs`: a bound on waiting, not a timing assertion. */
  async until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; stdout ${JSON.stringify(this.stdout)}, stderr ${JSON.stringify(this.stderr)}`);
      await new Promise((ok) => setTimeout(ok, 100));
    }
  }

  /** Kills it if it is still running (the end of a test that failed half-way). */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }
}
