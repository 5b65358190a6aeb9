/**
 * SyncGroup (key 14), versions 0-5.
 *
 * The leader sends every member's assignment; the coordinator holds each member's
 * SyncGroup until then and answers all of them with their own assignment, and the group
 * becomes Stable. A member syncing a Stable group gets its current assignment again.
 * From v5 the request names the protocol type and name, and a mismatch with the group's
 * is INCONSISTENT_GROUP_PROTOCOL; the answer names them too. Other errors:
 * UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION, REBALANCE_IN_PROGRESS (the group started another
 * rebalance: rejoin), FENCED_INSTANCE_ID, NOT_COORDINATOR at shutdown.
 */

import {
  SyncGroupApi,
  createSyncGroupResponse,
  readSyncGroupRequest,
  sizeSyncGroupResponse,
  writeSyncGroupResponse,
  type SyncGroupRequest,
  type SyncGroupResponse,
} from '../../protocol/generated/sync-group.js';
import { defineHandler, type RequestContext } from './types.js';

function handleSyncGroup(request: SyncGroupRequest, context: RequestContext): Promise<SyncGroupResponse> {
  const assignments = new Map<string, Buffer>();
  for (const a of request.assignments) assignments.set(a.memberId, a.assignment);
  return context.broker.groups
    .sync({
      groupId: request.groupId,
      memberId: request.memberId,
      groupInstanceId: request.groupInstanceId,
      generationId: request.generationId,
      protocolType: request.protocolType,
      protocolName: request.protocolName,
      assignments,
    })
    .then((result) => {
      const response = createSyncGroupResponse();
      response.errorCode = result.errorCode;
      response.protocolType = result.protocolType;
      response.protocolName = result.protocolName;
      response.assignment = result.assignment;
      return response;
    });
}

export const syncGroupHandler = defineHandler<SyncGroupRequest, SyncGroupResponse>({
  apiKey: SyncGroupApi.apiKey,
  name: SyncGroupApi.name,
  minVersion: 0,
  maxVersion: 5,
  readRequest: readSyncGroupRequest,
  sizeResponse: sizeSyncGroupResponse,
  writeResponse: writeSyncGroupResponse,
  handle: handleSyncGroup,
});
