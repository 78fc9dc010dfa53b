// Access control that both servers under test are given alike, as Amazon MSK offers it: a TLS
// listener that requires a client certificate (MSK's port 9094 with mutual TLS), a SASL/SCRAM
// listener over TLS (MSK's 9096), the plaintext SASL/SCRAM listener the suite had already, and the
// ACL authorizer with allow.everyone.if.no.acl.found=true and one super user.
//
// The certificates come from `sds certs create` (src/certs/create.ts) for both servers: Apache
// Kafka reads them as PEM key and trust stores, the embedded broker as PEM text.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDevCertificates } from '../../src/certs/create.ts';

export interface ScramUser {
  readonly username: string;
  readonly password: string;
}

/** The SASL mechanism of both SASL listeners (the only one MSK offers). */
export const SCRAM_MECHANISM = 'SCRAM-SHA-512';

/**
 * SCRAM users, created when Apache Kafka's storage is formatted and given to the embedded broker
 * at start. alice is the user of the suite's older SASL scenarios; admin is the super user.
 */
export const SCRAM_USERS = {
  alice: { username: 'alice', password: 'alice-secret' },
  admin: { username: 'admin', password: 'admin-secret' },
  bob: { username: 'bob', password: 'bob-secret' },
  carol: { username: 'carol', password: 'carol-secret' },
} as const satisfies Record<string, ScramUser>;

/** super.users on both servers. */
export const SUPER_USERS: readonly string[] = ['User:admin'];

/** Client certificates (CN) made for the mutual-TLS listener: principals User:CN=client and User:CN=other. */
export const CLIENT_CERTIFICATES = ['client', 'other'] as const;

/** What a scenario needs to reach the secured listeners of a server. */
export interface ServerSecurity {
  /** SSL listener: TLS, client certificate required (ssl.client.auth=required). */
  readonly sslBootstrap: string;
  /** SASL_SSL listener: SCRAM over TLS, no client certificate asked for. */
  readonly saslSslBootstrap: string;
  /** SASL_PLAINTEXT listener (SCRAM in the clear). */
  readonly saslPlaintextBootstrap: string;
  readonly mechanism: typeof SCRAM_MECHANISM;
  readonly users: typeof SCRAM_USERS;
  readonly superUsers: readonly string[];
  /** The folder `sds certs create` wrote: ca.pem, client.pem, client-key.pem, client-keystore.pem, client-mtls-client.properties, … */
  readonly certsDir: string;
  /** The names of the client certificates in certsDir. */
  readonly clientCertificates: readonly string[];
}

export interface ConformanceCertificates {
  readonly dir: string;
  readonly caPem: string;
  readonly brokerCertificatePem: string;
  readonly brokerKeyPem: string;
  /** The broker's PKCS#8 key followed by its chain: Kafka's ssl.keystore.type=PEM file. */
  readonly brokerKeystore: string;
}

/**
 * Writes a development CA, a broker certificate for 127.0.0.1 and localhost, and the client
 * certificates to `dir`, unless it holds them already (a server restarted on its own folder keeps
 * its certificates).
 */
export function conformanceCertificates(dir: string): ConformanceCertificates {
  const brokerKeystore = join(dir, 'broker-keystore.pem');
  const needed = ['ca.pem', 'broker.pem', 'broker-key.pem', ...CLIENT_CERTIFICATES.map((c) => `${c}-keystore.pem`)];
  if (!needed.every((name) => existsSync(join(dir, name))) || !existsSync(brokerKeystore)) {
    createDevCertificates({ dir, hosts: ['127.0.0.1', 'localhost'], clients: [...CLIENT_CERTIFICATES], days: 30, force: true });
    writeFileSync(brokerKeystore, readFileSync(join(dir, 'broker-key.pem'), 'utf8') + readFileSync(join(dir, 'broker.pem'), 'utf8'), { mode: 0o600 });
  }
  return {
    dir,
    caPem: join(dir, 'ca.pem'),
    brokerCertificatePem: join(dir, 'broker.pem'),
    brokerKeyPem: join(dir, 'broker-key.pem'),
    brokerKeystore,
  };
}
