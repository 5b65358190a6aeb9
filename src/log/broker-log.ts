/**
 * BrokerLog: the broker's one log. The WAL is the log: topics and every Produce request
 * are WAL entries in one segmented file set shared by all partitions, and each partition
 * keeps an in-memory index into it (see design.md sections 1 and 2).
 *
 * appendProduce does all its bookkeeping synchronously (offsets, in-place patching of
 * BaseOffset/PartitionLeaderEpoch, index rows, queueing ONE entry for the request) and
 * returns a promise for the durability point its acks level asks for; group-commit.ts
 * does the I/O. With wal.enabled=false nothing touches the disk and appends complete at once.
 */

import { assignOffsets, type BatchHeader } from '../../protocol/record-batch.js';
import type { Logger } from '../logger.js';
import { StorageError, UnknownTopicError } from './errors.js';
import { encodeProduce, encodeTopicCreated, type EncodedEntry, type ProducePart } from './framing.js';
import { nodeFileSystem, type WalFileSystem } from './fs.js';
import { WalWriter, type SyncPolicy, type WriterStats } from './group-commit.js';
import { formatSyncPolicy, validateConfig, type WalConfig } from './wal-config.js';
import { RecentBytes, type BatchLocation, type PartitionState } from './partition.js';
import { OffsetStore } from './offsets.js';
import { produceRecordsPosition } from './recovery.js';
import { captureCheckpoint, writeCheckpoint } from './checkpoint.js';
import { DEFAULT_RETENTION, freeSegmentCount, planRetention, type RetentionDefaults, type RetentionResult } from './retention.js';
import { emptyRecoveryStats, recoverWal, type RecoveryStats } from './startup.js';
import { applyConfigChange, deleteTopicState, type LogState } from './replay.js';
import {
  encodeBrokerConfigsAltered,
  encodeGroupOffsetsDeleted,
  encodeLogStartAdvanced,
  encodeOffsetsCommitted,
  encodeOffsetsDeleted,
  encodePartitionsCreated,
  encodeTopicConfigsAltered,
  encodeTopicDeleted,
  encodeProducerEpochBumped,
  encodeProducerIdsReserved,
  type CommittedOffset,
} from './state-entries.js';
import { PRODUCER_ID_BLOCK, ProducerStates } from '../producers/state.js';
import { walDir } from './segments.js';
import { TopicRegistry, newTopicId, type TopicState } from './topics.js';

export type { SyncPolicy } from './group-commit.js';
export { DEFAULT_WAL_CONFIG, formatSyncPolicy, parseSyncPolicy, type WalConfig } from './wal-config.js';
export type { CommittedOffset } from './state-entries.js';
export type { RecoveryStats } from './startup.js';
export type { RetentionDefaults, RetentionResult } from './retention.js';

export type Acks = 0 | 1 | -1;

/** One partition's answer to BrokerLog.deleteRecords. */
export interface DeleteRecordsOutcome {
  error: 'unknown-partition' | 'offset-out-of-range' | null;
  /** The log start offset after the call; -1 with an error. */
  lowWatermark: number;
}

/** What the log needs of a validated batch (protocol/record-batch.ts BatchHeader fits). */
export type BatchDescriptor = Pick<BatchHeader, 'position' | 'size' | 'lastOffsetDelta' | 'maxTimestamp' | 'crc'>;

/**
 * One partition's record set of a Produce request, already validated by the caller.
 * Offsets advance by each batch's LastOffsetDelta + 1 (what `assignOffsets` patches);
 * after validation that equals `recordCount`.
 */
export interface ProducePartitionInput {
  topic: string;
  partition: number;
  records: Buffer;
  batches: BatchDescriptor[];
  recordCount: number;
  maxTimestamp: number;
}

export interface BrokerLogOptions {
  dataDir: string;
  config: WalConfig;
  logger: Logger;
  fs?: WalFileSystem;
  now?: () => number;
  /** Bytes of written batches kept referenced in memory for Fetch (default 64 MiB). */
  cacheBytes?: number;
  /** Broker-level retention (log.retention.ms / log.retention.bytes); setBrokerConfigs overrides win. */
  retention?: Partial<RetentionDefaults>;
  /** producer.id.expiration.ms: idle producers' state is dropped after this (default 1 day). */
  producerIdExpirationMs?: number;
}

export const DEFAULT_PRODUCER_ID_EXPIRATION_MS = 86_400_000;

/** Marks an item of a group: the partitions of one PRODUCE entry and their end offsets. */
interface WrittenMark {
  partitions: PartitionState[];
  ends: number[];
}

const RESOLVED: Promise<void> = Promise.resolve();

/**
 * Whether the in-memory index may keep this request's record sets as the views of the
 * request bytes they are. A view keeps its whole underlying buffer alive (a socket chunk,
 * or the frame joined from several chunks), so views are kept when the record sets of the
 * request fill at least half of that buffer and copied otherwise (a small request inside a
 * large socket chunk). Decided once per request, not per record set: a request of several
 * 16 KiB batches (the Java producer's, one per partition) is joined into one buffer that is
 * nearly all record bytes, yet every single record set is far less than half of it, so a
 * per-record-set rule copied every byte of it a second time (and fed the garbage collector).
 * The record sets of one request enter RecentBytes one after another and leave it the same
 * way, so the buffer they pin stays within about twice the bytes RecentBytes counts.
 * null: the record sets do not share one buffer (hand-built input); decide per record set
 * by the same rule.
 */
function keepViews(parts: readonly ProducePartitionInput[]): boolean | null {
  const buffer = parts[0]!.records.buffer;
  let bytes = 0;
  for (const p of parts) {
    if (p.records.buffer !== buffer) return null;
    bytes += p.records.length;
  }
  return buffer.byteLength <= 2 * bytes;
}

const noop = (): void => undefined;
const MAX_TOPIC_NAME = 249;

export class BrokerLog {
  readonly config: WalConfig;
  /** What happened at open; all zero when wal.enabled=false or the WAL was new. */
  readonly recovery: RecoveryStats;
  private readonly state: LogState;
  private readonly dataDir: string;
  private readonly retentionDefaults: RetentionDefaults;
  /** The retention pass in progress (passes never overlap). */
  private retentionPass: Promise<RetentionResult> | null = null;
  private retentionTimer: NodeJS.Timeout | null = null;
  private readonly registry: TopicRegistry;
  private readonly writer: WalWriter<WrittenMark | null> | null;
  private readonly fs: WalFileSystem;
  private readonly recent: RecentBytes;
  private readonly logger: Logger;
  private closed = false;
  private readonly producerIdExpirationMs: number;
  /** The WAL entry reserving the producer id block in use (ids wait for it to be durable). */
  private producerIdReservation: Promise<void> = RESOLVED;
  /** Called after high watermarks advanced (new data became visible), e.g. to wake Fetch. */
  onVisible: (() => void) | null = null;

  private constructor(
    config: WalConfig,
    logger: Logger,
    fs: WalFileSystem,
    dataDir: string,
    state: LogState,
    writer: WalWriter<WrittenMark | null> | null,
    recovery: RecoveryStats,
    cacheBytes: number,
    retention: RetentionDefaults,
    producerIdExpirationMs: number,
  ) {
    this.producerIdExpirationMs = producerIdExpirationMs;
    this.dataDir = dataDir;
    this.retentionDefaults = retention;
    this.config = config;
    this.logger = logger;
    this.fs = fs;
    this.state = state;
    this.registry = state.registry;
    this.writer = writer;
    this.recovery = recovery;
    this.recent = new RecentBytes(writer === null ? Number.POSITIVE_INFINITY : cacheBytes);
  }

  /** Opens the log in `<dataDir>/wal`, running recovery; refuses to start on corruption. */
  static async open(options: BrokerLogOptions): Promise<BrokerLog> {
    const { config, logger } = options;
    validateConfig(config);
    const fs = options.fs ?? nodeFileSystem;
    const now = options.now ?? Date.now;
    const cacheBytes = options.cacheBytes ?? 64 * 1024 * 1024;
    const expiration = options.producerIdExpirationMs ?? DEFAULT_PRODUCER_ID_EXPIRATION_MS;
    const state: LogState = { registry: new TopicRegistry(), offsets: new OffsetStore(), brokerConfigs: new Map(), producers: new ProducerStates(expiration) };
    const recovery = emptyRecoveryStats();
    const retention = { ...DEFAULT_RETENTION, ...options.retention };
    if (!config.enabled) {
      return new BrokerLog(config, logger, fs, options.dataDir, state, null, recovery, cacheBytes, retention, expiration);
    }
    const started = now();
    const dir = walDir(options.dataDir);
    const { segments, nextSeq } = await recoverWal(fs, options.dataDir, state, logger, recovery);
    const recovered = recovery.entries > 0 || segments.length > 1 || segments[0]!.size > 0;
    recovery.segments = segments.length;
    recovery.millis = now() - started;
    if (recovered) {
      logger.info(
        `WAL recovered: ${recovery.entries} entries, ${recovery.bytes} bytes in ${recovery.segments} segment(s) ` +
          `in ${recovery.millis} ms; sync policy ${formatSyncPolicy(config.syncPolicy)}`,
      );
    }
    // The writer's callback needs the instance; it is set right below, before any append.
    let self: BrokerLog | null = null;
    const writer = new WalWriter<WrittenMark | null>({
      fs,
      dir,
      logger,
      segments,
      nextSeq,
      segmentBytes: config.segmentBytes,
      groupMaxBytes: config.groupMaxBytes,
      groupMaxRecords: config.groupMaxRecords,
      groupMaxAgeMs: config.groupMaxAgeMs,
      policy: config.syncPolicy,
      now,
      onWritten: (items) => self!.advanceHighWatermarks(items),
    });
    self = new BrokerLog(config, logger, fs, options.dataDir, state, writer, recovery, cacheBytes, retention, expiration);
    // Producers idle past producer.id.expiration.ms before the restart are gone (Kafka
    // drops expired producers when it loads their state too).
    self.expireProducers(now());
    return self;
  }

  /** True once a WAL I/O error fenced the log; every append then fails with StorageError. */
  get fenced(): boolean {
    return this.writer !== null && this.writer.fenceError !== null;
  }

  /** The sync policy in effect (`never` when the WAL is off), for start-up warnings and DescribeConfigs. */
  get effectiveSyncPolicy(): SyncPolicy {
    return this.writer === null ? { kind: 'never' } : this.config.syncPolicy;
  }

  /** Counters of the write and sync lanes (all zero with the WAL off). */
  get stats(): Readonly<WriterStats> {
    return this.writer?.stats ?? { writes: 0, syncs: 0, bytesWritten: 0, rolls: 0 };
  }

  /** Bytes appended but not yet written to the WAL: a backpressure signal for the server. */
  get unwrittenBytes(): number {
    return this.writer?.unwrittenBytes ?? 0;
  }

  topics(): Iterable<TopicState> {
    return this.registry.all();
  }

  topic(name: string): TopicState | undefined {
    return this.registry.get(name);
  }

  partition(topic: string, partition: number): PartitionState | undefined {
    return this.registry.get(topic)?.partitions[partition];
  }

  /**
   * Creates a topic. The TopicState exists from the call on; the promise resolves once the
   * TOPIC_CREATED entry is durable (fdatasynced unless the WAL is off or the policy is never).
   */
  createTopic(name: string, partitions: number, configs: Map<string, string> = new Map()): Promise<TopicState> {
    try {
      this.checkOpen();
      if (name.length === 0 || name.length > MAX_TOPIC_NAME) throw new Error(`invalid topic name length ${name.length}`);
      if (!Number.isInteger(partitions) || partitions < 1) throw new Error(`invalid partition count ${partitions}`);
      if (this.registry.get(name)) throw new Error(`topic ${name} already exists`);
    } catch (err) {
      return Promise.reject(err);
    }
    const topicNum = this.registry.nextTopicNum;
    const topicId = newTopicId();
    const copy = new Map(configs);
    const topic = this.registry.add(name, topicNum, topicId, partitions, copy);
    if (this.writer === null) return Promise.resolve(topic);
    const entry = encodeTopicCreated({ topicNum, topicId, partitionCount: partitions, name, configs: copy });
    return this.writer.enqueue(entry, 0, null, 'sync', false).then(() => topic);
  }

  // ---- committed offsets ----

  /**
   * Stores a group's committed offsets as ONE WAL entry. Visible to committedOffsets()
   * from the call on; the promise resolves once the entry is durable (fdatasynced unless
   * the WAL is off or the policy is never). Offsets of unknown topics are stored as given
   * (the handler decides what to accept).
   */
  commitOffsets(group: string, offsets: CommittedOffset[]): Promise<void> {
    try {
      this.checkOpen();
    } catch (err) {
      return Promise.reject(err);
    }
    if (offsets.length === 0) return RESOLVED;
    this.state.offsets.commit(group, offsets);
    return this.persist(() => encodeOffsetsCommitted({ group, offsets }));
  }

  /** topic -> partition -> offset, or undefined if the group has no committed offsets. */
  committedOffsets(group: string): ReadonlyMap<string, ReadonlyMap<number, CommittedOffset>> | undefined {
    return this.state.offsets.get(group);
  }

  /** Groups that have committed offsets. */
  offsetGroups(): Iterable<string> {
    return this.state.offsets.groupNames();
  }

  /** Drops every committed offset of the group (DeleteGroups). */
  deleteGroupOffsets(group: string): Promise<void> {
    try {
      this.checkOpen();
    } catch (err) {
      return Promise.reject(err);
    }
    if (!this.state.offsets.deleteGroup(group)) return RESOLVED;
    return this.persist(() => encodeGroupOffsetsDeleted({ group }));
  }

  /**
   * Drops the group's committed offsets of these partitions (OffsetDelete) as ONE
   * OFFSETS_DELETED entry naming those that had one; a group left with none has no
   * offsets any more. Gone from committedOffsets() at once; resolves once durable.
   */
  deleteOffsets(group: string, partitions: ReadonlyArray<{ topic: string; partition: number }>): Promise<void> {
    try {
      this.checkOpen();
    } catch (err) {
      return Promise.reject(err);
    }
    const removed = this.state.offsets.deletePartitions(group, partitions);
    if (removed.length === 0) return RESOLVED;
    return this.persist(() => encodeOffsetsDeleted({ group, partitions: removed }));
  }

  /**
   * DeleteRecords: per partition, moves the log start offset up to `offset` (-1: the high
   * watermark), all in ONE LOG_START_ADVANCED entry. Fetch and ListOffsets use the new
   * start at once; the promise resolves once the entry (or, when nothing moved, everything
   * queued before the call) is durable. An offset at or below the current start changes
   * nothing; one above the high watermark, or below -1, is out of range. Each outcome's
   * lowWatermark is the partition's log start offset after the call (-1 with an error).
   * Rejects with StorageError when the log is fenced.
   */
  deleteRecords(requests: ReadonlyArray<{ topic: string; partition: number; offset: number }>): Promise<DeleteRecordsOutcome[]> {
    try {
      this.checkOpen();
    } catch (err) {
      return Promise.reject(err);
    }
    const outcomes: DeleteRecordsOutcome[] = [];
    const starts: Array<{ topicNum: number; partition: number; logStartOffset: number }> = [];
    for (const r of requests) {
      const topic = this.registry.get(r.topic);
      const p = topic?.partitions[r.partition];
      if (topic === undefined || p === undefined) {
        outcomes.push({ error: 'unknown-partition', lowWatermark: -1 });
        continue;
      }
      const target = r.offset === -1 ? p.highWatermark : r.offset;
      if (target < 0 || target > p.highWatermark) {
        outcomes.push({ error: 'offset-out-of-range', lowWatermark: -1 });
        continue;
      }
      if (target > p.logStartOffset) {
        p.advanceLogStart(target);
        starts.push({ topicNum: topic.topicNum, partition: p.partition, logStartOffset: p.logStartOffset });
      }
      outcomes.push({ error: null, lowWatermark: p.logStartOffset });
    }
    if (starts.length > 0) return this.persist(() => encodeLogStartAdvanced({ starts })).then(() => outcomes);
    // Nothing moved: a start another call advanced may still be on its way to the disk.
    if (this.writer === null || !outcomes.some((o) => o.error === null)) return Promise.resolve(outcomes);
    return this.writer.barrier('sync').then(() => outcomes);
  }

  // ---- topic admin ----

  /**
   * Deletes a topic: topic() returns undefined from the call on, its data becomes
   * unreachable and its committed offsets are dropped in every group. A topic created
   * later with the same name gets a new id and starts at offset 0.
   */
  deleteTopic(name: string): Promise<void> {
    let topic: TopicState;
    try {
      topic = this.liveTopic(name);
    } catch (err) {
      return Promise.reject(err);
    }
    deleteTopicState(this.state, topic);
    return this.persist(() => encodeTopicDeleted({ topicNum: topic.topicNum, name }));
  }

  /** Grows a topic to `totalCount` partitions (new ones start empty at 0); never shrinks. */
  createPartitions(name: string, totalCount: number): Promise<void> {
    let topic: TopicState;
    try {
      topic = this.liveTopic(name);
      if (!Number.isInteger(totalCount) || totalCount < topic.partitions.length) {
        throw new Error(`topic ${name} has ${topic.partitions.length} partitions; cannot change to ${totalCount} (grow only)`);
      }
    } catch (err) {
      return Promise.reject(err);
    }
    if (totalCount === topic.partitions.length) return RESOLVED;
    this.registry.addPartitions(topic, totalCount);
    return this.persist(() => encodePartitionsCreated({ topicNum: topic.topicNum, totalCount }));
  }

  /** Sets and removes topic config overrides; TopicState.configs changes synchronously. */
  alterTopicConfigs(name: string, set: ReadonlyMap<string, string>, remove: readonly string[]): Promise<void> {
    let topic: TopicState;
    try {
      topic = this.liveTopic(name);
    } catch (err) {
      return Promise.reject(err);
    }
    const setCopy = new Map(set);
    const removeCopy = [...remove];
    applyConfigChange(topic.configs, setCopy, removeCopy);
    return this.persist(() => encodeTopicConfigsAltered({ topicNum: topic.topicNum, set: setCopy, remove: removeCopy }));
  }

  /** Dynamic broker-level config overrides (e.g. log.retention.ms), durable. */
  setBrokerConfigs(set: ReadonlyMap<string, string>, remove: readonly string[]): Promise<void> {
    try {
      this.checkOpen();
    } catch (err) {
      return Promise.reject(err);
    }
    const setCopy = new Map(set);
    const removeCopy = [...remove];
    applyConfigChange(this.state.brokerConfigs, setCopy, removeCopy);
    return this.persist(() => encodeBrokerConfigsAltered({ set: setCopy, remove: removeCopy }));
  }

  brokerConfigs(): ReadonlyMap<string, string> {
    return this.state.brokerConfigs;
  }

  /**
   * Appends one Produce request as ONE WAL entry. Synchronously assigns offsets, patches
   * the batches in place and queues the entry; `done` settles at the durability point of
   * `acks` (see design.md section 1). Throws StorageError at once if the log is fenced.
   */
  appendProduce(parts: ProducePartitionInput[], acks: Acks): { baseOffsets: number[]; done: Promise<void> } {
    this.checkOpen();
    const n = parts.length;
    if (n === 0) return { baseOffsets: [], done: RESOLVED };
    const states: PartitionState[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const p = parts[i]!;
      const state = this.registry.get(p.topic)?.partitions[p.partition];
      if (state === undefined) throw new Error(`appendProduce: unknown partition ${p.topic}-${p.partition}`);
      states[i] = state;
    }
    const baseOffsets: number[] = new Array(n);
    const ends: number[] = new Array(n);
    const walParts: ProducePart[] = new Array(n);
    let records = 0;
    for (let i = 0; i < n; i++) {
      const p = parts[i]!;
      const state = states[i]!;
      const base = state.logEndOffset;
      const end = assignOffsets(p.records, p.batches, base, state.leaderEpoch);
      state.logEndOffset = end;
      baseOffsets[i] = base;
      ends[i] = end;
      records += end - base;
      walParts[i] = {
        topicNum: this.registry.get(p.topic)!.topicNum,
        partition: p.partition,
        baseOffset: base,
        recordCount: end - base,
        maxTimestamp: p.maxTimestamp,
        records: p.records,
        batches: p.batches,
      };
    }

    const keep = keepViews(parts);
    if (this.writer === null) {
      for (let i = 0; i < n; i++) {
        this.indexBatches(states[i]!, parts[i]!, baseOffsets[i]!, -1, -1, keep);
        states[i]!.highWatermark = ends[i]!;
      }
      this.onVisible?.();
      return { baseOffsets, done: RESOLVED };
    }

    const entry = encodeProduce(walParts);
    const done = this.writer.enqueue(entry, records, { partitions: states, ends }, acks === -1 ? 'sync' : 'write', acks === 0);
    const segment = this.writer.lastEntrySegment.firstSeq;
    const entryPos = this.writer.lastEntryPosition;
    let before = 0;
    for (let i = 0; i < n; i++) {
      const recordsPos = produceRecordsPosition(entryPos, n, before);
      this.indexBatches(states[i]!, parts[i]!, baseOffsets[i]!, segment, recordsPos, keep);
      before += parts[i]!.records.length;
    }
    return { baseOffsets, done };
  }

  // ---- idempotent producers ----

  /** Producer ids, epochs and per-partition sequences (checked and recorded by the produce handler). */
  get producers(): ProducerStates {
    return this.state.producers;
  }

  /**
   * Resolves once everything appended so far has reached the durability point of `acks`,
   * writing nothing: a duplicate batch is acknowledged when its original is durable.
   */
  barrier(acks: Acks): Promise<void> {
    try {
      this.checkOpen();
    } catch (err) {
      return Promise.reject(err);
    }
    if (this.writer === null) return RESOLVED;
    return this.writer.barrier(acks === -1 ? 'sync' : 'write');
  }

  /**
   * Hands out a new producer id. Ids come from blocks reserved by a PRODUCER_IDS_RESERVED
   * entry; `done` resolves once the reservation covering the id is durable, so an id is
   * never given to a client before a restart could no longer hand it out again. A block
   * older than half the expiration time is left for a new one, so every id's block
   * reservation time stays close to when the id was handed out (see ProducerStates).
   */
  allocateProducerId(now: number = Date.now()): { producerId: number; done: Promise<void> } {
    this.checkOpen();
    const p = this.state.producers;
    if (p.nextId >= p.reservedEnd || now - p.blockReservedAt >= this.producerIdExpirationMs / 2) {
      const blockEnd = p.reservedEnd + PRODUCER_ID_BLOCK;
      p.nextId = p.reservedEnd;
      p.reserved(blockEnd, now, true);
      this.producerIdReservation = this.persist(() => encodeProducerIdsReserved({ blockEnd, timestamp: now }));
    }
    return { producerId: p.nextId++, done: this.producerIdReservation };
  }

  /** True when `producerId` was handed out by this broker (now or before a restart). */
  producerIdAllocated(producerId: number): boolean {
    return producerId >= 0 && producerId < this.state.producers.nextId;
  }

  /** The highest epoch known for a producer (fence or any partition's state), -1 if none. */
  producerEpoch(producerId: number): number {
    return this.state.producers.currentEpoch(producerId, this.allPartitions());
  }

  /** Raises a producer's epoch (InitProducerId), fencing older epochs; durable when resolved. */
  bumpProducerEpoch(producerId: number, epoch: number, now: number = Date.now()): Promise<void> {
    try {
      this.checkOpen();
    } catch (err) {
      return Promise.reject(err);
    }
    this.state.producers.fence(producerId, epoch, now);
    return this.persist(() => encodeProducerEpochBumped({ producerId, epoch, timestamp: now }));
  }

  /** Drops producer state idle for producer.id.expiration.ms; returns how many entries went. */
  expireProducers(now: number = Date.now()): number {
    return this.state.producers.expire(this.allPartitions(), now);
  }

  private *allPartitions(): Generator<PartitionState> {
    for (const t of this.registry.all()) yield* t.partitions;
  }

  /** The bytes of one batch: from memory while there, otherwise read back from its segment. */
  async readBatch(loc: BatchLocation): Promise<Buffer> {
    if (loc.bytes !== undefined) return loc.bytes;
    if (this.writer === null) throw new Error('batch bytes are gone and the WAL is off');
    const seg = this.writer.segments.find((s) => s.firstSeq === loc.segment);
    if (seg === undefined) throw new Error(`WAL segment ${loc.segment} is gone`);
    const handle = await seg.readHandle(this.fs);
    const buf = Buffer.allocUnsafe(loc.length);
    let done = 0;
    while (done < loc.length) {
      const n = await handle.read(buf, done, loc.length - done, loc.position + done);
      if (n <= 0) throw new StorageError(`short read of ${seg.path} at byte ${loc.position + done}`);
      done += n;
    }
    return buf;
  }

  // ---- retention ----

  /**
   * One retention pass (the broker runs it every log.retention.check.interval.ms; see
   * retention.ts for the rules). Advances log start offsets past whole expired batches
   * (never past the high watermark) as a LOG_START_ADVANCED entry, drops their index rows,
   * and once whole segments (never the active one) hold nothing retained, writes a
   * checkpoint as of the WAL's next sequence, then deletes those segments. Passes never
   * overlap: a call made during one runs after it. Rejects with StorageError when fenced.
   */
  enforceRetention(now: number = Date.now()): Promise<RetentionResult> {
    try {
      this.checkOpen();
    } catch (err) {
      return Promise.reject(err);
    }
    // A pass requested before close() still runs: close waits for it.
    const pass = (this.retentionPass ?? RESOLVED).then(noop, noop).then(() => this.runRetention(now));
    this.retentionPass = pass;
    pass.then(
      () => this.retentionPassDone(pass),
      () => this.retentionPassDone(pass),
    );
    return pass;
  }

  /**
   * Runs enforceRetention every `intervalMs` (unref'd) until close; failures are logged.
   * Each tick also expires idle idempotent producers (producer.id.expiration.ms).
   */
  startRetentionTimer(intervalMs: number): void {
    if (this.retentionTimer !== null || !(intervalMs > 0)) return;
    this.retentionTimer = setInterval(() => {
      this.expireProducers();
      if (this.retentionPass !== null || this.fenced) return;
      this.enforceRetention().then(
        (r) => {
          if (r.segmentsDeleted > 0 && this.logger.enabled('info')) {
            this.logger.info(`retention: ${r.partitionsAdvanced} partition(s) advanced, ${r.segmentsDeleted} WAL segment(s) deleted after checkpoint ${r.checkpointSeq}`);
          }
        },
        (err: unknown) => this.logger.error(`retention pass failed: ${(err as Error).message}`),
      );
    }, intervalMs);
    this.retentionTimer.unref();
  }

  private retentionPassDone(pass: Promise<RetentionResult>): void {
    if (this.retentionPass === pass) this.retentionPass = null;
  }

  private async runRetention(now: number): Promise<RetentionResult> {
    if (this.writer !== null && this.writer.fenceError !== null) throw this.writer.fenceError;
    const result: RetentionResult = { partitionsAdvanced: 0, batchesDropped: 0, segmentsDeleted: 0, checkpointSeq: null };
    const changes = planRetention(this.state, this.retentionDefaults, now);
    for (const c of changes) {
      c.partition.advanceLogStart(c.start);
      result.partitionsAdvanced++;
      result.batchesDropped += c.batches;
    }
    const writer = this.writer;
    if (writer === null) return result;
    const starts = changes.map((c) => ({ topicNum: c.topic.topicNum, partition: c.partition.partition, logStartOffset: c.start }));
    const advanced = starts.length > 0 ? this.persist(() => encodeLogStartAdvanced({ starts })) : RESOLVED;
    const free = freeSegmentCount(this.state, writer.segments);
    if (free === 0) {
      await advanced;
      return result;
    }
    // Every entry of the free segments is below `seq`; the checkpoint holds the state as of
    // `seq`, captured now, and is written only once every entry below `seq` is durable.
    const seq = writer.nextSeq;
    const checkpoint = captureCheckpoint(this.state, seq);
    await advanced;
    await writer.flush();
    await writeCheckpoint(this.fs, this.dataDir, checkpoint, this.logger);
    result.checkpointSeq = seq;
    const doomed = writer.segments.splice(0, free);
    for (const seg of doomed) {
      await seg.close();
      await this.fs.unlink(seg.path);
      result.segmentsDeleted++;
    }
    await this.fs.syncDir(walDir(this.dataDir));
    return result;
  }

  /** Writes and fdatasyncs everything queued so far, whatever the sync policy. */
  async flush(): Promise<void> {
    if (this.writer !== null) await this.writer.flush();
  }

  /** Finishes in-flight and queued work, fdatasyncs and closes the files. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.retentionTimer !== null) clearInterval(this.retentionTimer);
    this.retentionTimer = null;
    if (this.retentionPass !== null) await this.retentionPass.catch(noop);
    if (this.writer !== null) await this.writer.close();
  }

  /** Queues a state entry (already applied in memory); resolves once it is durable. */
  private persist(encode: () => EncodedEntry): Promise<void> {
    if (this.writer === null) return RESOLVED;
    return this.writer.enqueue(encode(), 0, null, 'sync', false);
  }

  private liveTopic(name: string): TopicState {
    this.checkOpen();
    const topic = this.registry.get(name);
    if (topic === undefined) throw new UnknownTopicError(name);
    return topic;
  }

  private checkOpen(): void {
    if (this.writer !== null && this.writer.fenceError !== null) throw this.writer.fenceError;
    if (this.closed) throw new StorageError('the log is closed');
  }

  private indexBatches(state: PartitionState, input: ProducePartitionInput, base: number, segment: number, recordsPos: number, keep: boolean | null): void {
    // See keepViews: a record set is copied (once, whole) only when keeping its view would
    // pin a buffer mostly made of other bytes. The WAL write always uses the original view.
    const view = input.records;
    const records = (keep ?? view.buffer.byteLength <= 2 * view.length) ? view : Buffer.from(view);
    let off = base;
    for (const b of input.batches) {
      const last = off + b.lastOffsetDelta;
      const bytes = records.subarray(b.position, b.position + b.size);
      const row = state.index.push(off, last, b.maxTimestamp, segment, recordsPos < 0 ? -1 : recordsPos + b.position, b.size, bytes);
      this.recent.add(state.index, row, b.size);
      off = last + 1;
    }
  }

  private advanceHighWatermarks(items: Array<WrittenMark | null>): void {
    for (const item of items) {
      if (item === null) continue;
      for (let i = 0; i < item.partitions.length; i++) {
        const p = item.partitions[i]!;
        if (item.ends[i]! > p.highWatermark) p.highWatermark = item.ends[i]!;
      }
    }
    this.onVisible?.();
  }
}
