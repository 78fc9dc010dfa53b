/**
 * `sds topics create|list|describe|delete|alter`, with kafka-topics' flags and output, against
 * any Kafka (the embedded broker, Apache Kafka, Amazon MSK).
 */
import { InvalidArgumentError, type Command } from 'commander';
import type { Admin } from '@platformatic/kafka';
import { withAdmin } from '../client/clients.ts';
import { alterTopic, createTopic, deleteTopic, describeTopics, listTopics, type TopicDescription } from '../client/topics.ts';
import { addConnectionOptions, connectionFrom, type ConnectionFlags } from './connection-options.ts';
import { parsePositiveInt, UsageError } from './options.ts';

/** `--config name=value`, repeatable; a repeated name keeps its last value. */
export function collectConfig(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`expected name=value, got "${value}".`);
  return { ...previous, [value.slice(0, eq).trim()]: value.slice(eq + 1) };
}

function collectList(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** kafka-topics accepts 1-2^31-1; -1 is not offered here (the broker default applies when the flag is absent). */
function parseCount(value: string): number {
  const n = parsePositiveInt(value);
  if (n > 2_147_483_647) throw new InvalidArgumentError('expected a whole number from 1 to 2147483647.');
  return n;
}

function withAdminDo<T>(flags: ConnectionFlags, action: string, fn: (admin: Admin) => Promise<T>): Promise<T> {
  return withAdmin(connectionFrom(flags), action, fn);
}

export function formatDescription(t: TopicDescription): string {
  const configs = Object.entries(t.configs).map(([k, v]) => `${k}=${v}`).join(',');
  const lines = [`Topic: ${t.name}\tTopicId: ${t.id}\tPartitionCount: ${t.partitions.length}\tReplicationFactor: ${t.replicationFactor}\tConfigs: ${configs}`];
  for (const p of t.partitions) {
    lines.push(`\tTopic: ${t.name}\tPartition: ${p.partition}\tLeader: ${p.leader < 0 ? 'none' : p.leader}\tReplicas: ${p.replicas.join(',')}\tIsr: ${p.isr.join(',')}`);
  }
  return lines.join('\n');
}

interface CreateFlags extends ConnectionFlags {
  topic: string;
  partitions?: number;
  replicationFactor?: number;
  config?: Record<string, string>;
  ifNotExists?: boolean;
}

interface AlterFlags extends ConnectionFlags {
  topic: string;
  partitions?: number;
  config?: Record<string, string>;
  deleteConfig?: string[];
  ifExists?: boolean;
}

export function registerTopicCommands(program: Command): void {
  const topics = program.command('topics').description('create, list, describe, alter and delete topics (like kafka-topics)');

  addConnectionOptions(topics.command('create').description('create a topic'))
    .requiredOption('--topic <name>', 'the topic to create')
    .option('--partitions <n>', 'number of partitions (default: the broker\'s num.partitions)', parseCount)
    .option('--replication-factor <n>', 'copies of each partition (default: the broker\'s default.replication.factor)', parseCount)
    .option('--config <name=value>', 'a topic setting, e.g. retention.ms=86400000 (repeatable)', collectConfig)
    .option('--if-not-exists', 'succeed when the topic already exists')
    .action(async (flags: CreateFlags) => {
      const created = await withAdminDo(flags, `creating topic ${flags.topic}`, (admin) =>
        createTopic(admin, {
          topic: flags.topic,
          ...(flags.partitions !== undefined ? { partitions: flags.partitions } : {}),
          ...(flags.replicationFactor !== undefined ? { replicationFactor: flags.replicationFactor } : {}),
          ...(flags.config !== undefined ? { configs: flags.config } : {}),
          ifNotExists: flags.ifNotExists === true,
        }),
      );
      process.stdout.write(created ? `Created topic ${flags.topic}.\n` : `Topic ${flags.topic} already exists.\n`);
    });

  addConnectionOptions(topics.command('list').description('list topic names, one per line'))
    .option('--exclude-internal', 'leave out internal topics such as __consumer_offsets')
    .action(async (flags: ConnectionFlags & { excludeInternal?: boolean }) => {
      const names = await withAdminDo(flags, 'listing topics', (admin) => listTopics(admin, flags.excludeInternal !== true));
      process.stdout.write(names.map((n) => `${n}\n`).join(''));
    });

  addConnectionOptions(topics.command('describe').description('partitions, leaders, replicas, in-sync replicas and topic-level settings'))
    .option('--topic <name>', 'the topic to describe (repeatable; default: every topic)', collectList)
    .option('--json', 'print JSON instead of kafka-topics\' text')
    .action(async (flags: ConnectionFlags & { topic?: string[]; json?: boolean }) => {
      const described = await withAdminDo(flags, 'describing topics', (admin) => describeTopics(admin, flags.topic ?? []));
      process.stdout.write(flags.json === true ? `${JSON.stringify(described, null, 2)}\n` : described.map((t) => `${formatDescription(t)}\n`).join(''));
    });

  addConnectionOptions(topics.command('delete').description('delete a topic and its records'))
    .requiredOption('--topic <name>', 'the topic to delete')
    .option('--if-exists', 'succeed when the topic does not exist')
    .action(async (flags: ConnectionFlags & { topic: string; ifExists?: boolean }) => {
      const deleted = await withAdminDo(flags, `deleting topic ${flags.topic}`, (admin) => deleteTopic(admin, flags.topic, flags.ifExists === true));
      process.stdout.write(deleted ? `Deleted topic ${flags.topic}.\n` : `Topic ${flags.topic} does not exist.\n`);
    });

  addConnectionOptions(topics.command('alter').description('add partitions, or change topic-level settings'))
    .requiredOption('--topic <name>', 'the topic to change')
    .option('--partitions <n>', 'the new partition count (partitions can only be added)', parseCount)
    .option('--config <name=value>', 'set a topic setting (repeatable)', collectConfig)
    .option('--delete-config <name>', 'return a setting to the broker default (repeatable)', collectList)
    .option('--if-exists', 'succeed when the topic does not exist')
    .action(async (flags: AlterFlags) => {
      if (flags.partitions === undefined && flags.config === undefined && flags.deleteConfig === undefined) {
        throw new UsageError('sds topics alter: nothing to change: give --partitions, --config or --delete-config');
      }
      const altered = await withAdminDo(flags, `altering topic ${flags.topic}`, (admin) =>
        alterTopic(admin, {
          topic: flags.topic,
          ...(flags.partitions !== undefined ? { partitions: flags.partitions } : {}),
          ...(flags.config !== undefined ? { setConfigs: flags.config } : {}),
          ...(flags.deleteConfig !== undefined ? { deleteConfigs: flags.deleteConfig } : {}),
          ifExists: flags.ifExists === true,
        }),
      );
      process.stdout.write(altered ? `Altered topic ${flags.topic}.\n` : `Topic ${flags.topic} does not exist.\n`);
    });
}
