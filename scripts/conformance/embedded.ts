// Launcher for the embedded broker (src/broker/broker.ts) in a Node child process, so that the
// conformance runner can stop it with SIGTERM, kill it with SIGKILL (recovery), and time it the way
// it times Apache Kafka; a hang inside the broker cannot stall the runner either.
//
// Parent side: embeddedBrokerMissing() and startEmbedded(). Child side: this file run as
//   node --import tsx scripts/conformance/embedded.ts --child <dataDir> <port> [host] [config] [security]
// imports src/broker/broker.ts dynamically, calls startBroker({ dataDir, port, host, config }), prints one
// READY line with the port, and stops the broker on SIGTERM. With security (startEmbedded({ security:
// true })) it passes listeners, TLS, SASL, authorizer and users instead of the port, configured as
// the Apache Kafka launcher configures Kafka (security.ts), and logs to its stdout at info level.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { freePorts, REPO_ROOT } from './apache-kafka.ts';
import { markGroupLeader, signal, stopChild } from './process.ts';
import { waitUntilReady } from './probe.ts';
import { CLIENT_CERTIFICATES, conformanceCertificates, SCRAM_MECHANISM, SCRAM_USERS, SUPER_USERS } from './security.ts';
import type { RestartOptions, RunningServer } from './server.ts';

/**
 * The module that exports startBroker. SDS_CONFORMANCE_BROKER_MODULE replaces it, to test this
 * launcher (or to run the suite against another build of the broker).
 */
export const EMBEDDED_BROKER_MODULE = resolve(REPO_ROOT, process.env['SDS_CONFORMANCE_BROKER_MODULE'] ?? 'src/broker/broker.ts');

const READY = 'SDS-CONFORMANCE-READY ';
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;

interface StartedBroker {
  readonly port: number;
  readonly bootstrap: string;
  stop(): Promise<void>;
}
type StartBroker = (options: Record<string, unknown>) => Promise<StartedBroker>;

/** What the child needs to start the broker with the secured listeners (passed as JSON). */
interface ChildSecurity {
  readonly saslPort: number;
  readonly sslPort: number;
  readonly saslSslPort: number;
  readonly certsDir: string;
}

/** Broker settings (src/broker/config.ts names) passed to startBroker in the child. */
export type EmbeddedConfig = Readonly<Record<string, number | string | boolean>>;

/** As the Apache Kafka launcher does (and Kafka's own single-node config): no 3 s wait on a first join. */
const LAUNCHER_DEFAULTS: EmbeddedConfig = { groupInitialRebalanceDelayMs: 0 };

/** Why the embedded broker cannot be run, or null when it can. */
export function embeddedBrokerMissing(): string | null {
  return existsSync(EMBEDDED_BROKER_MODULE) ? null : 'embedded broker not built yet';
}

export async function startEmbedded(options: { config?: EmbeddedConfig; security?: boolean } = {}): Promise<RunningServer> {
  const config = JSON.stringify({ ...LAUNCHER_DEFAULTS, ...options.config });
  const missing = embeddedBrokerMissing();
  if (missing !== null) throw new Error(missing);
  const host = '127.0.0.1';
  const [port, saslPort, sslPort, saslSslPort] = await freePorts(4);
  if (port === undefined || saslPort === undefined || sslPort === undefined || saslSslPort === undefined) throw new Error('no free port');
  const workDir = mkdtempSync(join(tmpdir(), 'sds-embedded-'));
  const dataDir = join(workDir, 'data');
  mkdirSync(dataDir);
  const certsDir = join(workDir, 'certs');
  let security: ChildSecurity | undefined;
  if (options.security === true) {
    conformanceCertificates(certsDir);
    security = { saslPort, sslPort, saslSslPort, certsDir };
  }
  const logFile = join(workDir, 'broker.log');
  const log = createWriteStream(logFile, { flags: 'a' });

  let child: ChildProcess | undefined;
  const killOnExit = (): void => {
    if (child !== undefined) signal(child, 'SIGKILL');
  };
  process.on('exit', killOnExit);

  const logTail = (lines = 20): string => {
    if (!existsSync(logFile)) return '';
    return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  };

  const launch = async (): Promise<number> => {
    const t0 = performance.now();
    // Its own process group, so that a SIGKILL reaches anything the broker process started too.
    const proc = markGroupLeader(
      spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'scripts/conformance/embedded.ts'), '--child', dataDir, String(port), host, config, JSON.stringify(security ?? null)], {
        cwd: REPO_ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      }),
    );
    child = proc;
    // Written by the event handlers below (an object, so that the waits below re-read them).
    const state: { exitNote: string | null; announced: number | null } = { exitNote: null, announced: null };
    let pending = '';
    proc.stdout.on('data', (chunk: Buffer) => {
      log.write(chunk);
      pending += chunk.toString('utf8');
      let nl = pending.indexOf('\n');
      while (nl >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (line.startsWith(READY)) {
          const parsed: unknown = JSON.parse(line.slice(READY.length));
          if (typeof parsed === 'object' && parsed !== null && 'port' in parsed && typeof parsed.port === 'number') {
            state.announced = parsed.port;
          }
        }
        nl = pending.indexOf('\n');
      }
    });
    proc.stderr.on('data', (chunk: Buffer) => log.write(chunk));
    proc.on('exit', (code, signal) => {
      state.exitNote = `embedded broker process exited (${code ?? signal ?? '?'})`;
    });
    const deadline = Date.now() + START_TIMEOUT_MS;
    try {
      for (;;) {
        const announced = state.announced;
        if (announced !== null) {
          if (announced !== port) throw new Error(`startBroker listened on ${announced}, not on the requested port ${port}`);
          break;
        }
        if (state.exitNote !== null) throw new Error(`${state.exitNote}\n${logTail()}`);
        if (Date.now() > deadline) throw new Error(`no READY line from the embedded broker after ${START_TIMEOUT_MS} ms`);
        await new Promise((ok) => setTimeout(ok, 20));
      }
      await waitUntilReady(host, port, Math.max(1000, deadline - Date.now()), () =>
        state.exitNote === null ? null : `${state.exitNote}\n${logTail()}`,
      );
    } catch (error) {
      await stopChild(proc, 1000, true);
      throw error;
    }
    return performance.now() - t0;
  };

  let startMs = await launch();
  return {
    bootstrap: `${host}:${port}`,
    host,
    port,
    dataDir,
    ...(security === undefined
      ? {}
      : {
          sasl: { mechanism: SCRAM_MECHANISM, ...SCRAM_USERS.alice, bootstrap: `${host}:${saslPort}` },
          security: {
            sslBootstrap: `${host}:${sslPort}`,
            saslSslBootstrap: `${host}:${saslSslPort}`,
            saslPlaintextBootstrap: `${host}:${saslPort}`,
            mechanism: SCRAM_MECHANISM,
            users: SCRAM_USERS,
            superUsers: SUPER_USERS,
            certsDir,
            clientCertificates: CLIENT_CERTIFICATES,
          },
        }),
    get startMs() {
      return startMs;
    },
    async restart(options: RestartOptions = {}) {
      if (child !== undefined) await stopChild(child, STOP_TIMEOUT_MS, options.hard === true);
      startMs = await launch();
      return `${host}:${port}`;
    },
    async stop() {
      if (child !== undefined) await stopChild(child, STOP_TIMEOUT_MS);
      process.off('exit', killOnExit);
      await new Promise<void>((ok) => log.end(() => ok()));
      rmSync(workDir, { recursive: true, force: true });
    },
    logTail,
  };
}

function isStartBroker(value: unknown): value is StartBroker {
  return typeof value === 'function';
}

/**
 * startBroker's security options, alike to what the Apache Kafka launcher writes in
 * server.properties: listeners PLAINTEXT, SASL_PLAINTEXT, SSL (client certificate required) and
 * SASL_SSL; SCRAM-SHA-512 only; the authorizer with the same super user; the same SCRAM users.
 */
async function securityOptions(port: number, security: ChildSecurity): Promise<Record<string, unknown>> {
  const pem = (name: string): string => readFileSync(join(security.certsDir, name), 'utf8');
  const { createLogger } = (await import(pathToFileURL(join(REPO_ROOT, 'src/logging.ts')).href)) as {
    createLogger: (name: string, level?: string) => unknown;
  };
  return {
    listeners: [
      { protocol: 'PLAINTEXT', port },
      { protocol: 'SASL_PLAINTEXT', port: security.saslPort },
      { protocol: 'SSL', port: security.sslPort },
      { protocol: 'SASL_SSL', port: security.saslSslPort },
    ],
    tls: { certificate: pem('broker.pem'), key: pem('broker-key.pem'), ca: pem('ca.pem'), clientAuth: 'required' },
    sasl: { mechanisms: [SCRAM_MECHANISM] },
    authorizer: { superUsers: SUPER_USERS, allowEveryoneIfNoAclFound: true },
    users: Object.values(SCRAM_USERS).map((u) => ({ name: u.username, password: u.password, mechanisms: [SCRAM_MECHANISM] })),
    // Info level on stdout, which the parent keeps in broker.log (for logTail and the failure reports).
    logger: createLogger('sds-broker', 'info'),
  };
}

async function child(dataDir: string, port: number, host: string, config: EmbeddedConfig, security: ChildSecurity | null): Promise<void> {
  const t0 = performance.now();
  const mod: Record<string, unknown> = (await import(pathToFileURL(EMBEDDED_BROKER_MODULE).href)) as Record<string, unknown>;
  const startBroker = mod['startBroker'];
  if (!isStartBroker(startBroker)) throw new Error(`${EMBEDDED_BROKER_MODULE} does not export startBroker`);
  const secured = security === null ? {} : await securityOptions(port, security);
  const broker = await startBroker({ dataDir, port, host, config, ...secured });
  console.log(`${READY}${JSON.stringify({ port: broker.port, bootstrap: broker.bootstrap, ms: Math.round(performance.now() - t0) })}`);
  let stopping = false;
  process.on('SIGTERM', () => {
    if (stopping) return;
    stopping = true;
    broker.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('stop failed:', error);
        process.exit(1);
      },
    );
  });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href && process.argv[2] === '--child') {
  const [dataDir, port, host, config, security] = process.argv.slice(3);
  if (dataDir === undefined || port === undefined) {
    console.error('usage: embedded.ts --child <dataDir> <port> [host] [config-json] [security-json]');
    process.exit(2);
  }
  const secured = JSON.parse(security ?? 'null') as ChildSecurity | null;
  child(dataDir, Number(port), host ?? '127.0.0.1', JSON.parse(config ?? '{}') as EmbeddedConfig, secured).catch((error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  });
}
