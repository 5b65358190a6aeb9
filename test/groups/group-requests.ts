/** Request builders for the group wire tests: each returns the decoded response. */

import { DeleteGroupsApi, createDeleteGroupsRequest, type DeleteGroupsResponse } from '../../protocol/generated/delete-groups.js';
import { DescribeGroupsApi, createDescribeGroupsRequest, type DescribeGroupsResponse } from '../../protocol/generated/describe-groups.js';
import { FindCoordinatorApi, createFindCoordinatorRequest, type FindCoordinatorResponse } from '../../protocol/generated/find-coordinator.js';
import { HeartbeatApi, createHeartbeatRequest, type HeartbeatResponse } from '../../protocol/generated/heartbeat.js';
import { JoinGroupApi, createJoinGroupRequest, createJoinGroupRequestProtocol, type JoinGroupRequest, type JoinGroupResponse } from '../../protocol/generated/join-group.js';
import { LeaveGroupApi, createLeaveGroupRequest, createLeaveGroupRequestMemberIdentity, type LeaveGroupResponse } from '../../protocol/generated/leave-group.js';
import { ListGroupsApi, createListGroupsRequest, type ListGroupsResponse } from '../../protocol/generated/list-groups.js';
import {
  OffsetCommitApi,
  createOffsetCommitRequest,
  createOffsetCommitRequestPartition,
  createOffsetCommitRequestTopic,
  type OffsetCommitResponse,
} from '../../protocol/generated/offset-commit.js';
import {
  OffsetFetchApi,
  createOffsetFetchRequest,
  createOffsetFetchRequestGroup,
  createOffsetFetchRequestTopic,
  createOffsetFetchRequestTopics,
  type OffsetFetchResponse,
} from '../../protocol/generated/offset-fetch.js';
import { SyncGroupApi, createSyncGroupRequest, createSyncGroupRequestAssignment, type SyncGroupResponse } from '../../protocol/generated/sync-group.js';
import type { WireClient } from '../support/wire-client.js';

export interface JoinOptions {
  version?: number;
  memberId?: string;
  groupInstanceId?: string | null;
  sessionTimeoutMs?: number;
  rebalanceTimeoutMs?: number;
  protocols?: Array<[string, string]>;
}

export function joinGroup(client: WireClient, groupId: string, o: JoinOptions = {}): Promise<JoinGroupResponse> {
  const request: JoinGroupRequest = createJoinGroupRequest();
  request.groupId = groupId;
  request.memberId = o.memberId ?? '';
  request.groupInstanceId = o.groupInstanceId ?? null;
  request.sessionTimeoutMs = o.sessionTimeoutMs ?? 10_000;
  request.rebalanceTimeoutMs = o.rebalanceTimeoutMs ?? 10_000;
  request.protocolType = 'consumer';
  request.protocols = (o.protocols ?? [['range', 'meta']]).map(([name, metadata]) => ({ ...createJoinGroupRequestProtocol(), name, metadata: Buffer.from(metadata) }));
  return client.request(JoinGroupApi.apiKey, o.version ?? 5, request);
}

export function syncGroup(
  client: WireClient,
  groupId: string,
  memberId: string,
  generationId: number,
  assignments: Record<string, string> = {},
  o: { version?: number; groupInstanceId?: string | null; protocolType?: string | null; protocolName?: string | null } = {},
): Promise<SyncGroupResponse> {
  const request = createSyncGroupRequest();
  request.groupId = groupId;
  request.memberId = memberId;
  request.generationId = generationId;
  request.groupInstanceId = o.groupInstanceId ?? null;
  request.protocolType = o.protocolType ?? null;
  request.protocolName = o.protocolName ?? null;
  request.assignments = Object.entries(assignments).map(([m, a]) => ({ ...createSyncGroupRequestAssignment(), memberId: m, assignment: Buffer.from(a) }));
  return client.request(SyncGroupApi.apiKey, o.version ?? 3, request);
}

export async function heartbeat(client: WireClient, groupId: string, memberId: string, generationId: number, groupInstanceId: string | null = null, version = 3): Promise<number> {
  const request = createHeartbeatRequest();
  request.groupId = groupId;
  request.memberId = memberId;
  request.generationId = generationId;
  request.groupInstanceId = groupInstanceId;
  return (await client.request<HeartbeatResponse>(HeartbeatApi.apiKey, version, request)).errorCode;
}

export function leaveGroup(client: WireClient, groupId: string, members: Array<[string, string | null]>, version = 3): Promise<LeaveGroupResponse> {
  const request = createLeaveGroupRequest();
  request.groupId = groupId;
  if (version < 3) request.memberId = members[0]![0];
  else request.members = members.map(([memberId, groupInstanceId]) => ({ ...createLeaveGroupRequestMemberIdentity(), memberId, groupInstanceId }));
  return client.request(LeaveGroupApi.apiKey, version, request);
}

export function findCoordinator(client: WireClient, version: number, keys: string[], keyType = 0): Promise<FindCoordinatorResponse> {
  const request = createFindCoordinatorRequest();
  request.key = keys[0] ?? '';
  request.keyType = keyType;
  request.coordinatorKeys = keys;
  return client.request(FindCoordinatorApi.apiKey, version, request);
}

export function describeGroups(client: WireClient, groups: string[], version = 5): Promise<DescribeGroupsResponse> {
  const request = createDescribeGroupsRequest();
  request.groups = groups;
  return client.request(DescribeGroupsApi.apiKey, version, request);
}

export function listGroups(client: WireClient, statesFilter: string[] = [], version = 4, typesFilter: string[] = []): Promise<ListGroupsResponse> {
  const request = createListGroupsRequest();
  request.statesFilter = statesFilter;
  request.typesFilter = typesFilter;
  return client.request(ListGroupsApi.apiKey, version, request);
}

export function deleteGroups(client: WireClient, groups: string[], version = 2): Promise<DeleteGroupsResponse> {
  const request = createDeleteGroupsRequest();
  request.groupsNames = groups;
  return client.request(DeleteGroupsApi.apiKey, version, request);
}

export interface Commit {
  topic: string;
  partition: number;
  offset: number;
  metadata?: string | null;
  leaderEpoch?: number;
}

export function commitOffsets(
  client: WireClient,
  groupId: string,
  commits: Commit[],
  o: { version?: number; memberId?: string; generationId?: number; groupInstanceId?: string | null } = {},
): Promise<OffsetCommitResponse> {
  const request = createOffsetCommitRequest();
  request.groupId = groupId;
  request.memberId = o.memberId ?? '';
  request.generationIdOrMemberEpoch = o.generationId ?? -1;
  request.groupInstanceId = o.groupInstanceId ?? null;
  const byTopic = new Map<string, Commit[]>();
  for (const c of commits) byTopic.set(c.topic, [...(byTopic.get(c.topic) ?? []), c]);
  request.topics = [...byTopic].map(([name, cs]) => ({
    ...createOffsetCommitRequestTopic(),
    name,
    partitions: cs.map((c) => ({
      ...createOffsetCommitRequestPartition(),
      partitionIndex: c.partition,
      committedOffset: BigInt(c.offset),
      committedLeaderEpoch: c.leaderEpoch ?? -1,
      committedMetadata: c.metadata === undefined ? '' : c.metadata,
    })),
  }));
  return client.request(OffsetCommitApi.apiKey, o.version ?? 8, request);
}

/** OffsetFetch v1-v7 for one group; `topics` null means every committed offset. */
export function fetchOffsets(client: WireClient, groupId: string, topics: Record<string, number[]> | null, version = 7): Promise<OffsetFetchResponse> {
  const request = createOffsetFetchRequest();
  request.groupId = groupId;
  request.topics = topics === null ? null : Object.entries(topics).map(([name, partitionIndexes]) => ({ ...createOffsetFetchRequestTopic(), name, partitionIndexes }));
  return client.request(OffsetFetchApi.apiKey, version, request);
}

/** OffsetFetch v8+ for several groups. */
export function fetchGroupsOffsets(client: WireClient, groups: Array<[string, Record<string, number[]> | null]>, version = 8): Promise<OffsetFetchResponse> {
  const request = createOffsetFetchRequest();
  request.requireStable = true;
  request.groups = groups.map(([groupId, topics]) => ({
    ...createOffsetFetchRequestGroup(),
    groupId,
    topics: topics === null ? null : Object.entries(topics).map(([name, partitionIndexes]) => ({ ...createOffsetFetchRequestTopics(), name, partitionIndexes })),
  }));
  return client.request(OffsetFetchApi.apiKey, version, request);
}

export { createTopic } from '../support/requests.js';
