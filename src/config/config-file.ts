/**
 * Reading the sds config file (`sds.config.yaml`): the size limit is checked before the file is
 * read, and a YAML error names the file. Each section has its own module that checks its part.
 */
import { readFileSync, statSync } from 'node:fs';
import { parse } from 'yaml';
import { SdsError } from '../errors.ts';

export const DEFAULT_CONFIG_FILE = 'sds.config.yaml';
export const MAX_CONFIG_BYTES = 1 << 20;

export class ConfigFileError extends SdsError {}

function readConfigText(path: string): string {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (error: unknown) {
    const missing = error instanceof Error && 'code' in error && error.code === 'ENOENT';
    throw new ConfigFileError('SDS_ERR_CONFIG_READ', missing ? `the config file ${path} does not exist` : `cannot read the config file ${path}`, { cause: error });
  }
  if (size > MAX_CONFIG_BYTES) throw new ConfigFileError('SDS_ERR_CONFIG_READ', `the config file ${path} is ${size} bytes; the limit is ${MAX_CONFIG_BYTES}`);
  try {
    return readFileSync(path, 'utf8');
  } catch (error: unknown) {
    throw new ConfigFileError('SDS_ERR_CONFIG_READ', `cannot read the config file ${path}`, { cause: error });
  }
}

/** The parsed document (an empty file is null). */
export function readConfigDocument(path: string): unknown {
  const text = readConfigText(path);
  try {
    return parse(text, { maxAliasCount: 100 }) as unknown;
  } catch (error: unknown) {
    throw new ConfigFileError('SDS_ERR_CONFIG_INVALID', `${path} is not valid YAML: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/** One error listing every problem found, each "path.in.file: what is wrong". */
export function configProblems(path: string, problems: readonly string[]): ConfigFileError {
  return new ConfigFileError('SDS_ERR_CONFIG_INVALID', `${path}: ${problems.length === 1 ? 'a setting is' : `${problems.length} settings are`} wrong:\n${problems.map((p) => `  ${p}`).join('\n')}`);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
