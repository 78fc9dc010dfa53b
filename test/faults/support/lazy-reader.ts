/**
 * A client that reads its answers slowly, or never: it writes requests without waiting and
 * takes bytes from its socket at a fixed rate (0: never). The broker sees a peer whose
 * receive window fills up, as with a stalled or overloaded consumer.
 */
import { connect, type Socket } from 'node:net';
import { FrameDecoder } from '../../../src/protocol/frame.ts';

export class LazyReader {
  private readonly socket: Socket;
  private readonly decoder = new FrameDecoder(1 << 30);
  private timer: NodeJS.Timeout | undefined;
  /** Complete answers read so far. */
  answers = 0;
  bytesRead = 0;
  closed = false;

  private constructor(socket: Socket, bytesPerSecond: number, onAnswer: (frame: Buffer) => void) {
    this.socket = socket;
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      clearTimeout(this.timer);
    });
    if (bytesPerSecond <= 0) return; // no 'data' listener: the socket stays paused for good
    socket.on('data', (chunk: Buffer) => {
      this.bytesRead += chunk.length;
      for (const frame of this.decoder.push(chunk)) {
        this.answers++;
        onAnswer(frame);
      }
      // Take the next bytes only after the time this chunk "cost" at the given rate.
      socket.pause();
      this.timer = setTimeout(() => socket.resume(), (chunk.length / bytesPerSecond) * 1000);
    });
  }

  static connect(port: number, bytesPerSecond: number, onAnswer: (frame: Buffer) => void = () => undefined): Promise<LazyReader> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host: '127.0.0.1' }, () => resolve(new LazyReader(socket, bytesPerSecond, onAnswer)));
      socket.once('error', reject);
    });
  }

  write(frame: Buffer): void {
    if (!this.closed) this.socket.write(frame);
  }

  /** Bytes the client could not hand to the kernel yet: the broker stopped reading. */
  get unsent(): number {
    return this.socket.writableLength;
  }

  close(): void {
    clearTimeout(this.timer);
    this.socket.destroy();
  }
}
