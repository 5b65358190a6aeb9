/**
 * Producer state in a checkpoint (the checkpoint's producer slot), so that it outlives
 * the WAL segments holding the batches it was built from. Big-endian:
 *
 *   [version u8 = 1][reservedEnd i64]
 *   [blockCount u32] x ([blockEnd i64][reservedAt i64])   id blocks reserved within the expiration time
 *   [fenceCount u32] x ([producerId i64][epoch u16][timestamp i64])
 *   [partitionCount u32] x ([topicNum u32][partition u32][producerCount u32]
 *       x ([producerId i64][epoch u16][lastTimestamp i64][batchCount u8]
 *           x ([firstSeq i32][lastSeq i32][firstOffset i64][lastOffset i64])))
 *
 * An empty slot (checkpoints written before idempotent producers) means no state. On
 * restore the rest of the reserved id block is skipped: ids are never handed out twice.
 */

import { ByteReader, ByteWriter } from '../log/codec.js';
import { EntryFormatError } from '../log/framing.js';
import type { BatchMeta, PartitionKey, ProducerEntry, ProducerStates } from './state.js';

const VERSION = 1;

export interface SnapshotPartition {
  topicNum: number;
  partition: number;
  key: PartitionKey;
}

export function encodeProducerSnapshot(states: ProducerStates, partitions: Iterable<SnapshotPartition>): Buffer {
  const w = new ByteWriter(0, 256);
  w.u8(VERSION).i64(states.reservedEnd).u32(states.blocks.length);
  for (const b of states.blocks) w.i64(b.end).i64(b.reservedAt);
  w.u32(states.fences.size);
  for (const [id, f] of states.fences) w.i64(id).u16(f.epoch).i64(f.timestamp);
  const withState: Array<[SnapshotPartition, Map<number, ProducerEntry>]> = [];
  for (const p of partitions) {
    const producers = states.of(p.key);
    if (producers !== undefined && producers.size > 0) withState.push([p, producers]);
  }
  w.u32(withState.length);
  for (const [p, producers] of withState) {
    w.u32(p.topicNum).u32(p.partition).u32(producers.size);
    for (const [id, e] of producers) {
      w.i64(id).u16(e.epoch).i64(e.lastTimestamp).u8(e.batches.length);
      for (const m of e.batches) w.i32(m.firstSeq).i32(m.lastSeq).i64(m.firstOffset).i64(m.lastOffset);
    }
  }
  return Buffer.from(w.result());
}

/** Loads a slot into empty state; `lookup` finds the partition (undefined: topic gone). */
export function restoreProducerSnapshot(states: ProducerStates, bytes: Buffer, lookup: (topicNum: number, partition: number) => PartitionKey | undefined): void {
  if (bytes.length === 0) return;
  const r = new ByteReader(bytes);
  const version = r.u8();
  if (version !== VERSION) throw new EntryFormatError(`producer state version ${version} is not supported`);
  const reservedEnd = r.i64();
  for (let n = r.u32(); n > 0; n--) {
    const end = r.i64();
    states.reserved(end, r.i64(), false);
  }
  if (reservedEnd > states.reservedEnd) states.reservedEnd = states.nextId = reservedEnd;
  for (let n = r.u32(); n > 0; n--) {
    const id = r.i64();
    const epoch = r.u16();
    states.fence(id, epoch, r.i64());
  }
  for (let n = r.u32(); n > 0; n--) {
    const topicNum = r.u32();
    const partition = r.u32();
    const key = lookup(topicNum, partition);
    for (let k = r.u32(); k > 0; k--) {
      const id = r.i64();
      const epoch = r.u16();
      const lastTimestamp = r.i64();
      const batches: BatchMeta[] = [];
      for (let b = r.u8(); b > 0; b--) batches.push({ firstSeq: r.i32(), lastSeq: r.i32(), firstOffset: r.i64(), lastOffset: r.i64() });
      if (key !== undefined && batches.length > 0) states.restore(key, id, { epoch, batches, lastTimestamp });
    }
  }
  r.end();
}
