/**
 * The `sds` command. Exit codes: 0 success, 1 failure, 2 usage error.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { SdsError } from '../errors.ts';
import { UsageError } from './options.ts';
import { registerProtocolCommands } from './protocol.ts';
import { registerTopicCommands } from './topics.ts';
import { registerClusterCommands } from './cluster.ts';
import { registerBrokerCommands } from './broker.ts';
import { registerConsumeCommand } from './consume.ts';
import { registerGroupCommands } from './groups.ts';
import { registerProduceCommand } from './produce.ts';
import { registerUpCommand } from './up.ts';
import { registerFunctionCommands } from './functions.ts';
import { registerBucketCommands } from './bucket.ts';
import { registerDashboardCommand } from './dashboard.ts';
import { registerInitCommand } from './init.ts';
import { registerStatusCommand } from './status.ts';
import { registerCertsCommands } from './certs.ts';
import { registerUsersCommands } from './users.ts';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

export function buildProgram(): Command {
  const program = new Command('sds')
    .description('Streaming Data Solution for Amazon MSK: run it locally, or deploy it to AWS.')
    .version(pkg.version, '-v, --version', 'print the version')
    .showHelpAfterError('(run `sds --help` for usage)')
    .exitOverride();
  registerInitCommand(program);
  registerUpCommand(program);
  registerStatusCommand(program);
  registerBrokerCommands(program);
  registerCertsCommands(program);
  registerFunctionCommands(program);
  registerBucketCommands(program);
  registerDashboardCommand(program);
  registerProtocolCommands(program);
  registerTopicCommands(program);
  registerClusterCommands(program);
  registerUsersCommands(program);
  registerConsumeCommand(program);
  registerGroupCommands(program);
  registerProduceCommand(program);
  return program;
}

export async function run(argv: string[]): Promise<number> {
  const program = buildProgram();
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
