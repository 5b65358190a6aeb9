/**
 * Splits a byte stream into Kafka frames: a big-endian int32 size, then that many bytes.
 *
 * Frames that arrive whole inside one socket chunk are handed out as `subarray` views of
 * it (no copy); a frame spread over several chunks is joined once, when its last byte is
 * in. A negative, too-small or oversized size is a protocol violation: the caller closes
 * the connection.
 */

/** The smallest request: api key, api version, correlation id and a client id length. */
export const MIN_REQUEST_FRAME = 10;

export class FrameError extends Error {
  override name = 'FrameError';
}

export class FrameDecoder {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Size of the frame being gathered, once its 4-byte prefix is in; -1 before. */
  private gathering = -1;

  constructor(
    private readonly maxFrameBytes: number,
    private readonly onFrame: (frame: Buffer) => void,
    /** Smallest legal frame: a request by default; 4 (a correlation id) for responses. */
    private readonly minFrameBytes: number = MIN_REQUEST_FRAME,
  ) {}

  /** Bytes received but not yet handed out as a frame. */
  get bufferedBytes(): number {
    return this.pendingBytes;
  }

  push(chunk: Buffer): void {
    if (this.pendingBytes === 0) {
      this.scan(chunk);
      return;
    }
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.gathering < 0) {
      if (this.pendingBytes < 4) return;
      const head = this.pending[0]!.length >= 4 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
      this.gathering = this.checkSize(head.readInt32BE(0));
    }
    if (this.pendingBytes < 4 + this.gathering) return;
    const joined = Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    this.gathering = -1;
    this.scan(joined);
  }

  private scan(buf: Buffer): void {
    let pos = 0;
    while (buf.length - pos >= 4) {
      const size = this.checkSize(buf.readInt32BE(pos));
      if (buf.length - pos - 4 < size) {
        this.gathering = size;
        break;
      }
      this.onFrame(buf.subarray(pos + 4, pos + 4 + size));
      pos += 4 + size;
    }
    if (pos < buf.length) {
      this.pending = [buf.subarray(pos)];
      this.pendingBytes = buf.length - pos;
    }
  }

  private checkSize(size: number): number {
    if (size < this.minFrameBytes) throw new FrameError(`frame size ${size} is below the smallest frame (${this.minFrameBytes} bytes)`);
    if (size > this.maxFrameBytes) {
      throw new FrameError(`frame size ${size} exceeds socket.request.max.bytes (${this.maxFrameBytes})`);
    }
    return size;
  }
}
