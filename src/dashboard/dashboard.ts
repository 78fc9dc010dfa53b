/**
 * The dashboard as `sds dashboard` and `sds up` run it: a collector over the cluster (Kafka
 * protocol), Prometheus endpoints and the local runtime, behind the read-only server.
 */
import type { Connection } from '../client/connection.ts';
import { DEFAULT_DASHBOARD_PORT } from '../config/sds-config.ts';
import { Collector, type Source } from './collector.ts';
import { startDashboardServer, type RunningDashboard } from './server.ts';
import { ClusterSource } from './sources/cluster.ts';
import { LocalSource, type LocalSourceInput } from './sources/local.ts';
import { PrometheusSource } from './sources/prometheus.ts';

export interface DashboardOptions {
  readonly connection: Connection;
  /** Prometheus text endpoints: the embedded broker's, or MSK's open monitoring JMX exporters. */
  readonly prometheusUrls?: readonly string[];
  readonly local?: LocalSourceInput;
  readonly host?: string;
  readonly port?: number;
  readonly intervalMs?: number;
}

export interface Dashboard extends RunningDashboard {
  readonly collector: Collector;
}

export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const sources: Source[] = [new ClusterSource(options.connection)];
  for (const url of options.prometheusUrls ?? []) sources.push(new PrometheusSource(url));
  if (options.local !== undefined) sources.push(new LocalSource(options.local));
  const collector = new Collector({ sources, ...(options.intervalMs === undefined ? {} : { intervalMs: options.intervalMs }) });
  let server: RunningDashboard;
  try {
    server = await startDashboardServer({ collector, port: options.port ?? DEFAULT_DASHBOARD_PORT, ...(options.host === undefined ? {} : { host: options.host }) });
  } catch (error: unknown) {
    await collector.stop();
    throw error;
  }
  collector.start();
  return {
    ...server,
    collector,
    stop: async () => {
      await server.stop();
      await collector.stop();
    },
  };
}
