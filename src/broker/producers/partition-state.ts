/**
 * One partition's idempotent-producer state (Kafka's ProducerStateEntry/ProducerAppendInfo,
 * kafka-storage.md §5): per producer id its epoch and the last five batches, used to answer
 * a retried batch with its original offset and to refuse gaps and stale epochs.
 */
import { ErrorCode } from '../../protocol/error-codes.ts';
import { inSequence, lastSequenceOf } from './sequence.ts';

/** Kafka's NUM_BATCHES_TO_RETAIN: matches max.in.flight.requests.per.connection <= 5. */
export const BATCHES_TO_RETAIN = 5;

/** The header fields of a produced batch that sequence checks need. */
export interface ProducerBatch {
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly baseSequence: number;
  readonly lastOffsetDelta: number;
  /** The batch's MaxTimestamp as stored (the append time on LogAppendTime topics). */
  readonly timestamp: bigint;
}

/** Where a batch landed in the log. */
export interface Placement {
  readonly baseOffset: bigint;
  readonly lastOffset: bigint;
  /** -1 for CreateTime, as the first answer said. */
  readonly logAppendTime: bigint;
}

export interface RetainedBatch {
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly timestamp: bigint;
  /** Unset while the append is in flight; `placed` settles then. */
  placement: Placement | undefined;
  readonly placed: Promise<Placement>;
}

export interface ProducerEntry {
  readonly producerId: bigint;
  epoch: number;
  batches: RetainedBatch[];
  lastTimestamp: bigint;
}

export type SequenceVerdict =
  | { readonly kind: 'append' }
  | { readonly kind: 'duplicate'; readonly batch: RetainedBatch }
  | { readonly kind: 'reject'; readonly errorCode: number; readonly message: string };

export class PartitionProducers {
  private readonly entries = new Map<bigint, ProducerEntry>();
  private readonly label: string;

  constructor(label: string) {
    this.label = label;
  }

  /**
   * Kafka's order: a duplicate of a retained batch first, then the epoch, then the sequence.
   * A producer whose every batch is below the log start is forgotten (retention, DeleteRecords),
   * so it may continue with any sequence, as Kafka does when it evicts it.
   */
  check(b: ProducerBatch, logStartOffset: bigint): SequenceVerdict {
    const entry = this.entries.get(b.producerId);
    if (entry === undefined) return { kind: 'append' };
    const newest = entry.batches[entry.batches.length - 1];
    if (newest?.placement !== undefined && newest.placement.lastOffset < logStartOffset) {
      this.entries.delete(b.producerId);
      return { kind: 'append' };
    }
    const firstSeq = b.baseSequence;
    const lastSeq = lastSequenceOf(b.baseSequence, b.lastOffsetDelta);
    if (b.producerEpoch === entry.epoch) {
      const duplicate = entry.batches.find((r) => r.firstSeq === firstSeq && r.lastSeq === lastSeq);
      if (duplicate !== undefined) return { kind: 'duplicate', batch: duplicate };
    }
    if (b.producerEpoch < entry.epoch) {
      return reject(ErrorCode.INVALID_PRODUCER_EPOCH, `Epoch of producer ${b.producerId} in ${this.label} is ${b.producerEpoch}, which is smaller than the last seen epoch ${entry.epoch}`);
    }
    if (b.producerEpoch !== entry.epoch) {
      if (firstSeq !== 0) {
        return reject(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, `Invalid sequence number for new epoch of producer ${b.producerId} in ${this.label}: ${b.producerEpoch} (request epoch), ${firstSeq} (seq. number), ${entry.epoch} (current producer epoch)`);
      }
      return { kind: 'append' };
    }
    if (newest !== undefined && !inSequence(newest.lastSeq, firstSeq)) {
      return reject(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, `Out of order sequence number for producer ${b.producerId} in ${this.label}: ${firstSeq} (incoming seq. number), ${newest.lastSeq} (current end sequence number)`);
    }
    return { kind: 'append' };
  }

  /**
   * Records an accepted batch at once, before its append settles, so the next batch of the
   * same producer is checked against it (the log assigns offsets in call order).
   */
  record(b: ProducerBatch, placed: Promise<Placement> | Placement): RetainedBatch {
    let entry = this.entries.get(b.producerId);
    if (entry === undefined) {
      entry = { producerId: b.producerId, epoch: b.producerEpoch, batches: [], lastTimestamp: b.timestamp };
      this.entries.set(b.producerId, entry);
    }
    if (entry.epoch !== b.producerEpoch) {
      entry.epoch = b.producerEpoch;
      entry.batches = [];
    }
    const known = placed instanceof Promise ? undefined : placed;
    const retained: RetainedBatch = {
      firstSeq: b.baseSequence,
      lastSeq: lastSequenceOf(b.baseSequence, b.lastOffsetDelta),
      timestamp: b.timestamp,
      placement: known,
      placed: known !== undefined ? Promise.resolve(known) : (placed as Promise<Placement>),
    };
    if (known === undefined) {
      retained.placed.then(
        (p) => (retained.placement = p),
        () => undefined,
      );
    }
    entry.batches.push(retained);
    if (entry.batches.length > BATCHES_TO_RETAIN) entry.batches.shift();
    entry.lastTimestamp = b.timestamp;
    return retained;
  }

  /**
   * After a failed append: the producer's state no longer matches the log, so forget it
   * (any sequence is then accepted) rather than refuse its retry as out of order.
   */
  forget(producerId: bigint, batch: RetainedBatch): void {
    if (this.entries.get(producerId)?.batches.includes(batch)) this.entries.delete(producerId);
  }

  /** Drops producers idle for `expirationMs` (producer.id.expiration.ms), none with a batch in flight. */
  expire(nowMs: number, expirationMs: number): number {
    let removed = 0;
    for (const [id, entry] of this.entries) {
      const inFlight = entry.batches.some((b) => b.placement === undefined);
      if (!inFlight && BigInt(nowMs) - entry.lastTimestamp >= BigInt(expirationMs)) {
        this.entries.delete(id);
        removed++;
      }
    }
    return removed;
  }

  /** Removes producers whose newest batch is below `offset` (for a snapshot older than the log start). */
  dropBefore(offset: bigint): void {
    for (const [id, entry] of this.entries) {
      const last = entry.batches[entry.batches.length - 1]?.placement?.lastOffset;
      if (last !== undefined && last < offset) this.entries.delete(id);
    }
  }

  producers(): readonly ProducerEntry[] {
    return [...this.entries.values()];
  }

  get size(): number {
    return this.entries.size;
  }
}

function reject(errorCode: number, message: string): SequenceVerdict {
  return { kind: 'reject', errorCode, message };
}
