// What the conformance runner (and the benchmarks) need from a Kafka server under test, whichever
// it is: Apache Kafka in a JVM, or the embedded broker in a Node child process.
import type { ServerSecurity } from './security.ts';

export interface RestartOptions {
  /** SIGKILL instead of a clean stop: recovery must keep every acknowledged record. */
  readonly hard?: boolean;
}

export interface RunningServer {
  /** host:port of the PLAINTEXT listener. */
  readonly bootstrap: string;
  readonly host: string;
  readonly port: number;
  /** Where the server keeps its data; the same across restarts. */
  readonly dataDir: string;
  /** A SASL/SCRAM listener and its user, where the server has one. */
  readonly sasl?: { readonly bootstrap: string; readonly mechanism: string; readonly username: string; readonly password: string };
  /** The TLS, mutual-TLS and SASL_SSL listeners, users and certificates, when started with security (see security.ts). */
  readonly security?: ServerSecurity;
  /** Milliseconds the last (re)start took, until a Metadata call listed the broker. */
  readonly startMs: number;
  /** Stops the server and starts it again on the same data and port; resolves to the bootstrap. */
  restart(options?: RestartOptions): Promise<string>;
  /** Stops the server (SIGTERM, then SIGKILL after a timeout) and removes its temporary files. */
  stop(): Promise<void>;
  /** The last lines of the server's own log, for failure reports. */
  logTail(lines?: number): string;
}
