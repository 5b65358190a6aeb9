/**
 * Per-partition state and its batch index.
 *
 * The index is columnar (typed arrays that double as they fill), one row per RecordBatch
 * in offset order: base offset, last offset, max timestamp, the WAL segment (by its first
 * sequence) and file position of the batch bytes, and their length. While a batch's bytes
 * are still in memory (queued, or recent and within the cache budget) the row also holds
 * them, so Fetch can serve them without a read.
 */

export interface BatchLocation {
  baseOffset: number;
  lastOffset: number;
  maxTimestamp: number;
  /** First sequence of the WAL segment holding the batch (its file name). */
  segment: number;
  /** Byte position of the batch in that segment file. */
  position: number;
  length: number;
  /** The batch bytes while still in memory. */
  bytes: Buffer | undefined;
}

export class BatchIndex {
  private base: Float64Array<ArrayBuffer> = new Float64Array(16);
  private last: Float64Array<ArrayBuffer> = new Float64Array(16);
  private maxTs: Float64Array<ArrayBuffer> = new Float64Array(16);
  private seg: Float64Array<ArrayBuffer> = new Float64Array(16);
  private pos: Float64Array<ArrayBuffer> = new Float64Array(16);
  private len: Uint32Array<ArrayBuffer> = new Uint32Array(16);
  private bytes: Array<Buffer | undefined> = [];
  /**
   * Rows are numbered logically and keep their number for life (RecentBytes refers to
   * them), also after rows below the log start offset are dropped: live rows are
   * `first..count-1`, stored at physical index `row - shift`.
   */
  count = 0;
  first = 0;
  private shift = 0;
  /** Sum of the lengths of the live rows (size-based retention). */
  liveBytes = 0;

  push(baseOffset: number, lastOffset: number, maxTimestamp: number, segment: number, position: number, length: number, bytes: Buffer | undefined): number {
    if (this.count - this.shift === this.base.length) this.grow();
    const row = this.count++;
    const i = row - this.shift;
    this.base[i] = baseOffset;
    this.last[i] = lastOffset;
    this.maxTs[i] = maxTimestamp;
    this.seg[i] = segment;
    this.pos[i] = position;
    this.len[i] = length;
    this.bytes.push(bytes);
    this.liveBytes += length;
    return row;
  }

  /** Row of the first live batch whose last offset is >= `offset` (count if none). */
  findRow(offset: number): number {
    let lo = this.first - this.shift;
    let hi = this.count - this.shift;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.last[mid]! < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo + this.shift;
  }

  get(row: number): BatchLocation {
    const i = row - this.shift;
    return {
      baseOffset: this.base[i]!,
      lastOffset: this.last[i]!,
      maxTimestamp: this.maxTs[i]!,
      segment: this.seg[i]!,
      position: this.pos[i]!,
      length: this.len[i]!,
      bytes: this.bytes[i],
    };
  }

  baseOffsetAt(row: number): number {
    return this.base[row - this.shift]!;
  }

  lastOffsetAt(row: number): number {
    return this.last[row - this.shift]!;
  }

  maxTimestampAt(row: number): number {
    return this.maxTs[row - this.shift]!;
  }

  segmentAt(row: number): number {
    return this.seg[row - this.shift]!;
  }

  lengthAt(row: number): number {
    return this.len[row - this.shift]!;
  }

  dropBytes(row: number): void {
    if (row >= this.first) this.bytes[row - this.shift] = undefined;
  }

  /** Drops the rows before `row` (they fell below the log start offset); memory is reclaimed in bulk. */
  dropBefore(row: number): void {
    if (row <= this.first) return;
    const from = this.first;
    for (let r = from; r < row; r++) {
      this.liveBytes -= this.len[r - this.shift]!;
      this.bytes[r - this.shift] = undefined;
    }
    this.first = row;
    const dead = this.first - this.shift;
    const live = this.count - this.first;
    if (dead >= 64 && dead >= live) {
      this.resize(Math.max(16, live * 2), dead, live);
      this.bytes = this.bytes.slice(dead);
      this.shift = this.first;
    }
  }

  private grow(): void {
    this.resize(this.base.length * 2, 0, this.base.length);
  }

  /** New columns of `n` rows holding the `rows` rows that start at row `from` of the old ones. */
  private resize(n: number, from: number, rows: number): void {
    const f = (a: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> => {
      const b = new Float64Array(n);
      b.set(a.subarray(from, from + rows));
      return b;
    };
    this.base = f(this.base);
    this.last = f(this.last);
    this.maxTs = f(this.maxTs);
    this.seg = f(this.seg);
    this.pos = f(this.pos);
    const len = new Uint32Array(n);
    len.set(this.len.subarray(from, from + rows));
    this.len = len;
  }
}

export class PartitionState {
  logStartOffset = 0;
  /** Visible to consumers: everything below it has been written to the WAL. */
  highWatermark = 0;
  /** The next offset to assign. */
  logEndOffset = 0;
  leaderEpoch = 0;
  readonly index = new BatchIndex();

  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}

  /**
   * Batches holding offsets >= `fromOffset` below `upTo` (default: the high watermark),
   * in order, stopping once `maxBytes` is reached (the first batch is always included,
   * like Kafka, so a large batch cannot stall a consumer).
   */
  batchesFrom(fromOffset: number, maxBytes: number = Number.MAX_SAFE_INTEGER, upTo: number = this.highWatermark): BatchLocation[] {
    const out: BatchLocation[] = [];
    let bytes = 0;
    for (let row = this.index.findRow(fromOffset); row < this.index.count; row++) {
      if (this.index.baseOffsetAt(row) >= upTo) break;
      const loc = this.index.get(row);
      if (out.length > 0 && bytes + loc.length > maxBytes) break;
      out.push(loc);
      bytes += loc.length;
    }
    return out;
  }

  /**
   * Moves the log start offset up to `offset` (never down, never past the log end) and
   * drops the index rows wholly below it.
   */
  advanceLogStart(offset: number): void {
    if (offset <= this.logStartOffset) return;
    this.logStartOffset = Math.min(offset, this.logEndOffset);
    this.index.dropBefore(this.index.findRow(this.logStartOffset));
  }

  /** ListOffsets: -2 (earliest) and -1 (latest, the high watermark). */
  offsetFor(spec: -1 | -2): number {
    return spec === -2 ? this.logStartOffset : this.highWatermark;
  }
}

/**
 * Bounds how many bytes of already-written batches stay referenced from the indexes:
 * the oldest lose their in-memory copy first (Fetch then reads them back from the WAL).
 */
export class RecentBytes {
  private parts: BatchIndex[] = [];
  private rows: number[] = [];
  private sizes: number[] = [];
  private head = 0;
  private total = 0;

  constructor(private readonly budget: number) {}

  add(index: BatchIndex, row: number, size: number): void {
    this.parts.push(index);
    this.rows.push(row);
    this.sizes.push(size);
    this.total += size;
    while (this.total > this.budget && this.head < this.parts.length) {
      this.parts[this.head]!.dropBytes(this.rows[this.head]!);
      this.total -= this.sizes[this.head]!;
      this.head++;
    }
    if (this.head > 4096 && this.head * 2 > this.parts.length) {
      this.parts = this.parts.slice(this.head);
      this.rows = this.rows.slice(this.head);
      this.sizes = this.sizes.slice(this.head);
      this.head = 0;
    }
  }
}
