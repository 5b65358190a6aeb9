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
  /** Topic numbers are never reused, also after a delete (old entries name the old number). */
  private nextNum = 0;

  get nextTopicNum(): number {
    return this.nextNum;
  }

  /** Restoring a checkpoint: numbers below `n` belong to topics that existed before. */
  reserveTopicNums(n: number): void {
    if (n > this.nextNum) this.nextNum = n;
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
    if (topicNum >= this.nextNum) this.nextNum = topicNum + 1;
    return topic;
  }

  /** Forgets the topic (its number stays taken). */
  remove(topicNum: number): TopicState {
    const topic = this.byNum[topicNum];
    if (topic === undefined) throw new Error(`no topic with number ${topicNum}`);
    this.byName.delete(topic.name);
    this.byNum[topicNum] = undefined;
    return topic;
  }

  /** Grows the topic to `total` partitions, the new ones empty at offset 0. */
  addPartitions(topic: TopicState, total: number): void {
    if (total < topic.partitions.length) throw new Error(`topic ${topic.name} has ${topic.partitions.length} partitions; cannot shrink to ${total}`);
    for (let p = topic.partitions.length; p < total; p++) topic.partitions.push(new PartitionState(topic.name, p));
  }
}
