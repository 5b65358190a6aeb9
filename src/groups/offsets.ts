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
}

