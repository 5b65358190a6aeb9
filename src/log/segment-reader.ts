/**
 * Sequential reading of one segment file in large chunks with read-ahead: while the
 * caller checks and decodes the entries of one chunk, the next chunk is already being
 * read into the other buffer, so recovery overlaps disk reads with CRC work.
 *
 * Two buffers of HEAD + chunk bytes alternate. A chunk is read at offset HEAD; when the
 * caller needs bytes past the loaded window, the unfinished tail (an entry cut by the
 * chunk boundary, at most HEAD bytes) is copied in front of the prefetched chunk, so the
 * window stays contiguous without copying the chunk itself. Larger entries get a buffer
 * of their own.
 */

import type { WalFileHandle } from './fs.js';

async function readFully(handle: WalFileHandle, buf: Buffer, offset: number, length: number, position: number): Promise<number> {
  let done = 0;
  while (done < length) {
    const n = await handle.read(buf, offset + done, length - done, position + done);
    if (n <= 0) break;
    done += n;
  }
  return done;
}

const ignore = (): number => 0;

export class SegmentReader {
  /** The buffer holding the window. */
  buf: Buffer;
  /** Index in `buf` of the first loaded byte, file position `filePos`. */
  windowStart: number;
  /** Index in `buf` just past the last loaded byte. */
  windowEnd: number;
  filePos = 0;

  private readonly a: Buffer;
  private readonly b: Buffer;
  private readonly head: number;
  private prefetch: Promise<number> | null = null;
  private prefetchPos = 0;
  private prefetchBuf: Buffer | null = null;

  constructor(
    private readonly handle: WalFileHandle,
    private readonly size: number,
    private readonly chunk: number,
    buffers?: [Buffer, Buffer],
  ) {
    this.head = chunk;
    this.a = buffers?.[0] ?? Buffer.allocUnsafe(2 * chunk);
    this.b = buffers?.[1] ?? Buffer.allocUnsafe(2 * chunk);
    this.buf = this.a;
    this.windowStart = this.head;
    this.windowEnd = this.head;
    this.startPrefetch(0);
  }

  /** Index in `buf` of file position `pos` (which must be inside the window). */
  indexOf(pos: number): number {
    return this.windowStart + (pos - this.filePos);
  }

  /**
   * Makes file bytes [pos, pos + need) available in the window (pos must be inside or at
   * the end of it). Returns false if the file ends first.
   */
  async load(pos: number, need: number): Promise<boolean> {
    for (;;) {
      const loaded = this.filePos + (this.windowEnd - this.windowStart) - pos;
      if (loaded >= need) return true;
      const nextPos = pos + loaded;
      if (nextPos >= this.size) return false;
      if (loaded <= this.head && need <= loaded + this.chunk) await this.advance(pos, loaded, nextPos);
      else await this.readLarge(pos, loaded, nextPos, need);
    }
  }

  /** Swaps in the prefetched chunk, with the `loaded` bytes from `pos` copied in front of it. */
  private async advance(pos: number, loaded: number, nextPos: number): Promise<void> {
    if (this.prefetch === null || this.prefetchPos !== nextPos) {
      await this.drain();
      this.startPrefetch(nextPos);
    }
    const n = await this.prefetch!;
    const target = this.prefetchBuf!;
    this.prefetch = null;
    this.buf.copy(target, this.head - loaded, this.indexOf(pos), this.windowEnd);
    this.buf = target;
    this.windowStart = this.head - loaded;
    this.windowEnd = this.head + n;
    this.filePos = pos;
    if (n === 0) throw new Error(`short read at byte ${nextPos} of a ${this.size}-byte segment`);
    if (nextPos + n < this.size) this.startPrefetch(nextPos + n);
  }

  /** An entry too large for the chunk buffers: read it into a buffer of its own. */
  private async readLarge(pos: number, loaded: number, nextPos: number, need: number): Promise<void> {
    await this.drain();
    const total = Math.min(Math.max(need, loaded + this.chunk), this.size - pos);
    const big = Buffer.allocUnsafe(total);
    this.buf.copy(big, 0, this.indexOf(pos), this.windowEnd);
    const got = await readFully(this.handle, big, loaded, total - loaded, nextPos);
    this.buf = big;
    this.windowStart = 0;
    this.windowEnd = loaded + got;
    this.filePos = pos;
    if (got === 0) throw new Error(`short read at byte ${nextPos} of a ${this.size}-byte segment`);
    if (pos + this.windowEnd < this.size) this.startPrefetch(pos + this.windowEnd);
  }

  /** Waits for any read still in flight (call before closing the handle). */
  async drain(): Promise<void> {
    const p = this.prefetch;
    this.prefetch = null;
    if (p !== null) await p.catch(ignore);
  }

  private startPrefetch(pos: number): void {
    const target = this.buf === this.a ? this.b : this.a;
    const length = Math.max(0, Math.min(this.chunk, this.size - pos));
    this.prefetchPos = pos;
    this.prefetchBuf = target;
    this.prefetch = length === 0 ? Promise.resolve(0) : readFully(this.handle, target, this.head, length, pos);
    this.prefetch.catch(ignore); // observed when awaited; never an unhandled rejection
  }
}
