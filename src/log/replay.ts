/**
 * The broker's logical state and how WAL entries change it. BrokerLog applies a change
 * live (synchronously, then queues its entry); recovery applies the same entries in WAL
 * order through the same functions, so replay rebuilds exactly the state that was acknowledged.
 */

import { forEachBatch } from '../../protocol/record-batch.js';
import { EntryType, type ProduceEntry, type WalEntry } from './framing.js';
import { OffsetStore } from './offsets.js';
import { produceRecordsPosition, type EntryLocation } from './recovery.js';
import type { StateEntry } from './state-entries.js';
import type { TopicRegistry, TopicState } from './topics.js';
import type { ProducerStates } from '../producers/state.js';

export interface LogState {
  readonly registry: TopicRegistry;
  readonly offsets: OffsetStore;
  /** Dynamic broker-level config overrides (setBrokerConfigs). */
  readonly brokerConfigs: Map<string, string>;
  /** Idempotent producers: ids, epochs, and per partition the last batches' sequences. */
  readonly producers: ProducerStates;
}

export function applyConfigChange(target: Map<string, string>, set: ReadonlyMap<string, string>, remove: readonly string[]): void {
  for (const k of remove) target.delete(k);
  for (const [k, v] of set) target.set(k, v);
}

/** Forgets a topic and drops its committed offsets in every group. */
export function deleteTopicState(state: LogState, topic: TopicState): void {
  state.registry.remove(topic.topicNum);
  state.offsets.dropTopic(topic.name);
}

function topicByNum(state: LogState, num: number): TopicState {
  const topic = state.registry.byNumber(num);
  if (topic === undefined) throw new Error(`entry for unknown topic number ${num}`);
  return topic;
}

export function applyStateEntry(state: LogState, entry: StateEntry): void {
  switch (entry.type) {
    case EntryType.OFFSETS_COMMITTED:
      state.offsets.commit(entry.group, entry.offsets);
      return;
    case EntryType.GROUP_OFFSETS_DELETED:
      state.offsets.deleteGroup(entry.group);
      return;
    case EntryType.OFFSETS_DELETED:
      state.offsets.deletePartitions(entry.group, entry.partitions);
      return;
    case EntryType.TOPIC_DELETED:
      deleteTopicState(state, topicByNum(state, entry.topicNum));
      return;
    case EntryType.PARTITIONS_CREATED:
      state.registry.addPartitions(topicByNum(state, entry.topicNum), entry.totalCount);
      return;
    case EntryType.TOPIC_CONFIGS_ALTERED:
      applyConfigChange(topicByNum(state, entry.topicNum).configs, entry.set, entry.remove);
      return;
    case EntryType.BROKER_CONFIGS_ALTERED:
      applyConfigChange(state.brokerConfigs, entry.set, entry.remove);
      return;
    case EntryType.LOG_START_ADVANCED:
      for (const s of entry.starts) {
        const p = topicByNum(state, s.topicNum).partitions[s.partition];
        if (p === undefined) throw new Error(`LOG_START_ADVANCED for unknown partition ${s.topicNum}-${s.partition}`);
        if (s.logStartOffset > p.logEndOffset) throw new Error(`log start ${s.logStartOffset} above log end ${p.logEndOffset} of ${p.topic}-${p.partition}`);
        p.advanceLogStart(s.logStartOffset);
      }
      return;
    case EntryType.PRODUCER_IDS_RESERVED:
      state.producers.reserved(entry.blockEnd, entry.timestamp, false);
      return;
    case EntryType.PRODUCER_EPOCH_BUMPED:
      state.producers.fence(entry.producerId, entry.epoch, entry.timestamp);
      return;
  }
}

/**
 * Rebuilds state from WAL entries; throws on anything inconsistent. Entries with a
 * sequence below `checkpointSeq` are already reflected in the loaded checkpoint (producer
 * state included, in its producer slot): they only contribute index rows (for partitions that still exist, at or above their log start).
 */
export function recoveryVisitor(state: LogState, checkpointSeq: number): (entry: WalEntry, at: EntryLocation) => void {
  return (entry, at) => {
    if (at.seq < checkpointSeq) {
      if (entry.type === EntryType.PRODUCE) indexOldProduce(state, entry, at);
      return;
    }
    if (entry.type === EntryType.TOPIC_CREATED) {
      state.registry.add(entry.name, entry.topicNum, entry.topicId, entry.partitionCount, entry.configs);
      return;
    }
    if (entry.type !== EntryType.PRODUCE) {
      applyStateEntry(state, entry);
      return;
    }
    const n = entry.parts.length;
    let before = 0;
    for (const part of entry.parts) {
      const topic = state.registry.byNumber(part.topicNum);
      if (topic === undefined) throw new Error(`PRODUCE entry for unknown topic number ${part.topicNum}`);
      const p = topic.partitions[part.partition];
      if (p === undefined) throw new Error(`PRODUCE entry for unknown partition ${topic.name}-${part.partition}`);
      if (part.baseOffset !== p.logEndOffset) {
        throw new Error(`offsets of ${topic.name}-${part.partition} do not follow on: expected ${p.logEndOffset}, entry has ${part.baseOffset}`);
      }
      const recordsPos = produceRecordsPosition(at.position, n, before);
      let off = part.baseOffset;
      const whole = forEachBatch(part.records, (b) => {
        if (b.baseOffset !== off) throw new Error(`batch at offset ${b.baseOffset} in ${topic.name}-${part.partition} where ${off} was expected`);
        const last = off + b.lastOffsetDelta;
        p.index.push(off, last, b.maxTimestamp, at.segment.firstSeq, recordsPos + b.position, b.size, undefined);
        // Idempotent producer state comes back from the batch headers (per batch).
        if (b.producerId >= 0) state.producers.record(p, b.producerId, b.producerEpoch, b.baseSequence, b.lastOffsetDelta, off, b.maxTimestamp);
        off = last + 1;
      });
      if (!whole) throw new Error(`record set of ${topic.name}-${part.partition} ends inside a batch`);
      if (off - part.baseOffset !== part.recordCount) {
        throw new Error(`${topic.name}-${part.partition}: entry says ${part.recordCount} records, batches hold ${off - part.baseOffset}`);
      }
      p.logEndOffset = off;
      before += part.records.length;
    }
  };
}

/** A PRODUCE entry older than the checkpoint: index rows only, for data still retained. */
function indexOldProduce(state: LogState, entry: ProduceEntry, at: EntryLocation): void {
  const n = entry.parts.length;
  let before = 0;
  for (const part of entry.parts) {
    const recordsPos = produceRecordsPosition(at.position, n, before);
    before += part.records.length;
    const topic = state.registry.byNumber(part.topicNum);
    if (topic === undefined) {
      // A topic deleted before the checkpoint; its number is never reused.
      if (part.topicNum < state.registry.nextTopicNum) continue;
      throw new Error(`PRODUCE entry for topic number ${part.topicNum}, never created`);
    }
    const p = topic.partitions[part.partition];
    if (p === undefined) throw new Error(`PRODUCE entry for unknown partition ${topic.name}-${part.partition}`);
    if (part.baseOffset + part.recordCount > p.logEndOffset) {
      throw new Error(`${topic.name}-${part.partition}: entry older than the checkpoint holds offsets up to ${part.baseOffset + part.recordCount}, past the checkpointed log end ${p.logEndOffset}`);
    }
    if (part.baseOffset + part.recordCount <= p.logStartOffset) continue;
    forEachBatch(part.records, (b) => {
      const last = b.baseOffset + b.lastOffsetDelta;
      if (last < p.logStartOffset) return;
      const expected = p.index.count > p.index.first ? p.index.lastOffsetAt(p.index.count - 1) + 1 : -1;
      if (expected !== -1 && b.baseOffset !== expected) throw new Error(`batch at offset ${b.baseOffset} in ${topic.name}-${part.partition} where ${expected} was expected`);
      p.index.push(b.baseOffset, last, b.maxTimestamp, at.segment.firstSeq, recordsPos + b.position, b.size, undefined);
    });
  }
}
