import { InvalidArgumentError } from 'commander';
import { SdsError } from '../errors.ts';

/** A combination of flags that cannot work, found after parsing: exit 2, like a bad flag. */
export class UsageError extends SdsError {
  constructor(message: string) {
    super('SDS_ERR_CLI_USAGE', message);
  }
}

/** Parses a TCP port (0-65535; 0 picks a free one). */
export function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new InvalidArgumentError('expected a port number from 0 to 65535.');
  return n;
}

export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || !Number.isSafeInteger(n)) throw new InvalidArgumentError('expected a positive whole number.');
  return n;
}

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function parseLogLevel(value: string): string {
  if (!LEVELS.includes(value)) throw new InvalidArgumentError(`expected one of ${LEVELS.join(', ')}.`);
  return value;
}

export function parseNonNegativeInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) throw new InvalidArgumentError('expected a whole number from 0.');
  return n;
}
