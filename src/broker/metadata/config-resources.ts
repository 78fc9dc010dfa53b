/**
 * Config resources as the DescribeConfigs / AlterConfigs family sees them: topics (type 2)
 * with their overrides and defaults, and the broker (type 4) whose settings are read-only
 * here (they are set when the broker starts).
 */
import type { BrokerContext } from '../context.ts';
import { TOPIC_CONFIGS, checkTopicConfig, type ConfigType } from './topic-configs.ts';
import { CONFIG_SOURCE } from './create-topic.ts';
import { ErrorCode } from '../../protocol/error-codes.ts';
import { isStorageFailure, storageFailureDetail } from '../log/index.ts';

export const RESOURCE_TYPE = { TOPIC: 2, BROKER: 4 } as const;

/** DescribeConfigs' ConfigType values. */
const CONFIG_TYPE: Record<ConfigType, number> = { boolean: 1, string: 2, int: 3, long: 5, double: 6, list: 7 };

export interface ConfigEntry {
  name: string;
  value: string | null;
  readOnly: boolean;
  configSource: number;
  isSensitive: boolean;
  synonyms: { name: string; value: string | null; source: number }[];
  configType: number;
  documentation: string | null;
}

export interface ResourceProblem {
  errorCode: number;
  message: string;
}

export function topicConfigEntries(overrides: Readonly<Record<string, string>>, includeSynonyms: boolean, includeDocumentation: boolean): ConfigEntry[] {
  return TOPIC_CONFIGS.map((def) => {
    const override = overrides[def.name];
    const source = override === undefined ? CONFIG_SOURCE.DEFAULT_CONFIG : CONFIG_SOURCE.TOPIC_CONFIG;
    const synonyms = includeSynonyms
      ? [...(override === undefined ? [] : [{ name: def.name, value: override, source: CONFIG_SOURCE.TOPIC_CONFIG }]), { name: def.name, value: def.default, source: CONFIG_SOURCE.DEFAULT_CONFIG }]
      : [];
    return {
      name: def.name,
      value: override ?? def.default,
      readOnly: false,
      configSource: source,
      isSensitive: false,
      synonyms,
      configType: CONFIG_TYPE[def.type],
      documentation: includeDocumentation ? def.doc : null,
    };
  });
}

export function brokerConfigEntries(broker: BrokerContext, includeDocumentation: boolean): ConfigEntry[] {
  const c = broker.config;
  const entries: Array<[string, string, ConfigType, string]> = [
    ['node.id', String(broker.nodeId), 'int', 'the id of this broker'],
    ['auto.create.topics.enable', String(c.autoCreateTopics), 'boolean', 'create unknown topics on metadata requests that allow it'],
    ['num.partitions', String(c.defaultPartitions), 'int', 'partitions of a topic created without a count'],
    ['default.replication.factor', '1', 'int', 'replication factor of a topic created without one'],
    ['message.max.bytes', String(c.messageMaxBytes), 'int', 'largest record batch accepted, unless a topic overrides it'],
    ['fetch.max.bytes', String(c.fetchMaxBytes), 'int', 'most record bytes one fetch response carries'],
    ['socket.request.max.bytes', String(c.maxRequestBytes), 'int', 'largest request accepted'],
    ['max.connections', String(c.maxConnections), 'int', 'connections accepted at once'],
    ['connections.max.idle.ms', String(c.idleTimeoutMs), 'long', 'idle connections are closed after this long'],
  ];
  return entries.map(([name, value, type, doc]) => ({
    name,
    value,
    readOnly: true,
    configSource: CONFIG_SOURCE.STATIC_BROKER_CONFIG,
    isSensitive: false,
    synonyms: [],
    configType: CONFIG_TYPE[type],
    documentation: includeDocumentation ? doc : null,
  }));
}

/** Finds the resource; a problem when it does not exist or cannot be named so. */
export function checkResource(broker: BrokerContext, resourceType: number, resourceName: string): ResourceProblem | undefined {
  if (resourceType === RESOURCE_TYPE.TOPIC) {
    return broker.topics.get(resourceName) ? undefined : { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, message: `Topic ${resourceName} does not exist.` };
  }
  if (resourceType === RESOURCE_TYPE.BROKER) {
    return resourceName === '' || resourceName === String(broker.nodeId) ? undefined : { errorCode: ErrorCode.INVALID_REQUEST, message: `Unexpected broker id, expected ${broker.nodeId} or empty string, but received ${resourceName}` };
  }
  return { errorCode: ErrorCode.INVALID_REQUEST, message: `Unsupported resource type ${resourceType}: only topics (2) and brokers (4) have configs here.` };
}

/** Validates and (unless validateOnly) stores a topic's new complete set of overrides. */
export async function replaceTopicConfigs(broker: BrokerContext, topicName: string, overrides: Record<string, string>, validateOnly: boolean): Promise<ResourceProblem | undefined> {
  for (const [name, value] of Object.entries(overrides)) {
    const problem = checkTopicConfig(name, value);
    if (problem) return { errorCode: ErrorCode.INVALID_CONFIG, message: problem };
  }
  if (validateOnly) return undefined;
  let topic;
  try {
    topic = await broker.topics.update(topicName, { configs: overrides });
  } catch (e: unknown) {
    if (!isStorageFailure(e)) throw e;
    return { errorCode: ErrorCode.KAFKA_STORAGE_ERROR, message: `The configs of topic ${topicName} were not changed: the broker could not write to its data directory (${storageFailureDetail(e)}). Free disk space, then retry.` };
  }
  broker.partitions.updateConfigs(topic);
  return undefined;
}

export const BROKER_CONFIGS_READ_ONLY: ResourceProblem = {
  errorCode: ErrorCode.INVALID_REQUEST,
  message: 'Broker configs of the embedded broker are set when it starts and cannot be altered at run time.',
};

export interface AlterResult {
  resourceType: number;
  resourceName: string;
  errorCode: number;
  errorMessage: string | null;
}

/**
 * The shared path of AlterConfigs and IncrementalAlterConfigs: check each resource (broker
 * configs are read-only), let `nextOverrides` compute the topic's new overrides from its
 * current ones (or a problem), then validate and store them unless validateOnly.
 */
export async function alterTopicResources<R extends { resourceType: number; resourceName: string }>(
  broker: BrokerContext,
  resources: readonly R[],
  validateOnly: boolean,
  nextOverrides: (resource: R, current: Readonly<Record<string, string>>) => Record<string, string> | ResourceProblem,
): Promise<AlterResult[]> {
  const results: AlterResult[] = [];
  for (const r of resources) {
    let problem = checkResource(broker, r.resourceType, r.resourceName);
    if (!problem && r.resourceType === RESOURCE_TYPE.BROKER) problem = BROKER_CONFIGS_READ_ONLY;
    if (!problem) {
      const next = nextOverrides(r, broker.topics.get(r.resourceName)?.configs ?? {});
      problem = isProblem(next) ? next : await replaceTopicConfigs(broker, r.resourceName, next, validateOnly);
    }
    results.push({ resourceType: r.resourceType, resourceName: r.resourceName, errorCode: problem?.errorCode ?? ErrorCode.NONE, errorMessage: problem?.message ?? null });
  }
  return results;
}

function isProblem(value: Record<string, string> | ResourceProblem): value is ResourceProblem {
  return typeof (value as Partial<ResourceProblem>).errorCode === 'number' && typeof (value as Partial<ResourceProblem>).message === 'string';
}
