/**
 * `sds up`: runs what the sds config file describes (default `sds.config.yaml`, or SDS_CONFIG;
 * without one, the embedded broker alone) until SIGINT or SIGTERM, then stops it in reverse
 * order: mappings finish their invocations and commit, function workers stop, the broker flushes.
 * With --demo a sample producer sends stock-ticker events to the first topic. While it is up, a
 * state file in the data dir tells `sds status` what runs; a clean stop removes it.
 */
import type { Command } from 'commander';
import { DEFAULT_CONFIG_FILE } from '../config/config-file.ts';
import { loadConfigOrDefaults, type SdsConfig } from '../config/sds-config.ts';
import { createLogger } from '../logging.ts';
import { logFilePath } from '../runtime/function-host/function-log.ts';
import { startStack, type RunningStack } from '../runtime/local-stack.ts';
import { DEFAULT_DEMO_RATE, startDemoProducer, type DemoProducer } from '../runtime/demo-producer.ts';
import { listenerList, untilSignal } from './broker.ts';
import { connectionFrom } from './connection-options.ts';
import { loadProfile } from '../config/profiles.ts';
import { readPropertiesFile, resolveConnection, type Connection } from '../client/connection.ts';
import type { RunningBroker } from '../broker/broker.ts';
import { parseLogLevel, parsePort, UsageError } from './options.ts';
import { removeState, upState, writeState } from './status.ts';

interface UpFlags {
  configFile?: string;
  dataDir?: string;
  port?: number;
  logLevel: string;
  demo?: boolean;
}

export function configFileFlag(flags: { configFile?: string }): string | undefined {
  return flags.configFile ?? process.env['SDS_CONFIG'];
}

function summary(stack: RunningStack, demo: DemoProducer | undefined): string {
  const { config } = stack;
  const lines: string[] = [];
  lines.push(stack.broker !== undefined ? `Kafka broker ready: ${listenerList(stack.broker)} (data in ${stack.broker.dataDir})` : `Kafka cluster: ${stack.bootstrap}`);
  if (stack.broker?.metricsUrl !== undefined) lines.push(`Broker metrics (Prometheus, MSK's names): ${stack.broker.metricsUrl}`);
  if (config.topics.length > 0) {
    lines.push(`Topics: ${config.topics.map((t) => `${t.name}${stack.createdTopics.includes(t.name) ? ' (created)' : ''}`).join(', ')}`);
  }
  const firehose = config.firehose;
  if (stack.firehose !== undefined && firehose !== undefined) {
    lines.push(`Firehose: ${stack.firehose.endpoint} (for the AWS SDK's endpoint)`);
    for (const s of firehose.streams) lines.push(`  delivery stream ${s.name} -> bucket ${s.bucket} (${firehose.buckets.get(s.bucket) ?? ''}); sds bucket ls ${s.bucket}`);
  }
  for (const [name, fn] of stack.functions.functions) {
    lines.push(`Function ${name}: ${fn.host.settings.modulePath}`);
    for (const m of fn.mappings) {
      const s = m.settings;
      lines.push(`  event source ${s.topic}: BatchSize ${s.batchSize}, window ${s.batchingWindowMs} ms, ${s.startingPosition}, group ${m.groupId}${m.state === 'Disabled' ? ' (disabled)' : ''}`);
    }
    lines.push(`  logs: sds logs ${name} --follow   (${logFilePath(fn.host.settings.logDir, name)})`);
  }
  if (stack.dashboard !== undefined) lines.push(`Dashboard: ${stack.dashboard.url}`);
  const topic = config.topics[0]?.name;
  if (demo !== undefined) lines.push(`Demo: ${demo.ratePerSecond} stock-ticker events a second to ${demo.topic} (ticker, price, event_time)`);
  if (topic !== undefined) lines.push(`Try: sds produce --topic ${topic} --max-messages 10${stack.broker !== undefined && stack.broker.port !== 9092 ? ` --bootstrap-server ${stack.broker.bootstrap}` : ''}`);
  lines.push('Ctrl-C stops everything.');
  return `${lines.join('\n')}\n`;
}

function externalConnection(config: SdsConfig, configFile: string | undefined) {
  if (config.cluster.kind !== 'external') return undefined;
  return connectionFrom({
    ...(config.cluster.bootstrap !== undefined ? { bootstrapServer: config.cluster.bootstrap } : {}),
    ...(config.cluster.profile !== undefined ? { profile: config.cluster.profile } : {}),
    ...(configFile !== undefined ? { configFile } : {}),
  });
}

/**
 * broker.clientProfile: the profile's properties; without a bootstrap of its own it goes to
 * the first listener with the profile's security.protocol.
 */
function ownClientProfile(config: SdsConfig): ((broker: RunningBroker) => Connection) | undefined {
  if (config.cluster.kind !== 'embedded' || config.cluster.security.clientProfile === undefined || config.path === undefined) return undefined;
  const profile = config.cluster.security.clientProfile;
  const configFile = config.path;
  return (broker) => {
    const loaded = loadProfile(configFile, profile);
    const props = new Map(loaded.commandConfig !== undefined ? readPropertiesFile(loaded.commandConfig) : []);
    for (const [k, v] of loaded.properties) props.set(k, v);
    const protocol = (props.get('security.protocol') ?? 'PLAINTEXT').toUpperCase();
    const listener = broker.listeners.find((l) => l.protocol === protocol);
    const bootstrap = loaded.bootstrap ?? props.get('bootstrap.servers') ?? listener?.bootstrap;
    if (bootstrap === undefined) throw new UsageError(`broker.clientProfile ${profile} uses ${protocol}, and the broker has no ${protocol} listener`);
    return resolveConnection({ bootstrap, properties: props, clientId: 'sds' });
  };
}

async function up(flags: UpFlags): Promise<void> {
  const configFile = configFileFlag(flags);
  const config = loadConfigOrDefaults(configFile, DEFAULT_CONFIG_FILE, {
    ...(flags.dataDir !== undefined ? { dataDir: flags.dataDir } : {}),
    ...(flags.port !== undefined ? { brokerPort: flags.port } : {}),
  });
  const demoTopic = config.topics[0]?.name;
  if (flags.demo === true && demoTopic === undefined) throw new UsageError('--demo produces to the first topic of the config, and the config has none; add one under `topics`');
  const connection = externalConnection(config, config.path);
  const logger = createLogger('sds', flags.logLevel);
  const brokerConnection = ownClientProfile(config);
  const stack = await startStack(config, { logger, ...(connection !== undefined ? { externalConnection: connection } : {}), ...(brokerConnection !== undefined ? { brokerConnection } : {}) });
  const demo = flags.demo === true && demoTopic !== undefined ? startDemoProducer({ connection: stack.connection, topic: demoTopic, ratePerSecond: DEFAULT_DEMO_RATE, logger: logger.child({ component: 'demo' }) }) : undefined;
  try {
    // Written before the summary: once "Ctrl-C stops everything." is printed, `sds status` sees it.
    writeState(config.dataDir, upState(stack, demo?.topic));
    // Listening before the summary: whoever reads "Ctrl-C stops everything." may signal at once.
    const signalled = untilSignal();
    process.stdout.write(summary(stack, demo));
    process.stdout.write(`${await signalled}: stopping\n`);
  } finally {
    try {
      await demo?.stop();
      await stack.stop();
    } finally {
      removeState(config.dataDir);
    }
  }
}

export function registerUpCommand(program: Command): void {
  program
    .command('up')
    .description('run the local solution from the sds config file (the broker, topics, functions and their event sources) until Ctrl-C')
    .option('--config-file <file>', `the sds config file (default: ${DEFAULT_CONFIG_FILE} if it exists, or SDS_CONFIG)`)
    .option('--data-dir <dir>', 'where everything keeps its state (default: dataDir of the config, else .sds)')
    .option('--port <port>', 'port of the embedded broker (0 picks a free one)', parsePort)
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent', parseLogLevel, 'warn')
    .option('--demo', `also produce ${DEFAULT_DEMO_RATE} sample stock-ticker events a second to the first topic, so every chart and log moves`)
    .action(up);
}
