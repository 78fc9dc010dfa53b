/**
 * Function settings: Lambda's defaults, and one check that reports every problem at once.
 * The ranges are Lambda's (CreateFunction): timeout 1-900 s, memory 128-10240 MB.
 */
import { extname } from 'node:path';
import { SdsError } from '../../errors.ts';
import type { FunctionSettings } from './types.ts';

export const DEFAULT_TIMEOUT_SECONDS = 3;
export const DEFAULT_MEMORY_MB = 128;
export const DEFAULT_LOG_DIR = '.sds/logs';
export const DEFAULT_REGION = 'us-east-1';
/** The account id local AWS emulators use, so ARNs look real but are clearly local. */
export const LOCAL_ACCOUNT_ID = '000000000000';

const NAME = /^[A-Za-z0-9_-]{1,64}$/;
const EXPORT = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/;
const EXTENSIONS = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'];
const ENV_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/** Lambda's reserved environment variables (a function cannot set them; the runtime does). */
export const RESERVED_ENV = [
  '_HANDLER',
  'AWS_REGION',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_LAMBDA_RUNTIME_API',
  'LAMBDA_TASK_ROOT',
  'LAMBDA_RUNTIME_DIR',
];

/** Settings with Lambda's defaults for whatever is not given. */
export function functionSettings(given: Pick<FunctionSettings, 'name' | 'modulePath'> & Partial<FunctionSettings>): FunctionSettings {
  return {
    exportName: 'handler',
    timeoutSeconds: DEFAULT_TIMEOUT_SECONDS,
    memoryMb: DEFAULT_MEMORY_MB,
    environment: {},
    logDir: DEFAULT_LOG_DIR,
    region: process.env.AWS_REGION ?? DEFAULT_REGION,
    accountId: LOCAL_ACCOUNT_ID,
    ...given,
  };
}

export function settingsProblems(s: FunctionSettings): string[] {
  const problems: string[] = [];
  if (!NAME.test(s.name)) problems.push(`name "${s.name}": use 1-64 letters, digits, hyphens or underscores`);
  if (s.modulePath.length === 0) problems.push('modulePath: give the handler module\'s path');
  else if (!EXTENSIONS.includes(extname(s.modulePath))) problems.push(`modulePath "${s.modulePath}": expected a ${EXTENSIONS.join(', ')} file`);
  if (!EXPORT.test(s.exportName)) problems.push(`exportName "${s.exportName}": expected an export name such as "handler"`);
  if (!Number.isInteger(s.timeoutSeconds) || s.timeoutSeconds < 1 || s.timeoutSeconds > 900) {
    problems.push(`timeoutSeconds ${s.timeoutSeconds}: expected a whole number of seconds from 1 to 900`);
  }
  if (!Number.isInteger(s.memoryMb) || s.memoryMb < 128 || s.memoryMb > 10240) {
    problems.push(`memoryMb ${s.memoryMb}: expected a whole number of MB from 128 to 10240`);
  }
  for (const key of Object.keys(s.environment)) {
    if (!ENV_NAME.test(key)) problems.push(`environment "${key}": names start with a letter and hold only letters, digits and underscores`);
    else if (RESERVED_ENV.includes(key)) problems.push(`environment "${key}": reserved by Lambda, it cannot be set`);
  }
  if (s.logDir.length === 0) problems.push('logDir: give a folder for the log files');
  if (!REGION.test(s.region)) problems.push(`region "${s.region}": expected a region name such as us-east-1`);
  if (!/^\d{12}$/.test(s.accountId)) problems.push(`accountId "${s.accountId}": expected 12 digits`);
  return problems;
}

/** Throws one SdsError listing every problem, or returns the settings unchanged. */
export function validateSettings(s: FunctionSettings): FunctionSettings {
  const problems = settingsProblems(s);
  if (problems.length > 0) {
    throw new SdsError('SDS_ERR_FUNCTION_SETTINGS', `function ${JSON.stringify(s.name)}: ${problems.length === 1 ? 'a setting is' : `${problems.length} settings are`} wrong:\n  ${problems.join('\n  ')}`);
  }
  return s;
}
