/**
 * OffsetDelete (key 47, v0) over the wire against an in-process broker: every error code
 * (group-level and per partition), the consumer protocol's subscriptions protecting a live
 * group's offsets, and the deletions after a restart on the same data directory.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiVersionsApi, createApiVersionsRequest, type ApiVersionsResponse } from '../../protocol/generated/api-versions.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import { JoinGroupApi, createJoinGroupRequest, createJoinGroupRequestProtocol, type JoinGroupResponse } from '../../protocol/generated/join-group.js';
import {
  OffsetDeleteApi,
  createOffsetDeleteRequest,
  createOffsetDeleteRequestPartition,
  createOffsetDeleteRequestTopic,
  type OffsetDeleteResponse,
} from '../../protocol/generated/offset-delete.js';
import { startBroker, type EmbeddedBroker } from '../../src/index.js';
import { WireClient } from '../support/wire-client.js';
import { commitOffsets, createTopic, fetchOffsets, syncGroup } from './group-requests.js';

function offsetDelete(client: WireClient, groupId: string, topics: Record<string, number[]>): Promise<OffsetDeleteResponse> {
  const request = createOffsetDeleteRequest();
  request.groupId = groupId;
  request.topics = Object.entries(topics).map(([name, partitions]) => ({
    ...createOffsetDeleteRequestTopic(),
    name,
    partitions: partitions.map((partitionIndex) => ({ ...createOffsetDeleteRequestPartition(), partitionIndex })),
  }));
  return client.request<OffsetDeleteResponse>(OffsetDeleteApi.apiKey, 0, request);
}

/** [top-level error, topic -> [partition, error] rows]. */
function answer(r: OffsetDeleteResponse): [number, Array<[string, Array<[number, number]>]>] {
  return [r.errorCode, r.topics.map((t) => [t.name, t.partitions.map((p) => [p.partitionIndex, p.errorCode] as [number, number])])];
}

/** ConsumerProtocolSubscription v0: version, topics, user data. */
function subscription(topics: string[]): Buffer {
  const parts = [Buffer.from([0, 0]), Buffer.alloc(4)];
  parts[1]!.writeInt32BE(topics.length);
  for (const t of topics) {
    const len = Buffer.alloc(2);
    len.writeInt16BE(Buffer.byteLength(t));
    parts.push(len, Buffer.from(t));
  }
  parts.push(Buffer.from([0xff, 0xff, 0xff, 0xff]));
  return Buffer.concat(parts);
}

/** A one-member group (generation 1, Stable) of the given protocol type and member metadata. */
async function oneMemberGroup(client: WireClient, groupId: string, protocolType: string, metadata: Buffer): Promise<JoinGroupResponse> {
  const request = createJoinGroupRequest();
  request.groupId = groupId;
  request.memberId = '';
  request.sessionTimeoutMs = 30_000;
  request.rebalanceTimeoutMs = 30_000;
  request.protocolType = protocolType;
  request.protocols = [{ ...createJoinGroupRequestProtocol(), name: 'range', metadata }];
  const joined = await client.request<JoinGroupResponse>(JoinGroupApi.apiKey, 3, request);
  expect(joined.errorCode).toBe(0);
  const synced = await syncGroup(client, groupId, joined.memberId, joined.generationId, { [joined.memberId]: '' });
  expect(synced.errorCode).toBe(0);
  return joined;
}

/** "topic/partition=offset" of the committed offsets (OffsetFetch v7, every topic). */
async function committed(client: WireClient, groupId: string): Promise<string[]> {
  const r = await fetchOffsets(client, groupId, null, 7);
  expect(r.errorCode).toBe(0);
  return r.topics.flatMap((t) => t.partitions.map((p) => `${t.name}/${p.partitionIndex}=${p.committedOffset}`)).sort();
}

describe('OffsetDelete over the wire', () => {
  let dataDir: string;
  let broker: EmbeddedBroker;
  let client: WireClient;
  let member: WireClient;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sluice-offset-delete-'));
    broker = await startBroker({ dataDir, logger: 'silent' });
    client = await WireClient.open(broker.port);
    member = await WireClient.open(broker.port);
    await createTopic(client, 'od-a', 2);
    await createTopic(client, 'od-b', 1);
  });

  afterAll(async () => {
    client.close();
    member.close();
    await broker.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('is advertised at v0', async () => {
    const versions = await client.request<ApiVersionsResponse>(ApiVersionsApi.apiKey, 3, createApiVersionsRequest());
    const k = versions.apiKeys.find((a) => a.apiKey === OffsetDeleteApi.apiKey);
    expect([k?.minVersion, k?.maxVersion]).toEqual([0, 0]);
  });

  it('deletes offsets of a group without members; unknown topics and partitions are UNKNOWN_TOPIC_OR_PARTITION', async () => {
    const c = await commitOffsets(client, 'od-solo', [
      { topic: 'od-a', partition: 0, offset: 10 },
      { topic: 'od-a', partition: 1, offset: 11 },
      { topic: 'od-b', partition: 0, offset: 12 },
    ]);
    expect(c.topics.flatMap((t) => t.partitions.map((p) => p.errorCode))).toEqual([0, 0, 0]);
    const r = await offsetDelete(client, 'od-solo', { 'od-a': [0, 5], 'od-b': [0], nope: [0] });
    expect(answer(r)).toEqual([0, [
      ['od-a', [[0, 0], [5, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]],
      ['od-b', [[0, 0]]],
      ['nope', [[0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]],
    ]]);
    expect(await committed(client, 'od-solo')).toEqual(['od-a/1=11']);
    // A partition with no committed offset is simply NONE.
    expect(answer(await offsetDelete(client, 'od-solo', { 'od-b': [0] }))).toEqual([0, [['od-b', [[0, 0]]]]]);
  });

  it('group-level errors come alone, without topics: INVALID_GROUP_ID, GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP', async () => {
    expect(answer(await offsetDelete(client, '', { 'od-a': [0] }))).toEqual([ErrorCode.INVALID_GROUP_ID, []]);
    expect(answer(await offsetDelete(client, 'od-missing', { 'od-a': [0], nope: [1] }))).toEqual([ErrorCode.GROUP_ID_NOT_FOUND, []]);
    await oneMemberGroup(member, 'od-connect', 'connect', Buffer.from('worker'));
    expect(answer(await offsetDelete(client, 'od-connect', { 'od-a': [0] }))).toEqual([ErrorCode.NON_EMPTY_GROUP, []]);
  });

  it('a live consumer group keeps the offsets of the topics its members subscribe to', async () => {
    const joined = await oneMemberGroup(member, 'od-live', 'consumer', subscription(['od-a']));
    const c = await commitOffsets(member, 'od-live', [
      { topic: 'od-a', partition: 0, offset: 20 },
      { topic: 'od-b', partition: 0, offset: 21 },
    ], { memberId: joined.memberId, generationId: joined.generationId });
    expect(c.topics.flatMap((t) => t.partitions.map((p) => p.errorCode))).toEqual([0, 0]);
    const r = await offsetDelete(client, 'od-live', { 'od-a': [0, 1], 'od-b': [0] });
    expect(answer(r)).toEqual([0, [
      ['od-a', [[0, ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC], [1, ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC]]],
      ['od-b', [[0, 0]]],
    ]]);
    expect(await committed(client, 'od-live')).toEqual(['od-a/0=20']);
  });

  it('the deletions survive a restart on the same data directory', async () => {
    client.close();
    member.close();
    await broker.close();
    broker = await startBroker({ dataDir, logger: 'silent' });
    client = await WireClient.open(broker.port);
    member = await WireClient.open(broker.port);
    expect(await committed(client, 'od-solo')).toEqual(['od-a/1=11']);
    expect(await committed(client, 'od-live')).toEqual(['od-a/0=20']);
    // Members do not survive a restart: the group is known by its offsets only, and the
    // last one takes it along.
    expect(answer(await offsetDelete(client, 'od-live', { 'od-a': [0] }))).toEqual([0, [['od-a', [[0, 0]]]]]);
    expect(answer(await offsetDelete(client, 'od-live', { 'od-a': [0] }))).toEqual([ErrorCode.GROUP_ID_NOT_FOUND, []]);
  });
});
