/**
 * One client connection: frames in, responses out in request order.
 *
 * Every request takes a slot in an ordered queue when its frame arrives. Handlers may
 * finish out of order (a produce waiting for fdatasync behind a metadata request); a
 * response is written only once every earlier slot is done. A request that gets no
 * response (acks=0 produce) still holds its slot, then is skipped.
 *
 * Backpressure: while too many requests or request bytes are pending, or the socket's
 * write buffer is full, the connection stops reading; it resumes when work drains.
 *
 * A protocol violation closes this connection only, with a logged reason.
 */

import type { Socket } from 'node:net';
import type { Logger } from '../logger.js';
import { FrameDecoder, FrameError } from './framing.js';

/** What a request produced: a whole response frame, or nothing (acks=0). */
/** An answer frame, whole or as segments to send in order (one writev); null when none is sent. */
export type Reply = Buffer | readonly Buffer[] | null;

export interface ConnectionHandle {
  readonly id: number;
  readonly remote: string;
  /** Closes the connection now, with a logged reason; responses still owed are dropped. */
  close(reason: string): void;
}

export type Dispatch = (frame: Buffer, connection: ConnectionHandle) => Reply | Promise<Reply>;

export interface ConnectionLimits {
  maxFrameBytes: number;
  maxPendingRequests: number;
  maxPendingBytes: number;
}

interface Slot {
  done: boolean;
  reply: Reply;
  bytes: number;
}

export class Connection implements ConnectionHandle {
  readonly remote: string;
  private readonly decoder: FrameDecoder;
  private readonly slots: Slot[] = [];
  private head = 0;
  private pendingBytes = 0;
  /** open: reading and writing; draining: writing what is owed, then closing; closed: done. */
  private state: 'open' | 'draining' | 'closed' = 'open';
  private readPaused = false;
  private writeBlocked = false;
  private corked = false;

  constructor(
    readonly id: number,
    private readonly socket: Socket,
    private readonly dispatch: Dispatch,
    private readonly limits: ConnectionLimits,
    private readonly logger: Logger,
    private readonly onClosed: (connection: Connection) => void,
  ) {
    this.remote = `${socket.remoteAddress}:${socket.remotePort}`;
    this.decoder = new FrameDecoder(limits.maxFrameBytes, (frame) => this.onFrame(frame));
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => {
      this.writeBlocked = false;
      this.updateReading();
    });
    socket.on('error', (err) => {
      if (logger.enabled('debug')) logger.debug(`connection ${this.remote}: socket error: ${err.message}`);
    });
    socket.on('close', () => this.finish());
  }

  /** Requests received whose responses have not been written yet. */
  get inFlight(): number {
    return this.slots.length - this.head;
  }

  close(reason: string): void {
    if (this.state === 'closed') return;
    this.logger.warn(`closing connection ${this.remote}: ${reason}`);
    this.state = 'closed';
    this.endSocket();
  }

  /** Stops reading and closes once the responses already owed are written. */
  shutdown(): void {
    if (this.state !== 'open') return;
    this.state = 'draining';
    this.socket.pause();
    if (this.inFlight === 0) this.endSocket();
  }

  /** Half-closes after pending writes, then releases the socket even if the peer lingers. */
  private endSocket(): void {
    this.socket.end(() => this.socket.destroy());
  }

  private onData(chunk: Buffer): void {
    if (this.state !== 'open') return;
    try {
      this.decoder.push(chunk);
    } catch (err) {
      this.close(err instanceof FrameError ? err.message : `malformed request: ${(err as Error).message}`);
    }
  }

  private onFrame(frame: Buffer): void {
    if (this.state !== 'open') return;
    const slot: Slot = { done: false, reply: null, bytes: frame.length };
    this.slots.push(slot);
    this.pendingBytes += frame.length;
    let result: Reply | Promise<Reply>;
    try {
      result = this.dispatch(frame, this);
    } catch (err) {
      this.close(`malformed request: ${(err as Error).message}`);
      return;
    }
    if (result instanceof Promise) {
      result.then(
        (reply) => this.complete(slot, reply),
        (err: Error) => {
          this.logger.error(`connection ${this.remote}: request failed: ${err.stack ?? err.message}`);
          this.close(`request failed: ${err.message}`);
        },
      );
      this.updateReading();
    } else {
      this.complete(slot, result);
    }
  }

  private complete(slot: Slot, reply: Reply): void {
    slot.done = true;
    slot.reply = reply;
    if (this.slots[this.head] === slot) this.flush();
  }

  private flush(): void {
    while (this.head < this.slots.length && this.slots[this.head]!.done) {
      const slot = this.slots[this.head]!;
      this.slots[this.head++] = undefined as unknown as Slot;
      this.pendingBytes -= slot.bytes;
      if (slot.reply !== null && this.state !== 'closed' && !this.socket.destroyed) {
        this.cork();
        if (Buffer.isBuffer(slot.reply)) {
          if (!this.socket.write(slot.reply)) this.writeBlocked = true;
        } else {
          for (const segment of slot.reply as readonly Buffer[]) if (!this.socket.write(segment)) this.writeBlocked = true;
        }
      }
    }
    if (this.head > 1024 && this.head * 2 > this.slots.length) {
      this.slots.splice(0, this.head);
      this.head = 0;
    }
    if (this.state === 'draining' && this.inFlight === 0) this.endSocket();
    this.updateReading();
  }

  /**
   * Answers completed by one WAL write resolve across several microtasks; corking until
   * the microtask queue has drained sends them with one writev instead of a write each.
   */
  private cork(): void {
    if (this.corked) return;
    this.corked = true;
    this.socket.cork();
    process.nextTick(() => {
      this.corked = false;
      this.socket.uncork();
    });
  }

  private updateReading(): void {
    if (this.state !== 'open') return;
    const overloaded =
      this.writeBlocked || this.inFlight >= this.limits.maxPendingRequests || this.pendingBytes >= this.limits.maxPendingBytes;
    if (overloaded && !this.readPaused) {
      this.readPaused = true;
      this.socket.pause();
    } else if (!overloaded && this.readPaused) {
      this.readPaused = false;
      this.socket.resume();
    }
  }

  private finish(): void {
    this.state = 'closed';
    this.onClosed(this);
  }
}
