/**
 * `sds up`: runs what the sds config file describes (default `sds.config.yaml`, or SDS_CONFIG;
 * without one, the embedded broker alone) until SIGINT or SIGTERM, then stops it in reverse
 * order: mappings finish their invocations and commit, function workers stop, the broker flushes.
 */
import type { Command } from 'commander';
import { DEFAULT_CONFIG_FILE } from '../config/config-file.ts';
import { loadConfigOrDefaults, type SdsConfig } from '../config/sds-config.ts';
import { createLogger } from '../logging.ts';
import { logFilePath } from '../runtime/function-host/function-log.ts';
import { startStack, type RunningStack } from '../runtime/local-stack.ts';
import { untilSignal } from './broker.ts';
import { connectionFrom } from './connection-options.ts';
import { parseLogLevel, parsePort } from './options.ts';

interface UpFlags {
  configFile?: string;
  dataDir?: string;
  port?: number;
  logLevel: string;
}

export function configFileFlag(flags: { configFile?: string }): string | undefined {
  return flags.configFile ?? process.env['SDS_CONFIG'];
}

function summary(stack: RunningStack): string {
  const { config } = stack;
  const lines: string[] = [];
  lines.push(stack.broker !== undefined ? `Kafka broker ready: ${stack.broker.bootstrap} (data in ${stack.broker.dataDir})` : `Kafka cluster: ${stack.bootstrap}`);
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

async function up(flags: UpFlags): Promise<void> {
  const configFile = configFileFlag(flags);
  const config = loadConfigOrDefaults(configFile, DEFAULT_CONFIG_FILE, {
    ...(flags.dataDir !== undefined ? { dataDir: flags.dataDir } : {}),
    ...(flags.port !== undefined ? { brokerPort: flags.port } : {}),
  });
  const connection = externalConnection(config, config.path);
  const stack = await startStack(config, { logger: createLogger('sds', flags.logLevel), ...(connection !== undefined ? { externalConnection: connection } : {}) });
  process.stdout.write(summary(stack));
  const signal = await untilSignal();
  process.stdout.write(`${signal}: stopping\n`);
  await stack.stop();
}

export function registerUpCommand(program: Command): void {
  program
    .command('up')
    .description('run the local solution from the sds config file (the broker, topics, functions and their event sources) until Ctrl-C')
    .option('--config-file <file>', `the sds config file (default: ${DEFAULT_CONFIG_FILE} if it exists, or SDS_CONFIG)`)
    .option('--data-dir <dir>', 'where everything keeps its state (default: dataDir of the config, else .sds)')
    .option('--port <port>', 'port of the embedded broker (0 picks a free one)', parsePort)
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent', parseLogLevel, 'warn')
    .action(up);
}
