/**
 * `sds functions list`, `sds functions invoke FUNCTION [--event FILE]` and
 * `sds logs FUNCTION [--follow]`: the functions of the sds config file, run and read as
 * `aws lambda invoke` and `aws logs tail` would.
 */
import { readFile, stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { DEFAULT_CONFIG_FILE } from '../config/config-file.ts';
import { loadConfigOrDefaults, type FunctionConfig, type SdsConfig } from '../config/sds-config.ts';
import { SdsError } from '../errors.ts';
import { logFilePath } from '../runtime/function-host/function-log.ts';
import { MAX_REQUEST_BYTES, startFunctionHost } from '../runtime/function-host/host.ts';
import { followLog, lastLines } from '../runtime/function-host/log-tail.ts';
import { untilSignal } from './broker.ts';
import { parseNonNegativeInt } from './options.ts';
import { configFileFlag } from './up.ts';

interface ConfigFlags {
  configFile?: string;
  dataDir?: string;
}

function loadFunctions(flags: ConfigFlags): SdsConfig {
  return loadConfigOrDefaults(configFileFlag(flags), DEFAULT_CONFIG_FILE, flags.dataDir !== undefined ? { dataDir: flags.dataDir } : {});
}

function findFunction(config: SdsConfig, name: string): FunctionConfig {
  const fn = config.functions.find((f) => f.settings.name === name);
  if (fn !== undefined) return fn;
  const known = config.functions.map((f) => f.settings.name);
  const where = config.path ?? `${DEFAULT_CONFIG_FILE} (not found)`;
  throw new SdsError('SDS_ERR_FUNCTION_NOT_FOUND', `${where} has no function "${name}"${known.length > 0 ? ` (functions: ${known.join(', ')})` : ' (it declares no functions)'}`);
}

/** The event: a JSON file (or - for stdin), at most Lambda's 6 MB, checked before it is read. */
async function readEvent(file: string | undefined): Promise<unknown> {
  if (file === undefined) return {};
  let text: string;
  if (file === '-') {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_REQUEST_BYTES) throw new SdsError('SDS_ERR_EVENT_INVALID', `the event on stdin is larger than Lambda's ${MAX_REQUEST_BYTES} bytes`);
      chunks.push(chunk);
    }
    text = Buffer.concat(chunks).toString('utf8');
  } else {
    try {
      const { size } = await stat(file);
      if (size > MAX_REQUEST_BYTES) throw new SdsError('SDS_ERR_EVENT_INVALID', `the event file ${file} is ${size} bytes; Lambda's limit is ${MAX_REQUEST_BYTES}`);
      text = await readFile(file, 'utf8');
    } catch (error: unknown) {
      if (error instanceof SdsError) throw error;
      throw new SdsError('SDS_ERR_EVENT_INVALID', `cannot read the event file ${file}: ${(error as Error).message}`, { cause: error });
    }
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error: unknown) {
    throw new SdsError('SDS_ERR_EVENT_INVALID', `the event ${file === '-' ? 'on stdin' : `in ${file}`} is not JSON: ${(error as Error).message}`, { cause: error });
  }
}

async function invoke(name: string, flags: ConfigFlags & { event?: string; quiet?: boolean }): Promise<void> {
  const fn = findFunction(loadFunctions(flags), name);
  const event = await readEvent(flags.event);
  // The function's log lines go to stderr as well (as `aws lambda invoke --log-type Tail` shows them).
  const host = await startFunctionHost(fn.settings, flags.quiet === true ? {} : { onLogLine: (line) => process.stderr.write(`${line}\n`) });
  try {
    const outcome = await host.invoke(event);
    if (outcome.ok) {
      process.stdout.write(`${JSON.stringify(outcome.result, null, 2)}\n`);
      return;
    }
    process.stdout.write(`${JSON.stringify({ errorType: outcome.errorType, errorMessage: outcome.errorMessage, trace: outcome.trace ?? [] }, null, 2)}\n`);
    throw new SdsError('SDS_ERR_FUNCTION_ERROR', `function ${name} failed: ${outcome.errorType}: ${outcome.errorMessage}`);
  } finally {
    await host.close();
  }
}

function list(flags: ConfigFlags & { json?: boolean }): void {
  const config = loadFunctions(flags);
  const rows = config.functions.map((f) => ({
    name: f.settings.name,
    entry: f.settings.modulePath,
    handler: f.settings.exportName,
    timeout: f.settings.timeoutSeconds,
    memorySize: f.settings.memoryMb,
    eventSources: f.eventSources.map((s) => s.topic),
  }));
  if (flags.json === true) {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return;
  }
  for (const r of rows) process.stdout.write(`${r.name}\t${r.entry}\t${r.handler}\ttimeout ${r.timeout}s\t${r.memorySize} MB\ttopics: ${r.eventSources.join(', ') || '-'}\n`);
}

async function logs(name: string, flags: ConfigFlags & { follow?: boolean; lines: number }): Promise<void> {
  const fn = findFunction(loadFunctions(flags), name);
  const path = logFilePath(fn.settings.logDir, name);
  let end = 0;
  try {
    const tail = await lastLines(path, flags.lines);
    end = tail.end;
    if (tail.lines.length > 0) process.stdout.write(`${tail.lines.join('\n')}\n`);
  } catch (error: unknown) {
    if ((error as { code?: unknown }).code !== 'ENOENT') throw new SdsError('SDS_ERR_FUNCTION_LOG_DIR', `cannot read ${path}: ${(error as Error).message}`, { cause: error });
    if (flags.follow !== true) {
      process.stderr.write(`sds: function ${name} has logged nothing yet (${path} does not exist)\n`);
      return;
    }
  }
  if (flags.follow !== true) return;
  const stop = new AbortController();
  void untilSignal().then(() => stop.abort());
  await followLog(path, end, (text) => process.stdout.write(text), stop.signal);
}

export function registerFunctionCommands(program: Command): void {
  const configOption = `the sds config file (default: ${DEFAULT_CONFIG_FILE}, or SDS_CONFIG)`;
  const dataDirOption = 'the data folder given to sds up --data-dir (default: dataDir of the config)';
  const functions = program.command('functions').description('the Lambda functions of the sds config file');
  functions
    .command('list')
    .description('the functions, their handlers and the topics they consume')
    .option('--config-file <file>', configOption)
    .option('--json', 'one JSON document')
    .action(list);
  functions
    .command('invoke')
    .description('run a function once with an event, as Lambda would, and print its result')
    .argument('<function>', 'the function name in the config file')
    .option('--event <file>', 'a JSON file with the event (- reads stdin); default {}')
    .option('--quiet', 'do not echo the function\'s log lines to stderr')
    .option('--config-file <file>', configOption)
    .option('--data-dir <dir>', dataDirOption)
    .action(invoke);
  program
    .command('logs')
    .description('a function\'s log lines (START, END and REPORT lines and its console output)')
    .argument('<function>', 'the function name in the config file')
    .option('-f, --follow', 'keep printing new lines until Ctrl-C')
    .option('-n, --lines <count>', 'how many of the last lines to print first', parseNonNegativeInt, 50)
    .option('--config-file <file>', configOption)
    .option('--data-dir <dir>', dataDirOption)
    .action(logs);
}
