/**
 * The embedded broker's composition root:
 *
 *   const broker = await startBroker({ port: 0 });
 *   // ... any Kafka client on broker.bootstrap ...
 *   await broker.stop();
 *
 * Without a data directory it uses a temporary one, removed on stop. With `metricsPort` it
 * also serves its metrics (MSK's names) in the Prometheus text format at `metricsUrl`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_BROKER_CONFIG, type BrokerConfig } from './config.ts';
import type { BrokerContext } from './context.ts';
import { lockDataDir } from './data-dir.ts';
import { buildRegistry } from './handlers/index.ts';
import { loadOrCreateIdentity } from './metadata/cluster-identity.ts';
import { TopicStore } from './metadata/topic-store.ts';
import { Partitions } from './partitions.ts';
import { GroupCoordinator } from './groups/index.ts';
import { ProducerStateManager } from './producers/index.ts';
import { Listener } from './server/listener.ts';
import { BrokerMetrics, TrafficCounters, renderPrometheus, startMetricsServer, type BrokerMetricsSnapshot, type RunningMetricsServer } from './metrics/index.ts';
import { silentLogger, type Logger } from '../logging.ts';

export interface BrokerOptions {
  /** Where logs and metadata live; a temporary directory (removed on stop) if left out. */
  readonly dataDir?: string;
  /** Interface to listen on (default 127.0.0.1). */
  readonly host?: string;
  /** Port to listen on; 0 (the default) picks a free one. */
  readonly port?: number;
  /** Host name given to clients in metadata (default: host, or localhost for 0.0.0.0). */
  readonly advertisedHost?: string;
  /** Port given to clients in metadata (default: the port listened on), for a proxy or port forward in front. */
  readonly advertisedPort?: number;
  readonly config?: Partial<BrokerConfig>;
  readonly logger?: Logger;
  /** How often retention runs (log.retention.check.interval.ms, default 5 minutes). */
  readonly retentionCheckIntervalMs?: number;
  /**
   * Port for the Prometheus metrics endpoint (GET /metrics) on `host`, as MSK's open
   * monitoring has; 0 picks a free one. Left out: no metrics endpoint (metrics() still works).
   */
  readonly metricsPort?: number;
}

export interface RunningBroker {
  readonly host: string;
  readonly port: number;
  /** host:port, for a client's bootstrap.servers. */
  readonly bootstrap: string;
  readonly dataDir: string;
  readonly clusterId: string;
  readonly nodeId: number;
  /** http://host:port/metrics when started with a metricsPort. */
  readonly metricsUrl?: string;
  /** The metrics the endpoint serves, as an object (async: lag and disk use read the disk). */
  metrics(): Promise<BrokerMetricsSnapshot>;
  /** Stops accepting, closes connections, flushes and closes every log. */
  stop(): Promise<void>;
}

const NODE_ID = 1;

export async function startBroker(options: BrokerOptions = {}): Promise<RunningBroker> {
  const logger = options.logger ?? silentLogger();
  const config: BrokerConfig = { ...DEFAULT_BROKER_CONFIG, ...options.config };
  const temporary = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'sds-broker-')));
  const host = options.host ?? '127.0.0.1';
  const unlock = await lockDataDir(dataDir);
  let partitions: Partitions | undefined;
  let groups: GroupCoordinator | undefined;
  let producers: ProducerStateManager | undefined;
  const listener = new Listener(logger);
  const traffic = new TrafficCounters();
  let metrics: BrokerMetrics | undefined;
  let metricsServer: RunningMetricsServer | undefined;
  try {
    const identity = await loadOrCreateIdentity(dataDir, NODE_ID);
    const topics = await TopicStore.open(dataDir);
    partitions = await Partitions.open(dataDir, topics, logger);
    groups = await GroupCoordinator.open(dataDir, config, logger);
    producers = await ProducerStateManager.open(dataDir, topics, partitions, logger, {
      expirationMs: config.producerIdExpirationMs,
      expirationCheckIntervalMs: config.producerIdExpirationCheckIntervalMs,
    });
    const port = await listener.listen(host, options.port ?? 0);
    const advertisedHost = options.advertisedHost ?? (host === '0.0.0.0' || host === '::' ? 'localhost' : host);
    const context: BrokerContext = {
      nodeId: identity.nodeId,
      clusterId: identity.clusterId,
      advertisedHost,
      advertisedPort: options.advertisedPort ?? port,
      dataDir,
      topics,
      config,
      registry: buildRegistry(),
      partitions,
      producers,
      groups,
      metrics: traffic,
    };
    metrics = new BrokerMetrics({
      nodeId: identity.nodeId,
      clusterId: identity.clusterId,
      dataDir,
      traffic,
      topics,
      partitions,
      offsets: groups.offsets,
      connectionCount: () => listener.connectionCount,
    });
    metrics.start();
    const brokerMetrics = metrics;
    listener.attach(context);
    if (options.metricsPort !== undefined) {
      metricsServer = await startMetricsServer({
        host,
        port: options.metricsPort,
        urlHost: advertisedHost,
        render: async () => renderPrometheus(await brokerMetrics.snapshot()),
        logger,
      });
    }
    const openMetricsServer = metricsServer;
    const openPartitions = partitions;
    const openGroups = groups;
    const producerState = producers;
    const retention = setInterval(() => {
      openPartitions.enforceRetention().catch((e: unknown) => logger.error({ err: e }, 'retention failed'));
    }, options.retentionCheckIntervalMs ?? 300_000);
    retention.unref();
    logger.info({ host, port, dataDir, clusterId: identity.clusterId, metricsUrl: metricsServer?.url }, 'broker started');
    let stopping: Promise<void> | undefined;
    return {
      host,
      port,
      bootstrap: `${advertisedHost}:${options.advertisedPort ?? port}`,
      dataDir,
      clusterId: identity.clusterId,
      nodeId: identity.nodeId,
      ...(metricsServer === undefined ? {} : { metricsUrl: metricsServer.url }),
      metrics: () => brokerMetrics.snapshot(),
      stop() {
        stopping ??= (async () => {
          clearInterval(retention);
          brokerMetrics.stop();
          await openMetricsServer?.close();
          await listener.close();
          await openGroups.close();
          producerState.close();
          const live = producerState.live(openPartitions);
          await openPartitions.close();
          await producerState.saveSnapshots(live);
          await unlock();
          if (temporary) await rm(dataDir, { recursive: true, force: true });
          logger.info('broker stopped');
        })();
        return stopping;
      },
    };
  } catch (e: unknown) {
    metrics?.stop();
    await metricsServer?.close();
    await listener.close().catch(() => undefined);
    producers?.close();
    await groups?.close().catch(() => undefined);
    await partitions?.close().catch(() => undefined);
    await unlock();
    if (temporary) await rm(dataDir, { recursive: true, force: true });
    throw e;
  }
}
