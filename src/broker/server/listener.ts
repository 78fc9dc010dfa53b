/**
 * One of the broker's listeners: a TCP (or TLS) server on its own port for one security
 * protocol. The broker-wide connection limit (max.connections) is shared by all listeners.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import type { Logger } from '../../logging.ts';
import type { BrokerContext } from '../context.ts';
import { Connection } from './connection.ts';
import { SdsError } from '../../errors.ts';
import { ANONYMOUS } from '../security/types.ts';
import { usesSasl, usesTls, type SecurityProtocol } from './listener-spec.ts';
import { SaslAuthenticator, type SaslOptions } from './sasl-authenticator.ts';
import { tlsPrincipal } from './tls-principal.ts';

/** The broker's TLS identity and, for client certificates, the CAs it trusts. All PEM. */
export interface TlsOptions {
  /** The broker's certificate, followed by its chain. */
  readonly certificate: string;
  readonly key: string;
  /** The key's passphrase, if the key is encrypted. */
  readonly keyPassword?: string;
  /** CAs whose client certificates are accepted (ssl.truststore); needed unless clientAuth is none. */
  readonly ca?: string;
  /** ssl.client.auth: none (the default), requested or required. */
  readonly clientAuth?: 'none' | 'requested' | 'required';
}

/** The connections of all listeners, for the broker-wide limit and the ConnectionCount metric. */
export class ConnectionSet {
  readonly all = new Set<Connection>();
  nextId = 1;
}

/** A TLS handshake that takes longer than this is given up. */
const TLS_HANDSHAKE_TIMEOUT_MS = 30_000;

export class Listener {
  readonly protocol: SecurityProtocol;
  private readonly server: Server;
  private readonly own = new Set<Connection>();
  private readonly shared: ConnectionSet;
  private readonly logger: Logger;
  private readonly sasl: SaslOptions;
  private broker: BrokerContext | undefined;
  private endpoint: { host: string; port: number } | undefined;

  constructor(protocol: SecurityProtocol, shared: ConnectionSet, logger: Logger, tls: TlsOptions | undefined, sasl: SaslOptions) {
    this.protocol = protocol;
    this.shared = shared;
    this.logger = logger.child({ listener: protocol });
    this.sasl = sasl;
    if (usesTls(protocol)) {
      if (tls === undefined) throw new SdsError('SDS_ERR_BROKER_LISTENER', `a ${protocol} listener needs a TLS certificate and key`);
      const clientAuth = tls.clientAuth ?? 'none';
      const server = createTlsServer({
        cert: tls.certificate,
        key: tls.key,
        ...(tls.keyPassword !== undefined ? { passphrase: tls.keyPassword } : {}),
        ...(tls.ca !== undefined ? { ca: tls.ca } : {}),
        // A SASL_SSL listener takes its principal from SASL, so it asks for no certificate.
        requestCert: clientAuth !== 'none' && !usesSasl(protocol),
        rejectUnauthorized: clientAuth === 'required',
        handshakeTimeout: TLS_HANDSHAKE_TIMEOUT_MS,
        minVersion: 'TLSv1.2',
      });
      server.on('secureConnection', (socket: TLSSocket) => {
        // With clientAuth=requested, a certificate the broker does not trust is refused as Kafka's trust manager does.
        if (clientAuth === 'requested' && !socket.authorized && socket.getPeerCertificate().subject !== undefined) {
          this.logger.info({ remote: socket.remoteAddress, reason: socket.authorizationError }, 'refusing connection: untrusted client certificate');
          socket.destroy();
          return;
        }
        this.accept(socket, tlsPrincipal(socket));
      });
      // A client speaking plaintext, or failing the handshake: nothing to answer.
      server.on('tlsClientError', (e, socket) => {
        this.logger.info({ remote: socket.remoteAddress, reason: e.message }, 'TLS handshake failed');
        socket.destroy();
      });
      this.server = server;
    } else {
      this.server = createServer((socket) => this.accept(socket, ANONYMOUS));
    }
  }

  /** Binds the port; the context is attached afterwards because it carries the bound ports. */
  async listen(host: string, port: number): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      const onError = (e: NodeJS.ErrnoException): void => {
        const hint = e.code === 'EADDRINUSE' ? `port ${port} on ${host} is already in use; pick another port or stop the other process` : `cannot listen on ${host}:${port}: ${e.message}`;
        reject(new SdsError('SDS_ERR_BROKER_LISTEN', hint, { cause: e }));
      };
      this.server.once('error', onError);
      this.server.listen({ host, port }, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('listener has no TCP address');
    return address.port;
  }

  attach(broker: BrokerContext, endpoint: { host: string; port: number }): void {
    this.broker = broker;
    this.endpoint = endpoint;
  }

  private accept(socket: Socket, principal: string): void {
    const broker = this.broker;
    const endpoint = this.endpoint;
    if (!broker || !endpoint || this.shared.all.size >= broker.config.maxConnections) {
      this.logger.warn({ remote: socket.remoteAddress, max: broker?.config.maxConnections }, 'refusing connection: too many connections');
      socket.destroy();
      return;
    }
    // An IPv4 client on a dual-stack socket is named as Kafka names it, without the ::ffff: prefix.
    const session = { principal, clientHost: (socket.remoteAddress ?? '').replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1') };
    const sasl = usesSasl(this.protocol) ? new SaslAuthenticator(this.sasl, broker.security.scram) : undefined;
    const conn = new Connection(this.shared.nextId++, socket, broker, this.logger, { endpoint, session, ...(sasl !== undefined ? { sasl } : {}) });
    this.own.add(conn);
    this.shared.all.add(conn);
    socket.on('close', () => {
      this.own.delete(conn);
      this.shared.all.delete(conn);
    });
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const c of this.own) c.close('broker stopping');
    await closed;
  }
}
