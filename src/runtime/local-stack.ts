/**
 * Everything an sds config describes, started in order: the embedded broker (unless the config
 * names an external cluster), the topics, then the functions and their event source mappings.
 * A failure at any step stops what was started, in reverse order, and is thrown; so does stop().
 */
import { startBroker, type RunningBroker } from '../broker/broker.ts';
import { withAdmin } from '../client/clients.ts';
import { resolveConnection, type Connection } from '../client/connection.ts';
import { createTopic } from '../client/topics.ts';
import type { SdsConfig } from '../config/sds-config.ts';
import { silentLogger, type Logger } from '../logging.ts';
import { startFunctions, type RunningFunctions } from './local-functions.ts';

export interface StackOptions {
  readonly logger?: Logger;
  /** How to reach an external cluster (config.cluster.kind "external"); the caller resolves the profile. */
  readonly externalConnection?: Connection;
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

export async function startStack(config: SdsConfig, options: StackOptions = {}): Promise<RunningStack> {
  const logger = options.logger ?? silentLogger();
  let broker: RunningBroker | undefined;
  let connection: Connection;
  if (config.cluster.kind === 'embedded') {
    const c = config.cluster;
    broker = await startBroker({ dataDir: c.dataDir, host: c.host, port: c.port, config: { autoCreateTopics: c.autoCreateTopics }, logger: logger.child({ component: 'broker' }) });
    connection = resolveConnection({ bootstrap: broker.bootstrap, clientId: 'sds' });
  } else {
    if (options.externalConnection === undefined) throw new Error('startStack: an external cluster needs options.externalConnection');
    connection = options.externalConnection;
  }
  try {
    const createdTopics = await createTopics(config, connection);
    const functions = await startFunctions({ functions: config.functions, connection, dataDir: config.dataDir, logger: logger.child({ component: 'event-source' }) });
    const bootstrap = connection.brokers.map((b) => `${b.host}:${b.port}`).join(',');
    return {
      config,
      broker,
      connection,
      bootstrap,
      createdTopics,
      functions,
      stop: async () => {
        await functions.stop();
        await broker?.stop();
      },
    };
  } catch (error: unknown) {
    await broker?.stop();
    throw error;
  }
}
