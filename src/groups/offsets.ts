/**
 * The committed-offsets port the coordinator needs: a narrow view of the storage that
 * BrokerLog implements (offsets are WAL entries there, restored exactly after a
 * restart). `MemoryOffsetStore` is the same port without a disk, for unit tests.
 */

import type { CommittedOffset } from '../log/index.js';

export type { CommittedOffset };

export interface OffsetStore {
  /** Resolves once the commit is durable; visible to `committedOffsets` at once. */
  commitOffsets(group: string, offsets: CommittedOffset[]): Promise<void>;
  committedOffsets(group: string): ReadonlyMap<string, ReadonlyMap<number, CommittedOffset>> | undefined;
  offsetGroups(): Iterable<string>;
  deleteGroupOffsets(group: string): Promise<void>;
  /** Drops the group's offsets of these partitions (those without one are skipped); resolves once durable. */
  deleteOffsets(group: string, partitions: ReadonlyArray<{ topic: string; partition: number }>): Promise<void>;
}

/** Has the group any committed offset? */
export function hasOffsets(store: OffsetStore, group: string): boolean {
  const topics = store.committedOffsets(group);
  if (topics === undefined) return false;
  for (const partitions of topics.values()) if (partitions.size > 0) return true;
  return false;
}

export class MemoryOffsetStore implements OffsetStore {
  private readonly groups = new Map<string, Map<string, Map<number, CommittedOffset>>>();

  commitOffsets(group: string, offsets: CommittedOffset[]): Promise<void> {
    let topics = this.groups.get(group);
    if (topics === undefined) this.groups.set(group, (topics = new Map()));
    for (const o of offsets) {
      let partitions = topics.get(o.topic);
      if (partitions === undefined) topics.set(o.topic, (partitions = new Map()));
      partitions.set(o.partition, { ...o });
    }
    return Promise.resolve();
  }

  committedOffsets(group: string): ReadonlyMap<string, ReadonlyMap<number, CommittedOffset>> | undefined {
    return this.groups.get(group);
  }

  offsetGroups(): Iterable<string> {
    return this.groups.keys();
  }

  deleteGroupOffsets(group: string): Promise<void> {
    this.groups.delete(group);
    return Promise.resolve();
  }

  deleteOffsets(group: string, partitions: ReadonlyArray<{ topic: string; partition: number }>): Promise<void> {
    const topics = this.groups.get(group);
    if (topics !== undefined) {
      for (const { topic, partition } of partitions) {
        const ps = topics.get(topic);
        if (ps !== undefined && ps.delete(partition) && ps.size === 0) topics.delete(topic);
      }
      if (topics.size === 0) this.groups.delete(group);
    }
    return Promise.resolve();
  }
}

