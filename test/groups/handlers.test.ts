/**
 * Offset handlers against a controllable offsets store: the OffsetCommit answer waits for
 * the store's durable write, a failed write answers KAFKA_STORAGE_ERROR, and OffsetFetch
 * reads what the store holds.
 */

import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../protocol/generated/errors.js';
import { createOffsetCommitRequest, createOffsetCommitRequestPartition, createOffsetCommitRequestTopic, type OffsetCommitResponse } from '../../protocol/generated/offset-commit.js';
import type { Broker } from '../../src/broker.js';
import { GroupCoordinator, MemoryOffsetStore, type CommittedOffset } from '../../src/groups/index.js';
import { offsetCommitHandler } from '../../src/handlers/offset-commit.js';
import type { RequestContext } from '../../src/handlers/types.js';
import { createLogger } from '../../src/logger.js';
import { ManualScheduler } from './manual-scheduler.js';

/** A store whose writes become durable (or fail) only when the test says so. */
class GatedStore extends MemoryOffsetStore {
  readonly gates: Array<{ resolve: () => void; reject: (err: Error) => void }> = [];

  override commitOffsets(group: string, offsets: CommittedOffset[]): Promise<void> {
    void super.commitOffsets(group, offsets);
    return new Promise((resolve, reject) => this.gates.push({ resolve, reject }));
  }
}

function context(store: GatedStore): RequestContext {
  const broker = {
    groups: new GroupCoordinator({ offsets: store, scheduler: new ManualScheduler() }),
    log: { partition: (topic: string, partition: number) => (topic === 'orders' && partition < 2 ? {} : undefined) },
    logger: createLogger('silent'),
  } as unknown as Broker;
  return { broker, apiVersion: 8, correlationId: 1, clientId: 'test', connection: { id: 1, remote: '127.0.0.1:5555', close: () => undefined } };
}

function commitRequest(offset: number) {
  const request = createOffsetCommitRequest();
  request.groupId = 'g';
  request.generationIdOrMemberEpoch = -1;
  const topic = createOffsetCommitRequestTopic();
  topic.name = 'orders';
  topic.partitions = [0, 7].map((p) => ({ ...createOffsetCommitRequestPartition(), partitionIndex: p, committedOffset: BigInt(offset) }));
  request.topics = [topic];
  return request;
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('OffsetCommit handler', () => {
  it('answers only once the commit is durable, while the offsets are visible at once', async () => {
    const store = new GatedStore();
    let answer: OffsetCommitResponse | null = null;
    void (offsetCommitHandler.handle(commitRequest(12), context(store)) as Promise<OffsetCommitResponse>).then((r) => (answer = r));
    await settle();
    expect(answer).toBeNull();
    expect(store.committedOffsets('g')?.get('orders')?.get(0)?.offset).toBe(12);
    expect(store.committedOffsets('g')?.get('orders')?.has(7)).toBe(false);
    store.gates[0]!.resolve();
    await settle();
    expect(answer!.topics[0]!.partitions.map((p) => [p.partitionIndex, p.errorCode])).toEqual([
      [0, ErrorCode.NONE],
      [7, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ]);
  });

  it('answers KAFKA_STORAGE_ERROR for the partitions it tried to store when the write fails', async () => {
    const store = new GatedStore();
    const pending = offsetCommitHandler.handle(commitRequest(3), context(store)) as Promise<OffsetCommitResponse>;
    await settle();
    store.gates[0]!.reject(new Error('disk full'));
    const answer = await pending;
    expect(answer.topics[0]!.partitions.map((p) => [p.partitionIndex, p.errorCode])).toEqual([
      [0, ErrorCode.KAFKA_STORAGE_ERROR],
      [7, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ]);
  });
});
