/**
 * Idempotent producers (Kafka's ProducerStateManager, kafka-storage.md §5).
 *
 *   ProducerStateManager.open(dataDir, topics, partitions, logger, { expirationMs? })
 *     ids.allocate(): Promise<bigint>   producer ids, never reused (producer-ids.json, blocks of 1000)
 *     stateFor(topic, p, log) / load(topic, p, log): the partition's PartitionProducers
 *     live(partitions) then, after the logs closed, saveSnapshots(live): clean-shutdown snapshots
 *   PartitionProducers.check(batch, logStartOffset) -> append | duplicate (with its placement) | reject
 *   PartitionProducers.record(batch, placed): call right after log.append() without yielding.
 *
 * State is rebuilt at start from `<partition dir>/producer-state.json` (written on clean
 * shutdown) plus a replay of the batches after it, or from the whole log after a crash.
 * Known gaps: transactions (no transactional state, control batches ignored); the replay
 * after a crash reads the whole log when no snapshot exists.
 */
export { ProducerStateManager, type LiveState, type ProducerStateOptions } from './manager.ts';
export { PartitionProducers, BATCHES_TO_RETAIN, type Placement, type ProducerBatch, type ProducerEntry, type RetainedBatch, type SequenceVerdict } from './partition-state.ts';
export { ProducerIdAllocator, PRODUCER_IDS_FILE } from './id-allocator.ts';
export { batchOf, SNAPSHOT_FILE } from './rebuild.ts';
export { lastSequenceOf, inSequence } from './sequence.ts';
