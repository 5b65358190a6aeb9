/**
 * JoinGroup (key 11), versions 0-9.
 *
 * Hands the request to the group coordinator (src/groups/), which holds the answer until
 * the rebalance completes: every known member has rejoined, or the rebalance timeout
 * (v0: the session timeout) has passed and the missing members are dropped. From v4 a
 * member without an id first gets MEMBER_ID_REQUIRED with the id to join with (static
 * members, v5+, skip that step). The leader gets every member's metadata for the protocol
 * chosen by the members' votes; from v7 the answer names the protocol type, from v9 a
 * rejoining static leader gets skipAssignment. Errors: INVALID_GROUP_ID,
 * INVALID_SESSION_TIMEOUT, INCONSISTENT_GROUP_PROTOCOL, UNKNOWN_MEMBER_ID,
 * FENCED_INSTANCE_ID, MEMBER_ID_REQUIRED, REBALANCE_IN_PROGRESS (a newer join of the same
 * member replaced this one), NOT_COORDINATOR at shutdown.
 */

import {
  JoinGroupApi,
  createJoinGroupResponse,
  createJoinGroupResponseMember,
  readJoinGroupRequest,
  sizeJoinGroupResponse,
  writeJoinGroupResponse,
  type JoinGroupRequest,
  type JoinGroupResponse,
} from '../../protocol/generated/join-group.js';
import type { JoinResult } from '../groups/index.js';
import { clientHostOf } from '../groups/client-host.js';
import { defineHandler, type RequestContext } from './types.js';

function toResponse(result: JoinResult, version: number): JoinGroupResponse {
  const response = createJoinGroupResponse();
  response.errorCode = result.errorCode;
  response.generationId = result.generationId;
  response.protocolType = result.protocolType;
  response.protocolName = version >= 7 ? result.protocolName : (result.protocolName ?? '');
  response.leader = result.leader;
  response.skipAssignment = result.skipAssignment;
  response.memberId = result.memberId;
  response.members = result.members.map((m) => {
    const out = createJoinGroupResponseMember();
    out.memberId = m.memberId;
    out.groupInstanceId = m.groupInstanceId;
    out.metadata = m.metadata;
    return out;
  });
  return response;
}

function handleJoinGroup(request: JoinGroupRequest, context: RequestContext): Promise<JoinGroupResponse> {
  const version = context.apiVersion;
  return context.broker.groups
    .join({
      groupId: request.groupId,
      memberId: request.memberId,
      groupInstanceId: request.groupInstanceId,
      clientId: context.clientId ?? '',
      clientHost: clientHostOf(context.connection),
      sessionTimeoutMs: request.sessionTimeoutMs,
      rebalanceTimeoutMs: version >= 1 ? request.rebalanceTimeoutMs : request.sessionTimeoutMs,
      protocolType: request.protocolType,
      protocols: request.protocols.map((p) => ({ name: p.name, metadata: p.metadata })),
      requireKnownMemberId: version >= 4,
      supportsSkipAssignment: version >= 9,
    })
    .then((result) => toResponse(result, version));
}

export const joinGroupHandler = defineHandler<JoinGroupRequest, JoinGroupResponse>({
  apiKey: JoinGroupApi.apiKey,
  name: JoinGroupApi.name,
  minVersion: 0,
  maxVersion: 9,
  readRequest: readJoinGroupRequest,
  sizeResponse: sizeJoinGroupResponse,
  writeResponse: writeJoinGroupResponse,
  handle: handleJoinGroup,
});
