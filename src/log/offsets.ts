/**
 * Committed group offsets: group -> topic -> partition -> CommittedOffset. Changed only
 * through these methods, by BrokerLog (live, before queueing the WAL entry) and by
 * recovery (replaying the same entries), so both paths give the same state.
 */

import type { CommittedOffset } from './state-entries.js';

export type GroupOffsets = Map<string, Map<number, CommittedOffset>>;

export class OffsetStore {
  private readonly groups = new Map<string, GroupOffsets>();

  get(group: string): GroupOffsets | undefined {
    return this.groups.get(group);
  }

  groupNames(): IterableIterator<string> {
    return this.groups.keys();
  }

  entries(): IterableIterator<[string, GroupOffsets]> {
    return this.groups.entries();
  }

  commit(group: string, offsets: readonly CommittedOffset[]): void {
    if (offsets.length === 0) return;
    let g = this.groups.get(group);
    if (g === undefined) this.groups.set(group, (g = new Map()));
    for (const o of offsets) {
      let t = g.get(o.topic);
      if (t === undefined) g.set(o.topic, (t = new Map()));
      t.set(o.partition, { ...o });
    }
  }

  deleteGroup(group: string): boolean {
    return this.groups.delete(group);
  }

  /**
   * Drops the group's offsets of these partitions (OffsetDelete); a group left with none
   * disappears, like after dropTopic. Returns the partitions that had an offset.
   */
  deletePartitions(group: string, partitions: ReadonlyArray<{ topic: string; partition: number }>): Array<{ topic: string; partition: number }> {
    const g = this.groups.get(group);
    const removed: Array<{ topic: string; partition: number }> = [];
    if (g === undefined) return removed;
    for (const { topic, partition } of partitions) {
      const t = g.get(topic);
      if (t === undefined || !t.delete(partition)) continue;
      removed.push({ topic, partition });
      if (t.size === 0) g.delete(topic);
    }
    if (g.size === 0) this.groups.delete(group);
    return removed;
  }

  /** Drops the topic's offsets in every group; a group left with none disappears. */
  dropTopic(topic: string): void {
    for (const [name, g] of this.groups) {
      if (g.delete(topic) && g.size === 0) this.groups.delete(name);
    }
  }
}
