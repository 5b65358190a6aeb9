/**
 * WAL entry framing and the entry codecs.
 *
 * Every entry is `[length u32][crc32c u32][type u8][payload]`, big-endian:
 *   - `length` counts the type byte and the payload (so the entry occupies 8 + length bytes);
 *   - `crc32c` is CRC-32C over the type byte and the payload (not over length or itself).
 *     A corrupt length makes the CRC run over the wrong bytes, so it is caught as well.
 *
 * Entry types and payloads (all integers big-endian, int64 as JS numbers < 2^53):
 *
 *   1 TOPIC_CREATED  [topicNum u32][topicId 16 bytes][partitionCount u32]
 *                    [nameLen u16][name utf8][configCount u32]
 *                    configCount x ([keyLen u16][key utf8][valueLen u32][value utf8])
 *   2 PRODUCE        [partCount u32]
 *                    partCount x ([topicNum u32][partition u32][baseOffset i64][recordCount u32]
 *                                 [maxTimestamp i64][recordsLength u32])        (32 bytes each)
 *                    then the record sets of all parts back to back, verbatim
 *                    (BaseOffset and PartitionLeaderEpoch already patched)
 *
 * The part table comes before the record bytes so one header buffer plus one `subarray`
 * per record set makes up the whole entry for `writev`; record bytes are never copied.
 * Types 3-12 (committed offsets, topic admin, broker configs, log start offsets, producer
 * ids and epochs, deleted offsets) are state entries, encoded in state-entries.ts; recovery.ts holds the
 * whole decoder table. Later types take the next numbers.
 */

import { crc32c } from '@node-rs/crc32';
import { crc32cCombine } from '../../protocol/crc32c.js';
import { BatchField, readInt64, writeInt64 } from '../../protocol/record-batch.js';
import type { StateEntry } from './state-entries.js';

/** length + crc + type. */
export const ENTRY_HEADER_SIZE = 9;
/** The bytes in front of what `length` counts. */
export const ENTRY_PREFIX_SIZE = 8;
/** Sanity bound on one entry; anything larger is treated as a corrupt length. */
export const MAX_ENTRY_LENGTH = 0x7fff_0000;

export const EntryType = {
  TOPIC_CREATED: 1,
  PRODUCE: 2,
  OFFSETS_COMMITTED: 3,
  GROUP_OFFSETS_DELETED: 4,
  TOPIC_DELETED: 5,
  PARTITIONS_CREATED: 6,
  TOPIC_CONFIGS_ALTERED: 7,
  BROKER_CONFIGS_ALTERED: 8,
  LOG_START_ADVANCED: 9,
  PRODUCER_IDS_RESERVED: 10,
  PRODUCER_EPOCH_BUMPED: 11,
  OFFSETS_DELETED: 12,
} as const;
export type EntryTypeCode = (typeof EntryType)[keyof typeof EntryType];

export const ENTRY_TYPE_NAMES: Record<number, string> = {
  [EntryType.TOPIC_CREATED]: 'TOPIC_CREATED',
  [EntryType.PRODUCE]: 'PRODUCE',
  [EntryType.OFFSETS_COMMITTED]: 'OFFSETS_COMMITTED',
  [EntryType.GROUP_OFFSETS_DELETED]: 'GROUP_OFFSETS_DELETED',
  [EntryType.TOPIC_DELETED]: 'TOPIC_DELETED',
  [EntryType.PARTITIONS_CREATED]: 'PARTITIONS_CREATED',
  [EntryType.TOPIC_CONFIGS_ALTERED]: 'TOPIC_CONFIGS_ALTERED',
  [EntryType.BROKER_CONFIGS_ALTERED]: 'BROKER_CONFIGS_ALTERED',
  [EntryType.LOG_START_ADVANCED]: 'LOG_START_ADVANCED',
  [EntryType.PRODUCER_IDS_RESERVED]: 'PRODUCER_IDS_RESERVED',
  [EntryType.PRODUCER_EPOCH_BUMPED]: 'PRODUCER_EPOCH_BUMPED',
  [EntryType.OFFSETS_DELETED]: 'OFFSETS_DELETED',
};

export interface TopicCreatedEntry {
  type: typeof EntryType.TOPIC_CREATED;
  topicNum: number;
  topicId: Buffer;
  partitionCount: number;
  name: string;
  configs: Map<string, string>;
}

/** A record batch inside a part's record set whose own CRC-32C (bytes 21..end) is known. */
export interface CheckedBatch {
  position: number;
  size: number;
  crc: number;
}

export interface ProducePart {
  /**
   * The batches tiling `records`, with the CRCs validation already computed: the entry CRC
   * then reads only each batch's first 21 bytes and combines the rest, instead of a second
   * pass over the record bytes. Absent: the record bytes are checksummed here.
   */
  batches?: readonly CheckedBatch[];
  topicNum: number;
  partition: number;
  baseOffset: number;
  recordCount: number;
  maxTimestamp: number;
  records: Buffer;
}

export interface ProduceEntry {
  type: typeof EntryType.PRODUCE;
  parts: ProducePart[];
}

export type WalEntry = TopicCreatedEntry | ProduceEntry | StateEntry;

/** An encoded entry: the pieces to hand to writev, in order, and their total size. */
export interface EncodedEntry {
  pieces: Buffer[];
  size: number;
}

/** Bytes of one part in a PRODUCE entry's part table. */
export const PRODUCE_PART_SIZE = 32;

/** Encodes a PRODUCE entry; `pieces[0]` is the header and part table, then each record set. */
export function encodeProduce(parts: readonly ProducePart[]): EncodedEntry {
  const headerSize = ENTRY_HEADER_SIZE + 4 + PRODUCE_PART_SIZE * parts.length;
  const header = Buffer.allocUnsafe(headerSize);
  const pieces: Buffer[] = [header];
  let pos = ENTRY_HEADER_SIZE;
  header.writeUInt32BE(parts.length, pos);
  pos += 4;
  let recordBytes = 0;
  for (const part of parts) {
    header.writeUInt32BE(part.topicNum, pos);
    header.writeUInt32BE(part.partition, pos + 4);
    writeInt64(header, pos + 8, part.baseOffset);
    header.writeUInt32BE(part.recordCount, pos + 16);
    writeInt64(header, pos + 20, part.maxTimestamp);
    header.writeUInt32BE(part.records.length, pos + 28);
    pos += PRODUCE_PART_SIZE;
    recordBytes += part.records.length;
    pieces.push(part.records);
  }
  header.writeUInt8(EntryType.PRODUCE, 8);
  let crc = crc32c(header.subarray(ENTRY_PREFIX_SIZE));
  for (const part of parts) crc = recordSetCrc(part, crc);
  const size = headerSize + recordBytes;
  header.writeUInt32BE(size - ENTRY_PREFIX_SIZE, 0);
  header.writeUInt32BE(crc >>> 0, 4);
  return { pieces, size };
}

/** The CRC-32C continued over a part's record set, reusing the batches' own CRCs when known. */
function recordSetCrc(part: ProducePart, crc: number): number {
  const { records, batches } = part;
  if (batches === undefined || !tiles(batches, records.length)) return crc32c(records, crc);
  for (const b of batches) {
    crc = crc32c(records.subarray(b.position, b.position + BatchField.attributes), crc);
    crc = crc32cCombine(crc, b.crc, b.size - BatchField.attributes);
  }
  return crc;
}

function tiles(batches: readonly CheckedBatch[], length: number): boolean {
  let pos = 0;
  for (const b of batches) {
    if (b.position !== pos || b.size < BatchField.attributes) return false;
    pos += b.size;
  }
  return pos === length;
}

export function encodeTopicCreated(entry: Omit<TopicCreatedEntry, 'type'>): EncodedEntry {
  const name = Buffer.from(entry.name, 'utf8');
  const configs: Array<[Buffer, Buffer]> = [];
  let size = ENTRY_HEADER_SIZE + 4 + 16 + 4 + 2 + name.length + 4;
  for (const [k, v] of entry.configs) {
    const kb = Buffer.from(k, 'utf8');
    const vb = Buffer.from(v, 'utf8');
    configs.push([kb, vb]);
    size += 2 + kb.length + 4 + vb.length;
  }
  const buf = Buffer.allocUnsafe(size);
  let pos = ENTRY_HEADER_SIZE;
  buf.writeUInt32BE(entry.topicNum, pos);
  entry.topicId.copy(buf, pos + 4, 0, 16);
  buf.writeUInt32BE(entry.partitionCount, pos + 20);
  buf.writeUInt16BE(name.length, pos + 24);
  pos += 26;
  pos += name.copy(buf, pos);
  buf.writeUInt32BE(configs.length, pos);
  pos += 4;
  for (const [kb, vb] of configs) {
    buf.writeUInt16BE(kb.length, pos);
    pos += 2;
    pos += kb.copy(buf, pos);
    buf.writeUInt32BE(vb.length, pos);
    pos += 4;
    pos += vb.copy(buf, pos);
  }
  return { pieces: [sealFrame(buf, EntryType.TOPIC_CREATED)], size };
}

/** Fills in length, type and CRC of an entry laid out in one buffer. */
export function sealFrame(buf: Buffer, type: number): Buffer {
  buf.writeUInt8(type, 8);
  buf.writeUInt32BE(buf.length - ENTRY_PREFIX_SIZE, 0);
  buf.writeUInt32BE(crc32c(buf.subarray(ENTRY_PREFIX_SIZE)) >>> 0, 4);
  return buf;
}

/** Thrown by decoders when a payload that passed its CRC still does not parse. */
export class EntryFormatError extends Error {}

function need(payload: Buffer, pos: number, n: number): void {
  if (pos + n > payload.length) throw new EntryFormatError(`payload too short: need ${pos + n} bytes, have ${payload.length}`);
}

function decodeTopicCreated(p: Buffer): TopicCreatedEntry {
  need(p, 0, 26);
  const topicNum = p.readUInt32BE(0);
  const topicId = Buffer.from(p.subarray(4, 20));
  const partitionCount = p.readUInt32BE(20);
  const nameLen = p.readUInt16BE(24);
  let pos = 26;
  need(p, pos, nameLen + 4);
  const name = p.toString('utf8', pos, pos + nameLen);
  pos += nameLen;
  const count = p.readUInt32BE(pos);
  pos += 4;
  const configs = new Map<string, string>();
  for (let i = 0; i < count; i++) {
    need(p, pos, 2);
    const kl = p.readUInt16BE(pos);
    pos += 2;
    need(p, pos, kl + 4);
    const k = p.toString('utf8', pos, pos + kl);
    pos += kl;
    const vl = p.readUInt32BE(pos);
    pos += 4;
    need(p, pos, vl);
    configs.set(k, p.toString('utf8', pos, pos + vl));
    pos += vl;
  }
  return { type: EntryType.TOPIC_CREATED, topicNum, topicId, partitionCount, name, configs };
}

/** The record sets are `subarray` views of `p`; copy them if `p` is reused. */
function decodeProduce(p: Buffer): ProduceEntry {
  need(p, 0, 4);
  const count = p.readUInt32BE(0);
  need(p, 4, count * PRODUCE_PART_SIZE);
  let recPos = 4 + count * PRODUCE_PART_SIZE;
  const parts: ProducePart[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const pos = 4 + i * PRODUCE_PART_SIZE;
    const len = p.readUInt32BE(pos + 28);
    need(p, recPos, len);
    parts[i] = {
      topicNum: p.readUInt32BE(pos),
      partition: p.readUInt32BE(pos + 4),
      baseOffset: readInt64(p, pos + 8),
      recordCount: p.readUInt32BE(pos + 16),
      maxTimestamp: readInt64(p, pos + 20),
      records: p.subarray(recPos, recPos + len),
    };
    recPos += len;
  }
  if (recPos !== p.length) throw new EntryFormatError(`${p.length - recPos} trailing bytes after the record sets`);
  return { type: EntryType.PRODUCE, parts };
}

/** Decoders of the record-data entries; recovery.ts merges in the state entries. */
export const RECORD_DECODERS: Record<number, (payload: Buffer) => WalEntry> = {
  [EntryType.TOPIC_CREATED]: decodeTopicCreated,
  [EntryType.PRODUCE]: decodeProduce,
};

/** Result of looking at the bytes at one position: a whole valid frame, too few bytes, or a bad frame. */
export type FrameCheck =
  | { kind: 'ok'; type: number; payloadStart: number; end: number }
  | { kind: 'short'; need: number }
  | { kind: 'bad'; reason: string };

/**
 * Checks the frame starting at `pos` in `buf[pos, limit)`. `short` means more bytes are
 * needed to judge (`need` is the whole entry size when the header is readable).
 */
export function checkFrame(buf: Buffer, pos: number, limit: number): FrameCheck {
  if (limit - pos < ENTRY_HEADER_SIZE) return { kind: 'short', need: ENTRY_HEADER_SIZE };
  const length = buf.readUInt32BE(pos);
  if (length < 1 || length > MAX_ENTRY_LENGTH) return { kind: 'bad', reason: `invalid entry length ${length}` };
  const end = pos + ENTRY_PREFIX_SIZE + length;
  if (end > limit) return { kind: 'short', need: ENTRY_PREFIX_SIZE + length };
  const stored = buf.readUInt32BE(pos + 4);
  const actual = crc32c(buf.subarray(pos + ENTRY_PREFIX_SIZE, end)) >>> 0;
  if (stored !== actual) {
    return { kind: 'bad', reason: `entry CRC mismatch (stored ${hex(stored)}, computed ${hex(actual)})` };
  }
  // An unknown type with a valid CRC is not a torn write; the caller refuses to start
  // rather than truncating entries a newer version wrote.
  const type = buf.readUInt8(pos + ENTRY_PREFIX_SIZE);
  return { kind: 'ok', type, payloadStart: pos + ENTRY_HEADER_SIZE, end };
}

function hex(n: number): string {
  return '0x' + n.toString(16).padStart(8, '0');
}
