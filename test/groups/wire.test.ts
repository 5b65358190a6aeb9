/**
 * Consumer groups over the wire against an in-process broker: the join / sync /
 * heartbeat / leave flow of several members, MEMBER_ID_REQUIRED, session expiry, static
 * membership, and the admin calls (FindCoordinator, DescribeGroups, ListGroups).
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../protocol/generated/errors.js';
import { startBroker, type EmbeddedBroker } from '../../src/index.js';
import { WireClient } from '../support/wire-client.js';
import { describeGroups, findCoordinator, heartbeat, joinGroup, leaveGroup, listGroups, syncGroup } from './group-requests.js';

let broker: EmbeddedBroker;
const clients: WireClient[] = [];

async function client(): Promise<WireClient> {
  const c = await WireClient.open(broker.port);
  clients.push(c);
  return c;
}

/** Polls until `check` holds (for real timers: session expiry), failing after `ms`. */
async function eventually(check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

beforeAll(async () => {
  broker = await startBroker({ logger: 'silent' });
  broker.broker.groups.settings.minSessionTimeoutMs = 100;
});

afterAll(async () => {
  for (const c of clients) c.close();
  await broker.close();
});

describe('consumer groups over the wire', () => {
  it('FindCoordinator names this broker for groups and transactions, one key or a batch', async () => {
    const c = await client();
    for (const version of [0, 1, 2, 3]) {
      const r = await findCoordinator(c, version, ['g']);
      expect(r).toMatchObject({ errorCode: 0, nodeId: broker.broker.nodeId, host: broker.host, port: broker.port });
    }
    const batch = await findCoordinator(c, 4, ['a', 'b'], 1);
    expect(batch.coordinators.map((k) => [k.key, k.errorCode, k.nodeId, k.port])).toEqual([
      ['a', 0, broker.broker.nodeId, broker.port],
      ['b', 0, broker.broker.nodeId, broker.port],
    ]);
    expect((await findCoordinator(c, 3, ['x'], 7)).errorCode).toBe(ErrorCode.INVALID_REQUEST);
  });

  it('runs join, sync, heartbeat and leave for three members across two generations', async () => {
    const [a, b, c] = [await client(), await client(), await client()];
    broker.broker.groups.settings.initialRebalanceDelayMs = 1500;
    // v4+: the first join of each member only hands out a member id.
    const ids = await Promise.all([a, b, c].map(async (cl) => {
      const first = await joinGroup(cl, 'flow', { version: 5 });
      expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
      expect(first.memberId).not.toBe('');
      return first.memberId;
    }));
    const joins = await Promise.all([a, b, c].map((cl, i) => joinGroup(cl, 'flow', { version: 5, memberId: ids[i] })));
    broker.broker.groups.settings.initialRebalanceDelayMs = 0;
    const generation = joins[0]!.generationId;
    expect(joins.every((j) => j.errorCode === 0 && j.generationId === generation && j.protocolName === 'range')).toBe(true);
    const leaderId = joins[0]!.leader;
    expect(ids).toContain(leaderId);
    const leaderIndex = ids.indexOf(leaderId);
    expect(joins[leaderIndex]!.members.map((m) => m.memberId).sort()).toEqual([...ids].sort());
    expect(joins.filter((j) => j.members.length > 0)).toHaveLength(1);

    // Followers sync first and wait; the leader's sync releases everyone.
    const clientsById = new Map(ids.map((id, i) => [id, [a, b, c][i]!]));
    const followerSyncs = ids.filter((id) => id !== leaderId).map((id) => syncGroup(clientsById.get(id)!, 'flow', id, generation));
    const leaderSync = await syncGroup(clientsById.get(leaderId)!, 'flow', leaderId, generation, Object.fromEntries(ids.map((id) => [id, `for ${id}`])));
    expect(leaderSync).toMatchObject({ errorCode: 0, assignment: Buffer.from(`for ${leaderId}`) });
    for (const [i, s] of (await Promise.all(followerSyncs)).entries()) {
      const id = ids.filter((x) => x !== leaderId)[i]!;
      expect(s).toMatchObject({ errorCode: 0, assignment: Buffer.from(`for ${id}`) });
    }
    for (const id of ids) expect(await heartbeat(clientsById.get(id)!, 'flow', id, generation)).toBe(0);

    const described = (await describeGroups(a, ['flow'])).groups[0]!;
    expect(described).toMatchObject({ errorCode: 0, groupState: 'Stable', protocolType: 'consumer', protocolData: 'range' });
    expect(described.members.map((m) => m.memberId).sort()).toEqual([...ids].sort());
    expect(described.members[0]!.clientHost).toBe('/127.0.0.1');
    expect(described.members[0]!.clientId).toBe('sluice-test');

    // One member leaves (batched LeaveGroup v3): the others are told to rejoin.
    const leaving = ids.find((id) => id !== leaderId)!;
    const left = await leaveGroup(clientsById.get(leaving)!, 'flow', [[leaving, null], ['ghost', null]]);
    expect(left.errorCode).toBe(0);
    expect(left.members.map((m) => [m.memberId, m.errorCode])).toEqual([
      [leaving, 0],
      ['ghost', ErrorCode.UNKNOWN_MEMBER_ID],
    ]);
    const staying = ids.filter((id) => id !== leaving);
    for (const id of staying) expect(await heartbeat(clientsById.get(id)!, 'flow', id, generation)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const rejoins = await Promise.all(staying.map((id) => joinGroup(clientsById.get(id)!, 'flow', { version: 5, memberId: id })));
    expect(rejoins.map((r) => [r.errorCode, r.generationId])).toEqual(staying.map(() => [0, generation + 1]));
    expect(rejoins.find((r) => r.memberId === r.leader)!.members).toHaveLength(2);
    expect(await heartbeat(clientsById.get(leaving)!, 'flow', leaving, generation + 1)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(await heartbeat(clientsById.get(staying[0]!)!, 'flow', staying[0]!, generation)).toBe(ErrorCode.ILLEGAL_GENERATION);

    const listed = await listGroups(a, ['CompletingRebalance']);
    expect(listed.groups.map((g) => [g.groupId, g.protocolType, g.groupState])).toEqual([['flow', 'consumer', 'CompletingRebalance']]);
    expect((await listGroups(a, ['Stable'])).groups.map((g) => g.groupId)).not.toContain('flow');
  });

  it('serves the oldest versions kafkajs and librdkafka may pick (JoinGroup v0-v2, SyncGroup v0, Heartbeat v0, LeaveGroup v0)', async () => {
    const c = await client();
    for (const version of [0, 1, 2, 3]) {
      const join = await joinGroup(c, `old-${version}`, { version });
      expect(join).toMatchObject({ errorCode: 0, generationId: 1, protocolName: 'range' });
      const sync = await syncGroup(c, `old-${version}`, join.memberId, 1, { [join.memberId]: 'x' }, { version: 0 });
      expect(sync).toMatchObject({ errorCode: 0, assignment: Buffer.from('x') });
      expect(await heartbeat(c, `old-${version}`, join.memberId, 1, null, 0)).toBe(0);
      expect((await leaveGroup(c, `old-${version}`, [[join.memberId, null]], 0)).errorCode).toBe(0);
      expect((await leaveGroup(c, `old-${version}`, [[join.memberId, null]], 1)).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    }
    // Flexible versions: JoinGroup v9 and SyncGroup v5 name the protocol type and name.
    const join = await joinGroup(c, 'flex', { version: 9, memberId: '', groupInstanceId: 'flex-1' });
    expect(join).toMatchObject({ errorCode: 0, protocolType: 'consumer', protocolName: 'range', skipAssignment: false });
    const bad = await syncGroup(c, 'flex', join.memberId, join.generationId, {}, { version: 5, groupInstanceId: 'flex-1', protocolType: 'consumer', protocolName: 'sticky' });
    expect(bad.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const good = await syncGroup(c, 'flex', join.memberId, join.generationId, { [join.memberId]: 'y' }, { version: 5, groupInstanceId: 'flex-1', protocolType: 'consumer', protocolName: 'range' });
    expect(good).toMatchObject({ errorCode: 0, protocolType: 'consumer', protocolName: 'range', assignment: Buffer.from('y') });
    expect(await heartbeat(c, 'flex', join.memberId, join.generationId, 'flex-1', 4)).toBe(0);
  });

  it('expires a member that stops heartbeating and rebalances the rest', async () => {
    const [a, b] = [await client(), await client()];
    // a has a long session and keeps heartbeating; b's session is short and b goes silent.
    const long = { version: 3, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000 };
    const short = { version: 3, sessionTimeoutMs: 1500, rebalanceTimeoutMs: 10_000 };
    const ja = await joinGroup(a, 'expiry', long);
    await syncGroup(a, 'expiry', ja.memberId, 1, { [ja.memberId]: '' });
    const jbPromise = joinGroup(b, 'expiry', short);
    expect(await heartbeat(a, 'expiry', ja.memberId, 1)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const [jaAgain, jb] = await Promise.all([joinGroup(a, 'expiry', { ...long, memberId: ja.memberId }), jbPromise]);
    expect([jaAgain.generationId, jb.generationId]).toEqual([2, 2]);
    expect(jaAgain.leader).toBe(ja.memberId);
    const syncs = await Promise.all([syncGroup(b, 'expiry', jb.memberId, 2), syncGroup(a, 'expiry', ja.memberId, 2, { [ja.memberId]: '', [jb.memberId]: '' })]);
    expect(syncs.map((s) => s.errorCode)).toEqual([0, 0]);
    await eventually(async () => (await heartbeat(a, 'expiry', ja.memberId, 2)) === ErrorCode.REBALANCE_IN_PROGRESS);
    const members = (await describeGroups(a, ['expiry'])).groups[0]!.members.map((m) => m.memberId);
    expect(members).toEqual([ja.memberId]);
    expect(await heartbeat(b, 'expiry', jb.memberId, 2)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    const rejoin = await joinGroup(a, 'expiry', { ...long, memberId: ja.memberId });
    expect(rejoin).toMatchObject({ errorCode: 0, generationId: 3 });
    await leaveGroup(a, 'expiry', [[ja.memberId, null]]);
  });

  it('lets a restarted static member take its place without a rebalance, fencing the old member id', async () => {
    const [a, b] = [await client(), await client()];
    broker.broker.groups.settings.initialRebalanceDelayMs = 1500;
    const [ja, jb] = await Promise.all([
      joinGroup(a, 'static', { version: 5, groupInstanceId: 'instance-a' }),
      joinGroup(b, 'static', { version: 5, groupInstanceId: 'instance-b' }),
    ]);
    broker.broker.groups.settings.initialRebalanceDelayMs = 0;
    expect([ja.errorCode, jb.errorCode, ja.generationId, jb.generationId]).toEqual([0, 0, 1, 1]);
    const leader = ja.leader;
    const assignments = { [ja.memberId]: 'A', [jb.memberId]: 'B' };
    const syncs = await Promise.all([
      syncGroup(a, 'static', ja.memberId, 1, leader === ja.memberId ? assignments : {}, { groupInstanceId: 'instance-a' }),
      syncGroup(b, 'static', jb.memberId, 1, leader === jb.memberId ? assignments : {}, { groupInstanceId: 'instance-b' }),
    ]);
    expect(syncs.map((s) => s.assignment.toString())).toEqual(['A', 'B']);

    // b "restarts": a new connection, no member id, same instance id and protocols.
    const b2 = await client();
    const rejoined = await joinGroup(b2, 'static', { version: 5, groupInstanceId: 'instance-b' });
    expect(rejoined).toMatchObject({ errorCode: 0, generationId: 1 });
    expect(rejoined.memberId).not.toBe(jb.memberId);
    expect((await describeGroups(a, ['static'])).groups[0]!.groupState).toBe('Stable');
    expect(await heartbeat(a, 'static', ja.memberId, 1, 'instance-a')).toBe(0);
    expect(await heartbeat(b, 'static', jb.memberId, 1, 'instance-b')).toBe(ErrorCode.FENCED_INSTANCE_ID);
    const resync = await syncGroup(b2, 'static', rejoined.memberId, 1, {}, { groupInstanceId: 'instance-b' });
    expect(resync).toMatchObject({ errorCode: 0, assignment: Buffer.from('B') });
    const fencedJoin = await joinGroup(b, 'static', { version: 5, memberId: jb.memberId, groupInstanceId: 'instance-b' });
    expect(fencedJoin.errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID);

    // Static members leave by instance id (LeaveGroup v3+).
    const left = await leaveGroup(a, 'static', [['', 'instance-a'], ['', 'instance-b']]);
    expect(left.members.map((m) => m.errorCode)).toEqual([0, 0]);
    expect((await describeGroups(a, ['static'])).groups[0]!.groupState).toBe('Dead');
  });

  it('answers DescribeGroups for unknown groups as Dead and ListGroups without filter from v0', async () => {
    const c = await client();
    const unknown = (await describeGroups(c, ['nope'], 0)).groups[0]!;
    expect(unknown).toMatchObject({ errorCode: 0, groupId: 'nope', groupState: 'Dead', members: [] });
    const listed = await listGroups(c, [], 0);
    expect(listed.errorCode).toBe(0);
    expect(listed.groups.map((g) => g.groupId)).toContain('flow');
    // v5: every group is a classic group; a types filter without classic lists none.
    const classic = await listGroups(c, [], 5, ['Classic']);
    expect(classic.groups.find((g) => g.groupId === 'flow')).toMatchObject({ groupType: 'classic', protocolType: 'consumer' });
    expect((await listGroups(c, [], 5, ['consumer'])).groups).toEqual([]);
  });
});

describe('broker shutdown with a held JoinGroup', () => {
  it('answers the held join with NOT_COORDINATOR instead of waiting out the rebalance timeout', async () => {
    const own = await startBroker({ logger: 'silent' });
    const [a, b] = [await WireClient.open(own.port), await WireClient.open(own.port)];
    try {
      const ja = await joinGroup(a, 'held', { version: 3, rebalanceTimeoutMs: 300_000 });
      await syncGroup(a, 'held', ja.memberId, 1, { [ja.memberId]: '' });
      const held = joinGroup(b, 'held', { version: 3, rebalanceTimeoutMs: 300_000 });
      expect(await heartbeat(a, 'held', ja.memberId, 1)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
      const started = Date.now();
      const closed = own.close();
      expect((await held).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
      await closed;
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      a.close();
      b.close();
    }
  });
});
