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
import { open, stat } from 'node:fs/promises';
import type { ReadStream } from 'node:tty';
import { InvalidArgumentError, type Command } from 'commander';
import { Writer as WireWriter, type Admin, type Connection as KafkaConnection, type Reader as WireReader } from '@platformatic/kafka';
import { call, createAdmin } from '../client/clients.ts';
import { ClientError } from '../client/errors.ts';
import { SdsError } from '../errors.ts';
import { ErrorCode, errorInfo } from '../protocol/error-codes.ts';
import { API_SPECS } from '../protocol/generated/apis.ts';
import type { AlterUserScramCredentialsRequest, AlterUserScramCredentialsResponse } from '../protocol/generated/alter-user-scram-credentials.ts';
import type { DescribeUserScramCredentialsRequest, DescribeUserScramCredentialsResponse } from '../protocol/generated/describe-user-scram-credentials.ts';
import { Reader, Writer } from '../protocol/primitives/index.ts';
import { lockDataDir } from '../broker/data-dir.ts';
import { ScramCredentialStore } from '../broker/security/scram-credentials.ts';
import {
  DEFAULT_SCRAM_ITERATIONS,
  deriveScramCredential,
  iterationsProblem,
  saltPassword,
  scramMechanismOfType,
  SCRAM_MAX_ITERATIONS,
  SCRAM_MECHANISM_TYPES,
  SCRAM_MIN_ITERATIONS,
  SCRAM_SALT_BYTES,
} from '../broker/security/scram.ts';
import { SCRAM_MECHANISMS, type ScramMechanism } from '../broker/security/types.ts';
import { addConnectionOptions, connectionFrom, type ConnectionFlags } from './connection-options.ts';
import { UsageError } from './options.ts';

/** The longest user name or password: the most the embedded broker's SASL/PLAIN reads. */
const MAX_NAME_BYTES = 1024;
const MAX_PASSWORD_BYTES = 1024;
/** The most read from a password file or stdin, to find the first line. */
const MAX_PASSWORD_INPUT_BYTES = 64 * 1024;

interface UserFlags extends ConnectionFlags {
  dataDir?: string;
}

interface CreateFlags extends UserFlags {
  mechanism: ScramMechanism;
  iterations: number;
  passwordFile?: string;
  passwordEnv?: string;
}

interface DeleteFlags extends UserFlags {
  mechanism?: ScramMechanism;
}

interface UserCredentials {
  readonly user: string;
  readonly credentials: readonly { readonly mechanism: string; readonly iterations: number }[];
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

function passwordError(message: string, cause?: unknown): SdsError {
  return new SdsError('SDS_ERR_USER_PASSWORD', message, cause === undefined ? undefined : { cause });
}

/** The first line of some text, without its line ending. */
function firstLine(text: string): string {
  const end = text.search(/\r?\n/);
  return end < 0 ? text : text.slice(0, end);
}

function checkPassword(password: string, from: string): string {
  if (password === '') throw passwordError(`the password from ${from} is empty; put the password on its first line`);
  if (Buffer.byteLength(password) > MAX_PASSWORD_BYTES) throw passwordError(`the password from ${from} is longer than ${MAX_PASSWORD_BYTES} bytes`);
  return password;
}

async function passwordFromFile(path: string): Promise<string> {
  let text: string;
  try {
    if ((await stat(path)).isDirectory()) throw new Error('it is a directory');
    const fh = await open(path, 'r');
    try {
      const buffer = Buffer.alloc(MAX_PASSWORD_INPUT_BYTES);
      const { bytesRead } = await fh.read(buffer, 0, buffer.length, 0);
      text = buffer.subarray(0, bytesRead).toString('utf8');
    } finally {
      await fh.close();
    }
  } catch (e: unknown) {
    throw new SdsError('SDS_ERR_CLI_READ_FILE', `cannot read --password-file ${path}: ${(e as Error).message}`, { cause: e });
  }
  return checkPassword(firstLine(text), `--password-file ${path}`);
}

/** Reads a line from a terminal without showing it. */
function promptHidden(prompt: string): Promise<string> {
  const stdin = process.stdin as ReadStream;
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (): void => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    };
    const onData = (chunk: string): void => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') {
          finish();
          resolve(value);
          return;
        }
        if (ch === '\u0003') {
          finish();
          reject(passwordError('cancelled: no password was given'));
          return;
        }
        if (ch === '\u007f' || ch === '\b') value = [...value].slice(0, -1).join('');
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

async function passwordFromStdin(user: string): Promise<string> {
  if (process.stdin.isTTY) return checkPassword(await promptHidden(`Password for user ${user}: `), 'the terminal');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    size += chunk.length;
    if (chunk.includes(0x0a) || size >= MAX_PASSWORD_INPUT_BYTES) break;
  }
  if (size === 0) {
    throw passwordError('no password: give --password-file FILE or --password-env VARIABLE, or write the password on stdin (never on the command line)');
  }
  return checkPassword(firstLine(Buffer.concat(chunks).subarray(0, MAX_PASSWORD_INPUT_BYTES).toString('utf8')), 'stdin');
}

async function readPassword(flags: CreateFlags, user: string): Promise<string> {
  if (flags.passwordFile !== undefined && flags.passwordEnv !== undefined) {
    throw new UsageError('sds users create: give the password one way: --password-file or --password-env (or stdin), not both');
  }
  if (flags.passwordFile !== undefined) return passwordFromFile(flags.passwordFile);
  if (flags.passwordEnv !== undefined) {
    const value = process.env[flags.passwordEnv];
    if (value === undefined) throw passwordError(`--password-env ${flags.passwordEnv}: that environment variable is not set`);
    return checkPassword(value, `--password-env ${flags.passwordEnv}`);
  }
  return passwordFromStdin(user);
}

// ---- the cluster APIs, through @platformatic/kafka's connections, encoded by our codec ----

type UserApi = 50 | 51;

/** One request on an open (TLS, SASL) connection; the body is encoded and decoded by our codec. */
function send(connection: KafkaConnection, apiKey: 50, request: DescribeUserScramCredentialsRequest): Promise<DescribeUserScramCredentialsResponse>;
function send(connection: KafkaConnection, apiKey: 51, request: AlterUserScramCredentialsRequest): Promise<AlterUserScramCredentialsResponse>;
function send(connection: KafkaConnection, apiKey: UserApi, request: DescribeUserScramCredentialsRequest | AlterUserScramCredentialsRequest): Promise<unknown> {
  const w = new Writer();
  if (apiKey === 50) API_SPECS[50].writeRequest(w, 0, request as DescribeUserScramCredentialsRequest);
  else API_SPECS[51].writeRequest(w, 0, request as AlterUserScramCredentialsRequest);
  const body = w.toBuffer();
  const parse = (_c: number, _k: number, _v: number, reader: WireReader): unknown => {
    const r = new Reader(reader.buffer.slice(reader.position));
    return apiKey === 50 ? API_SPECS[50].readResponse(r, 0) : API_SPECS[51].readResponse(r, 0);
  };
  return new Promise((resolve, reject) => {
    // Both APIs are flexible from v0: request header v2 and response header v1 carry tagged fields.
    connection.send(apiKey, 0, () => WireWriter.create().append(body), parse, true, true, (error, value) => (error ? reject(error) : resolve(value)));
  });
}

const API_NAMES: Record<UserApi, string> = { 50: 'DescribeUserScramCredentials', 51: 'AlterUserScramCredentials' };

/**
 * A connection to the controller when the metadata names one (a ZooKeeper-based Kafka, as on
 * older Amazon MSK clusters, accepts AlterUserScramCredentials only there; KRaft brokers forward
 * it), else to any broker.
 */
async function clusterConnection(admin: Admin, apiKey: UserApi, action: string): Promise<KafkaConnection> {
  const apis = await admin.listApis();
  const api = apis.find((a) => a.apiKey === apiKey);
  if (api === undefined || api.minVersion > 0) {
    throw new ClientError('SDS_ERR_CLIENT_KAFKA', `${action}: the cluster does not offer ${API_NAMES[apiKey]} v0 (Apache Kafka 2.7 and later do); manage its users with the cluster's own tools`);
  }
  const metadata = await admin.metadata({ topics: [] });
  const broker = metadata.brokers.get(metadata.controllerId) ?? [...metadata.brokers.values()][0];
  if (broker === undefined) throw new ClientError('SDS_ERR_CLIENT_KAFKA', `${action}: the cluster's metadata lists no brokers`);
  return admin.connections.get(broker);
}

async function withCluster<T>(flags: UserFlags, apiKey: UserApi, action: string, fn: (connection: KafkaConnection) => Promise<T>): Promise<T> {
  const connection = connectionFrom(flags);
  const admin = createAdmin(connection);
  try {
    return await call(connection, action, async () => fn(await clusterConnection(admin, apiKey, action)));
  } finally {
    await admin.close().catch(() => undefined);
  }
}

/** A Kafka error of one user's result, said in a way that tells what to do. */
function kafkaError(action: string, code: number, message: string | null, operation: 'ALTER' | 'DESCRIBE'): ClientError {
  const name = errorInfo(code)?.name ?? `error ${code}`;
  if (code === ErrorCode.CLUSTER_AUTHORIZATION_FAILED) {
    return new ClientError(
      'SDS_ERR_CLIENT_KAFKA',
      `${action}: Kafka answered ${name}: the principal this connection logs in as needs ${operation} on the cluster resource ` +
        `(kafka-acls --add --allow-principal User:NAME --operation ${operation === 'ALTER' ? 'Alter' : 'Describe'} --cluster), or to be a super user`,
    );
  }
  return new ClientError('SDS_ERR_CLIENT_KAFKA', `${action}: Kafka answered ${name}${message !== null && message !== '' ? ` (${message})` : ''}`);
}

function notFound(user: string, mechanism?: ScramMechanism): SdsError {
  return new SdsError('SDS_ERR_USER_NOT_FOUND', `user ${user} has no ${mechanism ?? 'SCRAM'} credential; \`sds users list\` shows the users there are`);
}

async function describeOnCluster(connection: KafkaConnection, action: string, users: string[] | null): Promise<UserCredentials[]> {
  const response = await send(connection, 50, { users: users === null ? null : users.map((name) => ({ name })) });
  if (response.errorCode !== ErrorCode.NONE) throw kafkaError(action, response.errorCode, response.errorMessage, 'DESCRIBE');
  const out: UserCredentials[] = [];
  for (const r of response.results) {
    if (r.errorCode === ErrorCode.RESOURCE_NOT_FOUND && users !== null) continue;
    if (r.errorCode !== ErrorCode.NONE) throw kafkaError(action, r.errorCode, r.errorMessage, 'DESCRIBE');
    const credentials = [...r.credentialInfos]
      .sort((a, b) => a.mechanism - b.mechanism)
      .map((c) => ({ mechanism: scramMechanismOfType(c.mechanism) ?? `mechanism ${c.mechanism}`, iterations: c.iterations }));
    out.push({ user: r.user, credentials });
  }
  return out.sort((a, b) => (a.user < b.user ? -1 : a.user > b.user ? 1 : 0));
}

async function alterOnCluster(connection: KafkaConnection, action: string, request: AlterUserScramCredentialsRequest): Promise<void> {
  const response = await send(connection, 51, request);
  for (const r of response.results) {
    if (r.errorCode === ErrorCode.NONE) continue;
    if (r.errorCode === ErrorCode.RESOURCE_NOT_FOUND && request.deletions.length > 0) {
      const deletion = request.deletions[0];
      throw notFound(r.user, deletion === undefined ? undefined : scramMechanismOfType(deletion.mechanism));
    }
    throw kafkaError(action, r.errorCode, r.errorMessage, 'ALTER');
  }
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
        await withCluster(flags, 51, action, (connection) =>
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
        await withCluster(flags, 51, action, async (connection) => {
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
        listed = await withCluster(flags, 50, 'listing users', (connection) => describeOnCluster(connection, 'listing users', null));
      }
      process.stdout.write(flags.json === true ? `${JSON.stringify(listed, null, 2)}\n` : listed.map((u) => `${formatUser(u)}\n`).join(''));
    });
}
