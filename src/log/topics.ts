/**
 * Topic state: name, topic id, partitions and configs, keyed by name and by the local
 * topic number that WAL entries use (4 bytes instead of the name in every PRODUCE part).
 */

import { randomBytes } from 'node:crypto';
import { PartitionState } from './partition.js';

export interface TopicState {
  readonly name: string;
  /** 16 bytes, never all zero (Kafka's Uuid.ZERO means "no id"). */
  readonly topicId: Buffer;
  /** Local number used by WAL entries; not visible on the wire. */
  readonly topicNum: number;
  readonly partitions: PartitionState[];
  readonly configs: Map<string, string>;
}

export function newTopicId(): Buffer {
  for (;;) {
    const id = randomBytes(16);
    // Skip the reserved ids: all zero (ZERO_UUID) and 0...01 (the metadata topic id).
    if (!id.subarray(0, 15).every((b) => b === 0) || id[15]! > 1) return id;
  }
}

export class TopicRegistry {
  private readonly byName = new Map<string, TopicState>();
  private readonly byNum: Array<TopicState | undefined> = [];

  get nextTopicNum(): number {
    return this.byNum.length;
  }

  get(name: string): TopicState | undefined {
    return this.byName.get(name);
  }

  byNumber(num: number): TopicState | undefined {
    return this.byNum[num];
  }

  all(): IterableIterator<TopicState> {
    return this.byName.values();
  }

  add(name: string, topicNum: number, topicId: Buffer, partitionCount: number, configs: Map<string, string>): TopicState {
    if (this.byName.has(name)) throw new Error(`topic ${name} already exists`);
    if (this.byNum[topicNum] !== undefined) throw new Error(`topic number ${topicNum} is already used by ${this.byNum[topicNum]!.name}`);
    const partitions: PartitionState[] = [];
    for (let p = 0; p < partitionCount; p++) partitions.push(new PartitionState(name, p));
    const topic: TopicState = { name, topicId, topicNum, partitions, configs };
    this.byName.set(name, topic);
    this.byNum[topicNum] = topic;
    return topic;
  }
}
