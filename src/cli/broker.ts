/**
 * `sds broker start`: runs the embedded broker in the foreground until SIGINT or SIGTERM.
 */
import type { Command } from 'commander';
import { startBroker } from '../broker/broker.ts';
import { createLogger } from '../logging.ts';
import { parseLogLevel, parsePort } from './options.ts';

interface BrokerFlags {
  dataDir: string;
  port: number;
  host: string;
  advertisedHost?: string;
  autoCreateTopics?: boolean;
  metricsPort?: number;
  logLevel: string;
}

const DEFAULT_DATA_DIR = '.sds/broker';

function addBrokerOptions(cmd: Command): Command {
  return cmd
    .option('--data-dir <dir>', 'where topics and logs are kept', DEFAULT_DATA_DIR)
    .option('--port <port>', 'port to listen on (0 picks a free one)', parsePort, 9092)
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--advertised-host <host>', 'host name given to clients (default: --host)')
    .option('--metrics-port <port>', 'serve Prometheus metrics (MSK metric names) at http://HOST:PORT/metrics; 0 picks a free port', parsePort)
    .option('--auto-create-topics', 'create unknown topics when a client asks for them (off, as on Amazon MSK)')
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent', parseLogLevel, 'warn');
}

async function runBroker(flags: BrokerFlags): Promise<void> {
  const logger = createLogger('sds-broker', flags.logLevel);
  const broker = await startBroker({
    dataDir: flags.dataDir,
    port: flags.port,
    host: flags.host,
    ...(flags.advertisedHost === undefined ? {} : { advertisedHost: flags.advertisedHost }),
    ...(flags.metricsPort === undefined ? {} : { metricsPort: flags.metricsPort }),
    config: { autoCreateTopics: flags.autoCreateTopics === true },
    logger,
  });
  process.stdout.write(`Kafka broker ready: ${broker.bootstrap} (data in ${broker.dataDir}, cluster ${broker.clusterId})\n`);
  if (broker.metricsUrl !== undefined) process.stdout.write(`Metrics (Prometheus): ${broker.metricsUrl}\n`);
  const signal = await untilSignal();
  process.stdout.write(`${signal}: stopping the broker\n`);
  await broker.stop();
}

/** Resolves with the name of the first SIGINT or SIGTERM received. */
export function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const stop = (signal: string): void => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve(signal);
    };
    const onInt = (): void => stop('SIGINT');
    const onTerm = (): void => stop('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
  });
}

export function registerBrokerCommands(program: Command): void {
  const broker = program.command('broker').description('the embedded Kafka-compatible broker');
  addBrokerOptions(broker.command('start').description('run the broker in the foreground until Ctrl-C')).action(runBroker);
}
