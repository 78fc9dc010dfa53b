/**
 * The group coordinator (classic protocol) and committed offsets.
 *
 *   GroupCoordinator.open(dataDir, config, logger)   loads the offsets journal, starts retention
 *   .membership   JoinGroup / SyncGroup / Heartbeat / LeaveGroup and session expiry (coordinator.ts)
 *   .validateCommit(identity) / .commitOffsets(group, offsets)   OffsetCommit (durable once it answers NONE)
 *   .offsets      committed offsets for OffsetFetch (offset-store.ts)
 *   .describe / .list / .deleteGroup / .deleteOffsets / .sweep   admin APIs and retention
 *   .close()
 *
 * Storage: `<dataDir>/__consumer_offsets.journal`, one CRC-checked JSON line per OffsetCommit
 * (all of its partitions, atomically) or deletion, fdatasync'ed with group commit before the
 * commit is answered; a torn tail is truncated at start; compacted at start and when it grows
 * (journal-format.ts, offset-journal.ts). When the disk refuses a write (full, I/O error) the
 * change answers COORDINATOR_NOT_AVAILABLE, and the journal is rewritten from memory on a
 * later change, so commits resume without a restart. Group membership is not persisted: after a restart
 * groups are Empty and members rejoin, which clients do on their own.
 * Known gaps: offsets of deleted topics are kept until they expire; no transactional offsets
 * (TxnOffsetCommit), so require_stable never waits; no consumer (KIP-848) groups.
 */
export { GroupCoordinator, type GroupCoordinatorConfig, type CommitIdentity } from './group-coordinator.ts';
export type { GroupState } from './classic-group.ts';
export { GROUP_STATES } from './classic-group.ts';
export { clientHost } from './client-host.ts';
