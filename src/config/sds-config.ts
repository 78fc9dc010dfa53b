/**
 * The sds config file (`sds.config.yaml`): what `sds up` runs. Every problem is reported at
 * once, with its path in the file, before anything starts.
 *
 *   dataDir: .sds                    # state of everything below (default .sds)
 *   broker:                          # the embedded broker (left out when `bootstrap` or `profile` is set)
 *     port: 9092
 *   topics:
 *     - name: MyTopic
 *       partitions: 1
 *   functions:
 *     msk-consumer:
 *       entry: src/functions/msk-consumer/index.ts
 *       timeout: 30
 *       eventSources:                # CreateEventSourceMapping's request for Kafka, as in AWS's API
 *         - Topics: [MyTopic]
 *           StartingPosition: TRIM_HORIZON
 *
 * Functions use the names of CDK's NodejsFunction (entry, handler, timeout, memorySize,
 * environment, reservedConcurrentExecutions); an event source is the CreateEventSourceMapping
 * request itself, so settings copied from AWS's documentation or CLI work unchanged. Relative
 * paths are resolved against the config file's folder.
 */
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { settingsProblems } from '../runtime/function-host/settings.ts';
import type { FunctionSettings } from '../runtime/function-host/types.ts';
import { MappingSettingsError, parseMappingSettings, type MappingInput, type MappingSettings } from '../runtime/event-source/settings.ts';
import { parseStreamSettings, type DeliveryStreamSettings } from '../runtime/firehose/settings.ts';
import { parseS3Target } from '../runtime/object-store/index.ts';
import { configProblems, isRecord, MAX_CONFIG_BYTES, readConfigDocument } from './config-file.ts';
import { Checker } from './checker.ts';

export { Checker } from './checker.ts';
import { BROKER_SECURITY_KEYS, checkBrokerSecurity, secretFileProblem, type BrokerSecurityConfig } from './broker-security.ts';

export const DEFAULT_DATA_DIR = '.sds';
export const DEFAULT_BROKER_PORT = 9092;
/** Execution environments (worker threads) per function unless reservedConcurrentExecutions says otherwise. */
export const DEFAULT_FUNCTION_CONCURRENCY = 5;
/** The local Firehose's port: the one LocalStack gave Firehose before it moved to a single port. */
export const DEFAULT_FIREHOSE_PORT = 4573;

export interface EmbeddedBrokerConfig {
  readonly kind: 'embedded';
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly autoCreateTopics: boolean;
  /** The broker's Prometheus endpoint (MSK's names); undefined: none. */
  readonly metricsPort?: number;
  /** Listeners, TLS, SASL, ACLs and users; empty: one PLAINTEXT listener on host and port. */
  readonly security: BrokerSecurityConfig;
}

export interface ExternalClusterConfig {
  readonly kind: 'external';
  readonly bootstrap?: string;
  /** A connection profile of the same file (profiles.<name>). */
  readonly profile?: string;
}

export interface TopicConfig {
  readonly name: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly configs: Readonly<Record<string, string>>;
}

export interface FunctionConfig {
  readonly settings: FunctionSettings;
  readonly concurrency: number;
  readonly eventSources: readonly MappingSettings[];
}

export interface FirehoseConfig {
  readonly host: string;
  readonly port: number;
  readonly streams: readonly DeliveryStreamSettings[];
  /** Where each bucket named by a stream is: a local folder (the default) or an s3:// target. */
  readonly buckets: ReadonlyMap<string, string>;
}

export interface DashboardConfig {
  readonly host: string;
  readonly port: number;
  readonly intervalSeconds: number;
  /** Prometheus text endpoints to read besides the cluster (the embedded broker's is added by itself). */
  readonly prometheus: readonly string[];
}

export interface SdsConfig {
  /** Absolute path of the file, or undefined for the built-in defaults. */
  readonly path: string | undefined;
  readonly dataDir: string;
  readonly cluster: EmbeddedBrokerConfig | ExternalClusterConfig;
  readonly topics: readonly TopicConfig[];
  readonly functions: readonly FunctionConfig[];
  /** The local Firehose, when the config declares delivery streams. */
  readonly firehose: FirehoseConfig | undefined;
  /** The live dashboard, when the config has a `dashboard` section. */
  readonly dashboard: DashboardConfig | undefined;
}

const TOP_LEVEL = ['dataDir', 'broker', 'bootstrap', 'profile', 'profiles', 'topics', 'functions', 'firehose', 'deliveryStreams', 'buckets', 'dashboard'];
const FIREHOSE_KEYS = ['host', 'port'];
const DASHBOARD_KEYS = ['host', 'port', 'intervalSeconds', 'prometheus'];
export const DEFAULT_DASHBOARD_PORT = 3000;
const BROKER_KEYS = ['host', 'port', 'dataDir', 'autoCreateTopics', 'metricsPort', ...BROKER_SECURITY_KEYS];
const TOPIC_KEYS = ['name', 'partitions', 'replicationFactor', 'configs'];
const FUNCTION_KEYS = ['entry', 'handler', 'timeout', 'memorySize', 'environment', 'reservedConcurrentExecutions', 'eventSources'];
const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;
// How the function host names its settings, and what the config file calls them.
const SETTING_NAMES: Record<string, string> = { modulePath: 'entry', exportName: 'handler', timeoutSeconds: 'timeout', memoryMb: 'memorySize', name: 'name' };


function checkCluster(doc: Record<string, unknown>, dataDir: string, at: (p: string) => string, c: Checker): SdsConfig['cluster'] {
  const bootstrap = doc['bootstrap'];
  const profile = doc['profile'];
  if (bootstrap !== undefined || profile !== undefined) {
    if (doc['broker'] !== undefined) c.add('broker', 'leave it out when bootstrap or profile names an external cluster');
    return {
      kind: 'external',
      ...(bootstrap !== undefined ? { bootstrap: c.string('bootstrap', bootstrap, '') } : {}),
      ...(profile !== undefined ? { profile: c.string('profile', profile, '') } : {}),
    };
  }
  const broker = doc['broker'] ?? {};
  if (!isRecord(broker)) {
    c.add('broker', `expected a mapping with ${BROKER_KEYS.join(', ')}`);
    return { kind: 'embedded', host: '127.0.0.1', port: DEFAULT_BROKER_PORT, dataDir: join(dataDir, 'broker'), autoCreateTopics: false, security: {} };
  }
  c.unknownKeys('broker', broker, BROKER_KEYS);
  const security = checkBrokerSecurity(broker, at, c);
  const profiles = doc['profiles'];
  if (security.clientProfile !== undefined && !(isRecord(profiles) && Object.hasOwn(profiles, security.clientProfile))) {
    c.add('broker.clientProfile', `there is no profile "${security.clientProfile}" under profiles`);
  }
  return {
    kind: 'embedded',
    host: c.string('broker.host', broker['host'], '127.0.0.1'),
    port: c.int('broker.port', broker['port'], 0, 65535, DEFAULT_BROKER_PORT),
    dataDir: at(c.string('broker.dataDir', broker['dataDir'], join(dataDir, 'broker'))),
    autoCreateTopics: c.bool('broker.autoCreateTopics', broker['autoCreateTopics'], false),
    ...(broker['metricsPort'] === undefined ? {} : { metricsPort: c.int('broker.metricsPort', broker['metricsPort'], 0, 65535, 0) }),
    security,
  };
}

function checkTopics(value: unknown, c: Checker): TopicConfig[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    c.add('topics', 'expected a list of topics, each with a name');
    return [];
  }
  const topics: TopicConfig[] = [];
  const seen = new Set<string>();
  value.forEach((raw: unknown, i) => {
    const path = `topics[${i}]`;
    if (!isRecord(raw)) {
      c.add(path, `expected a mapping with ${TOPIC_KEYS.join(', ')}`);
      return;
    }
    c.unknownKeys(path, raw, TOPIC_KEYS);
    const name = raw['name'];
    if (typeof name !== 'string' || !TOPIC_NAME.test(name) || name === '.' || name === '..') {
      c.add(`${path}.name`, 'expected a topic name: letters, digits, ".", "_", "-"; at most 249 characters');
    } else if (seen.has(name)) {
      c.add(`${path}.name`, `topic ${name} is listed twice`);
    } else {
      seen.add(name);
    }
    topics.push({
      name: typeof name === 'string' ? name : '',
      partitions: c.int(`${path}.partitions`, raw['partitions'], 1, 10_000, 1),
      replicationFactor: c.int(`${path}.replicationFactor`, raw['replicationFactor'], 1, 32_767, 1),
      configs: c.strings(`${path}.configs`, raw['configs']),
    });
  });
  return topics;
}

/** Relative `file:` destinations are the config file's, not the current folder's. */
function anchorDestination(input: Record<string, unknown>, baseDir: string): MappingInput {
  const dc = input['DestinationConfig'];
  const onFailure = isRecord(dc) ? dc['OnFailure'] : undefined;
  const destination = isRecord(onFailure) ? onFailure['Destination'] : undefined;
  if (typeof destination !== 'string' || !destination.startsWith('file:') || destination.startsWith('file://')) return input;
  const path = destination.slice('file:'.length);
  if (path.length === 0 || isAbsolute(path)) return input;
  return { ...input, DestinationConfig: { ...dc as Record<string, unknown>, OnFailure: { ...onFailure as Record<string, unknown>, Destination: `file:${resolve(baseDir, path)}` } } };
}

function checkEventSources(path: string, value: unknown, baseDir: string, c: Checker): MappingSettings[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    c.add(path, 'expected a list of event sources (CreateEventSourceMapping settings)');
    return [];
  }
  const sources: MappingSettings[] = [];
  value.forEach((raw: unknown, i) => {
    const at = `${path}[${i}]`;
    if (!isRecord(raw)) {
      c.add(at, 'expected a mapping of CreateEventSourceMapping settings (Topics, StartingPosition, BatchSize, ...)');
      return;
    }
    try {
      const settings = parseMappingSettings(anchorDestination(raw, baseDir));
      // A mapping's identity (and default consumer group) is its function and topic.
      if (sources.some((s) => s.topic === settings.topic)) c.add(`${at}.Topics`, `the function already has an event source on ${settings.topic}`);
      sources.push(settings);
    } catch (error: unknown) {
      if (!(error instanceof MappingSettingsError)) throw error;
      for (const problem of error.problems) c.problems.push(`${at}.${problem}`);
    }
  });
  return sources;
}

export function checkFunction(name: string, raw: unknown, dataDir: string, baseDir: string, c: Checker): FunctionConfig | undefined {
  const path = `functions.${name}`;
  if (!isRecord(raw)) {
    c.add(path, `expected a mapping with ${FUNCTION_KEYS.join(', ')}`);
    return undefined;
  }
  c.unknownKeys(path, raw, FUNCTION_KEYS);
  const entry = raw['entry'];
  let modulePath = '';
  if (typeof entry !== 'string' || entry.length === 0) c.add(`${path}.entry`, 'required: the path of the handler module (.ts or .js)');
  else {
    modulePath = resolve(baseDir, entry);
    if (!existsSync(modulePath)) c.add(`${path}.entry`, `${modulePath} does not exist`);
  }
  const environment = raw['environment'];
  const settings: FunctionSettings = {
    name,
    modulePath,
    exportName: typeof raw['handler'] === 'string' ? raw['handler'] : 'handler',
    timeoutSeconds: typeof raw['timeout'] === 'number' ? raw['timeout'] : 3,
    memoryMb: typeof raw['memorySize'] === 'number' ? raw['memorySize'] : 128,
    environment: c.strings(`${path}.environment`, environment),
    logDir: join(dataDir, 'logs'),
    region: process.env['AWS_REGION'] ?? 'us-east-1',
    accountId: '000000000000',
  };
  for (const [key, value] of [['handler', raw['handler']], ['timeout', raw['timeout']], ['memorySize', raw['memorySize']]] as const) {
    const expected = key === 'handler' ? 'string' : 'number';
    if (value !== undefined && typeof value !== expected) c.add(`${path}.${key}`, `expected a ${expected}, got ${JSON.stringify(value)}`);
  }
  for (const problem of settingsProblems(settings)) {
    // "timeoutSeconds 901: ..." becomes "functions.f.timeout: 901: ..."; the entry's own check said enough.
    const match = /^(\w+)( |:)/.exec(problem);
    const field = match?.[1] ?? '';
    if (field === 'modulePath' && modulePath === '') continue;
    if (field === 'name') c.add(path, `the function name ${problem.slice(field.length + 1)}`);
    else if (field === 'environment') c.add(`${path}.environment`, problem.slice(field.length + 1));
    else if (field in SETTING_NAMES) c.add(`${path}.${SETTING_NAMES[field] ?? field}`, problem.slice(field.length + 1));
  }
  return {
    settings,
    concurrency: c.int(`${path}.reservedConcurrentExecutions`, raw['reservedConcurrentExecutions'], 1, 100, DEFAULT_FUNCTION_CONCURRENCY),
    eventSources: checkEventSources(`${path}.eventSources`, raw['eventSources'], baseDir, c),
  };
}

function checkFirehose(root: Record<string, unknown>, dataDir: string, baseDir: string, c: Checker): FirehoseConfig | undefined {
  const declared = root['deliveryStreams'];
  const server = root['firehose'] ?? {};
  const bucketTargets = root['buckets'] ?? {};
  if (declared === undefined) {
    if (root['firehose'] !== undefined) c.add('firehose', 'declare deliveryStreams for the local Firehose to serve');
    return undefined;
  }
  if (!isRecord(declared)) {
    c.add('deliveryStreams', 'expected a mapping of delivery stream names to their S3 destination settings');
    return undefined;
  }
  let host = '127.0.0.1';
  let port = DEFAULT_FIREHOSE_PORT;
  if (!isRecord(server)) c.add('firehose', `expected a mapping with ${FIREHOSE_KEYS.join(', ')}`);
  else {
    c.unknownKeys('firehose', server, FIREHOSE_KEYS);
    host = c.string('firehose.host', server['host'], host);
    port = c.int('firehose.port', server['port'], 0, 65535, port);
  }
  const streams: DeliveryStreamSettings[] = [];
  for (const [name, raw] of Object.entries(declared)) {
    const parsed = parseStreamSettings(name, raw);
    if (Array.isArray(parsed)) for (const problem of parsed) c.add(`deliveryStreams.${name}`, problem);
    else streams.push(parsed);
  }
  const buckets = new Map<string, string>();
  if (!isRecord(bucketTargets)) c.add('buckets', 'expected a mapping of bucket names to s3:// targets or folders');
  else {
    for (const [name, target] of Object.entries(bucketTargets)) {
      if (typeof target !== 'string' || target.length === 0) c.add(`buckets.${name}`, 'expected s3://BUCKET[?region=R&endpoint=URL] or a folder path');
      else if (target.startsWith('s3://')) {
        try {
          parseS3Target(target);
          buckets.set(name, target);
        } catch (error: unknown) {
          c.add(`buckets.${name}`, error instanceof Error ? error.message : String(error));
        }
      } else buckets.set(name, resolve(baseDir, target));
    }
  }
  for (const s of streams) if (!buckets.has(s.bucket)) buckets.set(s.bucket, join(dataDir, 'buckets', s.bucket));
  return { host, port, streams, buckets };
}

function checkDashboard(value: unknown, c: Checker): DashboardConfig | undefined {
  if (value === undefined) return undefined;
  // `dashboard: {}` or a bare `dashboard:` turns it on with the defaults.
  const raw = value ?? {};
  if (!isRecord(raw)) {
    c.add('dashboard', `expected a mapping with ${DASHBOARD_KEYS.join(', ')}`);
    return undefined;
  }
  c.unknownKeys('dashboard', raw, DASHBOARD_KEYS);
  const prometheus: string[] = [];
  const urls = raw['prometheus'] ?? [];
  if (!Array.isArray(urls)) c.add('dashboard.prometheus', 'expected a list of http(s) URLs');
  else {
    urls.forEach((u: unknown, i) => {
      if (typeof u === 'string' && URL.canParse(u) && ['http:', 'https:'].includes(new URL(u).protocol)) prometheus.push(u);
      else c.add(`dashboard.prometheus[${i}]`, `expected an http(s) URL such as http://b-1.example:11001/metrics, got ${JSON.stringify(u)}`);
    });
  }
  return {
    host: c.string('dashboard.host', raw['host'], '127.0.0.1'),
    port: c.int('dashboard.port', raw['port'], 0, 65535, DEFAULT_DASHBOARD_PORT),
    intervalSeconds: c.int('dashboard.intervalSeconds', raw['intervalSeconds'], 1, 300, 5),
    prometheus,
  };
}

function checkFunctions(value: unknown, dataDir: string, baseDir: string, c: Checker): FunctionConfig[] {
  if (value === undefined) return [];
  if (!isRecord(value)) {
    c.add('functions', 'expected a mapping of function names to their settings');
    return [];
  }
  return Object.entries(value).flatMap(([name, raw]) => checkFunction(name, raw, dataDir, baseDir, c) ?? []);
}

/** Checks a parsed document; `baseDir` anchors relative paths. Throws SDS_ERR_CONFIG_INVALID with every problem. */
export function checkConfig(doc: unknown, baseDir: string, path: string | undefined): SdsConfig {
  const c = new Checker();
  const root = doc ?? {};
  if (!isRecord(root)) throw configProblems(path ?? 'the config', ['(top level): expected a mapping of sections (broker, topics, functions, ...)']);
  c.unknownKeys('', root, TOP_LEVEL);
  const at = (p: string): string => resolve(baseDir, p);
  const dataDir = at(c.string('dataDir', root['dataDir'], DEFAULT_DATA_DIR));
  const config: SdsConfig = {
    path,
    dataDir,
    cluster: checkCluster(root, dataDir, at, c),
    topics: checkTopics(root['topics'], c),
    functions: checkFunctions(root['functions'], dataDir, baseDir, c),
    firehose: checkFirehose(root, dataDir, baseDir, c),
    dashboard: checkDashboard(root['dashboard'], c),
  };
  if (c.problems.length > 0) throw configProblems(path ?? 'the config', c.problems);
  return config;
}

/** Settings given on the command line, which win over the file's. */
export interface ConfigOverrides {
  /** Absolute, or relative to the current folder. */
  readonly dataDir?: string;
  readonly brokerPort?: number;
}

function withOverrides(doc: unknown, o: ConfigOverrides): unknown {
  if (!isRecord(doc ?? {})) return doc;
  const root = { ...(doc as Record<string, unknown> | null) };
  if (o.dataDir !== undefined) root['dataDir'] = resolve(o.dataDir);
  if (o.brokerPort !== undefined) {
    const broker = isRecord(root['broker']) ? root['broker'] : {};
    const listeners: unknown = broker['listeners'];
    // With listeners, --port moves the first one.
    if (Array.isArray(listeners) && typeof listeners[0] === 'string') {
      root['broker'] = { ...broker, listeners: [listeners[0].replace(/:\d+$/, `:${o.brokerPort}`), ...(listeners.slice(1) as unknown[])] };
    } else root['broker'] = { ...broker, port: o.brokerPort };
  }
  return root;
}

/** Property names whose values are secrets when a profile writes them inline. */
const SECRET_PROPERTY = /password|sasl\.jaas\.config|ssl\.keystore\.key$/;

function hasInlineSecrets(doc: unknown): boolean {
  const profiles = isRecord(doc) ? doc['profiles'] : undefined;
  if (!isRecord(profiles)) return false;
  return Object.values(profiles).some((p) => isRecord(p) && isRecord(p['properties']) && Object.keys(p['properties']).some((k) => SECRET_PROPERTY.test(k)));
}

/** Reads and checks the file at `path`. A file with passwords in it must be readable by its owner alone. */
export function loadConfig(path: string, overrides: ConfigOverrides = {}): SdsConfig {
  const absolute = resolve(path);
  const doc = readConfigDocument(absolute);
  if (hasInlineSecrets(doc)) {
    const problem = secretFileProblem(absolute, MAX_CONFIG_BYTES);
    if (problem !== undefined) throw configProblems(absolute, [`profiles: hold credentials, but ${problem}`]);
  }
  return checkConfig(withOverrides(doc, overrides), dirname(absolute), absolute);
}

/** The file named, else `defaultPath` when it exists, else the defaults: the embedded broker alone. */
export function loadConfigOrDefaults(path: string | undefined, defaultPath: string, overrides: ConfigOverrides = {}): SdsConfig {
  if (path !== undefined) return loadConfig(path, overrides);
  if (existsSync(defaultPath)) return loadConfig(defaultPath, overrides);
  return checkConfig(withOverrides({}, overrides), process.cwd(), undefined);
}
