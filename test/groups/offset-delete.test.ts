/**
 * OffsetDelete in the coordinator (Kafka's handleDeleteOffsets semantics) with a manual
 * clock, and the consumer protocol's subscription parsing it relies on.
 */

import { beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../protocol/generated/errors.js';
import { readSubscribedTopics } from '../../src/groups/consumer-protocol.js';
import { GroupCoordinator, MemoryOffsetStore, type CommittedOffset, type JoinInput, type JoinResult, type OffsetDeleteOutcome } from '../../src/groups/index.js';
import { ManualScheduler } from './manual-scheduler.js';

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** ConsumerProtocolSubscription bytes: version, topics, user data, then whatever later versions add. */
function subscription(topics: string[], version = 0, userData: Buffer | null = Buffer.from('u'), tail: Buffer = Buffer.alloc(0)): Buffer {
  const parts: Buffer[] = [Buffer.alloc(2), Buffer.alloc(4)];
  parts[0]!.writeInt16BE(version);
  parts[1]!.writeInt32BE(topics.length);
  for (const t of topics) {
    const len = Buffer.alloc(2);
    len.writeInt16BE(Buffer.byteLength(t));
    parts.push(len, Buffer.from(t));
  }
  const udLen = Buffer.alloc(4);
  udLen.writeInt32BE(userData === null ? -1 : userData.length);
  parts.push(udLen);
  if (userData !== null) parts.push(userData);
  parts.push(tail);
  return Buffer.concat(parts);
}

class FailingStore extends MemoryOffsetStore {
  fail = false;
  override deleteOffsets(group: string, partitions: ReadonlyArray<{ topic: string; partition: number }>): Promise<void> {
    const done = super.deleteOffsets(group, partitions);
    return this.fail ? Promise.reject(new Error('disk on fire')) : done;
  }
}

let clock: ManualScheduler;
let offsets: FailingStore;
let coordinator: GroupCoordinator;
let ids: number;

function setup(): void {
  clock = new ManualScheduler();
  offsets = new FailingStore();
  ids = 0;
  coordinator = new GroupCoordinator({ offsets, scheduler: clock, settings: { initialRebalanceDelayMs: 0 }, newMemberId: (c) => `${c}-${++ids}` });
}

function joinInput(clientId: string, metadata: Buffer, overrides: Partial<JoinInput> = {}): JoinInput {
  return {
    groupId: 'g',
    memberId: '',
    groupInstanceId: null,
    clientId,
    clientHost: '/127.0.0.1',
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 30_000,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata }],
    requireKnownMemberId: false,
    supportsSkipAssignment: false,
    ...overrides,
  };
}

/** Members joined into one generation (CompletingRebalance); returns their join results. */
async function formGroup(members: Array<[string, Buffer]>, overrides: Partial<JoinInput> = {}): Promise<JoinResult[]> {
  coordinator.settings.initialRebalanceDelayMs = 100;
  const joins = members.map(([c, m]) => coordinator.join(joinInput(c, m, overrides)));
  coordinator.settings.initialRebalanceDelayMs = 0;
  clock.advance(100);
  await settle();
  return Promise.all(joins);
}

function commit(group: string, ...rows: Array<[string, number, number]>): Promise<void> {
  const list: CommittedOffset[] = rows.map(([topic, partition, offset]) => ({ topic, partition, offset, leaderEpoch: -1, metadata: '', commitTimestamp: 0 }));
  return offsets.commitOffsets(group, list);
}

function stored(group: string): string[] | undefined {
  const g = offsets.committedOffsets(group);
  return g === undefined ? undefined : [...g].flatMap(([t, ps]) => [...ps.keys()].map((p) => `${t}/${p}`)).sort();
}

const tp = (topic: string, partition: number) => ({ topic, partition });

async function deleteOffsets(group: string, ...partitions: Array<{ topic: string; partition: number }>): Promise<OffsetDeleteOutcome> {
  return coordinator.deleteOffsets(group, partitions);
}

describe('consumer protocol subscription', () => {
  it('reads the topics of every version (the version 0 prefix), null when the prefix is not there', () => {
    expect(readSubscribedTopics(subscription(['a', 'bé']))).toEqual(['a', 'bé']);
    expect(readSubscribedTopics(subscription([], 0, null))).toEqual([]);
    // v1+: owned partitions and more follow; they are ignored.
    expect(readSubscribedTopics(subscription(['x'], 3, Buffer.alloc(0), Buffer.from([0, 0, 0, 1, 0, 1, 0x78, 0, 0, 0, 0])))).toEqual(['x']);
    const good = subscription(['a', 'b']);
    for (let cut = 0; cut < good.length; cut++) expect(readSubscribedTopics(good.subarray(0, cut)), `cut at ${cut}`).toBeNull();
    const negative = Buffer.from(good);
    negative.writeInt32BE(-1, 2);
    expect(readSubscribedTopics(negative)).toBeNull();
    expect(readSubscribedTopics(Buffer.from('meta'))).toBeNull();
  });
});

describe('OffsetDelete in the coordinator', () => {
  beforeEach(() => setup());

  it('group-level errors: INVALID_GROUP_ID, GROUP_ID_NOT_FOUND, NOT_COORDINATOR after shutdown', async () => {
    await commit('', ['a', 0, 1]);
    expect(await deleteOffsets('', tp('a', 0))).toEqual({ errorCode: ErrorCode.INVALID_GROUP_ID, errors: [] });
    expect(await deleteOffsets('missing', tp('a', 0))).toEqual({ errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errors: [] });
    expect(await deleteOffsets('missing')).toEqual({ errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errors: [] });
    await commit('stored', ['a', 0, 1]);
    coordinator.close();
    expect(await deleteOffsets('stored', tp('a', 0))).toEqual({ errorCode: ErrorCode.NOT_COORDINATOR, errors: [] });
    expect(stored('stored')).toEqual(['a/0']);
  });

  it('a group known by its offsets: every partition goes (none committed is NONE too); the last one takes the group with it', async () => {
    await commit('solo', ['a', 0, 1], ['a', 1, 2], ['b', 0, 3]);
    expect(await deleteOffsets('solo', tp('a', 0), tp('a', 5), tp('c', 0))).toEqual({ errorCode: 0, errors: [0, 0, 0] });
    expect(stored('solo')).toEqual(['a/1', 'b/0']);
    expect(coordinator.describe('solo').state).toBe('Empty');
    expect(await deleteOffsets('solo', tp('a', 1), tp('b', 0))).toEqual({ errorCode: 0, errors: [0, 0] });
    expect(stored('solo')).toBeUndefined();
    expect(coordinator.describe('solo').state).toBe('Dead');
    expect(await deleteOffsets('solo', tp('a', 1))).toEqual({ errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errors: [] });
  });

  it('a consumer group with members keeps the offsets of subscribed topics (GROUP_SUBSCRIBED_TO_TOPIC), across all members', async () => {
    await commit('g', ['a', 0, 1], ['b', 0, 2], ['c', 0, 3], ['d', 0, 4]);
    const joins = await formGroup([
      ['m1', subscription(['a'])],
      ['m2', subscription(['b', 'a'], 1, null, Buffer.from([0, 0, 0, 0]))],
    ]);
    expect(joins.map((j) => j.errorCode)).toEqual([0, 0]);
    expect(coordinator.describe('g').state).toBe('CompletingRebalance');
    const out = await deleteOffsets('g', tp('a', 0), tp('b', 0), tp('c', 0), tp('d', 9));
    expect(out).toEqual({ errorCode: 0, errors: [ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC, ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC, 0, 0] });
    expect(stored('g')).toEqual(['a/0', 'b/0', 'd/0']);
    // Only subscribed topics asked for: nothing written, answered at once.
    expect(coordinator.deleteOffsets('g', [tp('a', 0)])).toEqual({ errorCode: 0, errors: [ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC] });
  });

  it('every topic counts as subscribed while that is not known: no protocol chosen yet, or metadata that does not parse', async () => {
    await commit('g', ['a', 0, 1]);
    coordinator.settings.initialRebalanceDelayMs = 1000;
    const pending = coordinator.join(joinInput('m1', subscription(['x'])));
    coordinator.settings.initialRebalanceDelayMs = 0;
    await settle();
    expect(coordinator.describe('g').state).toBe('PreparingRebalance');
    expect(await deleteOffsets('g', tp('a', 0))).toEqual({ errorCode: 0, errors: [ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC] });
    clock.advance(1000);
    expect((await pending).errorCode).toBe(0);
    // The generation formed: its member subscribes to x only.
    expect(await deleteOffsets('g', tp('a', 0))).toEqual({ errorCode: 0, errors: [0] });

    setup();
    await commit('g', ['a', 0, 1]);
    await formGroup([['m1', Buffer.from('not a subscription')]]);
    expect(await deleteOffsets('g', tp('a', 0))).toEqual({ errorCode: 0, errors: [ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC] });
    expect(stored('g')).toEqual(['a/0']);
  });

  it('a group of another protocol type with members is NON_EMPTY_GROUP; once Empty its offsets may go, and the group with them', async () => {
    await commit('g', ['a', 0, 1], ['b', 0, 1]);
    const [joined] = await formGroup([['m1', Buffer.from('whatever')]], { protocolType: 'connect' });
    expect(await deleteOffsets('g', tp('a', 0))).toEqual({ errorCode: ErrorCode.NON_EMPTY_GROUP, errors: [] });
    expect(stored('g')).toEqual(['a/0', 'b/0']);
    coordinator.leave('g', [{ memberId: joined!.memberId, groupInstanceId: null }]);
    expect(coordinator.describe('g').state).toBe('Empty');
    expect(await deleteOffsets('g', tp('a', 0))).toEqual({ errorCode: 0, errors: [0] });
    expect(coordinator.list().map((g) => g.groupId)).toEqual(['g']);
    expect(await deleteOffsets('g', tp('b', 0))).toEqual({ errorCode: 0, errors: [0] });
    expect(coordinator.list()).toEqual([]);
    expect(coordinator.describe('g').state).toBe('Dead');
  });

  it('a failed WAL write answers KAFKA_STORAGE_ERROR for the partitions it held', async () => {
    await commit('g', ['a', 0, 1], ['b', 0, 1]);
    await formGroup([['m1', subscription(['a'])]]);
    offsets.fail = true;
    expect(await deleteOffsets('g', tp('a', 0), tp('b', 0))).toEqual({ errorCode: 0, errors: [ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC, ErrorCode.KAFKA_STORAGE_ERROR] });
  });
});
