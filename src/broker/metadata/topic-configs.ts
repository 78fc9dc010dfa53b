/**
 * Topic configs with Kafka's names, defaults (Kafka 4.x) and validation. A topic stores
 * only its overrides; everything else is the default. DescribeConfigs lists them all.
 */

export type ConfigType = 'long' | 'int' | 'string' | 'boolean' | 'double' | 'list';

export interface ConfigDef {
  readonly name: string;
  readonly type: ConfigType;
  readonly default: string;
  readonly doc: string;
  /** Returns a reason when the value is not allowed. */
  readonly validate?: (value: string) => string | undefined;
}

const atLeast = (min: number) => (v: string) => (Number(v) < min ? `must be at least ${min}` : undefined);
const oneOf = (...allowed: string[]) => (v: string) => (allowed.includes(v) ? undefined : `must be one of ${allowed.join(', ')}`);

const LONG_MAX = '9223372036854775807';

export const TOPIC_CONFIGS: readonly ConfigDef[] = [
  { name: 'cleanup.policy', type: 'list', default: 'delete', doc: 'delete or compact segments past retention', validate: (v) => (v.split(',').every((p) => ['delete', 'compact'].includes(p.trim())) ? undefined : 'must be a list of delete, compact') },
  { name: 'compression.type', type: 'string', default: 'producer', doc: 'codec of stored batches', validate: oneOf('producer', 'uncompressed', 'gzip', 'snappy', 'lz4', 'zstd') },
  { name: 'delete.retention.ms', type: 'long', default: '86400000', doc: 'how long delete tombstones are kept', validate: atLeast(0) },
  { name: 'file.delete.delay.ms', type: 'long', default: '60000', doc: 'delay before a deleted segment file is removed', validate: atLeast(0) },
  { name: 'flush.messages', type: 'long', default: '1', doc: 'fsync after this many messages (1: before acknowledging each produce)', validate: atLeast(1) },
  { name: 'flush.ms', type: 'long', default: LONG_MAX, doc: 'fsync at least this often', validate: atLeast(0) },
  { name: 'index.interval.bytes', type: 'int', default: '4096', doc: 'bytes between offset index entries', validate: atLeast(0) },
  { name: 'max.compaction.lag.ms', type: 'long', default: LONG_MAX, doc: 'compaction lag bound', validate: atLeast(1) },
  { name: 'max.message.bytes', type: 'int', default: '1048588', doc: 'largest record batch accepted', validate: atLeast(0) },
  { name: 'message.timestamp.after.max.ms', type: 'long', default: '3600000', doc: 'how far in the future a CreateTime timestamp may be', validate: atLeast(0) },
  { name: 'message.timestamp.before.max.ms', type: 'long', default: LONG_MAX, doc: 'how far in the past a CreateTime timestamp may be', validate: atLeast(0) },
  { name: 'message.timestamp.type', type: 'string', default: 'CreateTime', doc: 'CreateTime or LogAppendTime', validate: oneOf('CreateTime', 'LogAppendTime') },
  { name: 'min.cleanable.dirty.ratio', type: 'double', default: '0.5', doc: 'compaction trigger ratio', validate: (v) => (Number(v) < 0 || Number(v) > 1 ? 'must be between 0 and 1' : undefined) },
  { name: 'min.compaction.lag.ms', type: 'long', default: '0', doc: 'minimum age before compaction', validate: atLeast(0) },
  { name: 'min.insync.replicas', type: 'int', default: '1', doc: 'replicas that must acknowledge acks=all', validate: atLeast(1) },
  { name: 'preallocate', type: 'boolean', default: 'false', doc: 'preallocate segment files' },
  { name: 'retention.bytes', type: 'long', default: '-1', doc: 'largest partition size before old segments go (-1: no limit)', validate: atLeast(-1) },
  { name: 'retention.ms', type: 'long', default: '604800000', doc: 'age after which segments go (-1: forever)', validate: atLeast(-1) },
  { name: 'segment.bytes', type: 'int', default: '1073741824', doc: 'segment file size before a roll', validate: atLeast(14) },
  { name: 'segment.index.bytes', type: 'int', default: '10485760', doc: 'offset index size per segment', validate: atLeast(4) },
  { name: 'segment.jitter.ms', type: 'long', default: '0', doc: 'random jitter on segment.ms', validate: atLeast(0) },
  { name: 'segment.ms', type: 'long', default: '604800000', doc: 'age of a segment before a roll', validate: atLeast(1) },
  { name: 'unclean.leader.election.enable', type: 'boolean', default: 'false', doc: 'allow out-of-sync leaders' },
];

const BY_NAME = new Map(TOPIC_CONFIGS.map((c) => [c.name, c]));

export function topicConfigDef(name: string): ConfigDef | undefined {
  return BY_NAME.get(name);
}

/** Why a config name or value is refused, in Kafka's words where it has them; undefined if fine. */
export function checkTopicConfig(name: string, value: string | null): string | undefined {
  const def = BY_NAME.get(name);
  if (!def) return `Unknown topic config name: ${name}`;
  if (value === null) return undefined; // null resets to the default
  const typeProblem = checkType(def.type, value);
  if (typeProblem) return `Invalid value ${value} for configuration ${name}: ${typeProblem}`;
  const problem = def.validate?.(value);
  return problem ? `Invalid value ${value} for configuration ${name}: Value ${problem}` : undefined;
}

function checkType(type: ConfigType, value: string): string | undefined {
  switch (type) {
    case 'int':
      return /^-?\d+$/.test(value.trim()) && Math.abs(Number(value)) <= 2147483647 ? undefined : 'Not a number of type INT';
    case 'long':
      return /^-?\d+$/.test(value.trim()) && BigInt(value.trim()) <= 9223372036854775807n && BigInt(value.trim()) >= -9223372036854775808n ? undefined : 'Not a number of type LONG';
    case 'double':
      return value.trim() !== '' && Number.isFinite(Number(value)) ? undefined : 'Not a number of type DOUBLE';
    case 'boolean':
      return ['true', 'false'].includes(value.trim().toLowerCase()) ? undefined : 'Expected value to be either true or false';
    default:
      return undefined;
  }
}

/** The effective value: the override if set, else the default. */
export function effectiveConfig(overrides: Readonly<Record<string, string>>, name: string): string {
  return overrides[name] ?? BY_NAME.get(name)?.default ?? '';
}
