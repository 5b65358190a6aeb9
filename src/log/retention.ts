/**
 * Retention decisions: which batches each partition lets go of, and which WAL segments
 * nothing retained lives in any more. Pure functions over the in-memory state; BrokerLog
 * applies them (WAL entry, checkpoint, unlink).
 *
 * Per partition, the effective `retention.ms` / `retention.bytes` are the topic's config,
 * else the broker's dynamic override (`log.retention.ms` / `log.retention.bytes`), else the
 * RetentionDefaults given at open. A negative value means unlimited. Starting from the log
 * start offset, whole batches are let go while they are below the high watermark and either
 * expired (max timestamp < now - retention.ms) or the partition's retained bytes exceed
 * retention.bytes (so what stays is the newest batches that fit in retention.bytes).
 */

import type { PartitionState } from './partition.js';
import type { LogState } from './replay.js';
import type { Segment } from './segments.js';
import type { TopicState } from './topics.js';

export interface RetentionDefaults {
  /** log.retention.ms (default 604800000, 7 days; negative = unlimited). */
  retentionMs: number;
  /** log.retention.bytes per partition (default -1, unlimited). */
  retentionBytes: number;
}

export const DEFAULT_RETENTION: Readonly<RetentionDefaults> = Object.freeze({ retentionMs: 604_800_000, retentionBytes: -1 });

export interface RetentionResult {
  /** Partitions whose log start offset moved. */
  partitionsAdvanced: number;
  /** Batches that fell below the log start offset. */
  batchesDropped: number;
  /** WAL segment files deleted. */
  segmentsDeleted: number;
  /** Sequence of the checkpoint written before deleting, or null if none was needed. */
  checkpointSeq: number | null;
}

function numberConfig(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value.trim());
  return Number.isFinite(n) && value.trim() !== '' ? n : undefined;
}

export function effectiveRetention(topic: TopicState, broker: ReadonlyMap<string, string>, defaults: RetentionDefaults): { ms: number; bytes: number } {
  return {
    ms: numberConfig(topic.configs.get('retention.ms')) ?? numberConfig(broker.get('log.retention.ms')) ?? defaults.retentionMs,
    bytes: numberConfig(topic.configs.get('retention.bytes')) ?? numberConfig(broker.get('log.retention.bytes')) ?? defaults.retentionBytes,
  };
}

/** The offset the partition's log may start at now (its current start if nothing expired). */
export function retainedStart(p: PartitionState, ms: number, bytes: number, now: number): { start: number; batches: number } {
  const index = p.index;
  let start = p.logStartOffset;
  let batches = 0;
  let size = index.liveBytes;
  const cutoff = ms >= 0 ? now - ms : Number.NEGATIVE_INFINITY;
  for (let row = index.first; row < index.count; row++) {
    const last = index.lastOffsetAt(row);
    if (last >= p.highWatermark) break;
    const expired = index.maxTimestampAt(row) < cutoff;
    const oversize = bytes >= 0 && size > bytes;
    if (!expired && !oversize) break;
    size -= index.lengthAt(row);
    start = last + 1;
    batches++;
  }
  return { start, batches };
}

export interface StartChange {
  topic: TopicState;
  partition: PartitionState;
  start: number;
  batches: number;
}

/** Every partition whose log start offset retention moves forward at `now`. */
export function planRetention(state: LogState, defaults: RetentionDefaults, now: number): StartChange[] {
  const changes: StartChange[] = [];
  for (const topic of state.registry.all()) {
    const { ms, bytes } = effectiveRetention(topic, state.brokerConfigs, defaults);
    if (ms < 0 && bytes < 0) continue;
    for (const p of topic.partitions) {
      const r = retainedStart(p, ms, bytes, now);
      if (r.start > p.logStartOffset) changes.push({ topic, partition: p, start: r.start, batches: r.batches });
    }
  }
  return changes;
}

/**
 * How many of the oldest segments hold nothing retained: every batch in them is below its
 * partition's log start offset or belongs to a deleted topic. Index rows are in offset order
 * and segments in WAL order, so a segment is free when it is older than the first row of
 * every partition. The active (last) segment is never counted.
 */
export function freeSegmentCount(state: LogState, segments: readonly Segment[]): number {
  let oldestNeeded = Number.POSITIVE_INFINITY;
  for (const topic of state.registry.all()) {
    for (const p of topic.partitions) {
      const index = p.index;
      if (index.count > index.first) oldestNeeded = Math.min(oldestNeeded, index.segmentAt(index.first));
    }
  }
  let n = 0;
  while (n < segments.length - 1 && segments[n]!.firstSeq < oldestNeeded && segments[n + 1]!.firstSeq <= oldestNeeded) n++;
  return n;
}
