/**
 * The connection flags every client command shares, as Kafka's tools spell them:
 * `--bootstrap-server host:port[,...]` and `--command-config FILE` (client properties), plus
 * `--profile NAME` for a named profile of the sds config file. Flags given on the command line
 * win over the profile; properties of a --command-config file win over the profile's.
 */
import type { Command } from 'commander';
import { readPropertiesFile, resolveConnection, type Connection } from '../client/connection.ts';
import { DEFAULT_CONFIG_FILE, loadProfile } from '../config/profiles.ts';

/** The embedded broker's address as `sds up` starts it. */
export const DEFAULT_BOOTSTRAP = '127.0.0.1:9092';

export interface ConnectionFlags {
  bootstrapServer?: string;
  commandConfig?: string;
  profile?: string;
  configFile?: string;
}

export function addConnectionOptions(cmd: Command): Command {
  return cmd
    .option('--bootstrap-server <servers>', `host:port[,host:port...] of the Kafka cluster (default: from --profile or --command-config, else ${DEFAULT_BOOTSTRAP})`)
    .option('--command-config <file>', 'Kafka client properties: security.protocol, sasl.*, ssl.* (as in client-ssl.properties, client-sasl.properties, client-iam.properties)')
    .option('--profile <name>', 'a connection profile from the sds config file (profiles.<name>)')
    .option('--config-file <file>', `the sds config file for --profile (default: ${DEFAULT_CONFIG_FILE}, or SDS_CONFIG)`);
}

/** Resolves the flags into a Connection; properties that are not used are named on stderr. */
export function connectionFrom(flags: ConnectionFlags, clientId = 'sds'): Connection {
  const properties = new Map<string, string>();
  let bootstrap = flags.bootstrapServer;
  if (flags.profile !== undefined) {
    const profile = loadProfile(flags.configFile ?? process.env['SDS_CONFIG'] ?? DEFAULT_CONFIG_FILE, flags.profile);
    if (profile.commandConfig !== undefined) for (const [k, v] of readPropertiesFile(profile.commandConfig)) properties.set(k, v);
    for (const [k, v] of profile.properties) properties.set(k, v);
    bootstrap ??= profile.bootstrap;
  }
  if (flags.commandConfig !== undefined) for (const [k, v] of readPropertiesFile(flags.commandConfig)) properties.set(k, v);
  if (bootstrap === undefined && !properties.has('bootstrap.servers')) bootstrap = DEFAULT_BOOTSTRAP;
  const connection = resolveConnection({ ...(bootstrap !== undefined ? { bootstrap } : {}), properties, clientId: properties.get('client.id') ?? clientId });
  if (connection.ignored.length > 0) {
    process.stderr.write(`sds: ignoring client properties not used by sds: ${connection.ignored.join(', ')}\n`);
  }
  return connection;
}
