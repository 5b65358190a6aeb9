/**
 * LeaveGroup (key 13), versions 0-5.
 *
 * v0-v2 name one member; from v3 a batch of members, each by member id or, for static
 * members, by group.instance.id (member id ''), with an error per member
 * (UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID). A member that leaves is removed at once and
 * the group rebalances without waiting for its session timeout. In v0-v2 the member's
 * error is the top-level error.
 */

import { ErrorCode } from '../../protocol/generated/errors.js';
import {
  LeaveGroupApi,
  createLeaveGroupResponse,
  createLeaveGroupResponseMemberResponse,
  readLeaveGroupRequest,
  sizeLeaveGroupResponse,
  writeLeaveGroupResponse,
  type LeaveGroupRequest,
  type LeaveGroupResponse,
} from '../../protocol/generated/leave-group.js';
import { defineHandler, type RequestContext } from './types.js';

function handleLeaveGroup(request: LeaveGroupRequest, context: RequestContext): LeaveGroupResponse {
  const response = createLeaveGroupResponse();
  const groups = context.broker.groups;
  if (context.apiVersion < 3) {
    response.errorCode = groups.leave(request.groupId, [{ memberId: request.memberId, groupInstanceId: null }])[0]!.errorCode;
    return response;
  }
  const results = groups.leave(
    request.groupId,
    request.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId })),
  );
  response.errorCode = ErrorCode.NONE;
  response.members = results.map((r) => {
    const out = createLeaveGroupResponseMemberResponse();
    out.memberId = r.memberId;
    out.groupInstanceId = r.groupInstanceId;
    out.errorCode = r.errorCode;
    return out;
  });
  return response;
}

export const leaveGroupHandler = defineHandler<LeaveGroupRequest, LeaveGroupResponse>({
  apiKey: LeaveGroupApi.apiKey,
  name: LeaveGroupApi.name,
  minVersion: 0,
  maxVersion: 5,
  readRequest: readLeaveGroupRequest,
  sizeResponse: sizeLeaveGroupResponse,
  writeResponse: writeLeaveGroupResponse,
  handle: handleLeaveGroup,
});
