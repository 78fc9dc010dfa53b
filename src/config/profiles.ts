/**
 * Named connection profiles in the sds config file (`sds.config.yaml`):
 *
 *   profiles:
 *     msk-scram:
 *       bootstrap: b-1.demo.abc123.c2.kafka.eu-west-1.amazonaws.com:9096
 *       commandConfig: ./client-sasl.properties     # a Kafka client properties file, or:
 *       properties:                                 # the same properties inline
 *         security.protocol: SASL_SSL
 *
 * A relative commandConfig is resolved against the config file's folder. Every problem in the
 * profiles section is reported at once, with its path in the file.
 */
import { dirname, resolve } from 'node:path';
import { ConfigFileError, isRecord, readConfigDocument } from './config-file.ts';

export { ConfigFileError, DEFAULT_CONFIG_FILE } from './config-file.ts';

export interface Profile {
  readonly bootstrap?: string;
  /** Absolute path of a Kafka client properties file. */
  readonly commandConfig?: string;
  readonly properties: ReadonlyMap<string, string>;
}

function scalar(value: unknown): string | undefined {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;
}

/** Checks one profile; problems are pushed as "path: what is wrong". */
function checkProfile(name: string, raw: unknown, baseDir: string, problems: string[]): Profile | undefined {
  const at = `profiles.${name}`;
  if (!isRecord(raw)) {
    problems.push(`${at}: expected a mapping with bootstrap, commandConfig and/or properties`);
    return undefined;
  }
  for (const key of Object.keys(raw)) {
    if (!['bootstrap', 'commandConfig', 'properties'].includes(key)) problems.push(`${at}.${key}: unknown setting (allowed: bootstrap, commandConfig, properties)`);
  }
  const bootstrap = raw['bootstrap'];
  if (bootstrap !== undefined && typeof bootstrap !== 'string') problems.push(`${at}.bootstrap: expected host:port[,host:port...] as a string`);
  const commandConfig = raw['commandConfig'];
  if (commandConfig !== undefined && typeof commandConfig !== 'string') problems.push(`${at}.commandConfig: expected the path of a properties file`);
  const properties = new Map<string, string>();
  const rawProps = raw['properties'];
  if (rawProps !== undefined) {
    if (!isRecord(rawProps)) problems.push(`${at}.properties: expected a mapping of Kafka client properties`);
    else {
      for (const [key, value] of Object.entries(rawProps)) {
        const text = scalar(value);
        if (text === undefined) problems.push(`${at}.properties.${key}: expected a string, number or boolean`);
        else properties.set(key, text);
      }
    }
  }
  return {
    ...(typeof bootstrap === 'string' ? { bootstrap } : {}),
    ...(typeof commandConfig === 'string' ? { commandConfig: resolve(baseDir, commandConfig) } : {}),
    properties,
  };
}

/** Reads `name` from the profiles of the config file at `path`. */
export function loadProfile(path: string, name: string): Profile {
  const doc = readConfigDocument(path);
  const profiles = isRecord(doc) ? doc['profiles'] : undefined;
  if (!isRecord(profiles)) throw new ConfigFileError('SDS_ERR_PROFILE_NOT_FOUND', `${path} has no profiles section, so there is no profile "${name}"`);
  const problems: string[] = [];
  const profile = Object.hasOwn(profiles, name) ? checkProfile(name, profiles[name], dirname(resolve(path)), problems) : undefined;
  if (!Object.hasOwn(profiles, name)) {
    const known = Object.keys(profiles);
    throw new ConfigFileError('SDS_ERR_PROFILE_NOT_FOUND', `${path} has no profile "${name}"${known.length > 0 ? ` (profiles: ${known.join(', ')})` : ''}`);
  }
  if (problems.length > 0 || profile === undefined) {
    throw new ConfigFileError('SDS_ERR_CONFIG_INVALID', `${path}:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
  return profile;
}
