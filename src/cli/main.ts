/**
 * The `sds` command. Exit codes: 0 success, 1 failure, 2 usage error.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { SdsError } from '../errors.ts';
import { UsageError } from './options.ts';
import { PACKAGE_ROOT } from '../package-root.ts';

type Registrar = (program: Command) => void;

/**
 * Every top-level command, in the order help lists them, with the module that registers it.
 * Only the module of the command named is loaded: `sds broker start` then starts without the
 * AWS SDK and the Kafka client, which the other commands need.
 */
const COMMANDS: Record<string, () => Promise<Registrar>> = {
  init: async () => (await import('./init.ts')).registerInitCommand,
  up: async () => (await import('./up.ts')).registerUpCommand,
  status: async () => (await import('./status.ts')).registerStatusCommand,
  broker: async () => (await import('./broker.ts')).registerBrokerCommands,
  certs: async () => (await import('./certs.ts')).registerCertsCommands,
  functions: async () => (await import('./functions.ts')).registerFunctionCommands,
  bucket: async () => (await import('./bucket.ts')).registerBucketCommands,
  dashboard: async () => (await import('./dashboard.ts')).registerDashboardCommand,
  protocol: async () => (await import('./protocol.ts')).registerProtocolCommands,
  topics: async () => (await import('./topics.ts')).registerTopicCommands,
  cluster: async () => (await import('./cluster.ts')).registerClusterCommands,
  users: async () => (await import('./users.ts')).registerUsersCommands,
  consume: async () => (await import('./consume.ts')).registerConsumeCommand,
  groups: async () => (await import('./groups.ts')).registerGroupCommands,
  produce: async () => (await import('./produce.ts')).registerProduceCommand,
};

const pkg = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string };

/** The program with the command `argv` names, or with all of them (for help, or a name that is none). */
export async function buildProgram(argv: readonly string[] = []): Promise<Command> {
  const program = new Command('sds')
    .description('Streaming Data Solution for Amazon MSK: run it locally, or deploy it to AWS.')
    .version(pkg.version, '-v, --version', 'print the version')
    .showHelpAfterError('(run `sds --help` for usage)')
    .exitOverride();
  const named = argv.find((a) => !a.startsWith('-'));
  const names = named !== undefined && Object.hasOwn(COMMANDS, named) ? [named] : Object.keys(COMMANDS);
  const registrars = await Promise.all(names.map((name) => (COMMANDS[name] as () => Promise<Registrar>)()));
  for (const register of registrars) register(program);
  return program;
}

export async function run(argv: string[]): Promise<number> {
  const program = await buildProgram(argv);
  try {
    await program.parseAsync(argv, { from: 'user' });
    // A command that answers with a code of its own (sds status: 3 when nothing runs) sets it.
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e: unknown) {
    if (e instanceof CommanderError) {
      // Help and version print and exit 0; everything else commander raises is a usage error.
      return e.exitCode === 0 ? 0 : 2;
    }
    if (e instanceof UsageError) {
      process.stderr.write(`sds: ${e.message}\n(run \`sds --help\` for usage)\n`);
      return 2;
    }
    if (e instanceof SdsError) {
      process.stderr.write(`sds: ${e.message} [${e.code}]\n`);
      return 1;
    }
    throw e;
  }
}

process.exitCode = await run(process.argv.slice(2));
