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
  count = 0;

  push(baseOffset: number, lastOffset: number, maxTimestamp: number, segment: number, position: number, length: number, bytes: Buffer | undefined): number {
    if (this.count === this.base.length) this.grow();
    const i = this.count++;
    this.base[i] = baseOffset;
    this.last[i] = lastOffset;
    this.maxTs[i] = maxTimestamp;
    this.seg[i] = segment;
    this.pos[i] = position;
    this.len[i] = length;
    this.bytes.push(bytes);
    return i;
  }

  /** Row of the first batch whose last offset is >= `offset` (count if none). */
  findRow(offset: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.last[mid]! < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  get(row: number): BatchLocation {
    return {
      baseOffset: this.base[row]!,
      lastOffset: this.last[row]!,
      maxTimestamp: this.maxTs[row]!,
      segment: this.seg[row]!,
      position: this.pos[row]!,
      length: this.len[row]!,
      bytes: this.bytes[row],
    };
  }

  baseOffsetAt(row: number): number {
    return this.base[row]!;
  }

  lastOffsetAt(row: number): number {
    return this.last[row]!;
  }

  dropBytes(row: number): void {
    this.bytes[row] = undefined;
  }

  private grow(): void {
    const n = this.base.length * 2;
    const f = (a: Float64Array): Float64Array<ArrayBuffer> => {
      const b = new Float64Array(n);
      b.set(a);
      return b;
    };
    this.base = f(this.base);
    this.last = f(this.last);
    this.maxTs = f(this.maxTs);
    this.seg = f(this.seg);
    this.pos = f(this.pos);
    const len = new Uint32Array(n);
    len.set(this.len);
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
