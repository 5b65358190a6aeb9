/**
 * OffsetCommit and OffsetFetch over the wire: generation and member checks, simple
 * (admin) commits, per-partition errors, several groups per fetch, DeleteGroups, and
 * committed offsets restored exactly after a broker restart.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { OffsetCommitResponse } from '../../protocol/generated/offset-commit.js';
import { startBroker, type EmbeddedBroker } from '../../src/index.js';
import { WireClient } from '../support/wire-client.js';
import { commitOffsets, createTopic, deleteGroups, describeGroups, fetchGroupsOffsets, fetchOffsets, joinGroup, leaveGroup, listGroups, syncGroup } from './group-requests.js';

const codes = (r: OffsetCommitResponse): Array<[string, number, number]> =>
  r.topics.flatMap((t) => t.partitions.map((p) => [t.name, p.partitionIndex, p.errorCode] as [string, number, number]));

let dataDir: string;
let broker: EmbeddedBroker;
let client: WireClient;

async function start(): Promise<void> {
  broker = await startBroker({ dataDir, logger: 'silent' });
  client = await WireClient.open(broker.port);
}

async function stop(): Promise<void> {
  client.close();
  await broker.close();
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'sluice-groups-'));
  await start();
  await createTopic(client, 'orders', 2);
  await createTopic(client, 'audit', 1);
});

afterAll(async () => {
  await stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('committed offsets over the wire', () => {
  it('accepts simple commits for a group without members and answers them per partition', async () => {
    const response = await commitOffsets(client, 'admin-tool', [
      { topic: 'orders', partition: 0, offset: 10, metadata: 'm0', leaderEpoch: 0 },
      { topic: 'orders', partition: 1, offset: 20, metadata: null },
      { topic: 'orders', partition: 5, offset: 1 },
      { topic: 'missing', partition: 0, offset: 1 },
      { topic: 'audit', partition: 0, offset: 3, metadata: 'x'.repeat(4097) },
    ]);
    expect(codes(response)).toEqual([
      ['orders', 0, 0],
      ['orders', 1, 0],
      ['orders', 5, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
      ['missing', 0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
      ['audit', 0, ErrorCode.OFFSET_METADATA_TOO_LARGE],
    ]);
    const fetched = await fetchOffsets(client, 'admin-tool', { orders: [0, 1, 2], audit: [0] }, 5);
    expect(fetched.errorCode).toBe(0);
    expect(fetched.topics.map((t) => [t.name, t.partitions.map((p) => [p.partitionIndex, p.committedOffset, p.committedLeaderEpoch, p.metadata, p.errorCode])])).toEqual([
      ['orders', [[0, 10n, 0, 'm0', 0], [1, 20n, -1, '', 0], [2, -1n, -1, '', 0]]],
      ['audit', [[0, -1n, -1, '', 0]]],
    ]);
    // Older versions: v2 (commit) and v1 (fetch) carry the same data.
    const v2 = await commitOffsets(client, 'admin-tool', [{ topic: 'audit', partition: 0, offset: 7, metadata: 'old' }], { version: 2 });
    expect(codes(v2)).toEqual([['audit', 0, 0]]);
    const v1 = await fetchOffsets(client, 'admin-tool', { audit: [0] }, 1);
    expect(v1.topics[0]!.partitions[0]).toMatchObject({ committedOffset: 7n, metadata: 'old', errorCode: 0 });
  });

  it('returns every committed offset of a group for a null topic list, and several groups at once from v8', async () => {
    const all = await fetchOffsets(client, 'admin-tool', null, 7);
    expect(all.topics.map((t) => [t.name, t.partitions.map((p) => [p.partitionIndex, p.committedOffset])]).sort()).toEqual([
      ['audit', [[0, 7n]]],
      ['orders', [[0, 10n], [1, 20n]]],
    ]);
    const multi = await fetchGroupsOffsets(client, [
      ['admin-tool', { orders: [1] }],
      ['nobody', null],
      ['admin-tool', null],
    ], 9);
    expect(multi.groups.map((g) => [g.groupId, g.errorCode, g.topics.length])).toEqual([
      ['admin-tool', 0, 1],
      ['nobody', 0, 0],
      ['admin-tool', 0, 2],
    ]);
    expect(multi.groups[0]!.topics[0]!.partitions[0]).toMatchObject({ partitionIndex: 1, committedOffset: 20n, committedLeaderEpoch: -1, metadata: '' });
  });

  it('checks generation and member of commits from a group with members', async () => {
    const join = await joinGroup(client, 'members', { version: 5, memberId: '', groupInstanceId: 'inst' });
    expect(join.errorCode).toBe(0);
    const member = join.memberId;
    const commit = (o: Parameters<typeof commitOffsets>[3]) => commitOffsets(client, 'members', [{ topic: 'orders', partition: 0, offset: 42 }], o).then((r) => codes(r)[0]![2]);
    // Joined but not yet synced: CompletingRebalance.
    expect(await commit({ memberId: member, generationId: 1 })).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    await syncGroup(client, 'members', member, 1, { [member]: '' }, { groupInstanceId: 'inst' });
    expect(await commit({ memberId: member, generationId: 0 })).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(await commit({ memberId: 'stranger', generationId: 1 })).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(await commit({ memberId: '', generationId: -1 })).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(await commit({ memberId: 'old-id', generationId: 1, groupInstanceId: 'inst', version: 7 })).toBe(ErrorCode.FENCED_INSTANCE_ID);
    expect(await commit({ memberId: member, generationId: 1, groupInstanceId: 'inst', version: 9 })).toBe(0);
    expect(await commit({ memberId: member, generationId: 1, version: 3 })).toBe(0);
    const fetched = await fetchOffsets(client, 'members', { orders: [0] });
    expect(fetched.topics[0]!.partitions[0]!.committedOffset).toBe(42n);
    // A group the coordinator does not know (e.g. after a restart) refuses member commits.
    const unknown = await commitOffsets(client, 'never-joined', [{ topic: 'orders', partition: 0, offset: 1 }], { memberId: 'm', generationId: 4 });
    expect(codes(unknown)[0]![2]).toBe(ErrorCode.ILLEGAL_GENERATION);

    // DeleteGroups: not while it has members; afterwards the offsets are gone.
    expect((await deleteGroups(client, ['members', 'no-such-group'])).results.map((r) => [r.groupId, r.errorCode])).toEqual([
      ['members', ErrorCode.NON_EMPTY_GROUP],
      ['no-such-group', ErrorCode.GROUP_ID_NOT_FOUND],
    ]);
    await leaveGroup(client, 'members', [['', 'inst']]);
    expect((await describeGroups(client, ['members'])).groups[0]!.groupState).toBe('Empty');
    expect((await listGroups(client, ['Empty'])).groups.map((g) => g.groupId).sort()).toEqual(['admin-tool', 'members']);
    expect((await deleteGroups(client, ['members'], 0)).results[0]!.errorCode).toBe(0);
    expect((await fetchOffsets(client, 'members', null)).topics).toEqual([]);
    expect((await describeGroups(client, ['members'])).groups[0]!.groupState).toBe('Dead');
  });

  it('restores committed offsets exactly after a restart, before any member rejoins', async () => {
    await commitOffsets(client, 'durable', [
      { topic: 'orders', partition: 0, offset: 100, metadata: 'first', leaderEpoch: 3 },
      { topic: 'orders', partition: 1, offset: 200, metadata: '' },
    ]);
    await commitOffsets(client, 'durable', [{ topic: 'orders', partition: 0, offset: 101, metadata: 'second', leaderEpoch: 4 }]);
    const before = await fetchOffsets(client, 'durable', null);
    await stop();
    await start();
    const after = await fetchOffsets(client, 'durable', null);
    expect(after).toEqual(before);
    expect(after.topics[0]!.partitions.map((p) => [p.committedOffset, p.committedLeaderEpoch, p.metadata])).toEqual([
      [101n, 4, 'second'],
      [200n, -1, ''],
    ]);
    expect((await fetchOffsets(client, 'admin-tool', { audit: [0] })).topics[0]!.partitions[0]!.committedOffset).toBe(7n);
    // The group itself did not survive: it is listed Empty (known by its offsets only).
    expect((await describeGroups(client, ['durable'])).groups[0]).toMatchObject({ groupState: 'Empty', members: [] });
    expect((await listGroups(client)).groups.map((g) => g.groupId).sort()).toEqual(['admin-tool', 'durable']);
    // A deleted group stays deleted after a restart.
    expect((await deleteGroups(client, ['admin-tool'])).results[0]!.errorCode).toBe(0);
    await stop();
    await start();
    expect((await listGroups(client)).groups.map((g) => g.groupId)).toEqual(['durable']);
    expect((await fetchOffsets(client, 'admin-tool', null)).topics).toEqual([]);
  });
});
