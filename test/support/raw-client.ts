/**
 * A bare Kafka connection for tests: sends requests encoded by our codec and reads the
 * answers in order. It also sends raw bytes, to test how the broker treats bad input.
 */
import { connect, type Socket } from 'node:net';
import { connect as connectTls, type ConnectionOptions } from 'node:tls';
import { FrameDecoder, decodeResponse, encodeRequest } from '../../src/protocol/frame.ts';
import type { ApiKey, ApiRequestMap, ApiResponseMap } from '../../src/protocol/generated/apis.ts';
import type { Loose } from '../../src/protocol/primitives/loose.ts';

export class RawClient {
  private readonly socket: Socket;
  private readonly decoder = new FrameDecoder(1 << 30);
  private readonly frames: Buffer[] = [];
  private waiting: (() => void) | undefined;
  private correlationId = 1;
  closed = false;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.frames.push(...this.decoder.push(chunk));
      this.waiting?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.waiting?.();
    });
    socket.on('error', () => undefined);
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host }, () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  /** A TLS connection; `options` carry the CA and, for mutual TLS, the client's certificate. */
  static connectTls(port: number, options: ConnectionOptions, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connectTls({ port, host, ...options }, () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  /** Next frame from the broker, or null when the connection closes first. */
  async nextFrame(timeoutMs = 10_000): Promise<Buffer | null> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length === 0) {
      if (this.closed) return null;
      if (Date.now() > deadline) throw new Error('no answer from the broker');
      await new Promise<void>((resolve) => {
        this.waiting = resolve;
        setTimeout(resolve, 50);
      });
      this.waiting = undefined;
    }
    return this.frames.shift() as Buffer;
  }

  writeRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  send<K extends ApiKey>(apiKey: K, version: number, body: Loose<ApiRequestMap[K]>): number {
    const id = this.correlationId++;
    this.socket.write(encodeRequest(apiKey, version, id, 'raw-test-client', body));
    return id;
  }

  async request<K extends ApiKey>(apiKey: K, version: number, body: Loose<ApiRequestMap[K]>): Promise<ApiResponseMap[K]> {
    const id = this.send(apiKey, version, body);
    const frame = await this.nextFrame();
    if (frame === null) throw new Error('connection closed before the answer');
    const decoded = decodeResponse(apiKey, version, frame);
    if (decoded.correlationId !== id) throw new Error(`correlation id ${decoded.correlationId}, expected ${id}`);
    return decoded.body;
  }

  /** Resolves true once the broker has closed the connection. */
  async waitClosed(timeoutMs = 5_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return this.closed;
  }

  close(): void {
    this.socket.destroy();
  }
}
