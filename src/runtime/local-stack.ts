/**
 * Everything an sds config describes, started in order: the embedded broker (unless the config
 * names an external cluster), the topics, the local Firehose and its delivery streams, then the
 * functions and their event source mappings, then the dashboard. Functions get FIREHOSE_ENDPOINT (and placeholder
 * credentials when none are configured) so that a forwarder reaches the local Firehose.
 * A failure at any step stops what was started, in reverse order, and is thrown; so does stop().
 */
import { join } from 'node:path';
import { startBroker, type RunningBroker } from '../broker/broker.ts';
import { withAdmin } from '../client/clients.ts';
import { resolveConnection, type Connection } from '../client/connection.ts';
import { createTopic } from '../client/topics.ts';
import type { FunctionConfig, SdsConfig } from '../config/sds-config.ts';
import { startFirehose, type RunningFirehose } from './firehose/service.ts';
import { openObjectStore } from './object-store/index.ts';
import { silentLogger, type Logger } from '../logging.ts';
import { SdsError } from '../errors.ts';
import { startFunctions, type RunningFunctions } from './local-functions.ts';
import { startDashboard, type Dashboard } from '../dashboard/dashboard.ts';

export interface StackOptions {
  readonly logger?: Logger;
  /** How to reach an external cluster (config.cluster.kind "external"); the caller resolves the profile. */
  readonly externalConnection?: Connection;
  /**
   * How the stack's own clients reach the embedded broker when it has no PLAINTEXT listener,
   * or when they must log in (broker.clientProfile); given the broker's listeners.
   */
  readonly brokerConnection?: (broker: RunningBroker) => Connection;
}

export interface RunningStack {
  readonly config: SdsConfig;
  /** The embedded broker, when the stack runs one. */
  readonly broker: RunningBroker | undefined;
  readonly connection: Connection;
  readonly bootstrap: string;
  /** Topics of the config that did not exist and were created. */
  readonly createdTopics: readonly string[];
  readonly functions: RunningFunctions;
  readonly firehose: RunningFirehose | undefined;
  /** The live dashboard, when the config has a `dashboard` section. */
  readonly dashboard: Dashboard | undefined;
  stop(): Promise<void>;
}

async function createTopics(config: SdsConfig, connection: Connection): Promise<string[]> {
  if (config.topics.length === 0) return [];
  return withAdmin(connection, 'create the topics of the config', async (admin) => {
    const created: string[] = [];
    for (const t of config.topics) {
      if (await createTopic(admin, { topic: t.name, partitions: t.partitions, replicationFactor: t.replicationFactor, configs: t.configs, ifNotExists: true })) created.push(t.name);
    }
    return created;
  });
}

/** The function's environment with the local Firehose's endpoint; the function's own settings win. */
function withFirehose(fn: FunctionConfig, endpoint: string): FunctionConfig {
  const credentials: Record<string, string> = process.env['AWS_ACCESS_KEY_ID'] === undefined && process.env['AWS_PROFILE'] === undefined ? { AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' } : {};
  return { ...fn, settings: { ...fn.settings, environment: { FIREHOSE_ENDPOINT: endpoint, ...credentials, ...fn.settings.environment } } };
}

/** The stack's own way in: the caller's profile, else the first PLAINTEXT listener. */
function ownConnection(broker: RunningBroker, fromProfile: StackOptions['brokerConnection']): Connection {
  if (fromProfile !== undefined) return fromProfile(broker);
  const plaintext = broker.listeners.find((l) => l.protocol === 'PLAINTEXT');
  if (plaintext === undefined) {
    throw new SdsError('SDS_ERR_CONFIG_INVALID', "the broker has no PLAINTEXT listener, so sds up's functions and dashboard need to log in: set broker.clientProfile to a profile with the client properties");
  }
  return resolveConnection({ bootstrap: plaintext.bootstrap, clientId: 'sds' });
}

export async function startStack(config: SdsConfig, options: StackOptions = {}): Promise<RunningStack> {
  const logger = options.logger ?? silentLogger();
  let broker: RunningBroker | undefined;
  let connection: Connection;
  if (config.cluster.kind === 'embedded') {
    const c = config.cluster;
    const sec = c.security;
    broker = await startBroker({
      dataDir: c.dataDir,
      host: c.host,
      port: c.port,
      ...(sec.listeners !== undefined ? { listeners: sec.listeners } : {}),
      ...(sec.tls !== undefined ? { tls: sec.tls } : {}),
      ...(sec.sasl !== undefined ? { sasl: sec.sasl } : {}),
      ...(sec.authorizer !== undefined ? { authorizer: sec.authorizer } : {}),
      ...(sec.users !== undefined ? { users: sec.users } : {}),
      ...(c.metricsPort === undefined ? {} : { metricsPort: c.metricsPort }),
      config: { autoCreateTopics: c.autoCreateTopics },
      logger: logger.child({ component: 'broker' }),
    });
    try {
      connection = ownConnection(broker, options.brokerConnection);
    } catch (e: unknown) {
      await broker.stop();
      throw e;
    }
  } else {
    if (options.externalConnection === undefined) throw new Error('startStack: an external cluster needs options.externalConnection');
    connection = options.externalConnection;
  }
  let firehose: RunningFirehose | undefined;
  let functions: RunningFunctions | undefined;
  try {
    const createdTopics = await createTopics(config, connection);
    const f = config.firehose;
    if (f !== undefined) {
      firehose = await startFirehose({
        streams: f.streams,
        dataDir: join(config.dataDir, 'firehose'),
        bucket: (name) => openObjectStore(f.buckets.get(name) ?? join(config.dataDir, 'buckets', name)),
        host: f.host,
        port: f.port,
        logger: logger.child({ component: 'firehose' }),
      });
    }
    const endpoint = firehose?.endpoint;
    const fns = endpoint === undefined ? config.functions : config.functions.map((fn) => withFirehose(fn, endpoint));
    const running = await startFunctions({ functions: fns, connection, dataDir: config.dataDir, logger: logger.child({ component: 'event-source' }) });
    functions = running;
    const d = config.dashboard;
    const dashboard =
      d === undefined
        ? undefined
        : await startDashboard({
            connection,
            // The embedded broker's own Prometheus endpoint, then any the config names.
            prometheusUrls: [...(broker?.metricsUrl === undefined ? [] : [broker.metricsUrl]), ...d.prometheus],
            local: { mappings: running.metrics, ...(firehose === undefined ? {} : { streams: firehose.streams }) },
            host: d.host,
            port: d.port,
            intervalMs: d.intervalSeconds * 1000,
          });
    const bootstrap = connection.brokers.map((b) => `${b.host}:${b.port}`).join(',');
    return {
      config,
      broker,
      connection,
      bootstrap,
      createdTopics,
      functions: running,
      firehose,
      dashboard,
      stop: async () => {
        await dashboard?.stop();
        await running.stop();
        await firehose?.stop();
        await broker?.stop();
      },
    };
  } catch (error: unknown) {
    await functions?.stop();
    await firehose?.stop();
    await broker?.stop();
    throw error;
  }
}
