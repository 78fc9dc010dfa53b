/**
 * One client connection: splits the byte stream into frames, dispatches each request to
 * its handler, and writes the answers strictly in request order even when handlers finish
 * out of order (Kafka clients match responses by order as well as correlation id).
 */
import type { Socket } from 'node:net';
import { FrameDecoder, readRequestFrame, decodeRequestBody, encodeResponse } from '../../protocol/frame.ts';
import { API_SPECS, type ApiKey } from '../../protocol/generated/apis.ts';
import type { Loose } from '../../protocol/primitives/loose.ts';
import type { Logger } from '../../logging.ts';
import type { BrokerContext } from '../context.ts';
import { CloseConnection } from '../handlers/types.ts';
import { apiVersionsUnsupportedAnswer } from '../handlers/18-api-versions.ts';

interface Slot {
  readonly apiKey: ApiKey;
  readonly version: number;
  readonly correlationId: number;
  done: boolean;
  /** undefined until the handler answers; null when the protocol sends no response. */
  response: Loose<unknown> | null | undefined;
}

/** Above this many bytes queued for the socket, stop reading requests until it drains. */
const WRITE_HIGH_WATER = 8 * 1024 * 1024;

export class Connection {
  readonly id: number;
  private readonly socket: Socket;
  private readonly broker: BrokerContext;
  private readonly logger: Logger;
  private readonly decoder: FrameDecoder;
  private readonly queue: Slot[] = [];
  private closed = false;

  constructor(id: number, socket: Socket, broker: BrokerContext, logger: Logger) {
    this.id = id;
    this.socket = socket;
    this.broker = broker;
    this.logger = logger.child({ connection: id, remote: `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}` });
    this.decoder = new FrameDecoder(broker.config.maxRequestBytes);
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
    if (apiKey === 18 && !registry.supports(apiKey, version)) {
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
    const ctx = { version, header, connectionId: this.id, broker: this.broker, logger };
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
        if (slot.response === null || slot.response === undefined) continue;
        let chunks: Buffer[];
        try {
          chunks = encodeResponse(slot.apiKey, slot.version, slot.correlationId, slot.response as never);
        } catch (e: unknown) {
          this.close(`cannot encode ${API_SPECS[slot.apiKey].name} v${slot.version} response`, e);
          return;
        }
        for (const c of chunks) this.socket.write(c);
      }
    } finally {
      this.socket.uncork();
    }
    this.maybeResume();
  }

  private maybeResume(): void {
    if (this.closed) return;
    const writesBacklogged = this.socket.writableLength > WRITE_HIGH_WATER;
    if (writesBacklogged || this.queue.length >= this.broker.config.maxInFlightPerConnection) this.socket.pause();
    else if (this.socket.isPaused()) this.socket.resume();
  }
}
