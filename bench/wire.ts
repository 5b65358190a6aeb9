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
  /** Received bytes not yet dispatched; a frame spanning chunks is joined once, when complete. */
  private readonly chunks: Buffer[] = [];
  private buffered = 0;
  private nextId = 1;
  /** Response bytes received, size prefixes included. */
  wireBytes = 0;
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

  /** Writes the request frame `build(correlationId)` builds; `handler` gets its response frame. */
  send(build: (correlationId: number) => Buffer, handler: Handler): void {
    if (this.failure) throw this.failure;
    const id = this.correlationId();
    this.expect(id, handler);
    this.socket.write(build(id));
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
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    while (this.buffered >= 4 && !this.failure) {
      const size = this.peekSize();
      if (size < 4) return this.fail(new Error(`response frame size ${size} is too small`));
      if (this.buffered < 4 + size) return;
      this.wireBytes += 4 + size;
      this.dispatch(this.take(4 + size).subarray(4), now);
    }
  }

  private peekSize(): number {
    const first = this.chunks[0]!;
    return first.length >= 4 ? first.readInt32BE(0) : Buffer.concat(this.chunks).readInt32BE(0);
  }

  /** Removes and returns the first `n` buffered bytes (a view when they lie in one chunk). */
  private take(n: number): Buffer {
    const first = this.chunks[0]!;
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
    } else {
      out = Buffer.allocUnsafe(n);
      let filled = 0;
      while (filled < n) {
        const c = this.chunks[0]!;
        const k = Math.min(c.length, n - filled);
        c.copy(out, filled, 0, k);
        filled += k;
        if (k === c.length) this.chunks.shift();
        else this.chunks[0] = c.subarray(k);
      }
    }
    this.buffered -= n;
    return out;
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
    try {
      handler(frame, now);
    } catch (err) {
      this.fail(err as Error);
    }
  }
}
