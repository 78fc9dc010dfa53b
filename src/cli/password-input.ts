/**
 * Where `sds users create` reads a password from: a file or an environment variable named on
 * the command line, or the first line of stdin (a hidden prompt on a terminal). Never the
 * command line itself, which every user of the machine can read in `ps`.
 */
import { open, stat } from 'node:fs/promises';
import type { ReadStream } from 'node:tty';
import { SdsError } from '../errors.ts';
import { UsageError } from './options.ts';

/** The longest password: the most the embedded broker's SASL/PLAIN reads. */
const MAX_PASSWORD_BYTES = 1024;
/** The most read from a password file or stdin, to find the first line. */
const MAX_PASSWORD_INPUT_BYTES = 64 * 1024;

export interface PasswordFlags {
  passwordFile?: string;
  passwordEnv?: string;
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

/** The password of `sds users create`, from --password-file, --password-env or stdin (a hidden prompt on a terminal). */
export async function readPassword(flags: PasswordFlags, user: string): Promise<string> {
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
