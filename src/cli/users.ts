/**
 * `sds users create|delete|list`: SCRAM users, as `kafka-configs --entity-type users` manages
 * them, through AlterUserScramCredentials and DescribeUserScramCredentials, so they work against
 * any cluster (the embedded broker, Apache Kafka, Amazon MSK) over any listener the connection
 * options reach (TLS, SASL, IAM). The password is salted here: the API carries the salt and the
 * salted password, never the password. With --data-dir they change a stopped embedded broker's
 * credential store directly instead.
 *
 * A password is never taken from the command line (every user of the machine can read it in
 * `ps`): it comes from --password-file, --password-env, or the first line of stdin.
 */
import { randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { InvalidArgumentError, type Command } from 'commander';
import { alterOnCluster, describeOnCluster, notFound, withCluster, type UserCredentials } from '../client/scram-users.ts';
import { SdsError } from '../errors.ts';
import { lockDataDir } from '../broker/data-dir.ts';
import { ScramCredentialStore } from '../broker/security/scram-credentials.ts';
import {
  DEFAULT_SCRAM_ITERATIONS,
  deriveScramCredential,
  iterationsProblem,
  saltPassword,
  SCRAM_MAX_ITERATIONS,
  SCRAM_MECHANISM_TYPES,
  SCRAM_MIN_ITERATIONS,
  SCRAM_SALT_BYTES,
} from '../broker/security/scram.ts';
import { SCRAM_MECHANISMS, type ScramMechanism } from '../broker/security/types.ts';
import { readPassword, type PasswordFlags } from './password-input.ts';
import { addConnectionOptions, connectionFrom, type ConnectionFlags } from './connection-options.ts';
import { UsageError } from './options.ts';

/** The longest user name: the most the embedded broker's SASL/PLAIN reads. */
const MAX_NAME_BYTES = 1024;

interface UserFlags extends ConnectionFlags {
  dataDir?: string;
}

interface CreateFlags extends UserFlags, PasswordFlags {
  mechanism: ScramMechanism;
  iterations: number;
}

interface DeleteFlags extends UserFlags {
  mechanism?: ScramMechanism;
}

export function parseUserName(value: string): string {
  if (value === '') throw new InvalidArgumentError('a user name cannot be empty.');
  if ([...value].some((c) => c.charCodeAt(0) < 0x20 || c === '\u007f')) throw new InvalidArgumentError('a user name cannot contain control characters.');
  if (Buffer.byteLength(value) > MAX_NAME_BYTES) throw new InvalidArgumentError(`a user name can be at most ${MAX_NAME_BYTES} bytes.`);
  return value;
}

export function parseMechanism(value: string): ScramMechanism {
  const upper = value.toUpperCase();
  const found = SCRAM_MECHANISMS.find((m) => m === upper);
  if (found === undefined) throw new InvalidArgumentError(`expected ${SCRAM_MECHANISMS.join(' or ')}.`);
  return found;
}

export function parseIterations(value: string): number {
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (iterationsProblem(n) !== undefined) throw new InvalidArgumentError(`expected a whole number from ${SCRAM_MIN_ITERATIONS} to ${SCRAM_MAX_ITERATIONS} (Kafka's bounds).`);
  return n;
}

// ---- the offline store ----

async function withStore<T>(dataDir: string, fn: (store: ScramCredentialStore) => Promise<T>): Promise<T> {
  let unlock: () => Promise<void>;
  try {
    unlock = await lockDataDir(dataDir);
  } catch (e: unknown) {
    if (e instanceof SdsError && e.code === 'SDS_ERR_BROKER_DATA_DIR_LOCKED') {
      throw new SdsError(
        'SDS_ERR_BROKER_DATA_DIR_LOCKED',
        `${e.message}. A running broker owns its users: change them through it with --bootstrap-server instead of --data-dir, or stop it first`,
        { cause: e },
      );
    }
    throw e;
  }
  try {
    return await fn(await ScramCredentialStore.open(dataDir));
  } finally {
    await unlock();
  }
}

async function existingDataDir(dataDir: string): Promise<void> {
  const found = await stat(dataDir).catch(() => undefined);
  if (found === undefined || !found.isDirectory()) {
    throw new SdsError('SDS_ERR_BROKER_DATA_DIR', `data directory ${dataDir} does not exist; give the --data-dir the broker runs with`);
  }
}

function checkTarget(flags: UserFlags, command: string): void {
  if (flags.dataDir !== undefined && (flags.bootstrapServer !== undefined || flags.commandConfig !== undefined || flags.profile !== undefined)) {
    throw new UsageError(`sds users ${command}: --data-dir edits a stopped broker's files; it does not go with --bootstrap-server, --command-config or --profile`);
  }
}

// ---- the commands ----

export function formatUser(u: UserCredentials): string {
  return `SCRAM credential configs for user-principal '${u.user}' are ${u.credentials.map((c) => `${c.mechanism}=iterations=${c.iterations}`).join(', ')}`;
}

function addTargetOptions(cmd: Command): Command {
  return addConnectionOptions(cmd).option('--data-dir <dir>', 'change a stopped embedded broker\'s data directory directly, instead of a running cluster');
}

export function registerUsersCommands(program: Command): void {
  const users = program.command('users').description('create, delete and list SCRAM users (like kafka-configs --entity-type users)');

  addTargetOptions(users.command('create').description('create a SCRAM user, or set a new password for one'))
    .argument('<name>', 'the user name', parseUserName)
    .option('--mechanism <mechanism>', 'SCRAM-SHA-512 (the only one Amazon MSK offers) or SCRAM-SHA-256', parseMechanism, 'SCRAM-SHA-512' as ScramMechanism)
    .option('--iterations <n>', `PBKDF2 iterations, ${SCRAM_MIN_ITERATIONS}-${SCRAM_MAX_ITERATIONS}`, parseIterations, DEFAULT_SCRAM_ITERATIONS)
    .option('--password-file <file>', 'read the password from the first line of this file')
    .option('--password-env <variable>', 'read the password from this environment variable')
    .addHelpText('after', '\nWithout --password-file or --password-env the password is read from the first line of stdin.\nIt is never given on the command line, where other users could see it.')
    .action(async (name: string, flags: CreateFlags) => {
      checkTarget(flags, 'create');
      const password = await readPassword(flags, name);
      const mechanism = flags.mechanism;
      if (flags.dataDir !== undefined) {
        const credential = deriveScramCredential(mechanism, password, flags.iterations).credential;
        await withStore(flags.dataDir, (store) => store.upsert(name, credential));
      } else {
        const salt = randomBytes(SCRAM_SALT_BYTES);
        const saltedPassword = saltPassword(mechanism, password, salt, flags.iterations);
        const action = `creating user ${name}`;
        await withCluster(connectionFrom(flags), 51, action, (connection) =>
          alterOnCluster(connection, action, {
            deletions: [],
            upsertions: [{ name, mechanism: SCRAM_MECHANISM_TYPES[mechanism], iterations: flags.iterations, salt, saltedPassword }],
          }),
        );
      }
      process.stdout.write(`Completed updating config for user ${name}.\n`);
    });

  addTargetOptions(users.command('delete').description('delete a SCRAM user\'s credentials'))
    .argument('<name>', 'the user name', parseUserName)
    .option('--mechanism <mechanism>', 'delete only this mechanism\'s credential (default: every one the user has)', parseMechanism)
    .action(async (name: string, flags: DeleteFlags) => {
      checkTarget(flags, 'delete');
      if (flags.dataDir !== undefined) {
        const dataDir = flags.dataDir;
        await existingDataDir(dataDir);
        await withStore(dataDir, async (store) => {
          const mechanisms = flags.mechanism !== undefined ? [flags.mechanism] : SCRAM_MECHANISMS.filter((m) => store.get(name, m) !== undefined);
          if (mechanisms.length === 0 || mechanisms.some((m) => store.get(name, m) === undefined)) throw notFound(name, flags.mechanism);
          await store.alter({ deletions: mechanisms.map((mechanism) => ({ user: name, mechanism })) });
        });
      } else {
        const action = `deleting user ${name}`;
        await withCluster(connectionFrom(flags), 51, action, async (connection) => {
          let mechanisms: ScramMechanism[];
          if (flags.mechanism !== undefined) mechanisms = [flags.mechanism];
          else {
            const [found] = await describeOnCluster(connection, action, [name]);
            if (found === undefined) throw notFound(name);
            mechanisms = SCRAM_MECHANISMS.filter((m) => found.credentials.some((c) => c.mechanism === m));
          }
          // One request per mechanism: Kafka refuses two changes to one user in one request.
          for (const mechanism of mechanisms) {
            await alterOnCluster(connection, action, { deletions: [{ name, mechanism: SCRAM_MECHANISM_TYPES[mechanism] }], upsertions: [] });
          }
        });
      }
      process.stdout.write(`Completed updating config for user ${name}.\n`);
    });

  addTargetOptions(users.command('list').description('list SCRAM users with their mechanisms and iterations'))
    .option('--json', 'print JSON instead of kafka-configs\' text')
    .action(async (flags: UserFlags & { json?: boolean }) => {
      checkTarget(flags, 'list');
      let listed: UserCredentials[];
      if (flags.dataDir !== undefined) {
        await existingDataDir(flags.dataDir);
        // Reading needs no lock: the store replaces its file atomically.
        listed = (await ScramCredentialStore.open(flags.dataDir)).list();
      } else {
        listed = await withCluster(connectionFrom(flags), 50, 'listing users', (connection) => describeOnCluster(connection, 'listing users', null));
      }
      process.stdout.write(flags.json === true ? `${JSON.stringify(listed, null, 2)}\n` : listed.map((u) => `${formatUser(u)}\n`).join(''));
    });
}
