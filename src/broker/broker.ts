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
import { ConnectionSet, Listener, type TlsOptions } from './server/listener.ts';
import { listenerProblems, type ListenerOptions, type SecurityProtocol } from './server/listener-spec.ts';
import { DEFAULT_SASL_OPTIONS, type SaslOptions } from './server/sasl-authenticator.ts';
import { openSecurity, type AuthorizerOptions, type BrokerSecurity } from './security/index.ts';
import { ensureUsers, type ConfiguredUser } from './security/configured-users.ts';
import { SdsError } from '../errors.ts';
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
  /**
   * Listeners, each on its own port with its security protocol (Kafka's `listeners`). Left
   * out: one PLAINTEXT listener on host, port and the advertised host and port above.
   */
  readonly listeners?: readonly ListenerOptions[];
  /** The broker's certificate and key, for SSL and SASL_SSL listeners (PEM text). */
  readonly tls?: TlsOptions;
  /** SASL settings of SASL_PLAINTEXT and SASL_SSL listeners. */
  readonly sasl?: Partial<SaslOptions>;
  /** Enforces ACLs (Kafka's StandardAuthorizer). Left out: every request is allowed. */
  readonly authorizer?: AuthorizerOptions;
  /** SCRAM users created (or given a new password) at start. */
  readonly users?: readonly ConfiguredUser[];
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

export interface RunningListener {
  readonly protocol: SecurityProtocol;
  readonly host: string;
  readonly port: number;
  /** The advertised host:port, for a client's bootstrap.servers. */
  readonly bootstrap: string;
}

export interface RunningBroker {
  /** The first listener's interface and port. */
  readonly host: string;
  readonly port: number;
  /** The first listener's host:port, for a client's bootstrap.servers. */
  readonly bootstrap: string;
  /** Every listener, in the order given. */
  readonly listeners: readonly RunningListener[];
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

/** A wildcard address cannot be dialled: clients are told localhost. */
function advertisedName(host: string): string {
  return host === '0.0.0.0' || host === '::' ? 'localhost' : host;
}

export async function startBroker(options: BrokerOptions = {}): Promise<RunningBroker> {
  const logger = options.logger ?? silentLogger();
  const config: BrokerConfig = { ...DEFAULT_BROKER_CONFIG, ...options.config };
  const temporary = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'sds-broker-')));
  const host = options.host ?? '127.0.0.1';
  const listenerSpecs: readonly ListenerOptions[] = options.listeners ?? [
    {
      protocol: 'PLAINTEXT',
      port: options.port ?? 0,
      ...(options.advertisedHost !== undefined ? { advertisedHost: options.advertisedHost } : {}),
      ...(options.advertisedPort !== undefined ? { advertisedPort: options.advertisedPort } : {}),
    },
  ];
  const problems = listenerProblems(listenerSpecs, options.tls !== undefined);
  if (problems.length > 0) throw new SdsError('SDS_ERR_BROKER_LISTENER', `the broker's listeners cannot start: ${problems.join('; ')}`);
  const sasl: SaslOptions = { ...DEFAULT_SASL_OPTIONS, ...options.sasl };
  const unlock = await lockDataDir(dataDir);
  let partitions: Partitions | undefined;
  let groups: GroupCoordinator | undefined;
  let producers: ProducerStateManager | undefined;
  const connections = new ConnectionSet();
  const listeners: Listener[] = [];
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
    const security: BrokerSecurity = await openSecurity(dataDir, options.authorizer, logger);
    if (options.users !== undefined) await ensureUsers(security.scram, options.users, logger);
    const bound: (RunningListener & { listener: Listener; endpoint: { host: string; port: number } })[] = [];
    for (const spec of listenerSpecs) {
      const listener = new Listener(spec.protocol, connections, logger, options.tls, sasl);
      listeners.push(listener);
      const listenHost = spec.host ?? host;
      const port = await listener.listen(listenHost, spec.port);
      const advertised = { host: spec.advertisedHost ?? advertisedName(listenHost), port: spec.advertisedPort ?? port };
      bound.push({ protocol: spec.protocol, host: listenHost, port, bootstrap: `${advertised.host}:${advertised.port}`, listener, endpoint: advertised });
    }
    const first = bound[0] as (typeof bound)[number];
    const advertisedHost = first.endpoint.host;
    const context: BrokerContext = {
      nodeId: identity.nodeId,
      clusterId: identity.clusterId,
      dataDir,
      topics,
      config,
      registry: buildRegistry(),
      partitions,
      producers,
      groups,
      metrics: traffic,
      security,
    };
    metrics = new BrokerMetrics({
      nodeId: identity.nodeId,
      clusterId: identity.clusterId,
      dataDir,
      traffic,
      topics,
      partitions,
      offsets: groups.offsets,
      connectionCount: () => connections.all.size,
    });
    metrics.start();
    const brokerMetrics = metrics;
    for (const b of bound) b.listener.attach(context, b.endpoint);
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
    const running = bound.map(({ protocol, host: h, port, bootstrap }) => ({ protocol, host: h, port, bootstrap }));
    logger.info({ listeners: running, dataDir, clusterId: identity.clusterId, metricsUrl: metricsServer?.url }, 'broker started');
    let stopping: Promise<void> | undefined;
    return {
      host: first.host,
      port: first.port,
      bootstrap: first.bootstrap,
      listeners: running,
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
          await Promise.all(listeners.map((l) => l.close()));
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
    await Promise.all(listeners.map((l) => l.close().catch(() => undefined)));
    producers?.close();
    await groups?.close().catch(() => undefined);
    await partitions?.close().catch(() => undefined);
    await unlock();
    if (temporary) await rm(dataDir, { recursive: true, force: true });
    throw e;
  }
}
