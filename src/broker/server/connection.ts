/**
 * One client connection: splits the byte stream into frames, dispatches each request to
 * its handler, and writes the answers strictly in request order even when handlers finish
 * out of order (Kafka clients match responses by order as well as correlation id). On a
 * SASL listener only ApiVersions and the SASL requests are served until the client has
 * logged in, and again once its session has expired.
 *
 * Backpressure: requests are taken from the stream one at a time, and only while the
 * connection may start another one: fewer than max.in.flight unanswered requests, their
 * frames under IN_FLIGHT_REQUEST_BYTES, the answers not yet taken by the kernel under
 * WRITE_HIGH_WATER, and no earlier Fetch still unwritten (a Fetch answer can be as large as
 * the client asks, so a client pipelining Fetches gets them one after the other). Otherwise the
 * socket is paused, so a client that does not read its answers stops being read (its
 * requests wait in its own and the kernel's buffers), and the broker's memory per connection
 * stays bounded.
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
import type { AuthenticateAnswer, SaslAuthenticator, SaslStep } from './sasl-authenticator.ts';

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
  /** Size of the request frame, held until the answer is written. */
  readonly requestBytes: number;
}

const SASL_HANDSHAKE = 17;
const API_VERSIONS = 18;
const SASL_AUTHENTICATE = 36;

const FETCH = 1;

/** Above this many bytes queued for the socket, stop reading requests until it drains. */
const WRITE_HIGH_WATER = 8 * 1024 * 1024;
/** Frames of unanswered requests above this (unless alone) wait; one frame may still be max.request.bytes. */
const IN_FLIGHT_REQUEST_BYTES = 16 * 1024 * 1024;

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
  /** A frame taken from the decoder that has to wait for the connection to take it. */
  private held: Buffer | undefined;
  private inFlightRequestBytes = 0;
  /** Set while pump() runs: an answer written from inside it must not start another pump. */
  private pumping = false;
  /** Set while a SASL step runs: no request is read until it settles. */
  private authenticating = false;

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
    socket.on('data', (chunk: Buffer) => {
      this.decoder.append(chunk);
      this.pump();
    });
    socket.on('drain', () => this.pump());
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

  /** Dispatches the buffered requests the connection may take now; pauses the socket when it may take no more. */
  private pump(): void {
    if (this.pumping || this.closed) return;
    this.pumping = true;
    try {
      for (;;) {
        if (this.closed || !this.mayStartAnother()) break;
        let frame: Buffer | undefined;
        try {
          frame = this.held ?? this.decoder.next();
        } catch (e: unknown) {
          this.close('invalid frame', e);
          return;
        }
        this.held = undefined;
        if (frame === undefined) break;
        if (!this.mayTake(frame)) {
          this.held = frame;
          break;
        }
        this.dispatch(frame);
      }
    } finally {
      this.pumping = false;
    }
    if (this.closed) return;
    // Read on only while the next request could start; a held frame or a full queue waits for answers to go out.
    if (this.held === undefined && this.mayStartAnother()) this.socket.resume();
    else this.socket.pause();
  }

  private mayStartAnother(): boolean {
    return !this.authenticating && this.queue.length < this.broker.config.maxInFlightPerConnection && this.socket.writableLength <= WRITE_HIGH_WATER;
  }

  /** The limits that depend on the request itself: its size, and whether it is a Fetch behind another. */
  private mayTake(frame: Buffer): boolean {
    if (this.queue.length === 0) return true;
    if (this.inFlightRequestBytes + frame.length > IN_FLIGHT_REQUEST_BYTES) return false;
    const isFetch = this.sasl?.rawTokens !== true && frame.length >= 2 && frame.readInt16BE(0) === FETCH;
    return !isFetch || !this.queue.some((slot) => slot.apiKey === FETCH);
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
        this.saslRequest(this.sasl, apiKey, version, correlationId, body, frame.length);
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
      this.enqueue({ apiKey: 18, version: 0, correlationId, done: true, response: apiVersionsUnsupportedAnswer(registry), requestBytes: frame.length });
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
    const slot: Slot = { apiKey: handler.apiKey, version, correlationId, done: false, response: undefined, requestBytes: frame.length };
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
  private saslRequest(sasl: SaslAuthenticator, apiKey: 17 | 36, version: number, correlationId: number, body: Parameters<typeof decodeRequestBody>[2], requestBytes: number): void {
    if (!this.broker.registry.supports(apiKey, version)) {
      this.close(`unsupported request: API key ${apiKey} version ${version}`);
      return;
    }
    let token: Buffer | undefined;
    let handshake: SaslStep<unknown> | undefined;
    try {
      if (apiKey === SASL_HANDSHAKE) handshake = sasl.handshake(version, decodeRequestBody(apiKey, version, body).mechanism);
      else token = decodeRequestBody(apiKey, version, body).authBytes;
    } catch (e: unknown) {
      this.close(`malformed ${API_SPECS[apiKey].name} v${version} request`, e);
      return;
    }
    const slot: Slot = { apiKey, version, correlationId, done: false, response: undefined, requestBytes };
    this.enqueue(slot);
    const answer = (step: SaslStep<unknown>): void => {
      slot.response = step.response as Loose<unknown>;
      if (step.closeReason !== undefined) slot.closeReason = step.closeReason;
    };
    if (handshake !== undefined) {
      answer(handshake);
      this.complete(slot, handshake.delayMs ?? 0);
    } else {
      this.authenticateThen(sasl, token as Buffer, slot, answer);
    }
  }

  /** A token after a v0 SaslHandshake: no header, answered with a bare length-prefixed token. */
  private rawSaslToken(sasl: SaslAuthenticator, token: Buffer): void {
    const slot: Slot = { apiKey: SASL_AUTHENTICATE, version: 0, correlationId: 0, done: false, response: undefined, requestBytes: token.length };
    this.enqueue(slot);
    this.authenticateThen(sasl, token, slot, (step) => {
      // Failures have no answer in this form: the connection just closes.
      if (step.closeReason === undefined) slot.raw = step.response.authBytes;
      else slot.closeReason = step.closeReason;
    });
  }

  /**
   * Runs one SASL step, reading no further request meanwhile: what may follow depends on
   * whether the login succeeds. Then fills the slot and lets the answer go out.
   */
  private authenticateThen(sasl: SaslAuthenticator, token: Buffer, slot: Slot, fill: (step: SaslStep<AuthenticateAnswer>) => void): void {
    this.authenticating = true;
    sasl.authenticate(token, Date.now).then(
      (step) => {
        this.authenticating = false;
        this.afterSasl(sasl);
        fill(step);
        this.complete(slot, step.delayMs ?? 0);
      },
      (e: unknown) => this.close('SASL authentication failed unexpectedly', e),
    );
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
    this.inFlightRequestBytes += slot.requestBytes;
    if (slot.done) this.flush();
  }

  /** Writes every answer at the head of the queue that is ready, in order. */
  private flush(): void {
    if (this.closed) return;
    this.socket.cork();
    try {
      while (this.queue[0]?.done) {
        const slot = this.queue.shift() as Slot;
        this.inFlightRequestBytes -= slot.requestBytes;
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
    this.pump();
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
    this.held = undefined;
    this.socket.pause();
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 5000).unref();
  }
}
