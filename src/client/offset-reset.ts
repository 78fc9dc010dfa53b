/**
 * kafka-consumer-groups --reset-offsets against any Kafka: plan new committed offsets for a group
 * (earliest, latest, an offset, a time, a shift, or the current ones), then optionally commit them.
 * As in Kafka, only a group without active members (Empty, or not existing yet) can be reset, and
 * requested offsets outside the log are moved to its start or end.
 */
import type { Admin } from '@platformatic/kafka';
import { committedOffsets, describeGroups, GroupError, logOffsets, partitionCounts, partitionKey } from './groups.ts';
import { topicNotFound } from './topics.ts';

export type ResetTo =
  | { readonly kind: 'earliest' }
  | { readonly kind: 'latest' }
  | { readonly kind: 'current' }
  | { readonly kind: 'offset'; readonly offset: bigint }
  | { readonly kind: 'shift-by'; readonly by: bigint }
  /** Milliseconds since the epoch: the first offset whose timestamp is at or after it. */
  | { readonly kind: 'datetime'; readonly timestamp: number };

export type ResetScope =
  | { readonly kind: 'all-topics' }
  /** Each topic with its listed partitions, or all of them. */
  | { readonly kind: 'topics'; readonly topics: readonly { readonly topic: string; readonly partitions?: readonly number[] }[] };

export interface PlannedOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
}

export interface ResetPlan {
  readonly group: string;
  /** By topic, then partition. */
  readonly offsets: readonly PlannedOffset[];
  /** Adjustments worth telling the user about (an offset moved into the log, an empty partition). */
  readonly warnings: readonly string[];
}

/** The partitions a scope names, checked to exist. */
async function partitionsOf(admin: Admin, group: string, scope: ResetScope): Promise<{ topic: string; partition: number }[]> {
  if (scope.kind === 'all-topics') {
    return [...(await committedOffsets(admin, group))]
      .flatMap(([topic, ps]) => [...ps.keys()].map((partition) => ({ topic, partition })))
      .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
  }
  const counts = await partitionCounts(admin, scope.topics.map((t) => t.topic));
  const seen = new Set<string>();
  const out: { topic: string; partition: number }[] = [];
  for (const { topic, partitions } of scope.topics) {
    const count = counts.get(topic);
    if (count === undefined) throw topicNotFound(topic);
    for (const partition of partitions ?? Array.from({ length: count }, (_, i) => i)) {
      if (partition >= count) {
        throw new GroupError('SDS_ERR_PARTITION_NOT_FOUND', `topic ${topic} has no partition ${partition} (it has ${count}: 0-${count - 1})`);
      }
      if (seen.has(partitionKey(topic, partition))) continue;
      seen.add(partitionKey(topic, partition));
      out.push({ topic, partition });
    }
  }
  return out.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
}

/** Refuses a group with members, in Kafka's words. */
async function checkInactive(admin: Admin, group: string): Promise<void> {
  const [described] = await describeGroups(admin, [group]);
  const state = described?.state ?? 'Dead';
  if (state !== 'Empty' && state !== 'Dead') {
    throw new GroupError(
      'SDS_ERR_GROUP_ACTIVE',
      `Assignments can only be reset if the group '${group}' is inactive, but the current state is ${state}. ` +
        `Stop the group's consumers first (sds groups describe --group ${group} --members shows them).`,
    );
  }
}

/** What the reset would commit; nothing is changed. */
export async function planReset(admin: Admin, group: string, scope: ResetScope, to: ResetTo): Promise<ResetPlan> {
  await checkInactive(admin, group);
  const partitions = await partitionsOf(admin, group, scope);
  const warnings: string[] = [];
  const name = (tp: { topic: string; partition: number }): string => `${tp.topic} partition ${tp.partition}`;
  const need = (offsets: ReadonlyMap<string, bigint>, tp: { topic: string; partition: number }): bigint => {
    const offset = offsets.get(partitionKey(tp.topic, tp.partition));
    if (offset === undefined) throw new GroupError('SDS_ERR_CLIENT_FAILED', `no offset answered for ${name(tp)}`);
    return offset;
  };
  if (partitions.length === 0) return { group, offsets: [], warnings };

  let offsets: PlannedOffset[];
  if (to.kind === 'earliest' || to.kind === 'latest') {
    const log = await logOffsets(admin, partitions, to.kind);
    offsets = partitions.map((tp) => ({ ...tp, offset: need(log, tp) }));
  } else if (to.kind === 'datetime') {
    const found = await logOffsets(admin, partitions, to.timestamp);
    const end = await logOffsets(admin, partitions, 'latest');
    offsets = partitions.map((tp) => {
      const offset = need(found, tp);
      if (offset >= 0n) return { ...tp, offset };
      warnings.push(`${name(tp)} has no record at or after ${new Date(to.timestamp).toISOString()}: using its log end offset`);
      return { ...tp, offset: need(end, tp) };
    });
  } else {
    const committed = to.kind === 'offset' ? new Map<string, Map<number, bigint>>() : await committedOffsets(admin, group);
    const start = await logOffsets(admin, partitions, 'earliest');
    const end = await logOffsets(admin, partitions, 'latest');
    offsets = partitions.map((tp) => {
      const current = committed.get(tp.topic)?.get(tp.partition);
      let wanted: bigint;
      if (to.kind === 'offset') {
        wanted = to.offset;
      } else if (to.kind === 'current') {
        wanted = current ?? need(end, tp); // Kafka's --to-current: the log end where there is no committed offset
      } else {
        if (current === undefined) {
          throw new GroupError('SDS_ERR_GROUP_NO_OFFSET', `cannot shift the offset of ${name(tp)}: group ${group} has no committed offset there (use --to-earliest, --to-latest or --to-offset)`);
        }
        wanted = current + to.by;
      }
      const low = need(start, tp);
      const high = need(end, tp);
      if (wanted > high) {
        warnings.push(`new offset ${wanted} is above the latest offset of ${name(tp)}: using ${high}`);
        return { ...tp, offset: high };
      }
      if (wanted < low) {
        warnings.push(`new offset ${wanted} is below the earliest offset of ${name(tp)}: using ${low}`);
        return { ...tp, offset: low };
      }
      return { ...tp, offset: wanted };
    });
  }
  return { group, offsets, warnings };
}

/** Commits a plan (the group must still be inactive: Kafka refuses commits without a member id from a group that has members). */
export async function applyReset(admin: Admin, plan: ResetPlan): Promise<void> {
  if (plan.offsets.length === 0) return;
  const byTopic = new Map<string, { partition: number; offset: bigint }[]>();
  for (const { topic, partition, offset } of plan.offsets) byTopic.set(topic, [...(byTopic.get(topic) ?? []), { partition, offset }]);
  await admin.alterConsumerGroupOffsets({
    groupId: plan.group,
    topics: [...byTopic].map(([name, partitionOffsets]) => ({ name, partitionOffsets })),
  });
}

/**
 * A timestamp as kafka-consumer-groups --to-datetime takes it: ISO 8601 with a 'T', seconds and
 * milliseconds optional, and local time when no zone (Z or +hh:mm) is given.
 */
export function parseDateTime(text: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(text.trim());
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s = '00', ms = '0', zone] = m;
  const base = `${y}-${mo}-${d}T${h}:${mi}:${s}.${ms.padEnd(3, '0')}`;
  const zoned = zone === undefined ? base : `${base}${zone === 'Z' ? 'Z' : `${zone.slice(0, 3)}:${zone.slice(-2)}`}`;
  const time = Date.parse(zoned); // without a zone, Date.parse reads a date-time as local time
  return Number.isNaN(time) ? undefined : time;
}
