// Launcher for Apache Kafka 4.1.1 (KRaft, one combined broker+controller node) from the jars that
// scripts/conformance/install.sh puts in test/conformance/.kafka/libs.
//
//   startApacheKafka()  formats a temporary storage folder (kafka.tools.StorageTool format
//                       --standalone), writes server.properties with a PLAINTEXT, a SASL_PLAINTEXT
//                       and a CONTROLLER listener on free loopback ports, starts kafka.Kafka and
//                       resolves once the port accepts connections and a Metadata call lists the
//                       broker. { security: true } adds SSL (client certificate required) and
//                       SASL_SSL listeners, the ACL authorizer and more SCRAM users (security.ts).
//   restart()           same config and data folder, same ports; { hard: true } kills with SIGKILL.
//   stop()              SIGTERM, SIGKILL after a timeout, then removes the temporary folder.
//
// Run directly to measure the start time: node --import tsx scripts/conformance/apache-kafka.ts [--hold] [--security]
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { check, run, stopChild } from './process.ts';
import type { RunResult } from './process.ts';
import { waitUntilReady } from './probe.ts';
import { CLIENT_CERTIFICATES, conformanceCertificates, SCRAM_MECHANISM, SCRAM_USERS, SUPER_USERS } from './security.ts';
import type { ServerSecurity } from './security.ts';
import type { RestartOptions, RunningServer } from './server.ts';

export const KAFKA_VERSION = '4.1.1';
export const REPO_ROOT = resolve(import.meta.dirname, '../..');
export const KAFKA_LIBS = join(REPO_ROOT, 'test/conformance/.kafka/libs');
export const LOG4J2_CONFIG = join(REPO_ROOT, 'scripts/conformance/log4j2.properties');

const START_TIMEOUT_MS = 60_000;

/** The user of the SASL_PLAINTEXT listener (SCRAM credentials are created when storage is formatted). */
export const SCRAM_USER = { mechanism: SCRAM_MECHANISM, ...SCRAM_USERS.alice } as const;
const STOP_TIMEOUT_MS = 20_000;

export interface ApacheKafkaOptions {
  readonly libsDir?: string;
  /** Broker settings added to (or replacing) the defaults below. */
  readonly config?: Readonly<Record<string, string>>;
  /** log.flush.interval.messages=1: fsync every message, like the embedded broker's acks contract. */
  readonly flushEveryMessage?: boolean;
  readonly heap?: string;
  /** Keep the temporary folder after stop() (for debugging). */
  readonly keep?: boolean;
  /**
   * A folder of one's own instead of a temporary one: it is formatted only if it holds no Kafka
   * storage yet, and it is never removed. Ports then default to those it was last started with.
   */
  readonly workDir?: string;
  readonly port?: number;
  readonly controllerPort?: number;
  /**
   * Access control as on Amazon MSK (see security.ts): an SSL listener that requires a client
   * certificate, a SASL_SSL listener (SCRAM-SHA-512), the StandardAuthorizer with
   * allow.everyone.if.no.acl.found=true and super.users=User:admin, and every user of SCRAM_USERS.
   */
  readonly security?: boolean;
}

/** True when install.sh has finished copying the jars. */
export function kafkaInstalled(libsDir = KAFKA_LIBS): boolean {
  return existsSync(join(libsDir, '.complete'));
}

/** java from JAVA_HOME, else from the PATH. */
export function javaBinary(): string {
  const home = process.env['JAVA_HOME'];
  return home !== undefined && home !== '' ? join(home, 'bin', 'java') : 'java';
}

/** Arguments for `java` to run one of Kafka's main classes (tools start faster with C1 only). */
export function javaArgs(mainClass: string, args: readonly string[], libsDir = KAFKA_LIBS): string[] {
  return [
    '-Xmx512m',
    '-XX:+UseSerialGC',
    '-XX:TieredStopAtLevel=1',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${LOG4J2_CONFIG}`,
    '-cp',
    join(libsDir, '*'),
    mainClass,
    ...args,
  ];
}

/** Runs one of Kafka's Java tools to completion (bounded by timeoutMs). */
export function runJavaTool(
  mainClass: string,
  args: readonly string[],
  options: { timeoutMs: number; input?: string | Buffer; signal?: AbortSignal; libsDir?: string },
): Promise<RunResult> {
  return run(javaBinary(), javaArgs(mainClass, args, options.libsDir), {
    timeoutMs: options.timeoutMs,
    input: options.input,
    signal: options.signal,
  });
}

export async function startApacheKafka(options: ApacheKafkaOptions = {}): Promise<RunningServer> {
  const libsDir = options.libsDir ?? KAFKA_LIBS;
  if (!kafkaInstalled(libsDir)) {
    throw new Error(`Apache Kafka jars are missing in ${libsDir}: run bash scripts/conformance/install.sh`);
  }
  const host = '127.0.0.1';
  const ownDir = options.workDir !== undefined;
  const workDir = options.workDir ?? mkdtempSync(join(tmpdir(), 'sds-apache-kafka-'));
  mkdirSync(workDir, { recursive: true });
  const dataDir = join(workDir, 'data');
  const configFile = join(workDir, 'server.properties');
  const logFile = join(workDir, 'server.log');
  const portsFile = join(workDir, 'ports.json');
  // The controller's endpoint is part of the formatted quorum state: a folder keeps its ports.
  const previous = existsSync(portsFile)
    ? (JSON.parse(readFileSync(portsFile, 'utf8')) as { port?: number; controllerPort?: number; saslPort?: number; sslPort?: number; saslSslPort?: number })
    : {};
  const [freeA, freeB, freeC, freeD, freeE] = await freePorts(5);
  const port = options.port ?? previous.port ?? freeA;
  const controllerPort = options.controllerPort ?? previous.controllerPort ?? freeB;
  const saslPort = previous.saslPort ?? freeC;
  const sslPort = previous.sslPort ?? freeD;
  const saslSslPort = previous.saslSslPort ?? freeE;
  if (port === undefined || controllerPort === undefined || saslPort === undefined || sslPort === undefined || saslSslPort === undefined) {
    throw new Error('no free port');
  }
  writeFileSync(portsFile, JSON.stringify({ port, controllerPort, saslPort, sslPort, saslSslPort }));
  const formatted = existsSync(join(dataDir, 'meta.properties'));
  const secured = options.security === true;
  const certs = secured ? conformanceCertificates(join(workDir, 'certs')) : undefined;
  const listeners = [`PLAINTEXT://${host}:${port}`, `SASL_PLAINTEXT://${host}:${saslPort}`];
  if (secured) listeners.push(`SSL://${host}:${sslPort}`, `SASL_SSL://${host}:${saslSslPort}`);
  const securityConfig: Record<string, string> =
    certs === undefined
      ? {}
      : {
          'ssl.keystore.type': 'PEM',
          'ssl.keystore.location': certs.brokerKeystore,
          'ssl.truststore.type': 'PEM',
          'ssl.truststore.location': certs.caPem,
          // Mutual TLS on the SSL listener only, as MSK's TLS port with client authentication.
          'listener.name.ssl.ssl.client.auth': 'required',
          'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required;',
          'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
          'allow.everyone.if.no.acl.found': 'true',
          'super.users': SUPER_USERS.join(';'),
        };
  const config: Record<string, string> = {
    'process.roles': 'broker,controller',
    'node.id': '1',
    'controller.quorum.bootstrap.servers': `${host}:${controllerPort}`,
    listeners: [...listeners, `CONTROLLER://${host}:${controllerPort}`].join(','),
    'advertised.listeners': listeners.join(','),
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SSL:SSL,SASL_SSL:SASL_SSL',
    // A SASL/SCRAM listener with one user, as on Amazon MSK with SASL/SCRAM access control.
    'sasl.enabled.mechanisms': SCRAM_USER.mechanism,
    'listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required;',
    'log.dirs': dataDir,
    'num.partitions': '1',
    // Like Amazon MSK's default and the scenarios' discipline: every topic is created explicitly.
    'auto.create.topics.enable': 'false',
    'offsets.topic.replication.factor': '1',
    'transaction.state.log.replication.factor': '1',
    'transaction.state.log.min.isr': '1',
    'share.coordinator.state.topic.replication.factor': '1',
    'share.coordinator.state.topic.min.isr': '1',
    // As in Kafka's own config/server.properties for a single node: no 3 s wait on a first join.
    'group.initial.rebalance.delay.ms': '0',
    ...securityConfig,
    ...(options.flushEveryMessage === true ? { 'log.flush.interval.messages': '1' } : {}),
    ...options.config,
  };
  writeFileSync(configFile, Object.entries(config).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');

  const started = performance.now();
  if (!formatted) {
    const users = secured ? Object.values(SCRAM_USERS) : [SCRAM_USER];
    check(
      await runJavaTool(
        'kafka.tools.StorageTool',
        [
          'format', '--standalone', '-t', randomClusterId(), '-c', configFile,
          ...users.flatMap((u) => ['--add-scram', `${SCRAM_MECHANISM}=[name=${u.username},password=${u.password}]`]),
        ],
        { timeoutMs: 60_000, libsDir },
      ),
      'kafka.tools.StorageTool format',
    );
  }

  let child: ChildProcess | undefined;
  let exitNote: string | null = null;
  const killOnExit = (): void => {
    child?.kill('SIGKILL');
  };
  process.on('exit', killOnExit);

  const logTail = (lines = 20): string => {
    if (!existsSync(logFile)) return '';
    return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  };

  const launch = async (): Promise<number> => {
    const t0 = performance.now();
    const fd = openSync(logFile, 'a');
    exitNote = null;
    const proc = spawn(
      javaBinary(),
      [
        `-Xmx${options.heap ?? '1g'}`,
        '-Xms256m',
        '-XX:+UseG1GC',
        '-XX:MaxGCPauseMillis=20',
        '-Djava.awt.headless=true',
        `-Dlog4j2.configurationFile=${LOG4J2_CONFIG}`,
        `-Dkafka.logs.dir=${workDir}`,
        '-cp',
        join(libsDir, '*'),
        'kafka.Kafka',
        configFile,
      ],
      { stdio: ['ignore', fd, fd] },
    );
    closeSync(fd);
    child = proc;
    proc.on('exit', (code, signal) => {
      exitNote = `kafka.Kafka exited (${code ?? signal ?? '?'})`;
    });
    try {
      await waitUntilReady(host, port, START_TIMEOUT_MS, () => (exitNote === null ? null : `${exitNote}\n${logTail()}`));
    } catch (error) {
      await stopChild(proc, 1000, true);
      throw error;
    }
    return performance.now() - t0;
  };

  await launch();
  let startMs = performance.now() - started;

  const server: RunningServer = {
    bootstrap: `${host}:${port}`,
    host,
    port,
    dataDir,
    sasl: { ...SCRAM_USER, bootstrap: `${host}:${saslPort}` },
    ...(certs === undefined ? {} : { security: securityOf(host, { saslPort, sslPort, saslSslPort }, certs.dir) }),
    get startMs() {
      return startMs;
    },
    async restart(restartOptions: RestartOptions = {}) {
      if (child !== undefined) await stopChild(child, STOP_TIMEOUT_MS, restartOptions.hard === true);
      startMs = await launch();
      return `${host}:${port}`;
    },
    async stop() {
      if (child !== undefined) await stopChild(child, STOP_TIMEOUT_MS);
      process.off('exit', killOnExit);
      if (options.keep !== true && !ownDir) rmSync(workDir, { recursive: true, force: true });
    },
    logTail,
  };
  return server;
}

/** Where a server started with security listens for it, as the scenarios see it. */
function securityOf(host: string, ports: { saslPort: number; sslPort: number; saslSslPort: number }, certsDir: string): ServerSecurity {
  return {
    sslBootstrap: `${host}:${ports.sslPort}`,
    saslSslBootstrap: `${host}:${ports.saslSslPort}`,
    saslPlaintextBootstrap: `${host}:${ports.saslPort}`,
    mechanism: SCRAM_MECHANISM,
    users: SCRAM_USERS,
    superUsers: SUPER_USERS,
    certsDir,
    clientCertificates: CLIENT_CERTIFICATES,
  };
}

/** A Kafka Uuid as StorageTool expects it: 16 random bytes, base64url, not starting with '-'. */
function randomClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** Ports the OS hands out for listen(0) on loopback, released before returning. */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((ok, fail) => {
          const s = createServer();
          s.once('error', fail);
          s.listen(0, '127.0.0.1', () => ok(s));
        }),
    ),
  );
  const ports = servers.map((s) => {
    const address = s.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    return address.port;
  });
  await Promise.all(servers.map((s) => new Promise<void>((ok) => s.close(() => ok()))));
  return ports;
}

async function main(): Promise<void> {
  const hold = process.argv.includes('--hold');
  const t0 = performance.now();
  const server = await startApacheKafka({ keep: hold, security: process.argv.includes('--security') });
  console.log(`Apache Kafka ${KAFKA_VERSION} ready at ${server.bootstrap} in ${Math.round(server.startMs)} ms (format + start)`);
  if (server.security !== undefined) console.log(`security: ${JSON.stringify(server.security)}`);
  const restartT0 = performance.now();
  await server.restart();
  console.log(`restart (SIGTERM, start on the same data): ${Math.round(performance.now() - restartT0)} ms, start part ${Math.round(server.startMs)} ms`);
  if (hold) {
    console.log(`data in ${server.dataDir}; Ctrl-C stops it`);
    await new Promise<void>((ok) => process.once('SIGINT', () => ok()));
  }
  const stopT0 = performance.now();
  await server.stop();
  console.log(`stopped in ${Math.round(performance.now() - stopT0)} ms; total ${Math.round(performance.now() - t0)} ms`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
