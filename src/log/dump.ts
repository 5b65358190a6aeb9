/**
 * `sluice dump-log`: prints the WAL the way kafka-dump-log prints a segment. Read-only.
 *
 * One line per segment, per entry and per batch, as `key=value` tokens (values with spaces
 * are JSON-quoted):
 *
 *   checkpoint file=<path> seq=<S> topics=<n> groups=<n> brokerConfigs=<n>   (when retention deleted segments)
 *   checkpoint-partition topic=<name> partition=<n> logStartOffset=<n> logEndOffset=<n>
 *   segment file=<path> firstSeq=<n> size=<bytes>
 *   entry seq=<n> file=<name> position=<byte> type=TOPIC_CREATED length=<n> topic=<name> topicNum=<n> topicId=<base64url> partitionCount=<n>
 *   config topic=<name> key=<k> value=<v>
 *   entry seq=<n> file=<name> position=<byte> type=PRODUCE length=<n> parts=<n> recordTotal=<n>
 *   batch topic=<name> partition=<n> baseOffset=<n> lastOffset=<n> count=<n> position=<byte> size=<n>
 *         maxTimestamp=<ms> producerId=<n> producerEpoch=<n> baseSequence=<n> compression=<codec> crc=valid|INVALID
 *   entry ... type=OFFSETS_COMMITTED length=<n> group=<g> offsets=<n>
 *   offset group=<g> topic=<t> partition=<n> offset=<n> leaderEpoch=<n> metadata=<json|null> commitTimestamp=<ms>
 *   entry ... type=GROUP_OFFSETS_DELETED length=<n> group=<g>
 *   entry ... type=OFFSETS_DELETED length=<n> group=<g> partitions=<n>
 *   offset-deleted group=<g> topic=<t> partition=<n>
 *   entry ... type=TOPIC_DELETED length=<n> topic=<name> topicNum=<n>
 *   entry ... type=PARTITIONS_CREATED length=<n> topic=<name> topicNum=<n> partitionCount=<n>
 *   entry ... type=TOPIC_CONFIGS_ALTERED length=<n> topic=<name> topicNum=<n> set=<n> removed=<n>
 *   entry ... type=BROKER_CONFIGS_ALTERED length=<n> set=<n> removed=<n>
 *   config topic=<name>|broker=true key=<k> value=<v>          (one per set key)
 *   config-removed topic=<name>|broker=true key=<k>            (one per removed key)
 *   entry ... type=LOG_START_ADVANCED length=<n> partitions=<n>
 *   log-start topic=<name> partition=<n> logStartOffset=<n>
 *   summary segments=<n> entries=<n> batches=<n> bytes=<n> ok=<bool>
 *
 * Entry framing is always checked (nothing past a bad entry can be read). With `verify`,
 * every batch CRC (CRC-32C of bytes 21..end) and per-partition offset continuity are
 * checked too, and the dump stops at the first violation, naming file and byte position.
 * Partitions may start above 0 (retention): their start offsets come from the newest usable
 * checkpoint, and entries of topics deleted before it are printed but not checked.
 */

import { BatchField, compressionName, computeBatchCrc, forEachBatch, type BatchHeader } from '../../protocol/record-batch.js';
import { ENTRY_TYPE_NAMES, EntryType, type WalEntry } from './framing.js';
import { nodeFileSystem, type WalFileSystem } from './fs.js';
import { isCuttable, produceRecordsPosition, scanWal, type EntryLocation } from './recovery.js';
import { silentLogger } from '../logger.js';
import { loadCheckpoint } from './checkpoint.js';
import { listSegmentFiles, walDir } from './segments.js';
import type { StateEntry } from './state-entries.js';

export interface DumpOptions {
  dataDir: string;
  verify: boolean;
  write: (line: string) => void;
  fs?: WalFileSystem;
}

export interface DumpProblem {
  file: string;
  position: number;
  reason: string;
}

export interface DumpResult {
  /** False when the WAL could not be read to its end, or (with verify) a check failed. */
  ok: boolean;
  segments: number;
  entries: number;
  batches: number;
  bytes: number;
  problem: DumpProblem | null;
}

function v(value: string): string {
  return /^[^\s,;{}()[\]"=:]+$/.test(value) ? value : JSON.stringify(value);
}

class Violation extends Error {
  constructor(
    readonly position: number,
    message: string,
  ) {
    super(message);
  }
}

export async function dumpLog(options: DumpOptions): Promise<DumpResult> {
  const fs = options.fs ?? nodeFileSystem;
  const { write, verify } = options;
  const dir = walDir(options.dataDir);
  const result: DumpResult = { ok: true, segments: 0, entries: 0, batches: 0, bytes: 0, problem: null };
  const fail = (problem: DumpProblem): DumpResult => {
    result.ok = false;
    result.problem = problem;
    write(`error file=${v(problem.file)} position=${problem.position} reason=${v(problem.reason)}`);
    write(`summary segments=${result.segments} entries=${result.entries} batches=${result.batches} bytes=${result.bytes} ok=false`);
    return result;
  };

  let files: Array<{ firstSeq: number; path: string }>;
  try {
    files = await listSegmentFiles(fs, dir);
  } catch (err) {
    return fail({ file: dir, position: 0, reason: `cannot list the WAL directory: ${(err as Error).message}` });
  }
  const topicNames = new Map<number, string>();
  const nextOffset = new Map<string, number>();
  // Segments deleted by retention: the checkpoint says where each partition starts.
  const firstSeq = files[0]?.firstSeq ?? 0;
  let checkpointSeq = 0;
  let deletedBelow = 0;
  const startsAt = new Map<string, { start: number; end: number }>();
  try {
    const { checkpoint, path: ckptPath, rejected } = await loadCheckpoint(fs, options.dataDir, firstSeq, silentLogger, false);
    for (const r of rejected) write(`checkpoint-rejected reason=${v(r)}`);
    if (checkpoint !== null) {
      checkpointSeq = checkpoint.seq;
      deletedBelow = checkpoint.nextTopicNum;
      write(`checkpoint file=${v(ckptPath!)} seq=${checkpoint.seq} topics=${checkpoint.topics.length} groups=${checkpoint.groups.length} brokerConfigs=${checkpoint.brokerConfigs.size}`);
      for (const t of checkpoint.topics) {
        topicNames.set(t.topicNum, t.name);
        t.partitions.forEach((p, i) => {
          startsAt.set(`${t.topicNum}:${i}`, { start: p.logStartOffset, end: p.logEndOffset });
          write(`checkpoint-partition topic=${v(t.name)} partition=${i} logStartOffset=${p.logStartOffset} logEndOffset=${p.logEndOffset}`);
        });
      }
    } else if (firstSeq > 0 && verify) {
      return fail({ file: files[0]!.path, position: 0, reason: `the WAL starts at entry ${firstSeq} but no usable checkpoint covers the entries before it` });
    }
  } catch (err) {
    return fail({ file: dir, position: 0, reason: `cannot read the checkpoints: ${(err as Error).message}` });
  }

  const visit = (entry: WalEntry, at: EntryLocation): void => {
    const name = at.segment.path.slice(at.segment.path.lastIndexOf('/') + 1);
    const head = `entry seq=${at.seq} file=${name} position=${at.position} type=${ENTRY_TYPE_NAMES[at.type] ?? at.type} length=${at.size}`;
    result.entries++;
    result.bytes += at.size;
    if (entry.type === EntryType.TOPIC_CREATED) {
      topicNames.set(entry.topicNum, entry.name);
      write(`${head} topic=${v(entry.name)} topicNum=${entry.topicNum} topicId=${entry.topicId.toString('base64url')} partitionCount=${entry.partitionCount}`);
      for (const [key, value] of entry.configs) write(`config topic=${v(entry.name)} key=${v(key)} value=${v(value)}`);
      return;
    }
    if (entry.type !== EntryType.PRODUCE) {
      dumpStateEntry(entry, head, topicNames, write);
      return;
    }
    write(`${head} parts=${entry.parts.length} recordTotal=${entry.parts.reduce((n, p) => n + p.recordCount, 0)}`);
    let before = 0;
    for (const part of entry.parts) {
      const topic = topicNames.get(part.topicNum) ?? `#${part.topicNum}`;
      const recordsPos = produceRecordsPosition(at.position, entry.parts.length, before);
      before += part.records.length;
      const key = `${part.topicNum}:${part.partition}`;
      const deletedTopic = at.seq < checkpointSeq && !topicNames.has(part.topicNum) && part.topicNum < deletedBelow;
      if (verify && !topicNames.has(part.topicNum) && !deletedTopic) throw new Violation(at.position, `PRODUCE entry for unknown topic number ${part.topicNum}`);
      const seen = nextOffset.get(key);
      const known = startsAt.get(key);
      if (verify && !deletedTopic && seen === undefined && known !== undefined) {
        // The first batch still in the WAL: older ones went with deleted segments.
        if (at.seq < checkpointSeq && part.baseOffset > known.start) {
          throw new Violation(at.position, `${topic}-${part.partition} starts at ${known.start} (checkpoint) but its first batch in the WAL is at ${part.baseOffset}`);
        }
        if (at.seq >= checkpointSeq && part.baseOffset !== known.end) {
          throw new Violation(at.position, `offsets of ${topic}-${part.partition} do not follow on: the checkpoint ends at ${known.end}, entry has ${part.baseOffset}`);
        }
      } else if (verify && !deletedTopic && part.baseOffset !== (seen ?? 0)) {
        throw new Violation(at.position, `offsets of ${topic}-${part.partition} do not follow on: expected ${seen ?? 0}, entry has ${part.baseOffset}`);
      }
      let off = part.baseOffset;
      const whole = forEachBatch(part.records, (b: BatchHeader) => {
        const position = recordsPos + b.position;
        const crcOk = computeBatchCrc(part.records, b) === b.crc;
        result.batches++;
        write(
          `batch topic=${v(topic)} partition=${part.partition} baseOffset=${b.baseOffset} lastOffset=${b.baseOffset + b.lastOffsetDelta} ` +
            `count=${b.recordsCount} position=${position} size=${b.size} maxTimestamp=${b.maxTimestamp} producerId=${b.producerId} ` +
            `producerEpoch=${b.producerEpoch} baseSequence=${b.baseSequence} leaderEpoch=${b.partitionLeaderEpoch} ` +
            `compression=${compressionName(b.attributes)} crc=${crcOk ? 'valid' : 'INVALID'}`,
        );
        if (!verify || deletedTopic) return;
        if (!crcOk) throw new Violation(position, `batch CRC mismatch in ${topic}-${part.partition} at offset ${b.baseOffset}`);
        if (b.magic !== 2) throw new Violation(position + BatchField.magic, `batch magic ${b.magic}`);
        if (b.baseOffset !== off) throw new Violation(position, `batch base offset ${b.baseOffset} in ${topic}-${part.partition} where ${off} was expected`);
        off = b.baseOffset + b.lastOffsetDelta + 1;
      });
      if (verify && !deletedTopic && !whole) throw new Violation(recordsPos, `record set of ${topic}-${part.partition} ends inside a batch`);
      if (verify && !deletedTopic && off - part.baseOffset !== part.recordCount) {
        throw new Violation(recordsPos, `${topic}-${part.partition}: entry says ${part.recordCount} records, its batches hold ${off - part.baseOffset}`);
      }
      nextOffset.set(key, part.baseOffset + part.recordCount);
    }
  };

  let lastViolation: Violation | null = null;
  const scan = await scanWal(fs, files, (entry, at) => {
    try {
      visit(entry, at);
    } catch (err) {
      if (err instanceof Violation) lastViolation = err;
      throw err;
    }
  }, undefined, (segment, _index, size) => {
    result.segments++;
    write(`segment file=${v(segment.path)} firstSeq=${segment.firstSeq} size=${size}`);
  });
  if (scan.problem !== null) {
    const p = scan.problem;
    if (p.kind === 'visitor' && lastViolation !== null) {
      const violation: Violation = lastViolation;
      return fail({ file: p.file, position: violation.position, reason: violation.message });
    }
    const note = isCuttable(p) ? ' (torn tail of the last segment: recovery truncates it here)' : '';
    return fail({ file: p.file, position: p.position, reason: p.reason + note });
  }
  write(`summary segments=${result.segments} entries=${result.entries} batches=${result.batches} bytes=${result.bytes} ok=true`);
  return result;
}

function dumpStateEntry(entry: StateEntry, head: string, topicNames: Map<number, string>, write: (line: string) => void): void {
  const name = (num: number): string => v(topicNames.get(num) ?? `#${num}`);
  const configs = (owner: string, set: ReadonlyMap<string, string>, remove: readonly string[]): void => {
    for (const [key, value] of set) write(`config ${owner} key=${v(key)} value=${v(value)}`);
    for (const key of remove) write(`config-removed ${owner} key=${v(key)}`);
  };
  switch (entry.type) {
    case EntryType.OFFSETS_COMMITTED:
      write(`${head} group=${v(entry.group)} offsets=${entry.offsets.length}`);
      for (const o of entry.offsets) {
        write(
          `offset group=${v(entry.group)} topic=${v(o.topic)} partition=${o.partition} offset=${o.offset} leaderEpoch=${o.leaderEpoch} ` +
            `metadata=${o.metadata === null ? 'null' : JSON.stringify(o.metadata)} commitTimestamp=${o.commitTimestamp}`,
        );
      }
      return;
    case EntryType.GROUP_OFFSETS_DELETED:
      write(`${head} group=${v(entry.group)}`);
      return;
    case EntryType.OFFSETS_DELETED:
      write(`${head} group=${v(entry.group)} partitions=${entry.partitions.length}`);
      for (const p of entry.partitions) write(`offset-deleted group=${v(entry.group)} topic=${v(p.topic)} partition=${p.partition}`);
      return;
    case EntryType.TOPIC_DELETED:
      write(`${head} topic=${v(entry.name)} topicNum=${entry.topicNum}`);
      return;
    case EntryType.PARTITIONS_CREATED:
      write(`${head} topic=${name(entry.topicNum)} topicNum=${entry.topicNum} partitionCount=${entry.totalCount}`);
      return;
    case EntryType.TOPIC_CONFIGS_ALTERED:
      write(`${head} topic=${name(entry.topicNum)} topicNum=${entry.topicNum} set=${entry.set.size} removed=${entry.remove.length}`);
      configs(`topic=${name(entry.topicNum)}`, entry.set, entry.remove);
      return;
    case EntryType.BROKER_CONFIGS_ALTERED:
      write(`${head} set=${entry.set.size} removed=${entry.remove.length}`);
      configs('broker=true', entry.set, entry.remove);
      return;
    case EntryType.LOG_START_ADVANCED:
      write(`${head} partitions=${entry.starts.length}`);
      for (const s of entry.starts) write(`log-start topic=${name(s.topicNum)} partition=${s.partition} logStartOffset=${s.logStartOffset}`);
      return;
    case EntryType.PRODUCER_IDS_RESERVED:
      write(`${head} blockEnd=${entry.blockEnd} timestamp=${entry.timestamp}`);
      return;
    case EntryType.PRODUCER_EPOCH_BUMPED:
      write(`${head} producerId=${entry.producerId} epoch=${entry.epoch} timestamp=${entry.timestamp}`);
      return;
  }
}
