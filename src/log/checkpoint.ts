/**
 * Checkpoints: the state that must outlive the WAL segments holding its entries, as of WAL
 * sequence S (every entry below S is reflected, none at or above it), in
 * `<data-dir>/checkpoint/<S, 20 digits>.ckpt`. Written before any segment is deleted:
 * temp file, fdatasync, rename, directory fsync; the newest two are kept.
 *
 * File layout (big-endian; strings/maps as in state-entries.ts):
 *
 *   [magic "SLCK"][version u16 = 1][bodyLength u32][crc32c(body) u32] body:
 *   [seq i64][nextTopicNum u32]
 *   [topicCount u32] x ([topicNum u32][topicId 16][name str16][configs map]
 *                       [partitionCount u32] x ([logStartOffset i64][logEndOffset i64][leaderEpoch i32]))
 *   [brokerConfigs map]
 *   [groupCount u32] x ([group str16][count u32] x ([topic str16][partition u32][offset i64]
 *                       [leaderEpoch i32][metadata nstr32][commitTimestamp i64]))
 *   [producerStateLength u32][producer state bytes]   <- idempotent producers: id block,
 *                       epoch fences, per-partition batch sequences (src/producers/snapshot.ts;
 *                       empty in checkpoints written before idempotent producers).
 */

import * as path from 'node:path';
import { crc32c } from '@node-rs/crc32';
import type { Logger } from '../logger.js';
import { ByteReader, ByteWriter } from './codec.js';
import { EntryFormatError } from './framing.js';
import { writeFully, type WalFileSystem } from './fs.js';
import type { LogState } from './replay.js';
import type { CommittedOffset } from './state-entries.js';
import { encodeProducerSnapshot, restoreProducerSnapshot, type SnapshotPartition } from '../producers/snapshot.js';

const MAGIC = 0x534c434b; // "SLCK"
const VERSION = 1;
const HEADER = 14;
const NAME = /^(\d{20})\.ckpt$/;
/** How many checkpoints stay on disk (the newest, and one to fall back to). */
export const KEEP_CHECKPOINTS = 2;

export function checkpointDir(dataDir: string): string {
  return path.join(dataDir, 'checkpoint');
}

export function checkpointFileName(seq: number): string {
  return String(seq).padStart(20, '0') + '.ckpt';
}

export interface CheckpointPartition {
  logStartOffset: number;
  logEndOffset: number;
  leaderEpoch: number;
}

export interface CheckpointTopic {
  topicNum: number;
  topicId: Buffer;
  name: string;
  configs: Map<string, string>;
  partitions: CheckpointPartition[];
}

export interface Checkpoint {
  seq: number;
  nextTopicNum: number;
  topics: CheckpointTopic[];
  brokerConfigs: Map<string, string>;
  groups: Array<{ group: string; offsets: CommittedOffset[] }>;
  /** Idempotent producer state (src/producers/snapshot.ts); empty in older checkpoints. */
  producerState: Buffer;
}

/** Captures the state synchronously (call it with `seq` = the WAL's next sequence). */
export function captureCheckpoint(state: LogState, seq: number): Checkpoint {
  const topics: CheckpointTopic[] = [];
  const producerPartitions: SnapshotPartition[] = [];
  for (const t of state.registry.all()) {
    for (const p of t.partitions) producerPartitions.push({ topicNum: t.topicNum, partition: p.partition, key: p });
    topics.push({
      topicNum: t.topicNum,
      topicId: t.topicId,
      name: t.name,
      configs: new Map(t.configs),
      partitions: t.partitions.map((p) => ({ logStartOffset: p.logStartOffset, logEndOffset: p.logEndOffset, leaderEpoch: p.leaderEpoch })),
    });
  }
  const groups: Checkpoint['groups'] = [];
  for (const [group, byTopic] of state.offsets.entries()) {
    const offsets: CommittedOffset[] = [];
    for (const parts of byTopic.values()) for (const o of parts.values()) offsets.push({ ...o });
    groups.push({ group, offsets });
  }
  return { seq, nextTopicNum: state.registry.nextTopicNum, topics, brokerConfigs: new Map(state.brokerConfigs), groups, producerState: encodeProducerSnapshot(state.producers, producerPartitions) };
}

export function encodeCheckpoint(c: Checkpoint): Buffer {
  const w = new ByteWriter(HEADER, 4096);
  w.i64(c.seq).u32(c.nextTopicNum).u32(c.topics.length);
  for (const t of c.topics) {
    w.u32(t.topicNum).bytes(t.topicId).str16(t.name).map(t.configs).u32(t.partitions.length);
    for (const p of t.partitions) w.i64(p.logStartOffset).i64(p.logEndOffset).i32(p.leaderEpoch);
  }
  w.map(c.brokerConfigs).u32(c.groups.length);
  for (const g of c.groups) {
    w.str16(g.group).u32(g.offsets.length);
    for (const o of g.offsets) w.str16(o.topic).u32(o.partition).i64(o.offset).i32(o.leaderEpoch).nstr32(o.metadata).i64(o.commitTimestamp);
  }
  w.u32(c.producerState.length).bytes(c.producerState);
  const buf = w.result();
  const body = buf.subarray(HEADER);
  buf.writeUInt32BE(MAGIC, 0);
  buf.writeUInt16BE(VERSION, 4);
  buf.writeUInt32BE(body.length, 6);
  buf.writeUInt32BE(crc32c(body) >>> 0, 10);
  return buf;
}

/** Throws EntryFormatError when the bytes are not a whole, valid checkpoint. */
export function decodeCheckpoint(buf: Buffer): Checkpoint {
  if (buf.length < HEADER) throw new EntryFormatError(`checkpoint too short (${buf.length} bytes)`);
  if (buf.readUInt32BE(0) !== MAGIC) throw new EntryFormatError('not a checkpoint file (bad magic)');
  const version = buf.readUInt16BE(4);
  if (version !== VERSION) throw new EntryFormatError(`checkpoint version ${version} is not supported`);
  const length = buf.readUInt32BE(6);
  if (HEADER + length !== buf.length) throw new EntryFormatError(`checkpoint body is ${buf.length - HEADER} bytes, header says ${length}`);
  const body = buf.subarray(HEADER);
  if ((crc32c(body) >>> 0) !== buf.readUInt32BE(10)) throw new EntryFormatError('checkpoint CRC mismatch');
  const r = new ByteReader(body);
  const seq = r.i64();
  const nextTopicNum = r.u32();
  const topics: CheckpointTopic[] = [];
  for (let i = r.u32(); i > 0; i--) {
    const topicNum = r.u32();
    const topicId = r.bytes(16);
    const name = r.str16();
    const configs = r.map();
    const partitions: CheckpointPartition[] = [];
    for (let n = r.u32(); n > 0; n--) partitions.push({ logStartOffset: r.i64(), logEndOffset: r.i64(), leaderEpoch: r.i32() });
    topics.push({ topicNum, topicId, name, configs, partitions });
  }
  const brokerConfigs = r.map();
  const groups: Checkpoint['groups'] = [];
  for (let i = r.u32(); i > 0; i--) {
    const group = r.str16();
    const offsets: CommittedOffset[] = [];
    for (let n = r.u32(); n > 0; n--) {
      offsets.push({ topic: r.str16(), partition: r.u32(), offset: r.i64(), leaderEpoch: r.i32(), metadata: r.nstr32(), commitTimestamp: r.i64() });
    }
    groups.push({ group, offsets });
  }
  const producerState = r.bytes(r.u32());
  r.end();
  return { seq, nextTopicNum, topics, brokerConfigs, groups, producerState };
}

/** Loads a checkpoint into empty state. */
export function restoreCheckpoint(state: LogState, c: Checkpoint): void {
  state.registry.reserveTopicNums(c.nextTopicNum);
  for (const t of c.topics) {
    const topic = state.registry.add(t.name, t.topicNum, t.topicId, t.partitions.length, t.configs);
    t.partitions.forEach((cp, i) => {
      const p = topic.partitions[i]!;
      p.logStartOffset = cp.logStartOffset;
      p.logEndOffset = cp.logEndOffset;
      p.highWatermark = cp.logEndOffset;
      p.leaderEpoch = cp.leaderEpoch;
    });
  }
  for (const [k, v] of c.brokerConfigs) state.brokerConfigs.set(k, v);
  for (const g of c.groups) state.offsets.commit(g.group, g.offsets);
  restoreProducerSnapshot(state.producers, c.producerState, (topicNum, partition) => state.registry.byNumber(topicNum)?.partitions[partition]);
}

/** Writes the checkpoint durably (temp file, fdatasync, rename, directory fsync), then prunes old ones. */
export async function writeCheckpoint(fs: WalFileSystem, dataDir: string, c: Checkpoint, logger: Logger): Promise<string> {
  const dir = checkpointDir(dataDir);
  await fs.mkdir(dir);
  const file = path.join(dir, checkpointFileName(c.seq));
  const tmp = file + '.tmp';
  if ((await fs.stat(tmp)) !== null) await fs.unlink(tmp);
  const bytes = encodeCheckpoint(c);
  const h = await fs.open(tmp, 'create');
  try {
    await writeFully(h, [bytes], 0, bytes.length);
    await h.datasync();
  } finally {
    await h.close();
  }
  await fs.rename(tmp, file);
  await fs.syncDir(dir);
  const all = await listCheckpoints(fs, dataDir);
  for (const old of all.slice(KEEP_CHECKPOINTS)) {
    try {
      await fs.unlink(old.path);
    } catch (err) {
      logger.warn(`could not remove old checkpoint ${old.path}: ${(err as Error).message}`);
    }
  }
  return file;
}

/** Checkpoint files, newest first. Leftover temp files are removed (when `clean`). */
export async function listCheckpoints(fs: WalFileSystem, dataDir: string, clean = false): Promise<Array<{ seq: number; path: string }>> {
  const dir = checkpointDir(dataDir);
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: Array<{ seq: number; path: string }> = [];
  for (const name of names) {
    const m = NAME.exec(name);
    if (m) out.push({ seq: Number(m[1]), path: path.join(dir, name) });
    else if (clean && name.endsWith('.ckpt.tmp')) await fs.unlink(path.join(dir, name));
  }
  return out.sort((a, b) => b.seq - a.seq);
}

async function readWhole(fs: WalFileSystem, file: string): Promise<Buffer> {
  const h = await fs.open(file, 'read');
  try {
    const size = await h.size();
    const buf = Buffer.allocUnsafe(size);
    let done = 0;
    while (done < size) {
      const n = await h.read(buf, done, size - done, done);
      if (n <= 0) break;
      done += n;
    }
    return buf.subarray(0, done);
  } finally {
    await h.close();
  }
}

/**
 * The newest valid checkpoint whose sequence is at least `minSeq` (the first entry still
 * in the WAL: an older checkpoint would miss the entries of deleted segments), or null
 * when there is none at all. A bad newest file falls back to the previous one.
 */
export async function loadCheckpoint(
  fs: WalFileSystem,
  dataDir: string,
  minSeq: number,
  logger: Logger,
  clean = true,
): Promise<{ checkpoint: Checkpoint | null; path: string | null; rejected: string[] }> {
  const rejected: string[] = [];
  for (const f of await listCheckpoints(fs, dataDir, clean)) {
    let c: Checkpoint;
    try {
      c = decodeCheckpoint(await readWhole(fs, f.path));
      if (c.seq !== f.seq) throw new EntryFormatError(`file name says sequence ${f.seq}, content says ${c.seq}`);
    } catch (err) {
      if (!(err instanceof EntryFormatError)) throw err;
      rejected.push(`${f.path}: ${err.message}`);
      logger.warn(`checkpoint ${f.path} is unusable (${err.message}); trying an older one`);
      continue;
    }
    if (c.seq < minSeq) {
      rejected.push(`${f.path}: covers entries below ${c.seq} but the WAL starts at entry ${minSeq}`);
      continue;
    }
    return { checkpoint: c, path: f.path, rejected };
  }
  return { checkpoint: null, path: null, rejected };
}
