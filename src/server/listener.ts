/**
 * The TCP listener: accepts connections, gives each a Connection, and on shutdown stops
 * accepting, lets every connection write what it owes, then closes.
 */

import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from '../logger.js';
import { Connection, type ConnectionLimits, type Dispatch } from './connection.js';

export interface ListenerOptions {
  host: string;
  port: number;
  limits: ConnectionLimits;
  dispatch: Dispatch;
  logger: Logger;
}

export class Listener {
  private readonly server: Server;
  private readonly connections = new Set<Connection>();
  private nextId = 1;

  constructor(private readonly options: ListenerOptions) {
    this.server = createServer((socket) => this.accept(socket));
  }

  /** Starts accepting; resolves with the bound address (the real port when port was 0). */
  listen(): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off('error', reject);
        const address = this.server.address();
        if (address === null || typeof address === 'string') {
          reject(new Error(`unexpected listen address ${String(address)}`));
          return;
        }
        resolve({ host: this.options.host, port: address.port });
      });
    });
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Stops accepting and waits until every connection has written what it owes and closed. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const connection of this.connections) connection.shutdown();
    await closed;
  }

  private accept(socket: Socket): void {
    const connection = new Connection(
      this.nextId++,
      socket,
      this.options.dispatch,
      this.options.limits,
      this.options.logger,
      (c) => this.connections.delete(c),
    );
    this.connections.add(connection);
    const { logger } = this.options;
    if (logger.enabled('debug')) logger.debug(`accepted connection ${connection.remote}`);
  }
}
