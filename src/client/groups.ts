/**
 * Consumer groups against any Kafka: what `sds groups list|describe|delete` does (and a
 * dashboard can reuse), usable without the CLI. Each call takes an open Admin client; errors are
 * the client's (wrap calls with clients.call) or a GroupError.
 *
 * Lag follows kafka-consumer-groups: per partition, the log end offset (high watermark) minus the
 * group's committed offset; unknown when either is.
 */
import type { Admin } from '@platformatic/kafka';
import { FindCoordinatorKeyTypes, ListOffsetTimestamps } from '@platformatic/kafka';
import { SdsError } from '../errors.ts';
import { hasKafkaError } from './topics.ts';

export class GroupError extends SdsError {}

/** Kafka's names of group states, as kafka-consumer-groups prints them. */
export const GROUP_STATES = ['PreparingRebalance', 'CompletingRebalance', 'Stable', 'Dead', 'Empty', 'Assigning', 'Reconciling'] as const;
export type GroupState = (typeof GROUP_STATES)[number] | 'Unknown';

/** The client upper-cases the broker's state ("PreparingRebalance" -> "PREPARINGREBALANCE"); this undoes it. */
export function groupState(raw: string): GroupState {
  const key = raw.replace(/[^a-z]/gi, '').toUpperCase();
  return GROUP_STATES.find((s) => s.toUpperCase() === key) ?? 'Unknown';
}

/** A `--state` value: Kafka's names, any case, with or without underscores. */
export function parseGroupState(text: string): GroupState | undefined {
  const key = text.trim().replace(/_/g, '').toUpperCase();
  return GROUP_STATES.find((s) => s.toUpperCase() === key);
}

export interface GroupListing {
  readonly group: string;
  readonly state: GroupState;
}

/**
 * Consumer groups (classic and consumer protocol, protocol type "consumer" or none, as
 * kafka-consumer-groups --list shows), sorted by name; only those in `states` when given.
 */
export async function listGroups(admin: Admin, states: readonly GroupState[] = []): Promise<GroupListing[]> {
  const groups = await admin.listGroups();
  return [...groups.values()]
    .filter((g) => (g.protocolType === 'consumer' || g.protocolType === '') && (g.groupType === undefined || g.groupType === '' || ['classic', 'consumer'].includes(g.groupType.toLowerCase())))
    .map((g) => ({ group: g.id, state: groupState(g.state) }))
    .filter((g) => states.length === 0 || states.includes(g.state))
    .sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0));
}

export interface TopicPartitions {
  readonly topic: string;
  readonly partitions: readonly number[];
}

export interface GroupMember {
  readonly consumerId: string;
  readonly groupInstanceId: string | null;
  readonly host: string;
  readonly clientId: string;
  /** Sorted by topic, partitions ascending. */
  readonly assignment: readonly TopicPartitions[];
}

export interface GroupDescription {
  readonly group: string;
  readonly state: GroupState;
  readonly protocolType: string;
  /** The partition assignor the group agreed on (kafka-consumer-groups' ASSIGNMENT-STRATEGY). */
  readonly assignmentStrategy: string;
  readonly members: readonly GroupMember[];
}

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Describes groups in the order given; a group that does not exist comes back with state Dead, as Kafka answers. */
export async function describeGroups(admin: Admin, groups: readonly string[]): Promise<GroupDescription[]> {
  if (groups.length === 0) return [];
  const described = await admin.describeGroups({ groups: [...groups] });
  return groups.map((group) => {
    const g = described.get(group);
    if (g === undefined) return { group, state: 'Dead', protocolType: '', assignmentStrategy: '', members: [] };
    const members = [...g.members.values()].map((m) => ({
      consumerId: m.id,
      groupInstanceId: m.groupInstanceId ?? null,
      host: m.clientHost,
      clientId: m.clientId,
      assignment: [...(m.assignments?.values() ?? [])]
        .map((a) => ({ topic: a.topic, partitions: [...a.partitions].sort((x, y) => x - y) }))
        .sort((a, b) => byName(a.topic, b.topic)),
    }));
    return { group, state: groupState(g.state), protocolType: g.protocolType, assignmentStrategy: g.protocol, members };
  });
}

export function groupNotFound(group: string): GroupError {
  return new GroupError('SDS_ERR_GROUP_NOT_FOUND', `consumer group ${group} does not exist (sds groups list shows the groups)`);
}

/** Like describeGroups, for groups that must exist. */
export async function describeExistingGroups(admin: Admin, groups: readonly string[]): Promise<GroupDescription[]> {
  const described = await describeGroups(admin, groups);
  const missing = described.find((g) => g.state === 'Dead');
  if (missing !== undefined) throw groupNotFound(missing.group);
  return described;
}

export interface Coordinator {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
}

export async function findCoordinator(admin: Admin, group: string): Promise<Coordinator> {
  const found = await admin.findCoordinator({ keyType: FindCoordinatorKeyTypes.GROUP, keys: [group] });
  const c = found.find((x) => x.key === group) ?? found[0];
  if (c === undefined) throw new GroupError('SDS_ERR_CLIENT_FAILED', `no coordinator found for consumer group ${group}`);
  return { nodeId: c.nodeId, host: c.host, port: c.port };
}

/** topic -> partition -> committed offset (partitions without one are left out). */
export type CommittedOffsets = Map<string, Map<number, bigint>>;

export async function committedOffsets(admin: Admin, group: string): Promise<CommittedOffsets> {
  const answer = await admin.listConsumerGroupOffsets({ groups: [group] });
  const out: CommittedOffsets = new Map();
  for (const g of answer) {
    if (g.groupId !== group) continue;
    for (const t of g.topics) {
      for (const p of t.partitions) {
        if (p.committedOffset < 0n) continue;
        const byPartition = out.get(t.name) ?? new Map<number, bigint>();
        byPartition.set(p.partitionIndex, p.committedOffset);
        out.set(t.name, byPartition);
      }
    }
  }
  return out;
}

/** `topic:partition`, the key of the offset maps below. */
export function partitionKey(topic: string, partition: number): string {
  return `${topic}:${partition}`;
}

/** Partition counts of the topics that exist (the others are left out). */
export async function partitionCounts(admin: Admin, topics: readonly string[]): Promise<Map<string, number>> {
  const existing = new Set(await admin.listTopics({ includeInternals: true }));
  const names = [...new Set(topics)].filter((t) => existing.has(t));
  if (names.length === 0) return new Map();
  const metadata = await admin.metadata({ topics: names, forceUpdate: true });
  return new Map(names.map((n) => [n, metadata.topics.get(n)?.partitionsCount ?? 0]));
}

/**
 * Log offsets of `partitions` at `at` (earliest, latest, or a timestamp in ms: the first offset at
 * or after it, -1 when there is none), keyed by partitionKey. Partitions of topics that do not
 * exist, or beyond a topic's partition count, are left out.
 */
export async function logOffsets(admin: Admin, partitions: readonly { topic: string; partition: number }[], at: 'earliest' | 'latest' | number): Promise<Map<string, bigint>> {
  const counts = await partitionCounts(admin, partitions.map((p) => p.topic));
  const timestamp = at === 'earliest' ? ListOffsetTimestamps.EARLIEST : at === 'latest' ? ListOffsetTimestamps.LATEST : BigInt(at);
  const byTopic = new Map<string, number[]>();
  for (const { topic, partition } of partitions) {
    if (partition >= (counts.get(topic) ?? 0)) continue;
    byTopic.set(topic, [...(byTopic.get(topic) ?? []), partition]);
  }
  const out = new Map<string, bigint>();
  if (byTopic.size === 0) return out;
  const answer = await admin.listOffsets({
    topics: [...byTopic].map(([name, ps]) => ({ name, partitions: [...new Set(ps)].map((partitionIndex) => ({ partitionIndex, timestamp })) })),
  });
  for (const t of answer) for (const p of t.partitions) out.set(partitionKey(t.name, p.partitionIndex), p.offset);
  return out;
}

/** One row of kafka-consumer-groups --describe: a partition the group is assigned or has an offset for. */
export interface PartitionLag {
  readonly group: string;
  readonly topic: string;
  readonly partition: number;
  readonly currentOffset: number | null;
  readonly logEndOffset: number | null;
  readonly lag: number | null;
  readonly consumerId: string | null;
  readonly host: string | null;
  readonly clientId: string | null;
}

/** Kafka's lag: log end minus committed, unknown when either is. */
export function lagOf(committed: bigint | undefined, logEnd: bigint | undefined): number | null {
  if (committed === undefined || committed < 0n || logEnd === undefined || logEnd < 0n) return null;
  return Number(logEnd - committed);
}

function byTopicPartition(a: { topic: string; partition: number }, b: { topic: string; partition: number }): number {
  return byName(a.topic, b.topic) || a.partition - b.partition;
}

/**
 * The rows of kafka-consumer-groups --describe, in its order: members with partitions (most
 * partitions first), each member's partitions by topic and partition, then committed partitions
 * no member has, with "-" (null) for the member columns.
 */
export function lagRows(description: GroupDescription, committed: CommittedOffsets, logEnd: ReadonlyMap<string, bigint>): PartitionLag[] {
  const row = (topic: string, partition: number, member: GroupMember | undefined): PartitionLag => {
    const current = committed.get(topic)?.get(partition);
    const end = logEnd.get(partitionKey(topic, partition));
    return {
      group: description.group,
      topic,
      partition,
      currentOffset: current === undefined ? null : Number(current),
      logEndOffset: end === undefined || end < 0n ? null : Number(end),
      lag: lagOf(current, end),
      consumerId: member?.consumerId ?? null,
      host: member?.host ?? null,
      clientId: member?.clientId ?? null,
    };
  };
  const size = (m: GroupMember): number => m.assignment.reduce((n, a) => n + a.partitions.length, 0);
  const assigned = new Set<string>();
  const rows: PartitionLag[] = [];
  // Array.prototype.sort is stable: members with as many partitions keep the broker's order, as in Kafka.
  for (const member of description.members.filter((m) => size(m) > 0).sort((a, b) => size(b) - size(a))) {
    const own = member.assignment.flatMap((a) => a.partitions.map((partition) => ({ topic: a.topic, partition }))).sort(byTopicPartition);
    for (const tp of own) {
      assigned.add(partitionKey(tp.topic, tp.partition));
      rows.push(row(tp.topic, tp.partition, member));
    }
  }
  const unassigned = [...committed]
    .flatMap(([topic, partitions]) => [...partitions.keys()].map((partition) => ({ topic, partition })))
    .filter((tp) => !assigned.has(partitionKey(tp.topic, tp.partition)))
    .sort(byTopicPartition);
  for (const tp of unassigned) rows.push(row(tp.topic, tp.partition, undefined));
  return rows;
}

/** Per-partition committed offset, log end offset and lag of a described group. */
export async function groupLag(admin: Admin, description: GroupDescription): Promise<PartitionLag[]> {
  const committed = await committedOffsets(admin, description.group);
  const partitions = [
    ...description.members.flatMap((m) => m.assignment.flatMap((a) => a.partitions.map((partition) => ({ topic: a.topic, partition })))),
    ...[...committed].flatMap(([topic, ps]) => [...ps.keys()].map((partition) => ({ topic, partition }))),
  ];
  return lagRows(description, committed, await logOffsets(admin, partitions, 'latest'));
}

/** Deletes one group: refused while it has members (NON_EMPTY_GROUP), and for a group that does not exist. */
export async function deleteGroup(admin: Admin, group: string): Promise<void> {
  try {
    await admin.deleteGroups({ groups: [group] });
  } catch (error: unknown) {
    if (hasKafkaError(error, 'GROUP_ID_NOT_FOUND')) throw groupNotFound(group);
    if (hasKafkaError(error, 'NON_EMPTY_GROUP')) {
      throw new GroupError(
        'SDS_ERR_GROUP_NOT_EMPTY',
        `consumer group ${group} has active members and cannot be deleted: stop its consumers first (sds groups describe --group ${group} --members shows them)`,
        { cause: error },
      );
    }
    throw error;
  }
}
