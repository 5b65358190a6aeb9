/**
 * Group commit: the WAL's write lane and sync lane (sonic-boom style).
 *
 * Appends gather in the open group. One write lane: at most one `writev` in flight, made
 * of every gathered entry's pieces (header buffers plus record-set views, no copy). One
 * sync lane: at most one fdatasync in flight, covering every write that had returned when
 * it started. While either is busy, new appends gather; when a write returns its acks 0/1
 * waiters resolve, `onWritten` advances high watermarks, and the next group goes out at
 * once. When an fdatasync returns, the acks=all waiters it covers resolve and, if written
 * data still has acks=all waiters, the next fdatasync starts immediately.
 *
 * A group is sealed at `groupMaxBytes` / `groupMaxRecords` (then written as soon as the
 * write lane is free); an unsealed group lingers at most `groupMaxAgeMs` while the lane
 * is idle (0 = the next turn of the event loop, via setImmediate).
 *
 * Segment roll is decided when an entry is queued (so every entry's segment and file
 * position are known at once). Before the first write into a new segment, the old one
 * is fdatasynced in the sync lane and the new file is created and its directory fsynced,
 * so a segment that is not the last is always whole on disk.
 *
 * Any I/O error fences the writer: every queued and waiting promise rejects with a
 * StorageError and later appends throw. A failed fdatasync is never retried.
 */

import * as path from 'node:path';
import type { Logger } from '../logger.js';
import { StorageError } from './errors.js';
import type { EncodedEntry } from './framing.js';
import { writeFully, type WalFileSystem } from './fs.js';
import { Segment, segmentFileName } from './segments.js';

export type SyncPolicy = { kind: 'always' } | { kind: 'interval'; ms: number } | { kind: 'never' };

/** When an append counts as done: after its write returned, or after an fdatasync covering it. */
export type Durability = 'write' | 'sync';

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
  reject: (err: Error) => void;
  quiet: boolean;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject, quiet: false };
}

const noop = (): void => undefined;

class Group<T> {
  pieces: Buffer[] = [];
  bytes = 0;
  records = 0;
  items: T[] = [];
  sealed = false;
  /** Resolved when the writev holding this group returned. */
  written: Deferred | null = null;
  /** Resolved when an fdatasync covering this group returned. */
  synced: Deferred | null = null;
  /** Logical end of the group in the WAL byte stream (writtenPos/syncedPos coordinates). */
  end = 0;
  constructor(
    readonly segment: Segment,
    readonly position: number,
    /** Set on the first group of a new segment: the segment to finish before it. */
    readonly rollFrom: Segment | null,
  ) {}
}

export interface WriterOptions<T> {
  fs: WalFileSystem;
  dir: string;
  logger: Logger;
  /** All segments, oldest first; the last one is open for appending (handle set). */
  segments: Segment[];
  nextSeq: number;
  segmentBytes: number;
  groupMaxBytes: number;
  groupMaxRecords: number;
  groupMaxAgeMs: number;
  policy: SyncPolicy;
  now: () => number;
  /** Called in WAL order with the items of each group right after its write returned. */
  onWritten: (items: T[]) => void;
}

export interface WriterStats {
  writes: number;
  syncs: number;
  bytesWritten: number;
  rolls: number;
}

export class WalWriter<T> {
  readonly segments: Segment[];
  /** Sequence number the next queued entry gets. */
  nextSeq: number;
  /** Segment and file position of the entry queued last (read right after `enqueue`). */
  lastEntrySegment: Segment;
  lastEntryPosition = 0;
  fenceError: StorageError | null = null;
  closed = false;
  readonly stats: WriterStats = { writes: 0, syncs: 0, bytesWritten: 0, rolls: 0 };

  private readonly o: WriterOptions<T>;
  private groups: Group<T>[] = [];
  private syncQueue: Group<T>[] = [];
  private writing = false;
  private syncing: Promise<void> | null = null;
  private active: Segment;
  private writtenSegment: Segment;
  private appendPos = 0;
  private writtenPos = 0;
  private syncedPos = 0;
  private lastSyncAt = Number.NEGATIVE_INFINITY;
  private flushScheduled = false;
  private lingerTimer: NodeJS.Timeout | null = null;
  private intervalTimer: NodeJS.Timeout | null = null;
  private idleWaiters: Array<() => void> = [];

  constructor(options: WriterOptions<T>) {
    this.o = options;
    this.segments = options.segments;
    this.nextSeq = options.nextSeq;
    const last = options.segments[options.segments.length - 1]!;
    this.active = last;
    this.writtenSegment = last;
    this.lastEntrySegment = last;
  }

  get policy(): SyncPolicy {
    return this.o.policy;
  }

  /** Bytes queued but not yet written (for backpressure). */
  get unwrittenBytes(): number {
    return this.appendPos - this.writtenPos;
  }

  /**
   * Queues one encoded entry. Returns the promise for its durability point; it rejects
   * with StorageError if the log fences first. `quiet` attaches a no-op handler so an
   * unobserved rejection (acks=0) is never reported as unhandled.
   */
  enqueue(entry: EncodedEntry, records: number, item: T, durability: Durability, quiet: boolean): Promise<void> {
    if (this.fenceError) throw this.fenceError;
    if (this.closed) throw new StorageError('the log is closed');
    let seg = this.active;
    let rollFrom: Segment | null = null;
    if (seg.size > 0 && seg.size + entry.size > this.o.segmentBytes) {
      rollFrom = seg;
      seg = new Segment(this.nextSeq, path.join(this.o.dir, segmentFileName(this.nextSeq)), 0);
      this.segments.push(seg);
      this.active = seg;
    }
    let g = this.groups.length > 0 ? this.groups[this.groups.length - 1]! : null;
    if (g === null || g.sealed || g.segment !== seg) {
      if (g !== null) g.sealed = true;
      g = new Group<T>(seg, seg.size, rollFrom);
      this.groups.push(g);
    }
    for (let i = 0; i < entry.pieces.length; i++) g.pieces.push(entry.pieces[i]!);
    this.lastEntrySegment = seg;
    this.lastEntryPosition = seg.size;
    seg.size += entry.size;
    this.appendPos += entry.size;
    this.nextSeq++;
    g.bytes += entry.size;
    g.records += records;
    g.items.push(item);
    g.end = this.appendPos;

    let d: Deferred;
    if (durability === 'sync' && this.o.policy.kind !== 'never') d = g.synced ??= deferred();
    else d = g.written ??= deferred();
    if (quiet && !d.quiet) {
      d.quiet = true;
      d.promise.catch(noop);
    }

    if (g.bytes >= this.o.groupMaxBytes || g.records >= this.o.groupMaxRecords) g.sealed = true;
    if (!this.writing) {
      if (this.groups[0]!.sealed) this.kick();
      else this.scheduleFlush();
    }
    return d.promise;
  }

  /**
   * Resolves once everything queued so far has reached `durability`, without queueing
   * anything (an idempotent producer's duplicate waits for its original this way: the WAL
   * is written in order, so the last group reaching a point implies every earlier entry did).
   */
  barrier(durability: Durability): Promise<void> {
    if (this.fenceError) return Promise.reject(this.fenceError);
    const sync = durability === 'sync' && this.o.policy.kind !== 'never';
    const g = this.groups.length > 0 ? this.groups[this.groups.length - 1]! : null;
    if (g !== null) return (sync ? (g.synced ??= deferred()) : (g.written ??= deferred())).promise;
    if (!sync || this.syncedPos >= this.writtenPos) return Promise.resolve();
    const last = this.syncQueue.length > 0 ? this.syncQueue[this.syncQueue.length - 1]! : null;
    if (last !== null && last.end === this.writtenPos) return last.synced!.promise;
    // Written but not yet covered by an fdatasync: wait for one covering the written end.
    const mark = new Group<T>(this.writtenSegment, 0, null);
    mark.end = this.writtenPos;
    mark.sealed = true;
    mark.synced = deferred();
    this.syncQueue.push(mark);
    this.maybeSync();
    return mark.synced.promise;
  }

  /** Writes everything queued and fdatasyncs everything written (whatever the policy). */
  async flush(): Promise<void> {
    this.kick();
    await this.waitWritesIdle();
    while (this.syncing) await this.syncing;
    if (this.fenceError) throw this.fenceError;
    if (this.writtenPos > this.syncedPos) {
      await this.startSync(this.writtenSegment, this.writtenPos);
      if (this.fenceError) throw this.fenceError;
    }
  }

  /** Finishes queued work, fdatasyncs, closes every segment file. Later appends throw. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    let failure: unknown = null;
    try {
      await this.flush();
    } catch (err) {
      failure = err;
    }
    this.clearTimers();
    for (const seg of this.segments) {
      try {
        await seg.close();
      } catch (err) {
        failure ??= err;
      }
    }
    if (failure && !this.fenceError) throw failure;
  }

  private scheduleFlush(): void {
    if (this.o.groupMaxAgeMs <= 0) {
      if (this.flushScheduled) return;
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        this.kick();
      });
    } else if (this.lingerTimer === null) {
      this.lingerTimer = setTimeout(() => {
        this.lingerTimer = null;
        this.kick();
      }, this.o.groupMaxAgeMs);
    }
  }

  /** Starts the next write if the lane is free. */
  private kick(): void {
    if (this.writing || this.fenceError) return;
    const g = this.groups[0];
    if (g === undefined) {
      this.notifyIdle();
      return;
    }
    if (this.lingerTimer !== null) {
      clearTimeout(this.lingerTimer);
      this.lingerTimer = null;
    }
    g.sealed = true;
    this.writing = true;
    void this.write(g);
  }

  private async write(g: Group<T>): Promise<void> {
    try {
      if (g.rollFrom !== null) await this.roll(g.rollFrom, g.segment);
      await writeFully(g.segment.handle!, g.pieces, g.position, g.bytes);
    } catch (err) {
      this.fence(err, g.rollFrom !== null && g.segment.handle === null ? 'segment roll' : 'write');
      this.writing = false;
      this.notifyIdle();
      return;
    }
    if (this.fenceError) {
      // Fenced by the sync lane meanwhile: the waiters were rejected, nothing becomes visible.
      this.writing = false;
      this.notifyIdle();
      return;
    }
    this.groups.shift();
    this.writing = false;
    this.writtenPos = g.end;
    this.writtenSegment = g.segment;
    this.stats.writes++;
    this.stats.bytesWritten += g.bytes;
    g.pieces = [];
    this.o.onWritten(g.items);
    g.items = [];
    g.written?.resolve();
    if (g.synced !== null) this.syncQueue.push(g);
    this.kick();
    this.maybeSync();
  }

  /** Makes the old segment durable, then creates the new one (file and directory entry). */
  private async roll(from: Segment, to: Segment): Promise<void> {
    while (this.syncing) await this.syncing;
    if (this.fenceError) throw this.fenceError;
    if (this.writtenPos > this.syncedPos) {
      await this.startSync(from, this.writtenPos);
      if (this.fenceError) throw this.fenceError;
    }
    to.handle = await this.o.fs.open(to.path, 'create');
    await this.o.fs.syncDir(this.o.dir);
    this.stats.rolls++;
    if (this.o.logger.enabled('info')) this.o.logger.info(`WAL rolled to segment ${to.name}`);
  }

  private maybeSync(): void {
    if (this.syncing || this.fenceError) return;
    if (this.writtenPos <= this.syncedPos) return;
    const policy = this.o.policy;
    if (policy.kind === 'never') return;
    if (policy.kind === 'always') {
      if (this.syncQueue.length === 0) return;
    } else {
      const wait = this.lastSyncAt + policy.ms - this.o.now();
      if (wait > 0) {
        if (this.intervalTimer === null) {
          this.intervalTimer = setTimeout(() => {
            this.intervalTimer = null;
            this.maybeSync();
          }, wait);
        }
        return;
      }
    }
    void this.startSync(this.writtenSegment, this.writtenPos);
  }

  /** Runs one fdatasync of `seg` covering the WAL up to `target`; never rejects (fences instead). */
  private startSync(seg: Segment, target: number): Promise<void> {
    this.lastSyncAt = this.o.now();
    this.stats.syncs++;
    const p = seg.handle!.datasync().then(
      () => {
        this.syncing = null;
        if (this.fenceError) return;
        if (target > this.syncedPos) this.syncedPos = target;
        let n = 0;
        while (n < this.syncQueue.length && this.syncQueue[n]!.end <= this.syncedPos) {
          this.syncQueue[n]!.synced!.resolve();
          n++;
        }
        if (n > 0) this.syncQueue.splice(0, n);
        this.maybeSync();
      },
      (err: unknown) => {
        this.syncing = null;
        this.fence(err, 'fdatasync');
      },
    );
    this.syncing = p;
    return p;
  }

  private fence(err: unknown, op: string): void {
    if (this.fenceError) return;
    const e = err as NodeJS.ErrnoException;
    const what = e && e.code ? `${e.code}: ${e.message}` : String(e && e.message ? e.message : err);
    this.fenceError = new StorageError(`WAL ${op} failed (${what}); the log is fenced until restart`, { cause: err });
    this.o.logger.error(this.fenceError.message);
    this.clearTimers();
    const fe = this.fenceError;
    for (const g of this.groups) {
      g.written?.reject(fe);
      g.synced?.reject(fe);
    }
    for (const g of this.syncQueue) g.synced?.reject(fe);
    this.groups = [];
    this.syncQueue = [];
    // A write still in flight keeps `writing` set until it returns, so close() never
    // closes a file descriptor under an in-flight writev.
    this.notifyIdle();
  }

  private clearTimers(): void {
    if (this.lingerTimer !== null) clearTimeout(this.lingerTimer);
    if (this.intervalTimer !== null) clearTimeout(this.intervalTimer);
    this.lingerTimer = null;
    this.intervalTimer = null;
  }

  private writesIdle(): boolean {
    return !this.writing && (this.groups.length === 0 || this.fenceError !== null);
  }

  private waitWritesIdle(): Promise<void> {
    if (this.writesIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private notifyIdle(): void {
    if (this.idleWaiters.length === 0 || !this.writesIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
