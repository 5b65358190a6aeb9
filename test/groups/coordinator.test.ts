/**
 * The group state machine driven through the coordinator with a manual clock: no test
 * sleeps; time moves only through `clock.advance`.
 */

import { beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../protocol/generated/errors.js';
import { GroupCoordinator, MemoryOffsetStore, type JoinInput, type JoinResult, type Protocol } from '../../src/groups/index.js';
import { ManualScheduler } from './manual-scheduler.js';

const SESSION = 10_000;
const REBALANCE = 30_000;

/** Lets promise callbacks run (the coordinator answers synchronously, resolution is a microtask). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A promise whose outcome can be inspected without awaiting it. */
function track<T>(p: Promise<T>): { value: T | undefined; done: boolean } {
  const t: { value: T | undefined; done: boolean } = { value: undefined, done: false };
  void p.then((v) => {
    t.value = v;
    t.done = true;
  });
  return t;
}

const range: Protocol = { name: 'range', metadata: Buffer.from('r') };
const roundrobin: Protocol = { name: 'roundrobin', metadata: Buffer.from('rr') };

let clock: ManualScheduler;
let offsets: MemoryOffsetStore;
let coordinator: GroupCoordinator;
let ids: number;

function setup(initialRebalanceDelayMs = 0): void {
  clock = new ManualScheduler();
  offsets = new MemoryOffsetStore();
  ids = 0;
  coordinator = new GroupCoordinator({
    offsets,
    scheduler: clock,
    settings: { initialRebalanceDelayMs },
    newMemberId: (clientId) => `${clientId}-${++ids}`,
  });
}

function joinInput(clientId: string, memberId = '', overrides: Partial<JoinInput> = {}): JoinInput {
  return {
    groupId: 'g',
    memberId,
    groupInstanceId: null,
    clientId,
    clientHost: '/127.0.0.1',
    sessionTimeoutMs: SESSION,
    rebalanceTimeoutMs: REBALANCE,
    protocolType: 'consumer',
    protocols: [range],
    requireKnownMemberId: false,
    supportsSkipAssignment: false,
    ...overrides,
  };
}

function join(clientId: string, memberId = '', overrides: Partial<JoinInput> = {}) {
  return track(coordinator.join(joinInput(clientId, memberId, overrides)));
}

function sync(memberId: string, generationId: number, assignments: Record<string, string> = {}, extra: { protocolType?: string; protocolName?: string; groupInstanceId?: string } = {}) {
  return track(
    coordinator.sync({
      groupId: 'g',
      memberId,
      groupInstanceId: extra.groupInstanceId ?? null,
      generationId,
      protocolType: extra.protocolType ?? null,
      protocolName: extra.protocolName ?? null,
      assignments: new Map(Object.entries(assignments).map(([k, v]) => [k, Buffer.from(v)])),
    }),
  );
}

/**
 * Joins members to a new group in one generation: with no initial delay the first join
 * would complete alone, so this uses a short delay for the group's first rebalance.
 */
async function joinTogether<T>(joins: () => T): Promise<T> {
  coordinator.settings.initialRebalanceDelayMs = 100;
  const out = joins();
  coordinator.settings.initialRebalanceDelayMs = 0;
  clock.advance(100);
  await settle();
  return out;
}

/** Forms a Stable group of the given clients (first one leads); returns their member ids and generation. */
async function stableGroup(...clients: string[]): Promise<{ members: string[]; generation: number }> {
  const joins = await joinTogether(() => clients.map((c) => join(c)));
  const results = joins.map((j) => j.value as JoinResult);
  expect(results.every((r) => r?.errorCode === ErrorCode.NONE)).toBe(true);
  const members = results.map((r) => r.memberId);
  const generation = results[0]!.generationId;
  const leader = results[0]!.leader;
  const syncs = members.filter((m) => m !== leader).map((m) => sync(m, generation));
  const assignments = Object.fromEntries(members.map((m) => [m, `assign:${m}`]));
  const leaderSync = sync(leader, generation, assignments);
  await settle();
  expect([...syncs, leaderSync].every((s) => s.value?.errorCode === ErrorCode.NONE)).toBe(true);
  expect(coordinator.describe('g').state).toBe('Stable');
  return { members, generation };
}

describe('group coordinator state machine', () => {
  beforeEach(() => setup());

  it('asks a v4+ member without an id to rejoin with one, then forms generation 1', async () => {
    const first = join('c', '', { requireKnownMemberId: true });
    await settle();
    expect(first.value).toMatchObject({ errorCode: ErrorCode.MEMBER_ID_REQUIRED, memberId: 'c-1' });
    expect(coordinator.describe('g').state).toBe('Empty');

    const second = join('c', 'c-1', { requireKnownMemberId: true });
    await settle();
    expect(second.value).toMatchObject({ errorCode: ErrorCode.NONE, generationId: 1, leader: 'c-1', memberId: 'c-1', protocolName: 'range', protocolType: 'consumer' });
    expect(second.value!.members).toEqual([{ memberId: 'c-1', groupInstanceId: null, metadata: range.metadata }]);
    expect(coordinator.describe('g').state).toBe('CompletingRebalance');

    const s = sync('c-1', 1, { 'c-1': 'mine' });
    await settle();
    expect(s.value).toMatchObject({ errorCode: ErrorCode.NONE, assignment: Buffer.from('mine') });
    expect(coordinator.heartbeat('g', 'c-1', null, 1)).toBe(ErrorCode.NONE);
    const described = coordinator.describe('g');
    expect(described).toMatchObject({ state: 'Stable', protocolType: 'consumer', protocolName: 'range' });
    expect(described.members[0]).toMatchObject({ memberId: 'c-1', clientId: 'c', clientHost: '/127.0.0.1', assignment: Buffer.from('mine') });
  });

  it('rebalances when a second member joins: the old member learns it from its heartbeat and rejoins', async () => {
    const { members: [a] } = await stableGroup('a');
    const b = join('b');
    await settle();
    expect(b.done).toBe(false);
    expect(coordinator.heartbeat('g', a!, null, 1)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const rejoin = join('a', a);
    await settle();
    expect(rejoin.value).toMatchObject({ errorCode: ErrorCode.NONE, generationId: 2, leader: a });
    expect(rejoin.value!.members.map((m) => m.memberId).sort()).toEqual([a, 'b-2']);
    expect(b.value).toMatchObject({ errorCode: ErrorCode.NONE, generationId: 2, leader: a, members: [] });

    // The follower's sync waits for the leader's assignment.
    const followerSync = sync('b-2', 2);
    await settle();
    expect(followerSync.done).toBe(false);
    const leaderSync = sync(a!, 2, { [a!]: 'A', 'b-2': 'B' });
    await settle();
    expect(followerSync.value).toMatchObject({ errorCode: ErrorCode.NONE, assignment: Buffer.from('B') });
    expect(leaderSync.value).toMatchObject({ errorCode: ErrorCode.NONE, assignment: Buffer.from('A') });
  });

  it('drops members that do not rejoin within the rebalance timeout', async () => {
    const { members: [a, b] } = await stableGroup('a', 'b');
    const c = join('c');
    const rejoinA = join('a', a);
    await settle();
    expect(c.done || rejoinA.done).toBe(false);
    // b keeps heartbeating (so its session never runs out) but never rejoins.
    for (let t = 3000; t < REBALANCE; t += 3000) {
      clock.advance(3000);
      expect(coordinator.heartbeat('g', b!, null, 1)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    }
    expect(rejoinA.done).toBe(false);
    clock.advance(3000);
    await settle();
    expect(rejoinA.value).toMatchObject({ errorCode: ErrorCode.NONE, generationId: 2 });
    expect(rejoinA.value!.members.map((m) => m.memberId).sort()).toEqual([a, 'c-3']);
    expect(coordinator.heartbeat('g', b!, null, 1)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('expires a member whose session runs out, without any polling', async () => {
    const { members: [a, b] } = await stableGroup('a', 'b');
    clock.advance(SESSION - 1);
    expect(coordinator.heartbeat('g', a!, null, 1)).toBe(ErrorCode.NONE);
    clock.advance(1);
    expect(coordinator.describe('g').state).toBe('PreparingRebalance');
    expect(coordinator.heartbeat('g', b!, null, 1)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(coordinator.heartbeat('g', a!, null, 1)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const rejoin = join('a', a);
    await settle();
    expect(rejoin.value).toMatchObject({ errorCode: ErrorCode.NONE, generationId: 2, members: [{ memberId: a }] });
  });

  it('becomes Empty and is forgotten when the last member expires and no offsets were committed', async () => {
    await stableGroup('a');
    clock.advance(SESSION);
    expect(coordinator.describe('g').state).toBe('Dead');
    expect(coordinator.list()).toEqual([]);
    expect(clock.pending).toBe(0);
  });

  it('chooses the protocol every member supports by votes, and refuses inconsistent members', async () => {
    const [a, b, c] = await joinTogether(() => [
      join('a', '', { protocols: [range, roundrobin] }),
      join('b', '', { protocols: [roundrobin, range] }),
      join('c', '', { protocols: [roundrobin] }),
    ]);
    expect(a.value).toMatchObject({ protocolName: 'roundrobin', errorCode: ErrorCode.NONE });
    expect(a.value!.members.find((m) => m.memberId === 'a-1')!.metadata).toEqual(roundrobin.metadata);
    const wrongType = join('d', '', { protocolType: 'connect', protocols: [roundrobin] });
    const noCommon = join('e', '', { protocols: [{ name: 'sticky', metadata: Buffer.alloc(0) }] });
    const empty = join('f', '', { protocols: [] });
    await settle();
    expect(wrongType.value!.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    expect(noCommon.value!.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    expect(empty.value!.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    expect([b.value!.errorCode, c.value!.errorCode]).toEqual([ErrorCode.NONE, ErrorCode.NONE]);
  });

  it('checks session timeouts and unknown members', async () => {
    const short = join('a', '', { sessionTimeoutMs: 100 });
    const unknown = join('a', 'nobody');
    await settle();
    expect(short.value!.errorCode).toBe(ErrorCode.INVALID_SESSION_TIMEOUT);
    expect(unknown.value!.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('answers SyncGroup errors: unknown member, old generation, protocol mismatch, rebalance in progress', async () => {
    const { members: [a], generation } = await stableGroup('a');
    const checks = [
      sync('nobody', generation),
      sync(a!, generation + 1),
      sync(a!, generation, {}, { protocolType: 'connect' }),
      sync(a!, generation, {}, { protocolType: 'consumer', protocolName: 'roundrobin' }),
      sync(a!, generation, {}, { protocolType: 'consumer', protocolName: 'range' }),
    ];
    await settle();
    expect(checks.map((c) => c.value!.errorCode)).toEqual([
      ErrorCode.UNKNOWN_MEMBER_ID,
      ErrorCode.ILLEGAL_GENERATION,
      ErrorCode.INCONSISTENT_GROUP_PROTOCOL,
      ErrorCode.INCONSISTENT_GROUP_PROTOCOL,
      ErrorCode.NONE,
    ]);
    expect(checks[4]!.value).toMatchObject({ protocolType: 'consumer', protocolName: 'range', assignment: Buffer.from(`assign:${a}`) });
    join('b');
    await settle();
    const during = sync(a!, generation);
    await settle();
    expect(during.value!.errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    expect(coordinator.heartbeat('g', a!, null, generation - 1)).toBe(ErrorCode.ILLEGAL_GENERATION);
  });

  it('answers held syncs with REBALANCE_IN_PROGRESS when a member leaves before the leader syncs', async () => {
    const [ja, jb, jc] = await joinTogether(() => [join('a'), join('b'), join('c')]);
    const leader = ja.value!.leader;
    expect(leader).toBe('a-1');
    const sb = sync('b-2', 1);
    await settle();
    expect(sb.done).toBe(false);
    expect(coordinator.leave('g', [{ memberId: 'c-3', groupInstanceId: null }])).toEqual([{ memberId: 'c-3', groupInstanceId: null, errorCode: ErrorCode.NONE }]);
    await settle();
    expect(sb.value!.errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    expect(jb.done && jc.done).toBe(true);
    expect(coordinator.describe('g').state).toBe('PreparingRebalance');
  });

  it('leaves in batches, by member id or group.instance.id', async () => {
    const [a, b, c] = await joinTogether(() => [join('a', '', { groupInstanceId: 'ia' }), join('b'), join('c')]);
    const [ma, mb] = [a.value!.memberId, b.value!.memberId];
    const results = coordinator.leave('g', [
      { memberId: '', groupInstanceId: 'ia' },
      { memberId: mb, groupInstanceId: null },
      { memberId: 'nobody', groupInstanceId: null },
      { memberId: 'x', groupInstanceId: 'unknown-instance' },
    ]);
    expect(results.map((r) => r.errorCode)).toEqual([ErrorCode.NONE, ErrorCode.NONE, ErrorCode.UNKNOWN_MEMBER_ID, ErrorCode.UNKNOWN_MEMBER_ID]);
    expect(coordinator.describe('g').members.map((m) => m.memberId)).toEqual([c.value!.memberId]);
    expect(coordinator.heartbeat('g', ma, 'ia', 1)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(coordinator.leave('other', [{ memberId: 'm', groupInstanceId: null }])[0]!.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('lets a static member rejoin under a new id without a rebalance, and fences the old id', async () => {
    const a = join('a', '', { groupInstanceId: 'ia', requireKnownMemberId: true });
    await settle();
    // Static members get their id at once, without MEMBER_ID_REQUIRED.
    expect(a.value).toMatchObject({ errorCode: ErrorCode.NONE, generationId: 1, memberId: 'a-1' });
    const b = join('b', '', { requireKnownMemberId: false });
    const rejoinA = join('a', 'a-1', { groupInstanceId: 'ia' });
    await settle();
    expect(b.value!.generationId).toBe(2);
    const leader = rejoinA.value!.leader;
    expect(leader).toBe('a-1');
    const sb = sync(b.value!.memberId, 2);
    sync('a-1', 2, { 'a-1': 'A', [b.value!.memberId]: 'B' }, { groupInstanceId: 'ia' });
    await settle();
    expect(sb.value!.errorCode).toBe(ErrorCode.NONE);

    // The static leader restarts: same instance id, no member id, same protocols.
    const restarted = join('a', '', { groupInstanceId: 'ia', supportsSkipAssignment: true });
    await settle();
    expect(restarted.value).toMatchObject({ errorCode: ErrorCode.NONE, generationId: 2, memberId: 'a-3', leader: 'a-3', skipAssignment: true });
    expect(coordinator.describe('g').state).toBe('Stable');
    expect(coordinator.heartbeat('g', 'a-3', 'ia', 2)).toBe(ErrorCode.NONE);
    expect(coordinator.heartbeat('g', 'a-1', 'ia', 2)).toBe(ErrorCode.FENCED_INSTANCE_ID);
    expect(coordinator.heartbeat('g', b.value!.memberId, null, 2)).toBe(ErrorCode.NONE);
    const stale = sync('a-1', 2, {}, { groupInstanceId: 'ia' });
    const fresh = sync('a-3', 2, {}, { groupInstanceId: 'ia' });
    await settle();
    expect(stale.value!.errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID);
    expect(fresh.value).toMatchObject({ errorCode: ErrorCode.NONE, assignment: Buffer.from('A') });
    expect(coordinator.validateCommit('g', 'a-1', 'ia', 2)).toBe(ErrorCode.FENCED_INSTANCE_ID);

    // Before v9 the answer names the previous leader id and no members, so the member does
    // not run an assignment that a Stable group would ignore.
    const old = join('a', '', { groupInstanceId: 'ia' });
    await settle();
    expect(old.value).toMatchObject({ errorCode: ErrorCode.NONE, generationId: 2, memberId: 'a-4', leader: 'a-3', members: [], skipAssignment: false });

    // New protocols that keep the chosen one ('range', all b supports) change nothing either.
    const more = join('a', '', { groupInstanceId: 'ia', protocols: [range, roundrobin] });
    await settle();
    expect(more.value).toMatchObject({ errorCode: ErrorCode.NONE, generationId: 2, memberId: 'a-5' });
    expect(coordinator.describe('g').state).toBe('Stable');

    // Once the chosen protocol would change, the static rejoin triggers a rebalance.
    coordinator.leave('g', [{ memberId: b.value!.memberId, groupInstanceId: null }]);
    const rr = join('a', 'a-5', { groupInstanceId: 'ia', protocols: [range, roundrobin] });
    await settle();
    expect(rr.value).toMatchObject({ errorCode: ErrorCode.NONE, generationId: 3, protocolName: 'range' });
    sync('a-5', 3, { 'a-5': 'A' }, { groupInstanceId: 'ia' });
    await settle();
    const changed = join('a', '', { groupInstanceId: 'ia', protocols: [roundrobin] });
    await settle();
    expect(changed.value).toMatchObject({ errorCode: ErrorCode.NONE, generationId: 4, memberId: 'a-6', protocolName: 'roundrobin', leader: 'a-6' });
    expect(coordinator.describe('g').state).toBe('CompletingRebalance');
  });

  it('keeps static members that miss a rebalance (their session decides), drops dynamic ones', async () => {
    const [a, s] = await joinTogether(() => [join('a'), join('s', '', { groupInstanceId: 'is' })]);
    const [ma, ms] = [a.value!.memberId, s.value!.memberId];
    sync(ms, 1, {}, { groupInstanceId: 'is' });
    sync(ma, 1, { [ma]: 'A', [ms]: 'S' });
    await settle();
    const d = join('d');
    await settle();
    // a rejoins, s (static) does not; after the rebalance timeout s is still a member.
    const ra = join('a', ma);
    for (let t = 0; t < REBALANCE; t += 5000) {
      expect(coordinator.heartbeat('g', ms, 'is', 1)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
      clock.advance(5000);
    }
    await settle();
    expect(ra.value).toMatchObject({ errorCode: ErrorCode.NONE, generationId: 2 });
    expect(ra.value!.members.map((m) => m.memberId).sort()).toEqual([ma, d.value!.memberId, ms].sort());
    expect(coordinator.heartbeat('g', ms, 'is', 2)).toBe(ErrorCode.NONE);
    expect(coordinator.heartbeat('g', ms, 'other-instance', 2)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('removes members that join a generation but never send SyncGroup, then rebalances', async () => {
    const [a, b] = await joinTogether(() => [join('a'), join('b')]);
    const [ma, mb] = [a.value!.memberId, b.value!.memberId];
    const leaderSync = sync(ma, 1, { [ma]: 'A', [mb]: 'B' });
    await settle();
    expect(leaderSync.value!.errorCode).toBe(ErrorCode.NONE);
    // b heartbeats (so its session stays alive) but never syncs.
    for (let t = 0; t < REBALANCE - 5000; t += 5000) {
      clock.advance(5000);
      expect(coordinator.heartbeat('g', mb, null, 1)).toBe(ErrorCode.NONE);
      expect(coordinator.heartbeat('g', ma, null, 1)).toBe(ErrorCode.NONE);
    }
    clock.advance(5000);
    expect(coordinator.heartbeat('g', mb, null, 1)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(coordinator.heartbeat('g', ma, null, 1)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
  });

  it('waits group.initial.rebalance.delay.ms for more members, extending while they arrive', async () => {
    setup(3000);
    const a = join('a');
    clock.advance(1000);
    const b = join('b');
    clock.advance(1999);
    await settle();
    expect(a.done).toBe(false);
    clock.advance(1); // t = 3000: b arrived during the delay, so wait another 3000
    await settle();
    expect(a.done).toBe(false);
    clock.advance(3000);
    await settle();
    expect(a.value).toMatchObject({ errorCode: ErrorCode.NONE, generationId: 1 });
    expect(a.value!.members).toHaveLength(2);
    expect(b.value).toMatchObject({ errorCode: ErrorCode.NONE, generationId: 1 });
  });

  it('holds the join phase for a member id handed out with MEMBER_ID_REQUIRED until it joins or expires', async () => {
    const { members: [a] } = await stableGroup('a');
    const pending = join('b', '', { requireKnownMemberId: true });
    await settle();
    expect(pending.value!.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    // The leader rejoins, which starts a rebalance; it waits for the pending member.
    const rejoin = join('a', a);
    await settle();
    expect(rejoin.done).toBe(false);
    clock.advance(SESSION);
    await settle();
    expect(rejoin.value).toMatchObject({ errorCode: ErrorCode.NONE, generationId: 2, members: [{ memberId: a }] });
  });

  it('checks offset commits like Kafka: simple commits only without members, generation and member for members', async () => {
    expect(coordinator.validateCommit('g', '', null, -1)).toBe(ErrorCode.NONE);
    expect(coordinator.validateCommit('g', 'm', null, 3)).toBe(ErrorCode.ILLEGAL_GENERATION);
    const [a, b] = await joinTogether(() => [join('a'), join('b')]);
    const [ma, mb] = [a.value!.memberId, b.value!.memberId];
    expect(coordinator.validateCommit('g', ma, null, 1)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    sync(mb, 1);
    sync(ma, 1, { [ma]: 'A', [mb]: 'B' });
    await settle();
    expect(coordinator.validateCommit('g', ma, null, 1)).toBe(ErrorCode.NONE);
    expect(coordinator.validateCommit('g', ma, null, 0)).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(coordinator.validateCommit('g', 'nobody', null, 1)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(coordinator.validateCommit('g', '', null, -1)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    // A commit counts as a heartbeat: b commits, a heartbeats, nobody expires.
    clock.advance(SESSION - 1);
    expect(coordinator.validateCommit('g', mb, null, 1)).toBe(ErrorCode.NONE);
    expect(coordinator.heartbeat('g', ma, null, 1)).toBe(ErrorCode.NONE);
    clock.advance(SESSION - 1);
    expect(coordinator.describe('g').state).toBe('Stable');
    // During PreparingRebalance the current generation may still commit.
    join('c');
    expect(coordinator.validateCommit('g', ma, null, 1)).toBe(ErrorCode.NONE);
  });

  it('deletes only groups without members, with their offsets', async () => {
    await offsets.commitOffsets('solo', [{ topic: 't', partition: 0, offset: 5, leaderEpoch: -1, metadata: '', commitTimestamp: 0 }]);
    const { members } = await stableGroup('a');
    expect(coordinator.delete('g')).toBe(ErrorCode.NON_EMPTY_GROUP);
    expect(coordinator.delete('missing')).toBe(ErrorCode.GROUP_ID_NOT_FOUND);
    expect(coordinator.list().map((g) => [g.groupId, g.state])).toEqual([
      ['g', 'Stable'],
      ['solo', 'Empty'],
    ]);
    expect(await coordinator.delete('solo')).toBe(ErrorCode.NONE);
    expect(offsets.committedOffsets('solo')).toBeUndefined();
    await offsets.commitOffsets('g', [{ topic: 't', partition: 0, offset: 1, leaderEpoch: -1, metadata: '', commitTimestamp: 0 }]);
    coordinator.leave('g', [{ memberId: members[0]!, groupInstanceId: null }]);
    expect(coordinator.describe('g').state).toBe('Empty');
    expect(await coordinator.delete('g')).toBe(ErrorCode.NONE);
    expect(coordinator.describe('g').state).toBe('Dead');
    expect(coordinator.list()).toEqual([]);
  });

  it('answers every held request with NOT_COORDINATOR at shutdown and leaves no timer behind', async () => {
    const { members: [a] } = await stableGroup('a');
    const held = join('b');
    const rejoin = join('a', a);
    join('x', '', { groupId: 'other' });
    await settle();
    expect(held.done).toBe(true); // all known members rejoined: completed at once
    const heldSync = sync(held.value!.memberId, 2);
    await settle();
    coordinator.close();
    await settle();
    expect(rejoin.value!.errorCode).toBe(ErrorCode.NONE);
    expect(heldSync.value!.errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect(clock.pending).toBe(0);
    const after = join('c');
    await settle();
    expect(after.value!.errorCode).toBe(ErrorCode.NOT_COORDINATOR);
  });
});
