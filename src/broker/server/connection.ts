/**
 * One client connection: splits the byte stream into frames, dispatches each request to
 * its handler, and writes the answers strictly in request order even when handlers finish
 * out of order (Kafka clients match responses by order as well as correlation id). On a
 * SASL listener only ApiVersions and the SASL requests are served until the client has
 * logged in, and again once its session has expired.
 */
import type { Socket } from 'node:net';
import { FrameDecoder, readRequestFrame, decodeRequestBody, encodeResponse } from '../../protocol/frame.ts';
import { API_SPECS, type ApiKey } from '../../protocol/generated/apis.ts';
import type { Loose } from '../../protocol/primitives/loose.ts';
import type { Logger } from '../../logging.ts';
import type { BrokerContext } from '../context.ts';
import { CloseConnection } from '../handlers/types.ts';
import { apiVersionsUnsupportedAnswer } from '../handlers/18-api-versions.ts';
import type { Session } from '../security/types.ts';
import type { SaslAuthenticator, SaslStep } from './sasl-authenticator.ts';

/** Where clients reach the broker on this connection's listener, and who the client is. */
export interface ConnectionSecurity {
  readonly endpoint: { readonly host: string; readonly port: number };
  /** The principal before any SASL login: ANONYMOUS, or a client certificate's. */
  readonly session: Session;
  /** Present on SASL listeners. */
  readonly sasl?: SaslAuthenticator;
}

interface Slot {
  readonly apiKey: ApiKey;
  readonly version: number;
  readonly correlationId: number;
  done: boolean;
  /** undefined until the handler answers; null when the protocol sends no response. */
  response: Loose<unknown> | null | undefined;
  /** A SASL token after a v0 handshake: written with only a length prefix, no response header. */
  raw?: Buffer;
  /** Close the connection once this answer is written. */
  closeReason?: string;
}

const SASL_HANDSHAKE = 17;
const API_VERSIONS = 18;
const SASL_AUTHENTICATE = 36;

/** Above this many bytes queued for the socket, stop reading requests until it drains. */
const WRITE_HIGH_WATER = 8 * 1024 * 1024;

export class Connection {
  readonly id: number;
  private readonly socket: Socket;
  private readonly broker: BrokerContext;
  private readonly logger: Logger;
  private readonly decoder: FrameDecoder;
  private readonly queue: Slot[] = [];
  private readonly endpoint: ConnectionSecurity['endpoint'];
  private readonly sasl: SaslAuthenticator | undefined;
  private session: Session;
  private closed = false;

  constructor(id: number, socket: Socket, broker: BrokerContext, logger: Logger, security: ConnectionSecurity) {
    this.id = id;
    this.socket = socket;
    this.broker = broker;
    this.endpoint = security.endpoint;
    this.session = security.session;
    this.sasl = security.sasl;
    this.logger = logger.child({ connection: id, remote: `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}` });
    this.decoder = new FrameDecoder(this.sasl === undefined ? broker.config.maxRequestBytes : this.sasl.maxReceiveBytes);
    socket.setNoDelay(true);
    socket.setTimeout(broker.config.idleTimeoutMs, () => this.close('idle timeout'));
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.maybeResume());
    socket.on('error', (e) => this.logger.debug({ err: e }, 'socket error'));
    socket.on('close', () => {
      this.closed = true;
    });
  }

  /** Closes the connection, logging why. */
  close(reason: string, err?: unknown): void {
    if (this.closed) return;
    this.closed = true;
    if (err === undefined) this.logger.info({ reason }, 'closing connection');
    else this.logger.warn({ reason, err }, 'closing connection');
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    let frames: Buffer[];
    try {
      frames = this.decoder.push(chunk);
    } catch (e: unknown) {
      this.close('invalid frame', e);
      return;
    }
    for (const frame of frames) {
      if (this.closed) return;
      this.dispatch(frame);
    }
  }

  private dispatch(frame: Buffer): void {
    if (this.sasl?.rawTokens === true) {
      this.rawSaslToken(this.sasl, frame);
      return;
    }
    let header;
    let body;
    try {
      ({ header, body } = readRequestFrame(frame));
    } catch (e: unknown) {
      this.close('malformed request header', e);
      return;
    }
    const { requestApiKey: apiKey, requestApiVersion: version, correlationId } = header;
    this.broker.metrics.requestReceived(frame.length);
    const registry = this.broker.registry;
    if (this.sasl !== undefined && apiKey !== API_VERSIONS) {
      if (apiKey === SASL_HANDSHAKE || apiKey === SASL_AUTHENTICATE) {
        this.saslRequest(this.sasl, apiKey, version, correlationId, body);
        return;
      }
      if (!this.sasl.isAuthenticated(Date.now())) {
        const name = API_SPECS[apiKey as ApiKey]?.name ?? `API key ${apiKey}`;
        this.close(this.sasl.principal === undefined ? `${name} request before SASL authentication` : 'the SASL session expired');
        return;
      }
    }
    if (apiKey === API_VERSIONS && !registry.supports(apiKey, version)) {
      // Kafka answers an ApiVersions request it cannot read with error 35 in the v0 form.
      this.enqueue({ apiKey: 18, version: 0, correlationId, done: true, response: apiVersionsUnsupportedAnswer(registry) });
      return;
    }
    const handler = registry.get(apiKey);
    if (!handler || !registry.supports(apiKey, version)) {
      this.close(`unsupported request: API key ${apiKey} version ${version}`);
      return;
    }
    let request: unknown;
    try {
      request = decodeRequestBody(handler.apiKey, version, body);
    } catch (e: unknown) {
      this.close(`malformed ${API_SPECS[handler.apiKey].name} v${version} request`, e);
      return;
    }
    const slot: Slot = { apiKey: handler.apiKey, version, correlationId, done: false, response: undefined };
    this.enqueue(slot);
    const logger = this.logger.child({ correlationId, api: API_SPECS[handler.apiKey].name, version });
    const ctx = { version, header, connectionId: this.id, session: this.session, endpoint: this.endpoint, broker: this.broker, logger };
    Promise.resolve()
      .then(() => handler.handle(request as never, ctx))
      .then(
        (response) => {
          slot.response = response;
          slot.done = true;
          this.flush();
        },
        (e: unknown) => {
          if (e instanceof CloseConnection) this.close(e.message);
          else this.close(`${API_SPECS[handler.apiKey].name} handler failed`, e);
        },
      );
  }

  /** SaslHandshake or SaslAuthenticate on a SASL listener. */
  private saslRequest(sasl: SaslAuthenticator, apiKey: 17 | 36, version: number, correlationId: number, body: Parameters<typeof decodeRequestBody>[2]): void {
    if (!this.broker.registry.supports(apiKey, version)) {
      this.close(`unsupported request: API key ${apiKey} version ${version}`);
      return;
    }
    let step: SaslStep<unknown>;
    try {
      if (apiKey === SASL_HANDSHAKE) {
        step = sasl.handshake(version, decodeRequestBody(apiKey, version, body).mechanism);
      } else {
        step = sasl.authenticate(decodeRequestBody(apiKey, version, body).authBytes, Date.now());
      }
    } catch (e: unknown) {
      this.close(`malformed ${API_SPECS[apiKey].name} v${version} request`, e);
      return;
    }
    this.afterSasl(sasl);
    const slot: Slot = { apiKey, version, correlationId, done: false, response: step.response as Loose<unknown> };
    if (step.closeReason !== undefined) slot.closeReason = step.closeReason;
    this.enqueue(slot);
    this.complete(slot, step.delayMs ?? 0);
  }

  /** A token after a v0 SaslHandshake: no header, answered with a bare length-prefixed token. */
  private rawSaslToken(sasl: SaslAuthenticator, token: Buffer): void {
    const step = sasl.authenticate(token, Date.now());
    this.afterSasl(sasl);
    // Failures have no answer in this form: the connection just closes.
    const failed = step.closeReason !== undefined;
    const slot: Slot = { apiKey: SASL_AUTHENTICATE, version: 0, correlationId: 0, done: false, response: failed ? null : undefined };
    if (!failed) slot.raw = step.response.authBytes;
    else slot.closeReason = step.closeReason;
    this.enqueue(slot);
    this.complete(slot, step.delayMs ?? 0);
  }

  /** Takes on the principal of a login, and the full frame limit once logged in. */
  private afterSasl(sasl: SaslAuthenticator): void {
    if (sasl.principal !== undefined && sasl.principal !== this.session.principal) {
      this.session = { principal: sasl.principal, clientHost: this.session.clientHost };
      this.logger.info({ principal: sasl.principal }, 'client authenticated');
    }
    if (sasl.principal !== undefined) this.decoder.setLimit(this.broker.config.maxRequestBytes);
  }

  private complete(slot: Slot, delayMs: number): void {
    if (delayMs <= 0) {
      slot.done = true;
      this.flush();
      return;
    }
    setTimeout(() => {
      slot.done = true;
      this.flush();
    }, delayMs).unref();
  }

  private enqueue(slot: Slot): void {
    this.queue.push(slot);
    if (this.queue.length >= this.broker.config.maxInFlightPerConnection) this.socket.pause();
    if (slot.done) this.flush();
  }

  /** Writes every answer at the head of the queue that is ready, in order. */
  private flush(): void {
    if (this.closed) return;
    this.socket.cork();
    try {
      while (this.queue[0]?.done) {
        const slot = this.queue.shift() as Slot;
        if (slot.raw !== undefined) {
          const size = Buffer.allocUnsafe(4);
          size.writeInt32BE(slot.raw.length);
          this.socket.write(size);
          this.socket.write(slot.raw);
        }
        if (slot.closeReason !== undefined) {
          if (slot.response !== null && slot.response !== undefined) this.writeResponse(slot);
          this.endAfterWrites(slot.closeReason);
          return;
        }
        if (slot.response === null || slot.response === undefined) continue;
        if (!this.writeResponse(slot)) return;
      }
    } finally {
      this.socket.uncork();
    }
    this.maybeResume();
  }

  /** Encodes and writes one answer; false (and the connection closed) if it cannot be encoded. */
  private writeResponse(slot: Slot): boolean {
    let chunks: Buffer[];
    try {
      chunks = encodeResponse(slot.apiKey, slot.version, slot.correlationId, slot.response as never);
    } catch (e: unknown) {
      this.close(`cannot encode ${API_SPECS[slot.apiKey].name} v${slot.version} response`, e);
      return false;
    }
    for (const c of chunks) this.socket.write(c);
    return true;
  }

  /** Closes once what was written has gone out (destroy would drop it), reading nothing more. */
  private endAfterWrites(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.logger.info({ reason }, 'closing connection');
    this.queue.length = 0;
    this.socket.pause();
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 5000).unref();
  }

  private maybeResume(): void {
    if (this.closed) return;
    const writesBacklogged = this.socket.writableLength > WRITE_HIGH_WATER;
    if (writesBacklogged || this.queue.length >= this.broker.config.maxInFlightPerConnection) this.socket.pause();
    else if (this.socket.isPaused()) this.socket.resume();
  }
}
