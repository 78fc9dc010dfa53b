/**
 * On-failure destinations of an event source mapping. Each one has the record on disk (fsync) or
 * acknowledged by Kafka (acks=all) before `send` resolves, because the mapping commits the
 * records' offsets right after: a crash in between sends them again, never loses them.
 *
 * - a local file: one batch record per line (JSON lines), in the S3 form (with the event as text
 *   in `payload`), as the local stand-in for SQS and SNS, where that text would be missing;
 * - a local bucket: a folder holding one object per failed batch, keyed as Lambda keys them in S3:
 *   `aws/lambda/<ESM UUID>/<topic-partition>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<random UUID>`
 *   (the documented key names a shard; Kafka's counterpart is the first record's partition);
 * - a Kafka topic of the same cluster: one message per record, with the record's key (keyless
 *   records go round robin), as Lambda's `kafka://` destination does.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, open, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { compatibilityPartitioner } from '@platformatic/kafka';
import { createProducer, type BufferProducer, type Limits } from '../../client/clients.ts';
import type { Connection } from '../../client/connection.ts';
import type { EventSource, PolledRecord } from './event.ts';
import { batchFailureRecord, topicFailureMessage, type FailureCondition } from './failure-record.ts';
import type { OnFailureTarget } from './settings.ts';

export interface Failure {
  /** In the order they were polled. */
  readonly records: readonly PolledRecord[];
  readonly condition: FailureCondition;
  readonly approximateInvokeCount: number;
  /** The last invocation's request id, or a fresh one when the records were never invoked. */
  readonly requestId: string;
  readonly functionError?: string;
}

export interface OnFailureDestination {
  /** For logs: where the records go. */
  readonly description: string;
  send(failure: Failure): Promise<void>;
  close(): Promise<void>;
}

export interface DestinationContext {
  readonly source: EventSource;
  readonly functionArn: string;
  /** The mapping's UUID, part of bucket keys. */
  readonly mappingUuid: string;
  /** For a Kafka topic destination: the mapping's cluster. */
  readonly connection: Connection;
  readonly limits?: Limits;
  /** The folder holding local buckets, one sub-folder each. */
  readonly bucketRoot: string;
  readonly now?: () => Date;
}

export function openDestination(target: OnFailureTarget, ctx: DestinationContext): OnFailureDestination {
  switch (target.kind) {
    case 'file':
      return new FileDestination(target.path, ctx);
    case 'bucket':
      return new BucketDestination(target.bucket, ctx);
    case 'kafka':
      return new TopicDestination(target.topic, ctx);
  }
}

/** Writes `data` to `path` and makes it durable, the folder entry included. */
async function writeDurably(path: string, data: string, flags: 'a' | 'wx'): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const handle = await open(path, flags);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function syncFolder(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function failureContext(ctx: DestinationContext, failure: Failure) {
  return {
    requestId: failure.requestId,
    functionArn: ctx.functionArn,
    condition: failure.condition,
    approximateInvokeCount: failure.approximateInvokeCount,
    ...(failure.functionError !== undefined ? { functionError: failure.functionError } : {}),
    now: (ctx.now ?? (() => new Date()))(),
  };
}

class FileDestination implements OnFailureDestination {
  readonly description: string;
  // One append at a time, so that lines never interleave.
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly path: string,
    private readonly ctx: DestinationContext,
  ) {
    this.description = `file ${path}`;
  }

  send(failure: Failure): Promise<void> {
    const line = `${JSON.stringify(batchFailureRecord(this.ctx.source, failure.records, failureContext(this.ctx, failure), true))}\n`;
    const next = this.queue.then(() => writeDurably(this.path, line, 'a'));
    this.queue = next.catch(() => undefined);
    return next;
  }

  close(): Promise<void> {
    return this.queue;
  }
}

/** Lambda's key for an invocation record in an S3 destination. */
export function failureObjectKey(mappingUuid: string, partitionKey: string, now: Date): string {
  const iso = now.toISOString();
  const day = iso.slice(0, 10);
  return `aws/lambda/${mappingUuid}/${partitionKey}/${day.replaceAll('-', '/')}/${day}T${iso.slice(11, 19).replaceAll(':', '.')}-${randomUUID()}`;
}

class BucketDestination implements OnFailureDestination {
  readonly description: string;
  private readonly folder: string;

  constructor(
    bucket: string,
    private readonly ctx: DestinationContext,
  ) {
    this.folder = join(ctx.bucketRoot, bucket);
    this.description = `bucket ${bucket} (${this.folder})`;
  }

  async send(failure: Failure): Promise<void> {
    const context = failureContext(this.ctx, failure);
    const body = JSON.stringify(batchFailureRecord(this.ctx.source, failure.records, context, true));
    const first = failure.records[0];
    const key = failureObjectKey(this.ctx.mappingUuid, first === undefined ? 'none' : `${first.topic}-${first.partition}`, context.now);
    const path = join(this.folder, ...key.split('/'));
    // Written aside, then renamed: an object is either whole or absent, as in S3.
    const temporary = `${path}.tmp-${randomUUID()}`;
    await writeDurably(temporary, body, 'wx');
    await rename(temporary, path);
    await syncFolder(dirname(path));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

class TopicDestination implements OnFailureDestination {
  readonly description: string;
  private producer: BufferProducer | undefined;
  private roundRobin = 0;

  constructor(
    private readonly topic: string,
    private readonly ctx: DestinationContext,
  ) {
    this.description = `topic ${topic}`;
  }

  async send(failure: Failure): Promise<void> {
    this.producer ??= createProducer(
      this.ctx.connection,
      {
        // Keyed records land where the Java client would put them; keyless ones go round robin.
        partitioner: (message, key) => (key !== undefined ? compatibilityPartitioner(message, key) : this.roundRobin++),
      },
      this.ctx.limits,
    );
    const context = failureContext(this.ctx, failure);
    await this.producer.send({
      acks: -1,
      messages: failure.records.map((record) => ({
        topic: this.topic,
        ...(record.key !== null ? { key: record.key } : {}),
        value: Buffer.from(JSON.stringify(topicFailureMessage(this.ctx.source, record, context))),
      })),
    });
  }

  async close(): Promise<void> {
    await this.producer?.close().catch(() => undefined);
  }
}
