/**
 * Shared set-up for the event source mapping tests: the embedded broker, topics, a producer, and
 * an Invoke made from a plain handler function (the function host does the same with a worker).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Admin, Producer } from '@platformatic/kafka';
import { startBroker, type RunningBroker } from '../../../src/broker/broker.ts';
import { resolveConnection } from '../../../src/client/connection.ts';
import { committedOffsets } from '../../../src/client/groups.ts';
import type { MskEvent } from '../../../src/functions/shared/kafka-event.ts';
import { createLogger } from '../../../src/logging.ts';
import type { Invoke, InvokeOutcome } from '../../../src/runtime/function-host/types.ts';
import { EventSourceMapping, type MappingOptions } from '../../../src/runtime/event-source/mapping.ts';
import { parseMappingSettings, type MappingInput } from '../../../src/runtime/event-source/settings.ts';

import { eventually } from '../../broker/groups/helpers.ts';

export { eventually };

export function mappingBroker(): Promise<RunningBroker> {
  return startBroker({ port: 0, config: { groupInitialRebalanceDelayMs: 0 } });
}

export function tempDir(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'sds-esm-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export async function createTopic(bootstrap: string, name: string, partitions: number, configs: Record<string, string> = {}): Promise<void> {
  const admin = new Admin({ clientId: 'esm-test', bootstrapBrokers: [bootstrap] });
  try {
    await admin.createTopics({ topics: [name], partitions, replicas: 1, configs: Object.entries(configs).map(([name, value]) => ({ name, value })) });
  } finally {
    await admin.close();
  }
}

export interface ProducedRecord {
  readonly partition: number;
  readonly key?: string;
  readonly value: string | Buffer;
  readonly headers?: Record<string, string>;
}

/** Writes records with acks=all, one send per call, in the order given. */
export async function produce(bootstrap: string, topic: string, records: readonly ProducedRecord[]): Promise<void> {
  const producer = new Producer({ clientId: 'esm-test', bootstrapBrokers: [bootstrap] });
  try {
    await producer.send({
      acks: -1,
      messages: records.map((r) => ({
        topic,
        partition: r.partition,
        ...(r.key !== undefined ? { key: Buffer.from(r.key) } : {}),
        value: Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value),
        ...(r.headers !== undefined ? { headers: new Map(Object.entries(r.headers).map(([k, v]) => [Buffer.from(k), Buffer.from(v)])) } : {}),
      })),
    });
  } finally {
    await producer.close();
  }
}

export async function groupOffsets(bootstrap: string, group: string, topic: string): Promise<Map<number, bigint>> {
  const admin = new Admin({ clientId: 'esm-test', bootstrapBrokers: [bootstrap] });
  try {
    return (await committedOffsets(admin, group)).get(topic) ?? new Map();
  } finally {
    await admin.close();
  }
}

/** Waits until the group has committed exactly `expected` (partition -> offset) on the topic. */
export async function offsetsCommitted(bootstrap: string, group: string, topic: string, expected: Record<number, number>): Promise<void> {
  await eventually(`offsets ${JSON.stringify(expected)} committed`, async () => {
    const offsets = await groupOffsets(bootstrap, group, topic);
    return Object.entries(expected).every(([p, o]) => offsets.get(Number(p)) === BigInt(o));
  });
}

export type Handler = (event: MskEvent) => unknown;

/**
 * An Invoke for a handler called in this process: a fresh parse of the event (as Lambda gives),
 * the handler's error as a failed outcome, and a timed-out outcome when it takes longer than
 * `timeoutMs` (the real host stops the worker; here the handler is left to finish alone).
 */
export function asInvoke(handler: Handler, timeoutMs = 30_000): Invoke {
  return async (event: unknown): Promise<InvokeOutcome> => {
    const requestId = randomUUID();
    const started = performance.now();
    const copy = JSON.parse(JSON.stringify(event)) as MskEvent;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((ok) => {
      timer = setTimeout(() => ok('timeout'), timeoutMs);
    });
    try {
      const result = await Promise.race([Promise.resolve().then(() => handler(copy)), timeout]);
      const durationMs = performance.now() - started;
      if (result === 'timeout') {
        return { ok: false, requestId, durationMs, errorType: 'Sandbox.Timedout', errorMessage: `Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`, timedOut: true };
      }
      return { ok: true, requestId, durationMs, result };
    } catch (error: unknown) {
      const e = error instanceof Error ? error : new Error(String(error));
      return { ok: false, requestId, durationMs: performance.now() - started, errorType: e.name, errorMessage: e.message, timedOut: false };
    } finally {
      clearTimeout(timer);
    }
  };
}

/** What a handler saw: one entry per invocation, the records as "partition:offset:value". */
export class Recorder {
  readonly invocations: string[][] = [];

  record(event: MskEvent): string[] {
    const seen = Object.values(event.records)
      .flat()
      .map((r) => `${r.partition}:${r.offset}:${Buffer.from(r.value ?? '', 'base64').toString()}`);
    this.invocations.push(seen);
    return seen;
  }

  /** Every record delivered, in delivery order. */
  get all(): string[] {
    return this.invocations.flat();
  }

  /** Values delivered for one partition, in delivery order. */
  values(partition: number): string[] {
    return this.all.filter((s) => s.startsWith(`${partition}:`)).map((s) => s.split(':').slice(2).join(':'));
  }
}

/** Starts a mapping from CreateEventSourceMapping-style settings; fast retries, and fast rebalances. */
export async function startMapping(
  bootstrap: string,
  input: MappingInput,
  invoke: Invoke,
  dataDir: string,
  extra: Partial<MappingOptions> = {},
): Promise<EventSourceMapping> {
  const connection = resolveConnection({ bootstrap, clientId: 'esm-test' });
  return EventSourceMapping.start({
    settings: parseMappingSettings(input),
    connection,
    invoke,
    functionName: 'test-function',
    dataDir,
    retryBackoff: { initialMs: 10, maxMs: 50 },
    group: { sessionTimeoutMs: 10_000, heartbeatIntervalMs: 200, rebalanceTimeoutMs: 30_000 },
    pollWaitMs: 100,
    // SDS_LOG_LEVEL=debug shows what the mapping does (tests run silent).
    ...(process.env['SDS_LOG_LEVEL'] !== undefined ? { logger: createLogger('event-source') } : {}),
    ...extra,
  });
}
