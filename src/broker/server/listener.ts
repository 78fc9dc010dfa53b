import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from '../../logging.ts';
import type { BrokerContext } from '../context.ts';
import { Connection } from './connection.ts';
import { SdsError } from '../../errors.ts';

/** Accepts connections up to max.connections and hands each to a Connection. */
export class Listener {
  private readonly server: Server;
  private readonly connections = new Set<Connection>();
  private nextId = 1;
  private readonly logger: Logger;
  private broker: BrokerContext | undefined;

  constructor(logger: Logger) {
    this.logger = logger;
    this.server = createServer((socket) => this.accept(socket));
  }

  /** Binds the port; the context is attached afterwards because it carries the bound port. */
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

  attach(broker: BrokerContext): void {
    this.broker = broker;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  private accept(socket: Socket): void {
    const broker = this.broker;
    if (!broker || this.connections.size >= broker.config.maxConnections) {
      this.logger.warn({ remote: socket.remoteAddress, max: broker?.config.maxConnections }, 'refusing connection: too many connections');
      socket.destroy();
      return;
    }
    const conn = new Connection(this.nextId++, socket, broker, this.logger);
    this.connections.add(conn);
    socket.on('close', () => this.connections.delete(conn));
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const c of this.connections) c.close('broker stopping');
    await closed;
  }
}
