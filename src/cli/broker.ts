/**
 * `sds broker start`: runs the embedded broker in the foreground until SIGINT or SIGTERM.
 */
import type { Command } from 'commander';
import { startBroker, type RunningBroker } from '../broker/broker.ts';
import { createLogger } from '../logging.ts';
import { parseLogLevel, parseNonNegativeInt, parsePort, parsePositiveInt, UsageError } from './options.ts';
import { Checker } from '../config/checker.ts';
import { checkBrokerSecurity, type BrokerSecurityConfig } from '../config/broker-security.ts';

interface BrokerFlags {
  dataDir: string;
  port: number;
  host: string;
  advertisedHost?: string;
  autoCreateTopics?: boolean;
  metricsPort?: number;
  logLevel: string;
  listener?: string[];
  tlsCertificate?: string;
  tlsKey?: string;
  tlsKeyPasswordEnv?: string;
  tlsCa?: string;
  sslClientAuth?: string;
  saslMechanisms?: string;
  reauthMs?: number;
  authorizer?: boolean;
  superUser?: string[];
  denyIfNoAcl?: boolean;
  groupInitialRebalanceDelayMs: number;
  maxPartitions: number;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

const DEFAULT_DATA_DIR = '.sds/broker';

function addBrokerOptions(cmd: Command): Command {
  return cmd
    .option('--data-dir <dir>', 'where topics and logs are kept', DEFAULT_DATA_DIR)
    .option('--port <port>', 'port to listen on (0 picks a free one)', parsePort, 9092)
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--advertised-host <host>', 'host name given to clients (default: --host)')
    .option('--metrics-port <port>', 'serve Prometheus metrics (MSK metric names) at http://HOST:PORT/metrics; 0 picks a free port', parsePort)
    .option('--auto-create-topics', 'create unknown topics when a client asks for them (off, as on Amazon MSK)')
    .option('--group-initial-rebalance-delay-ms <ms>', "how long a new group waits for more members before its first rebalance (Kafka's group.initial.rebalance.delay.ms; 0 as in Kafka's own sample server.properties)", parseNonNegativeInt, 3000)
    .option('--max-partitions <n>', 'the most partitions the broker holds, all topics together; each keeps a file open (no Kafka equivalent)', parsePositiveInt, 10_000)
    .option('--listener <PROTOCOL://host:port>', 'a listener (PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL); repeat for more; replaces --host and --port', collect)
    .option('--tls-certificate <file>', 'the broker certificate chain (PEM), for SSL and SASL_SSL listeners')
    .option('--tls-key <file>', "the certificate's private key (PEM; readable by its owner only)")
    .option('--tls-key-password-env <var>', 'an environment variable holding the key passphrase, if the key is encrypted')
    .option('--tls-ca <file>', 'CA certificates (PEM) that client certificates are checked against')
    .option('--ssl-client-auth <mode>', 'none, requested or required (mutual TLS)')
    .option('--sasl-mechanisms <list>', 'comma-separated: SCRAM-SHA-512, SCRAM-SHA-256, PLAIN (default: both SCRAM)')
    .option('--reauth-ms <ms>', 'session lifetime after a SASL login (connections.max.reauth.ms; 0: the whole connection)', (v) => Number(v))
    .option('--authorizer', 'enforce ACLs (managed with kafka-acls or any Kafka admin client)')
    .option('--super-user <principal>', 'a principal allowed everything, e.g. User:admin; repeatable', collect)
    .option('--deny-if-no-acl', 'deny a resource that has no ACL (allow.everyone.if.no.acl.found=false; Amazon MSK allows)')
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent', parseLogLevel, 'warn');
}

/** The security flags, checked by the same rules as the config file's broker section. */
function securityFromFlags(flags: BrokerFlags): BrokerSecurityConfig {
  const raw: Record<string, unknown> = {};
  if (flags.listener !== undefined) raw['listeners'] = flags.listener;
  if (flags.tlsCertificate !== undefined || flags.tlsKey !== undefined || flags.tlsCa !== undefined || flags.sslClientAuth !== undefined) {
    raw['tls'] = {
      ...(flags.tlsCertificate !== undefined ? { certificate: flags.tlsCertificate } : {}),
      ...(flags.tlsKey !== undefined ? { key: flags.tlsKey } : {}),
      ...(flags.tlsKeyPasswordEnv !== undefined ? { keyPasswordEnv: flags.tlsKeyPasswordEnv } : {}),
      ...(flags.tlsCa !== undefined ? { ca: flags.tlsCa } : {}),
      ...(flags.sslClientAuth !== undefined ? { clientAuth: flags.sslClientAuth } : {}),
    };
  }
  if (flags.saslMechanisms !== undefined || flags.reauthMs !== undefined) {
    raw['sasl'] = {
      ...(flags.saslMechanisms !== undefined ? { mechanisms: flags.saslMechanisms.split(',').map((m) => m.trim().toUpperCase()) } : {}),
      ...(flags.reauthMs !== undefined ? { reauthMs: flags.reauthMs } : {}),
    };
  }
  if (flags.authorizer === true || flags.superUser !== undefined || flags.denyIfNoAcl === true) {
    if (flags.authorizer !== true) throw new UsageError('--super-user and --deny-if-no-acl need --authorizer');
    raw['authorizer'] = { superUsers: flags.superUser ?? [], allowEveryoneIfNoAclFound: flags.denyIfNoAcl !== true };
  }
  const checker = new Checker();
  const flagName = (path: string): string => path.replace(/^broker\./, '');
  const security = checkBrokerSecurity(raw, (p) => p, checker);
  if (checker.problems.length > 0) throw new UsageError(checker.problems.map(flagName).join('; '));
  return security;
}

async function runBroker(flags: BrokerFlags): Promise<void> {
  const logger = createLogger('sds-broker', flags.logLevel);
  const security = securityFromFlags(flags);
  const broker = await startBroker({
    ...security,
    dataDir: flags.dataDir,
    port: flags.port,
    host: flags.host,
    ...(flags.advertisedHost === undefined ? {} : { advertisedHost: flags.advertisedHost }),
    ...(flags.metricsPort === undefined ? {} : { metricsPort: flags.metricsPort }),
    config: { autoCreateTopics: flags.autoCreateTopics === true, groupInitialRebalanceDelayMs: flags.groupInitialRebalanceDelayMs, maxPartitions: flags.maxPartitions },
    logger,
  });
  // Listening before the ready line: whoever reads it may signal at once.
  const signalled = untilSignal();
  process.stdout.write(`Kafka broker ready: ${listenerList(broker)} (data in ${broker.dataDir}, cluster ${broker.clusterId})\n`);
  if (broker.metricsUrl !== undefined) process.stdout.write(`Metrics (Prometheus): ${broker.metricsUrl}\n`);
  process.stdout.write(`${await signalled}: stopping the broker\n`);
  await broker.stop();
}

/** host:port alone for the usual single PLAINTEXT listener, else PROTOCOL://host:port each. */
export function listenerList(broker: RunningBroker): string {
  const only = broker.listeners.length === 1 && broker.listeners[0]?.protocol === 'PLAINTEXT';
  return broker.listeners.map((l) => (only ? l.bootstrap : `${l.protocol}://${l.bootstrap}`)).join(', ');
}

/** Resolves with the name of the first SIGINT or SIGTERM received. */
export function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const stop = (signal: string): void => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve(signal);
    };
    const onInt = (): void => stop('SIGINT');
    const onTerm = (): void => stop('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
  });
}

export function registerBrokerCommands(program: Command): void {
  const broker = program.command('broker').description('the embedded Kafka-compatible broker');
  addBrokerOptions(broker.command('start').description('run the broker in the foreground until Ctrl-C')).action(runBroker);
}
