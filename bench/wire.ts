/**
 * The benchmark's side of the Kafka wire: request frames built from the generated codecs, and a
 * pipelined client connection that matches responses to requests in order.
 *
 * Frames are encoded once with a size pass and one allocation; the load generator resends the
 * same bytes and patches only the correlation id (at CORRELATION_ID_OFFSET) in place.
 */
import net from 'node:net';
import { Reader } from '../protocol/primitives.js';
import { encodeRequestFrame, readResponseHeader } from '../protocol/headers.js';
import { type ApiCodec, errorInfo } from '../protocol/generated/index.js';

/** Byte position of the correlation id in a request frame: size int32, api key int16, version int16. */
export const CORRELATION_ID_OFFSET = 8;
export const CLIENT_ID = 'sluice-bench';

/** A whole request frame (size prefix included) for `body`, through protocol/headers.ts. */
export function encodeRequest<Req>(codec: ApiCodec<Req>, version: number, correlationId: number, body: Req): Buffer {
  return encodeRequestFrame(codec.apiKey, version, correlationId, CLIENT_ID, body);
}

/** Decodes a response frame (without its size prefix) of `codec` at `version`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function decodeResponse<Res>(codec: ApiCodec<any, Res>, version: number, frame: Buffer): Res {
  const r = new Reader(frame);
  readResponseHeader(r, codec.apiKey, version);
  return codec.readResponse(r, version);
}

export function errorName(code: number): string {
  try {
    return `${errorInfo(code).name} (${code})`;
  } catch {
    return `error ${code}`;
  }
}

type Handler = (frame: Buffer, receivedAt: number) => void;

/**
 * One TCP connection to the broker. Callers register the handler for a correlation id before
 * writing its request; responses must come back in request order, and anything else (an
 * unexpected correlation id, a closed socket) is fatal and reported through `failed`.
 */
export class BenchConnection {
  private readonly ids: number[] = [];
  private readonly handlers: Handler[] = [];
  private head = 0;
  private pending: Buffer | null = null;
  private nextId = 1;
  private failure: Error | null = null;
  private readonly failureListeners: Array<(err: Error) => void> = [];

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.fail(new Error(`connection error: ${err.message}`)));
    socket.on('close', () => this.fail(new Error('connection closed by the broker')));
  }

  static connect(host: string, port: number): Promise<BenchConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port, noDelay: true });
      socket.once('connect', () => {
        socket.removeListener('error', reject);
        resolve(new BenchConnection(socket));
      });
      socket.once('error', reject);
    });
  }

  /** A fresh correlation id (positive, wraps before int32 overflow). */
  correlationId(): number {
    const id = this.nextId;
    this.nextId = id >= 0x7fff_fff0 ? 1 : id + 1;
    return id;
  }

  get outstanding(): number {
    return this.ids.length - this.head;
  }

  get error(): Error | null {
    return this.failure;
  }

  onFailure(listener: (err: Error) => void): void {
    if (this.failure) listener(this.failure);
    else this.failureListeners.push(listener);
  }

  offFailure(listener: (err: Error) => void): void {
    const i = this.failureListeners.indexOf(listener);
    if (i >= 0) this.failureListeners.splice(i, 1);
  }

  /** Registers the handler for the response to `correlationId` (call before writing). */
  expect(correlationId: number, handler: Handler): void {
    this.ids.push(correlationId);
    this.handlers.push(handler);
  }

  /** One request/response round trip through the codecs (for setup and polling, not the load). */
  request<Req, Res>(codec: ApiCodec<Req, Res>, version: number, body: Req): Promise<Res> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.correlationId();
    const frame = encodeRequest(codec, version, id, body);
    return new Promise<Res>((resolve, reject) => {
      this.onFailure(reject);
      this.expect(id, (response) => {
        this.offFailure(reject);
        try {
          resolve(decodeResponse(codec, version, response));
        } catch (err) {
          reject(err);
        }
      });
      this.socket.write(frame);
    });
  }

  close(): void {
    this.failure ??= new Error('closed');
    this.socket.destroy();
  }

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    this.socket.destroy();
    for (const listener of this.failureListeners.splice(0)) listener(err);
  }

  private onData(chunk: Buffer): void {
    const now = performance.now();
    let buf = chunk;
    if (this.pending) {
      buf = Buffer.concat([this.pending, chunk]);
      this.pending = null;
    }
    let pos = 0;
    while (buf.length - pos >= 4) {
      const size = buf.readInt32BE(pos);
      if (size < 4) return this.fail(new Error(`response frame size ${size} is too small`));
      if (buf.length - pos - 4 < size) break;
      this.dispatch(buf.subarray(pos + 4, pos + 4 + size), now);
      if (this.failure) return;
      pos += 4 + size;
    }
    if (pos < buf.length) this.pending = buf.subarray(pos);
  }

  private dispatch(frame: Buffer, now: number): void {
    if (this.head >= this.ids.length) return this.fail(new Error('response without a request'));
    const id = frame.readInt32BE(0);
    const expected = this.ids[this.head]!;
    if (id !== expected) return this.fail(new Error(`response out of order: got correlation id ${id}, expected ${expected}`));
    const handler = this.handlers[this.head]!;
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.ids.length) {
      this.ids.splice(0, this.head);
      this.handlers.splice(0, this.head);
      this.head = 0;
    }
    handler(frame, now);
  }
}
