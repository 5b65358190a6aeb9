/**
 * A minimal Kafka wire client for tests: sends request frames built by the protocol
 * codecs over one TCP connection and hands back the typed responses, in order. Requests
 * that get no response (acks=0 produce) are sent with `send`.
 */

import { connect, type Socket } from 'node:net';
import { decodeResponse, encodeRequestFrame } from '../../protocol/headers.js';
import { FrameDecoder } from '../../src/server/framing.js';

interface Waiting {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  resolve: (message: unknown) => void;
  reject: (err: Error) => void;
}

export class WireClient {
  private nextCorrelationId = 1;
  private readonly waiting: Waiting[] = [];
  private readonly decoder = new FrameDecoder(1 << 30, (frame) => this.onFrame(frame), 4);
  private closedError: Error | null = null;
  /** Resolves when the broker closes the connection. */
  readonly closed: Promise<void>;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.decoder.push(chunk));
    this.closed = new Promise((resolve) => {
      socket.on('close', () => {
        this.closedError = new Error('connection closed');
        for (const w of this.waiting.splice(0)) w.reject(this.closedError);
        resolve();
      });
    });
    socket.on('error', () => undefined);
  }

  static open(port: number, host = '127.0.0.1'): Promise<WireClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host }, () => resolve(new WireClient(socket)));
      socket.once('error', reject);
    });
  }

  /** Sends a request and resolves with its decoded response. */
  request<T>(apiKey: number, apiVersion: number, message: unknown): Promise<T> {
    const correlationId = this.nextCorrelationId++;
    const frame = encodeRequestFrame(apiKey, apiVersion, correlationId, 'sluice-test', message);
    return new Promise<T>((resolve, reject) => {
      if (this.closedError) return reject(this.closedError);
      this.waiting.push({ apiKey, apiVersion, correlationId, resolve: resolve as (m: unknown) => void, reject });
      this.socket.write(frame);
    });
  }

  /** Sends a request that gets no response. */
  send(apiKey: number, apiVersion: number, message: unknown): void {
    this.socket.write(encodeRequestFrame(apiKey, apiVersion, this.nextCorrelationId++, 'sluice-test', message));
  }

  /** Writes raw bytes, e.g. a malformed frame. */
  writeRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  close(): void {
    this.socket.destroy();
  }

  private onFrame(frame: Buffer): void {
    const next = this.waiting.shift();
    if (!next) throw new Error('response without a request');
    const { correlationId, message } = decodeResponse(next.apiKey, next.apiVersion, frame);
    if (correlationId !== next.correlationId) {
      next.reject(new Error(`response out of order: expected correlation id ${next.correlationId}, got ${correlationId}`));
      return;
    }
    next.resolve(message);
  }
}
