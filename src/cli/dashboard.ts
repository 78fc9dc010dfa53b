/**
 * `sds dashboard`: the live dashboard for any Kafka cluster (the embedded broker by default),
 * optionally with Prometheus endpoints (the embedded broker's `--metrics-port`, or Amazon MSK's
 * open monitoring JMX exporter on each broker's port 11001), until SIGINT or SIGTERM.
 */
import type { Command } from 'commander';
import { DEFAULT_DASHBOARD_PORT } from '../config/sds-config.ts';
import { startDashboard } from '../dashboard/dashboard.ts';
import { untilSignal } from './broker.ts';
import { addConnectionOptions, connectionFrom, type ConnectionFlags } from './connection-options.ts';
import { UsageError, parsePort, parsePositiveInt } from './options.ts';

interface DashboardFlags extends ConnectionFlags {
  port: number;
  host: string;
  intervalSeconds: number;
  prometheus: string[];
}

function parseUrl(value: string, previous: string[] = []): string[] {
  if (!URL.canParse(value) || !['http:', 'https:'].includes(new URL(value).protocol)) {
    throw new UsageError(`--prometheus: expected an http(s) URL such as http://127.0.0.1:11001/metrics, got "${value}"`);
  }
  return [...previous, value];
}

export function registerDashboardCommand(program: Command): void {
  const cmd = program
    .command('dashboard')
    .description('serve the live cluster dashboard (CloudWatch dashboard widgets, consumer lag) in your browser')
    .option('--port <port>', 'port to serve on (0 picks a free one)', parsePort, DEFAULT_DASHBOARD_PORT)
    .option('--host <host>', 'interface to serve on; the page shows topic and group names to whoever reaches it', '127.0.0.1')
    .option('--interval-seconds <n>', 'how often to collect', parsePositiveInt, 5)
    .option('--prometheus <url>', 'a Prometheus text endpoint to read too (repeatable): `sds broker start --metrics-port`, or MSK open monitoring (port 11001)', parseUrl, []);
  addConnectionOptions(cmd).action(async (flags: DashboardFlags) => {
    const dashboard = await startDashboard({
      connection: connectionFrom(flags, 'sds-dashboard'),
      prometheusUrls: flags.prometheus,
      host: flags.host,
      port: flags.port,
      intervalMs: flags.intervalSeconds * 1000,
    });
    const signalled = untilSignal();
    process.stdout.write(`Dashboard: ${dashboard.url} (Ctrl-C stops it)\n`);
    process.stdout.write(`${await signalled}: stopping the dashboard\n`);
    await dashboard.stop();
  });
}
