/**
 * WAL entries for state other than record data: committed group offsets, topic admin,
 * broker config overrides and log start offsets. Strings are [len u16][utf8] (str16),
 * nullable strings [len i32, -1 = null][utf8] (nstr32), maps [count u32] x (str16 key,
 * nstr32 value), string lists [count u32] x str16; integers big-endian.
 *
 *   3 OFFSETS_COMMITTED      [group str16][count u32] count x ([topic str16][partition u32]
 *                            [offset i64][leaderEpoch i32][metadata nstr32][commitTimestamp i64])
 *   4 GROUP_OFFSETS_DELETED  [group str16]
 *   5 TOPIC_DELETED          [topicNum u32][name str16]
 *   6 PARTITIONS_CREATED     [topicNum u32][totalCount u32]
 *   7 TOPIC_CONFIGS_ALTERED  [topicNum u32][set map][remove strings]
 *   8 BROKER_CONFIGS_ALTERED [set map][remove strings]
 *   9 LOG_START_ADVANCED     [count u32] count x ([topicNum u32][partition u32][logStartOffset i64])
 *  10 PRODUCER_IDS_RESERVED  [blockEnd i64][timestamp i64]   producer ids below blockEnd are
 *                            taken (the block [blockEnd - 1000, blockEnd) is reserved before
 *                            its first id is handed out; after a restart the rest of the
 *                            block is skipped, so no id is ever reused)
 *  11 PRODUCER_EPOCH_BUMPED  [producerId i64][epoch u16][timestamp i64]   InitProducerId raised
 *                            the producer's epoch; batches of older epochs are fenced
 *  12 OFFSETS_DELETED        [group str16][count u32] count x ([topic str16][partition u32])
 *                            OffsetDelete dropped these committed offsets of the group (a
 *                            group left with none has no offsets any more)
 *
 * Idempotent producers' per-partition state needs no entry of its own: recovery rebuilds
 * it from the batch headers of PRODUCE entries (src/producers/).
 *
 * Committed offsets are keyed by topic name (as on the wire); deleting a topic drops the
 * name's offsets at that point of the log, so replay in WAL order is exact.
 */

import { ByteReader, entryWriter } from './codec.js';
import { EntryType, type EncodedEntry } from './framing.js';

export interface CommittedOffset {
  topic: string;
  partition: number;
  offset: number;
  leaderEpoch: number;
  metadata: string | null;
  commitTimestamp: number;
}

export interface OffsetsCommittedEntry {
  type: typeof EntryType.OFFSETS_COMMITTED;
  group: string;
  offsets: CommittedOffset[];
}

export interface GroupOffsetsDeletedEntry {
  type: typeof EntryType.GROUP_OFFSETS_DELETED;
  group: string;
}

export interface TopicDeletedEntry {
  type: typeof EntryType.TOPIC_DELETED;
  topicNum: number;
  name: string;
}

export interface PartitionsCreatedEntry {
  type: typeof EntryType.PARTITIONS_CREATED;
  topicNum: number;
  totalCount: number;
}

export interface TopicConfigsAlteredEntry {
  type: typeof EntryType.TOPIC_CONFIGS_ALTERED;
  topicNum: number;
  set: Map<string, string>;
  remove: string[];
}

export interface BrokerConfigsAlteredEntry {
  type: typeof EntryType.BROKER_CONFIGS_ALTERED;
  set: Map<string, string>;
  remove: string[];
}

export interface LogStartAdvancedEntry {
  type: typeof EntryType.LOG_START_ADVANCED;
  starts: Array<{ topicNum: number; partition: number; logStartOffset: number }>;
}

export interface OffsetsDeletedEntry {
  type: typeof EntryType.OFFSETS_DELETED;
  group: string;
  partitions: Array<{ topic: string; partition: number }>;
}

export interface ProducerIdsReservedEntry {
  type: typeof EntryType.PRODUCER_IDS_RESERVED;
  blockEnd: number;
  timestamp: number;
}

export interface ProducerEpochBumpedEntry {
  type: typeof EntryType.PRODUCER_EPOCH_BUMPED;
  producerId: number;
  epoch: number;
  timestamp: number;
}

export type StateEntry =
  | OffsetsCommittedEntry
  | GroupOffsetsDeletedEntry
  | TopicDeletedEntry
  | PartitionsCreatedEntry
  | TopicConfigsAlteredEntry
  | BrokerConfigsAlteredEntry
  | LogStartAdvancedEntry
  | ProducerIdsReservedEntry
  | ProducerEpochBumpedEntry
  | OffsetsDeletedEntry;

type Body<E> = Omit<E, 'type'>;

export function encodeOffsetsCommitted(e: Body<OffsetsCommittedEntry>): EncodedEntry {
  const w = entryWriter().str16(e.group).u32(e.offsets.length);
  for (const o of e.offsets) w.str16(o.topic).u32(o.partition).i64(o.offset).i32(o.leaderEpoch).nstr32(o.metadata).i64(o.commitTimestamp);
  return w.frame(EntryType.OFFSETS_COMMITTED);
}

export function encodeGroupOffsetsDeleted(e: Body<GroupOffsetsDeletedEntry>): EncodedEntry {
  return entryWriter().str16(e.group).frame(EntryType.GROUP_OFFSETS_DELETED);
}

export function encodeTopicDeleted(e: Body<TopicDeletedEntry>): EncodedEntry {
  return entryWriter().u32(e.topicNum).str16(e.name).frame(EntryType.TOPIC_DELETED);
}

export function encodePartitionsCreated(e: Body<PartitionsCreatedEntry>): EncodedEntry {
  return entryWriter().u32(e.topicNum).u32(e.totalCount).frame(EntryType.PARTITIONS_CREATED);
}

export function encodeTopicConfigsAltered(e: Body<TopicConfigsAlteredEntry>): EncodedEntry {
  return entryWriter().u32(e.topicNum).map(e.set).strings(e.remove).frame(EntryType.TOPIC_CONFIGS_ALTERED);
}

export function encodeBrokerConfigsAltered(e: Body<BrokerConfigsAlteredEntry>): EncodedEntry {
  return entryWriter().map(e.set).strings(e.remove).frame(EntryType.BROKER_CONFIGS_ALTERED);
}

export function encodeLogStartAdvanced(e: Body<LogStartAdvancedEntry>): EncodedEntry {
  const w = entryWriter().u32(e.starts.length);
  for (const s of e.starts) w.u32(s.topicNum).u32(s.partition).i64(s.logStartOffset);
  return w.frame(EntryType.LOG_START_ADVANCED);
}

export function encodeProducerIdsReserved(e: Body<ProducerIdsReservedEntry>): EncodedEntry {
  return entryWriter().i64(e.blockEnd).i64(e.timestamp).frame(EntryType.PRODUCER_IDS_RESERVED);
}

export function encodeProducerEpochBumped(e: Body<ProducerEpochBumpedEntry>): EncodedEntry {
  return entryWriter().i64(e.producerId).u16(e.epoch).i64(e.timestamp).frame(EntryType.PRODUCER_EPOCH_BUMPED);
}

export function encodeOffsetsDeleted(e: Body<OffsetsDeletedEntry>): EncodedEntry {
  const w = entryWriter().str16(e.group).u32(e.partitions.length);
  for (const p of e.partitions) w.str16(p.topic).u32(p.partition);
  return w.frame(EntryType.OFFSETS_DELETED);
}

function decodeProducerIdsReserved(p: Buffer): ProducerIdsReservedEntry {
  const r = new ByteReader(p);
  const e: ProducerIdsReservedEntry = { type: EntryType.PRODUCER_IDS_RESERVED, blockEnd: r.i64(), timestamp: r.i64() };
  r.end();
  return e;
}

function decodeProducerEpochBumped(p: Buffer): ProducerEpochBumpedEntry {
  const r = new ByteReader(p);
  const e: ProducerEpochBumpedEntry = { type: EntryType.PRODUCER_EPOCH_BUMPED, producerId: r.i64(), epoch: r.u16(), timestamp: r.i64() };
  r.end();
  return e;
}

function decodeOffsetsCommitted(p: Buffer): OffsetsCommittedEntry {
  const r = new ByteReader(p);
  const group = r.str16();
  const count = r.u32();
  const offsets: CommittedOffset[] = [];
  for (let i = 0; i < count; i++) {
    offsets.push({ topic: r.str16(), partition: r.u32(), offset: r.i64(), leaderEpoch: r.i32(), metadata: r.nstr32(), commitTimestamp: r.i64() });
  }
  r.end();
  return { type: EntryType.OFFSETS_COMMITTED, group, offsets };
}

function decodeGroupOffsetsDeleted(p: Buffer): GroupOffsetsDeletedEntry {
  const r = new ByteReader(p);
  const group = r.str16();
  r.end();
  return { type: EntryType.GROUP_OFFSETS_DELETED, group };
}

function decodeTopicDeleted(p: Buffer): TopicDeletedEntry {
  const r = new ByteReader(p);
  const e: TopicDeletedEntry = { type: EntryType.TOPIC_DELETED, topicNum: r.u32(), name: r.str16() };
  r.end();
  return e;
}

function decodePartitionsCreated(p: Buffer): PartitionsCreatedEntry {
  const r = new ByteReader(p);
  const e: PartitionsCreatedEntry = { type: EntryType.PARTITIONS_CREATED, topicNum: r.u32(), totalCount: r.u32() };
  r.end();
  return e;
}

function decodeTopicConfigsAltered(p: Buffer): TopicConfigsAlteredEntry {
  const r = new ByteReader(p);
  const e: TopicConfigsAlteredEntry = { type: EntryType.TOPIC_CONFIGS_ALTERED, topicNum: r.u32(), set: r.map(), remove: r.strings() };
  r.end();
  return e;
}

function decodeBrokerConfigsAltered(p: Buffer): BrokerConfigsAlteredEntry {
  const r = new ByteReader(p);
  const e: BrokerConfigsAlteredEntry = { type: EntryType.BROKER_CONFIGS_ALTERED, set: r.map(), remove: r.strings() };
  r.end();
  return e;
}

function decodeLogStartAdvanced(p: Buffer): LogStartAdvancedEntry {
  const r = new ByteReader(p);
  const count = r.u32();
  const starts: LogStartAdvancedEntry['starts'] = [];
  for (let i = 0; i < count; i++) starts.push({ topicNum: r.u32(), partition: r.u32(), logStartOffset: r.i64() });
  r.end();
  return { type: EntryType.LOG_START_ADVANCED, starts };
}

function decodeOffsetsDeleted(p: Buffer): OffsetsDeletedEntry {
  const r = new ByteReader(p);
  const group = r.str16();
  const count = r.u32();
  const partitions: OffsetsDeletedEntry['partitions'] = [];
  for (let i = 0; i < count; i++) partitions.push({ topic: r.str16(), partition: r.u32() });
  r.end();
  return { type: EntryType.OFFSETS_DELETED, group, partitions };
}

export const STATE_DECODERS: Record<number, (payload: Buffer) => StateEntry> = {
  [EntryType.OFFSETS_COMMITTED]: decodeOffsetsCommitted,
  [EntryType.GROUP_OFFSETS_DELETED]: decodeGroupOffsetsDeleted,
  [EntryType.TOPIC_DELETED]: decodeTopicDeleted,
  [EntryType.PARTITIONS_CREATED]: decodePartitionsCreated,
  [EntryType.TOPIC_CONFIGS_ALTERED]: decodeTopicConfigsAltered,
  [EntryType.BROKER_CONFIGS_ALTERED]: decodeBrokerConfigsAltered,
  [EntryType.LOG_START_ADVANCED]: decodeLogStartAdvanced,
  [EntryType.PRODUCER_IDS_RESERVED]: decodeProducerIdsReserved,
  [EntryType.PRODUCER_EPOCH_BUMPED]: decodeProducerEpochBumped,
  [EntryType.OFFSETS_DELETED]: decodeOffsetsDeleted,
};
