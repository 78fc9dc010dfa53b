/**
 * `sds status`: what `sds up` runs, from the state file it keeps in its data dir while it is up
 * (written once everything has started, removed on a clean stop). The pid must be alive and each
 * endpoint must accept a connection. Exit 0 running, 3 not running (no state file, or one left by
 * a process that is gone), 1 running but an endpoint does not answer, or an unreadable state file.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_CONFIG_FILE, isRecord } from '../config/config-file.ts';
import { loadConfigOrDefaults } from '../config/sds-config.ts';
import { SdsError } from '../errors.ts';
import type { RunningStack } from '../runtime/local-stack.ts';

export const STATE_FILE = 'sds-up.json';
export const EXIT_NOT_RUNNING = 3;

export interface UpState {
  readonly pid: number;
  readonly startedAt: string;
  readonly configFile: string | null;
  readonly bootstrap: string;
  readonly embeddedBroker: boolean;
  readonly firehose: string | null;
  readonly dashboard: string | null;
  readonly functions: readonly { readonly name: string; readonly topics: readonly string[] }[];
  readonly demoTopic: string | null;
}

export class StateFileError extends SdsError {}

export function stateFilePath(dataDir: string): string {
  return join(dataDir, STATE_FILE);
}

export function upState(stack: RunningStack, demoTopic: string | undefined): UpState {
  return {
    pid: process.pid,
    startedAt: new Date().toISOString(),
    configFile: stack.config.path ?? null,
    bootstrap: stack.bootstrap,
    embeddedBroker: stack.broker !== undefined,
    firehose: stack.firehose?.endpoint ?? null,
    dashboard: stack.dashboard?.url ?? null,
    functions: [...stack.functions.functions].map(([name, fn]) => ({ name, topics: fn.mappings.map((m) => m.settings.topic) })),
    demoTopic: demoTopic ?? null,
  };
}

/** Written whole (temporary file, then rename) so that a reader never sees half of it. */
export function writeState(dataDir: string, state: UpState): void {
  const file = stateFilePath(dataDir);
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

export function removeState(dataDir: string): void {
  rmSync(stateFilePath(dataDir), { force: true });
}

function isState(value: unknown): value is UpState {
  if (!isRecord(value)) return false;
  const optionalString = (v: unknown): boolean => v === null || typeof v === 'string';
  return (
    typeof value['pid'] === 'number' && Number.isInteger(value['pid']) && value['pid'] > 0 &&
    typeof value['startedAt'] === 'string' && typeof value['bootstrap'] === 'string' && typeof value['embeddedBroker'] === 'boolean' &&
    optionalString(value['configFile']) && optionalString(value['firehose']) && optionalString(value['dashboard']) && optionalString(value['demoTopic']) &&
    Array.isArray(value['functions']) && value['functions'].every((f: unknown) => isRecord(f) && typeof f['name'] === 'string' && Array.isArray(f['topics']))
  );
}

/** The state, undefined when there is no file; SDS_ERR_STATUS_STATE when it cannot be understood. */
export function readState(dataDir: string): UpState | undefined {
  const file = stateFilePath(dataDir);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error: unknown) {
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return undefined;
    throw new StateFileError('SDS_ERR_STATUS_STATE', `cannot read ${file}`, { cause: error });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error: unknown) {
    throw new StateFileError('SDS_ERR_STATUS_STATE', `${file} is not the state file sds up writes (not JSON); stop sds up if it runs, then delete the file`, { cause: error });
  }
  if (!isState(parsed)) throw new StateFileError('SDS_ERR_STATUS_STATE', `${file} is not the state file sds up writes (fields missing); stop sds up if it runs, then delete the file`);
  return parsed;
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error: unknown) {
    // EPERM: the process exists but belongs to someone else.
    return error instanceof Error && 'code' in error && error.code === 'EPERM';
  }
}

/** Whether host:port accepts a TCP connection within `timeoutMs`. */
export function answers(host: string, port: number, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** host and port of "host:port", "[v6]:port" or an http URL. */
export function hostPort(address: string): { host: string; port: number } | undefined {
  try {
    const url = new URL(address.includes('://') ? address : `tcp://${address}`);
    const port = Number(url.port);
    if (url.hostname === '' || !Number.isInteger(port) || port < 1) return undefined;
    return { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port };
  } catch {
    return undefined;
  }
}

interface Endpoint {
  readonly name: string;
  readonly address: string;
  readonly answers: boolean;
}

async function endpoints(state: UpState): Promise<Endpoint[]> {
  const named: [string, string | null][] = [
    [state.embeddedBroker ? 'Kafka broker' : 'Kafka cluster', state.bootstrap.split(',')[0] ?? ''],
    ['Firehose', state.firehose],
    ['Dashboard', state.dashboard],
  ];
  return Promise.all(
    named.flatMap(([name, address]) => {
      if (address === null) return [];
      const target = hostPort(address);
      return [(target === undefined ? Promise.resolve(false) : answers(target.host, target.port)).then((ok) => ({ name, address, answers: ok }))];
    }),
  );
}

function uptime(startedAt: string): string {
  const seconds = Math.max(0, Math.round((Date.now() - Date.parse(startedAt)) / 1000));
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 3600)} h`;
}

interface StatusFlags {
  configFile?: string;
  dataDir?: string;
  json?: boolean;
}

/** A command's exit code other than 0 or 1: `run` in main.ts returns it. */
function exitWith(code: number): void {
  process.exitCode = code;
}

async function status(flags: StatusFlags): Promise<void> {
  const dataDir =
    flags.dataDir !== undefined
      ? flags.dataDir
      : loadConfigOrDefaults(flags.configFile ?? process.env['SDS_CONFIG'], DEFAULT_CONFIG_FILE).dataDir;
  const file = stateFilePath(dataDir);
  const state = readState(dataDir);
  const print = (text: string, json: Record<string, unknown>): void => {
    process.stdout.write(flags.json === true ? `${JSON.stringify(json)}\n` : text);
  };
  if (state === undefined) {
    print(`sds up is not running (no ${file})\n`, { running: false, stateFile: file });
    return exitWith(EXIT_NOT_RUNNING);
  }
  if (!processAlive(state.pid)) {
    print(`sds up is not running: ${file} is left from pid ${state.pid} (started ${state.startedAt}), which is gone; it was killed or crashed, and the next sds up replaces the file\n`, {
      running: false,
      stale: true,
      stateFile: file,
      ...state,
    });
    return exitWith(EXIT_NOT_RUNNING);
  }
  const checked = await endpoints(state);
  const lines = [`sds up is running: pid ${state.pid}, up ${uptime(state.startedAt)} (since ${state.startedAt})`];
  if (state.configFile !== null) lines.push(`  config: ${state.configFile}`);
  lines.push(`  data: ${dataDir}`);
  for (const e of checked) lines.push(`  ${e.name}: ${e.address} ${e.answers ? '(answers)' : '(DOES NOT ANSWER)'}`);
  for (const f of state.functions) lines.push(`  function ${f.name}${f.topics.length > 0 ? `: event sources on ${f.topics.join(', ')}` : ''}`);
  if (state.demoTopic !== null) lines.push(`  demo producer: stock-ticker events to ${state.demoTopic}`);
  const healthy = checked.every((e) => e.answers);
  print(`${lines.join('\n')}\n`, { running: true, healthy, stateFile: file, ...state, endpoints: checked });
  exitWith(healthy ? 0 : 1);
}

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description('whether sds up runs for this config or data dir, and its endpoints (exit 0 running, 3 not running)')
    .option('--config-file <file>', `the sds config file whose dataDir to look in (default: ${DEFAULT_CONFIG_FILE} if it exists, or SDS_CONFIG)`)
    .option('--data-dir <dir>', 'the data dir sds up was given (wins over the config)')
    .option('--json', 'one JSON object instead of text')
    .action(status);
}
