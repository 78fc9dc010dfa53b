/**
 * `sds groups list|describe|reset-offsets|delete`, with kafka-consumer-groups' flags, columns and
 * layout (its printf formats: left-aligned columns at least 15 wide, "-" for a missing value),
 * against any Kafka. Where Kafka's tool prints an error and still exits 0 (a group that does not
 * exist, a reset refused for an active group), sds exits 1.
 */
import { InvalidArgumentError, type Command } from 'commander';
import type { Admin } from '@platformatic/kafka';
import { withAdmin } from '../client/clients.ts';
import {
  deleteGroup,
  describeExistingGroups,
  findCoordinator,
  GROUP_STATES,
  GroupError,
  groupLag,
  listGroups,
  parseGroupState,
  type Coordinator,
  type GroupDescription,
  type GroupListing,
  type GroupState,
  type PartitionLag,
} from '../client/groups.ts';
import { applyReset, parseDateTime, planReset, type ResetPlan, type ResetScope, type ResetTo } from '../client/offset-reset.ts';
import type { SdsError } from '../errors.ts';
import { addConnectionOptions, connectionFrom, type ConnectionFlags } from './connection-options.ts';
import { UsageError } from './options.ts';

const MISSING = '-';

/** Java's %-Ns. */
function pad(text: string, width: number): string {
  return text.padEnd(width);
}

function widest(min: number, values: readonly string[]): number {
  return values.reduce((w, v) => Math.max(w, v.length), min);
}

function cell(value: number | string | null): string {
  return value === null ? MISSING : String(value);
}

/** kafka-consumer-groups --list [--state]: names only, or a GROUP STATE table. */
export function formatList(groups: readonly GroupListing[], withState: boolean): string {
  if (!withState) return groups.map((g) => `${g.group}\n`).join('');
  const width = widest(15, groups.map((g) => g.group)) + 10;
  return [`${pad('GROUP', width)} ${pad('STATE', 20)}\n`, ...groups.map((g) => `${pad(g.group, width)} ${pad(g.state, 20)}\n`)].join('');
}

/** kafka-consumer-groups --describe (offsets): a blank line, the header, one row per partition, a line end. */
export function formatOffsets(rows: readonly PartitionLag[]): string {
  const g = widest(15, rows.map((r) => r.group));
  const t = widest(15, rows.map((r) => r.topic));
  const c = widest(15, rows.map((r) => cell(r.consumerId)));
  const h = widest(15, rows.map((r) => cell(r.host)));
  const line = (cols: readonly string[]): string =>
    `\n${pad(cols[0] ?? '', g)} ${pad(cols[1] ?? '', t)} ${pad(cols[2] ?? '', 10)} ${pad(cols[3] ?? '', 15)} ${pad(cols[4] ?? '', 15)} ${pad(cols[5] ?? '', 15)} ${pad(cols[6] ?? '', c)} ${pad(cols[7] ?? '', h)} ${cols[8] ?? ''}`;
  const header = line(['GROUP', 'TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG', 'CONSUMER-ID', 'HOST', 'CLIENT-ID']);
  const body = rows.map((r) =>
    line([r.group, r.topic, String(r.partition), cell(r.currentOffset), cell(r.logEndOffset), cell(r.lag), cell(r.consumerId), cell(r.host), cell(r.clientId)]),
  );
  return `${header}${body.join('')}\n`;
}

/** kafka-consumer-groups --describe --members (with GROUP-INSTANCE-ID when a member has one). */
export function formatMembers(d: GroupDescription): string {
  const withInstance = d.members.some((m) => m.groupInstanceId !== null && m.groupInstanceId !== '');
  const g = widest(15, [d.group]);
  const c = widest(15, d.members.map((m) => m.consumerId));
  const gi = widest(17, d.members.map((m) => m.groupInstanceId ?? ''));
  const h = widest(15, d.members.map((m) => m.host));
  const ci = widest(15, d.members.map((m) => m.clientId));
  const line = (group: string, id: string, instance: string, host: string, client: string, n: string): string =>
    `${pad(group, g)} ${pad(id, c)} ${withInstance ? `${pad(instance, gi)} ` : ''}${pad(host, h)} ${pad(client, ci)} ${pad(n, 15)} `;
  const rows = d.members.map(
    (m) => `${line(d.group, m.consumerId, m.groupInstanceId ?? '', m.host, m.clientId, String(m.assignment.reduce((n, a) => n + a.partitions.length, 0)))}\n`,
  );
  return `\n${line('GROUP', 'CONSUMER-ID', 'GROUP-INSTANCE-ID', 'HOST', 'CLIENT-ID', '#PARTITIONS')}\n${rows.join('')}`;
}

/** kafka-consumer-groups --describe --state. */
export function formatState(d: GroupDescription, coordinator: Coordinator): string {
  const where = `${coordinator.host}:${coordinator.port}  (${coordinator.nodeId})`;
  const g = widest(15, [d.group]);
  const c = Math.max(25, where.length);
  const line = (cols: readonly string[]): string => `\n${pad(cols[0] ?? '', g)} ${pad(cols[1] ?? '', c)} ${pad(cols[2] ?? '', 20)} ${pad(cols[3] ?? '', 20)} ${cols[4] ?? ''}`;
  const strategy = d.assignmentStrategy === '' ? MISSING : d.assignmentStrategy;
  return `${line(['GROUP', 'COORDINATOR (ID)', 'ASSIGNMENT-STRATEGY', 'STATE', '#MEMBERS'])}${line([d.group, where, strategy, d.state, String(d.members.length)])}\n`;
}

/** kafka-consumer-groups --reset-offsets: GROUP TOPIC PARTITION NEW-OFFSET. */
export function formatPlan(plan: ResetPlan): string {
  const g = widest(15, [plan.group]);
  const t = widest(15, plan.offsets.map((o) => o.topic));
  const line = (cols: readonly string[]): string => `\n${pad(cols[0] ?? '', g)} ${pad(cols[1] ?? '', t)} ${pad(cols[2] ?? '', 10)} ${cols[3] ?? ''}`;
  return `${line(['GROUP', 'TOPIC', 'PARTITION', 'NEW-OFFSET'])}${plan.offsets.map((o) => line([plan.group, o.topic, String(o.partition), String(o.offset)])).join('')}\n`;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** `--state` of list: a comma-separated list of Kafka's state names. */
function parseStates(value: string): GroupState[] {
  return value.split(',').map((s) => {
    const state = parseGroupState(s);
    if (state === undefined) throw new InvalidArgumentError(`"${s.trim()}" is not a group state: use ${GROUP_STATES.join(', ')}.`);
    return state;
  });
}

/** `--topic T` or `--topic T:0,2` (repeatable), as kafka-consumer-groups takes it. */
export function parseTopicPartitions(value: string, previous: { topic: string; partitions?: number[] }[] = []): { topic: string; partitions?: number[] }[] {
  const parts = value.split(':');
  const topic = parts[0] ?? '';
  if (topic === '' || parts.length > 2) throw new InvalidArgumentError(`expected TOPIC or TOPIC:PARTITION[,PARTITION...], got "${value}".`);
  if (parts.length === 1) return [...previous, { topic }];
  const partitions = (parts[1] ?? '').split(',').map((p) => {
    if (!/^\d+$/.test(p.trim()) || Number(p) > 2_147_483_647) throw new InvalidArgumentError(`"${p}" in "${value}" is not a partition number.`);
    return Number(p);
  });
  return [...previous, { topic, partitions }];
}

function parseOffsetValue(value: string): bigint {
  if (!/^\d{1,19}$/.test(value) || BigInt(value) > 0x7fff_ffff_ffff_ffffn) throw new InvalidArgumentError('expected an offset (a whole number from 0).');
  return BigInt(value);
}

function parseShift(value: string): bigint {
  if (!/^[+-]?\d{1,19}$/.test(value)) throw new InvalidArgumentError('expected a whole number, negative to go back (e.g. -10).');
  return BigInt(value);
}

function parseDateTimeFlag(value: string): number {
  const time = parseDateTime(value);
  if (time === undefined) throw new InvalidArgumentError('expected an ISO 8601 date and time such as 2025-01-31T08:00:00.000 (local time), or with Z or +01:00.');
  return time;
}

interface GroupFlags extends ConnectionFlags {
  group?: string[];
  allGroups?: boolean;
  json?: boolean;
}

function groupsOf(flags: GroupFlags, command: string): string[] | 'all' {
  if (flags.allGroups === true && flags.group !== undefined) throw new UsageError(`sds groups ${command}: give --group or --all-groups, not both`);
  if (flags.allGroups === true) return 'all';
  if (flags.group === undefined) throw new UsageError(`sds groups ${command}: give --group GROUP (repeatable) or --all-groups`);
  return flags.group;
}

async function namedGroups(admin: Admin, groups: string[] | 'all'): Promise<string[]> {
  return groups === 'all' ? (await listGroups(admin)).map((g) => g.group) : [...new Set(groups)].sort();
}

function connect(flags: ConnectionFlags): ReturnType<typeof connectionFrom> {
  return connectionFrom(flags, 'sds-groups');
}

interface DescribeFlags extends GroupFlags {
  members?: boolean;
  state?: boolean;
  offsets?: boolean;
}

async function describe(flags: DescribeFlags): Promise<void> {
  const which = groupsOf(flags, 'describe');
  const views = [flags.members, flags.state, flags.offsets].filter((v) => v === true).length;
  if (views > 1) throw new UsageError('sds groups describe: give one of --offsets, --members, --state');
  const connection = connect(flags);
  await withAdmin(connection, 'describing consumer groups', async (admin) => {
    const names = await namedGroups(admin, which);
    const described = await describeExistingGroups(admin, names);
    const out: string[] = [];
    const json: unknown[] = [];
    for (const d of described) {
      const needsOffsets = flags.json === true || (flags.members !== true && flags.state !== true);
      const rows = needsOffsets ? await groupLag(admin, d) : [];
      const coordinator = flags.json === true || flags.state === true ? await findCoordinator(admin, d.group) : undefined;
      if (flags.json === true) {
        json.push({ ...d, coordinator, offsets: rows });
        continue;
      }
      // kafka-consumer-groups' notes on stderr, before the group's table.
      if (d.state === 'Empty') process.stderr.write(`\nConsumer group '${d.group}' has no active members.\n`);
      if (d.state === 'PreparingRebalance' || d.state === 'CompletingRebalance' || d.state === 'Assigning' || d.state === 'Reconciling') {
        process.stderr.write(`\nWarning: Consumer group '${d.group}' is rebalancing.\n`);
      }
      if (flags.state === true && coordinator !== undefined) out.push(formatState(d, coordinator));
      else if (flags.members === true) out.push(formatMembers(d));
      else if (rows.length > 0) out.push(formatOffsets(rows));
    }
    process.stdout.write(flags.json === true ? `${JSON.stringify(json, null, 2)}\n` : out.join(''));
  });
}

interface ResetFlags extends ConnectionFlags {
  group: string;
  topic?: { topic: string; partitions?: number[] }[];
  allTopics?: boolean;
  toEarliest?: boolean;
  toLatest?: boolean;
  toCurrent?: boolean;
  toOffset?: bigint;
  toDatetime?: number;
  shiftBy?: bigint;
  dryRun?: boolean;
  execute?: boolean;
  json?: boolean;
}

function resetTo(flags: ResetFlags): ResetTo {
  const modes: ResetTo[] = [
    ...(flags.toEarliest === true ? [{ kind: 'earliest' } as const] : []),
    ...(flags.toLatest === true ? [{ kind: 'latest' } as const] : []),
    ...(flags.toCurrent === true ? [{ kind: 'current' } as const] : []),
    ...(flags.toOffset !== undefined ? [{ kind: 'offset', offset: flags.toOffset } as const] : []),
    ...(flags.toDatetime !== undefined ? [{ kind: 'datetime', timestamp: flags.toDatetime } as const] : []),
    ...(flags.shiftBy !== undefined ? [{ kind: 'shift-by', by: flags.shiftBy } as const] : []),
  ];
  const [mode] = modes;
  if (mode === undefined || modes.length > 1) {
    throw new UsageError('sds groups reset-offsets: give exactly one of --to-earliest, --to-latest, --to-current, --to-offset, --to-datetime, --shift-by');
  }
  return mode;
}

function resetScope(flags: ResetFlags): ResetScope {
  if ((flags.topic === undefined) === (flags.allTopics !== true)) {
    throw new UsageError('sds groups reset-offsets: give --topic TOPIC[:PARTITIONS] (repeatable) or --all-topics');
  }
  return flags.topic !== undefined ? { kind: 'topics', topics: flags.topic } : { kind: 'all-topics' };
}

async function resetOffsets(flags: ResetFlags): Promise<void> {
  const to = resetTo(flags);
  const scope = resetScope(flags);
  if (flags.dryRun === true && flags.execute === true) throw new UsageError('sds groups reset-offsets: give --dry-run or --execute, not both');
  const connection = connect(flags);
  const plan = await withAdmin(connection, `resetting the offsets of consumer group ${flags.group}`, async (admin) => {
    const planned = await planReset(admin, flags.group, scope, to);
    if (flags.execute === true) await applyReset(admin, planned);
    return planned;
  });
  for (const warning of plan.warnings) process.stderr.write(`sds: warning: ${warning}\n`);
  if (flags.json === true) {
    process.stdout.write(`${JSON.stringify({ group: plan.group, executed: flags.execute === true, offsets: plan.offsets.map((o) => ({ ...o, offset: Number(o.offset) })) }, null, 2)}\n`);
  } else {
    process.stdout.write(formatPlan(plan));
  }
  if (flags.execute !== true && flags.dryRun !== true) process.stderr.write('sds: dry run: nothing was changed; add --execute to commit these offsets\n');
}

async function deleteGroups(flags: GroupFlags): Promise<void> {
  const which = groupsOf(flags, 'delete');
  const connection = connect(flags);
  const { deleted, failed } = await withAdmin(connection, 'deleting consumer groups', async (admin) => {
    const done: string[] = [];
    const errors: SdsError[] = [];
    for (const group of await namedGroups(admin, which)) {
      try {
        await deleteGroup(admin, group);
        done.push(group);
      } catch (error: unknown) {
        if (!(error instanceof GroupError)) throw error;
        errors.push(error);
      }
    }
    return { deleted: done, failed: errors };
  });
  const quoted = deleted.map((g) => `'${g}'`).join(', ');
  if (failed.length === 0) {
    process.stdout.write(`Deletion of requested consumer groups (${quoted}) was successful.\n`);
    return;
  }
  if (deleted.length > 0) process.stdout.write(`These consumer groups were deleted successfully: ${quoted}\n`);
  const [first] = failed;
  if (failed.length === 1 && first !== undefined) throw first;
  throw new GroupError(first?.code ?? 'SDS_ERR_CLIENT_FAILED', failed.map((e) => e.message).join('; '));
}

export function registerGroupCommands(program: Command): void {
  const groups = program.command('groups').description('list, describe, reset the offsets of, and delete consumer groups (like kafka-consumer-groups)');

  addConnectionOptions(groups.command('list').description('consumer group names, one per line'))
    .option('--state [states]', 'show each group\'s state; with a value (e.g. Stable,Empty), only groups in those states', parseStates)
    .option('--json', 'print JSON')
    .action(async (flags: ConnectionFlags & { state?: GroupState[] | true; json?: boolean }) => {
      const filter = Array.isArray(flags.state) ? flags.state : [];
      const listed = await withAdmin(connect(flags), 'listing consumer groups', (admin) => listGroups(admin, filter));
      process.stdout.write(flags.json === true ? `${JSON.stringify(listed, null, 2)}\n` : formatList(listed, flags.state !== undefined));
    });

  addConnectionOptions(groups.command('describe').description('committed offsets, log end offsets and lag per partition (or members, or state)'))
    .option('--group <id>', 'the group to describe (repeatable)', collect)
    .option('--all-groups', 'describe every consumer group')
    .option('--offsets', 'per partition: CURRENT-OFFSET, LOG-END-OFFSET, LAG and the member that has it (the default)')
    .option('--members', 'one row per member: CONSUMER-ID, HOST, CLIENT-ID, #PARTITIONS')
    .option('--state', 'the group\'s coordinator, assignment strategy, state and member count')
    .option('--json', 'print JSON: state, members, coordinator and offsets of each group')
    .action(async (flags: DescribeFlags) => {
      await describe(flags);
    });

  addConnectionOptions(groups.command('reset-offsets').description('set a group\'s committed offsets (dry run unless --execute); the group must have no active members'))
    .requiredOption('--group <id>', 'the group whose offsets to reset')
    .option('--topic <topic[:partitions]>', 'a topic, or topic:0,1 for some partitions (repeatable)', parseTopicPartitions)
    .option('--all-topics', 'every partition the group has a committed offset for')
    .option('--to-earliest', 'the earliest offset of each partition')
    .option('--to-latest', 'the log end offset of each partition')
    .option('--to-current', 'the committed offset (the log end where there is none)')
    .option('--to-offset <offset>', 'this offset (moved into the log when outside it)', parseOffsetValue)
    .option('--to-datetime <time>', 'the first offset at or after this time: ISO 8601, e.g. 2025-01-31T08:00:00.000 (local time) or ...Z', parseDateTimeFlag)
    .option('--shift-by <n>', 'the committed offset plus n (negative to go back)', parseShift)
    .option('--dry-run', 'only print the new offsets (the default)')
    .option('--execute', 'commit the new offsets')
    .option('--json', 'print JSON')
    .action(async (flags: ResetFlags) => {
      await resetOffsets(flags);
    });

  addConnectionOptions(groups.command('delete').description('delete consumer groups and their committed offsets; refused for a group with active members'))
    .option('--group <id>', 'the group to delete (repeatable)', collect)
    .option('--all-groups', 'delete every consumer group')
    .action(async (flags: GroupFlags) => {
      await deleteGroups(flags);
    });
}
