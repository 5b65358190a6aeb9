/**
 * Idempotent producer state (Kafka's ProducerStateManager, non-transactional part).
 *
 * Per (producer id, partition): the producer's epoch, the sequence ranges and offsets of
 * its last 5 batches (Kafka's NUM_BATCHES_TO_RETAIN, which is why producers allow at most
 * 5 requests in flight), and the max timestamp of its last batch (for expiry after
 * `producer.id.expiration.ms`, measured as Kafka does from the batch timestamps).
 *
 * Broker-wide: the producer id allocator (ids are reserved durably in blocks, like
 * Kafka's ProducerIdManager, and never reused after a restart), the blocks reserved
 * within `producer.id.expiration.ms` (an id from such a block was handed out so recently
 * that its state cannot have expired anywhere: see check.ts), and the epochs raised by
 * InitProducerId (a batch below such an epoch is fenced on every partition).
 *
 * Everything here is synchronous and owned by the BrokerLog's state: the produce handler
 * checks a record set and records it in the same turn that assigns its offsets, and
 * recovery replays the same `record` calls from the WAL batch headers.
 */

/** Largest sequence number; the next one after it is 0. */
export const MAX_SEQUENCE = 0x7fff_ffff;
/** Largest producer epoch. */
export const MAX_EPOCH = 0x7fff;
/** Batches remembered per (producer, partition), as in Kafka. */
export const BATCHES_RETAINED = 5;
/** Producer ids reserved by one WAL entry (Kafka reserves blocks of 1000). */
export const PRODUCER_ID_BLOCK = 1000;

export interface BatchMeta {
  firstSeq: number;
  lastSeq: number;
  firstOffset: number;
  lastOffset: number;
}

/** One producer's state on one partition. */
export interface ProducerEntry {
  epoch: number;
  /** Oldest first, at most BATCHES_RETAINED. */
  batches: BatchMeta[];
  /** Max timestamp of the last batch written (Kafka's lastTimestamp). */
  lastTimestamp: number;
}

/** An epoch raised by InitProducerId; batches of older epochs are fenced everywhere. */
export interface EpochFence {
  epoch: number;
  /** Broker time of the bump; the fence expires like producer state. */
  timestamp: number;
}

/** Producer ids [start, end) reserved at broker time `reservedAt`. */
export interface IdBlock {
  start: number;
  end: number;
  reservedAt: number;
}

/** Partition key: the PartitionState object (its identity), so deleted topics drop their state. */
export type PartitionKey = object;

/** Sequence of the last record of a batch, wrapping at MAX_SEQUENCE to 0 (Kafka's incrementSequence). */
export function lastSequence(firstSeq: number, lastOffsetDelta: number): number {
  if (firstSeq > MAX_SEQUENCE - lastOffsetDelta) return lastOffsetDelta - (MAX_SEQUENCE - firstSeq) - 1;
  return firstSeq + lastOffsetDelta;
}

/** True when `next` directly follows `last` (Kafka's inSequence). */
export function inSequence(last: number, next: number): boolean {
  return next === last + 1 || (next === 0 && last === MAX_SEQUENCE);
}

export class ProducerStates {
  /** partition -> producer id -> state. */
  private readonly partitions = new WeakMap<PartitionKey, Map<number, ProducerEntry>>();
  readonly fences = new Map<number, EpochFence>();
  /** Next producer id to hand out, and the end (exclusive) of the reserved block. */
  nextId = 0;
  reservedEnd = 0;
  /** Blocks reserved within the expiration time, oldest first (the last is the one in use). */
  readonly blocks: IdBlock[] = [];

  constructor(readonly expirationMs: number) {}

  /** The producers of one partition (undefined when it has none). */
  of(partition: PartitionKey): Map<number, ProducerEntry> | undefined {
    return this.partitions.get(partition);
  }

  /** Records a batch written at [firstOffset, lastOffset] (live append and recovery alike). */
  record(partition: PartitionKey, producerId: number, epoch: number, firstSeq: number, lastOffsetDelta: number, firstOffset: number, maxTimestamp: number): void {
    let producers = this.partitions.get(partition);
    if (producers === undefined) {
      producers = new Map();
      this.partitions.set(partition, producers);
    }
    const meta: BatchMeta = { firstSeq, lastSeq: lastSequence(firstSeq, lastOffsetDelta), firstOffset, lastOffset: firstOffset + lastOffsetDelta };
    const entry = producers.get(producerId);
    if (entry === undefined) {
      producers.set(producerId, { epoch, batches: [meta], lastTimestamp: maxTimestamp });
      return;
    }
    if (entry.epoch !== epoch) {
      // A new epoch starts a new sequence space: the old batches can no longer be duplicates.
      entry.epoch = epoch;
      entry.batches.length = 0;
    }
    if (entry.batches.length === BATCHES_RETAINED) entry.batches.shift();
    entry.batches.push(meta);
    entry.lastTimestamp = maxTimestamp;
  }

  /** Puts a whole entry (checkpoint restore). */
  restore(partition: PartitionKey, producerId: number, entry: ProducerEntry): void {
    let producers = this.partitions.get(partition);
    if (producers === undefined) {
      producers = new Map();
      this.partitions.set(partition, producers);
    }
    producers.set(producerId, entry);
  }

  /** Applies an InitProducerId epoch bump (live and in recovery). */
  fence(producerId: number, epoch: number, timestamp: number): void {
    const old = this.fences.get(producerId);
    if (old === undefined || old.epoch <= epoch) this.fences.set(producerId, { epoch, timestamp });
  }

  /** Applies a block reservation: ids below `blockEnd` are taken. */
  reserved(blockEnd: number, reservedAt: number, live: boolean): void {
    this.blocks.push({ start: blockEnd - PRODUCER_ID_BLOCK, end: blockEnd, reservedAt });
    if (blockEnd > this.reservedEnd) this.reservedEnd = blockEnd;
    // In recovery the rest of a block in use before the restart is skipped, never reused.
    if (!live && this.nextId < this.reservedEnd) this.nextId = this.reservedEnd;
  }

  /**
   * True when `producerId` comes from a block reserved less than the expiration time ago:
   * it was handed out so recently that none of its state can have expired (expire() keeps
   * it), so no state on a partition means the producer never wrote there.
   */
  recentlyAllocated(producerId: number, now: number): boolean {
    for (let i = this.blocks.length - 1; i >= 0; i--) {
      const b = this.blocks[i]!;
      if (producerId >= b.start && producerId < b.end) return now - b.reservedAt < this.expirationMs;
    }
    return false;
  }

  /** Reservation time of the block in use (-Infinity when none). */
  get blockReservedAt(): number {
    const last = this.blocks[this.blocks.length - 1];
    return last !== undefined && last.end === this.reservedEnd ? last.reservedAt : Number.NEGATIVE_INFINITY;
  }

  /**
   * The highest epoch this broker knows for a producer: its fence, or the epoch of its
   * state on any of `partitions` (-1 when none).
   */
  currentEpoch(producerId: number, partitions: Iterable<PartitionKey>): number {
    let epoch = this.fences.get(producerId)?.epoch ?? -1;
    for (const p of partitions) {
      const e = this.partitions.get(p)?.get(producerId);
      if (e !== undefined && e.epoch > epoch) epoch = e.epoch;
    }
    return epoch;
  }

  /**
   * Drops producers idle for the expiration time or longer (Kafka: now - lastTimestamp >=
   * producer.id.expiration.ms, lastTimestamp being the last batch's max timestamp), except
   * ids handed out within that time, and fences and id blocks that old. Returns how many
   * producer entries and fences went.
   */
  expire(partitions: Iterable<PartitionKey>, now: number): number {
    const expirationMs = this.expirationMs;
    let removed = 0;
    for (const p of partitions) {
      const producers = this.partitions.get(p);
      if (producers === undefined) continue;
      for (const [id, e] of producers) {
        if (now - e.lastTimestamp >= expirationMs && !this.recentlyAllocated(id, now)) {
          producers.delete(id);
          removed++;
        }
      }
      if (producers.size === 0) this.partitions.delete(p);
    }
    for (const [id, f] of this.fences) {
      if (now - f.timestamp >= expirationMs) {
        this.fences.delete(id);
        removed++;
      }
    }
    let old = 0;
    while (old < this.blocks.length && now - this.blocks[old]!.reservedAt >= expirationMs) old++;
    if (old > 0) this.blocks.splice(0, old);
    return removed;
  }
}
