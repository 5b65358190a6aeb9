/**
 * Heartbeat (key 12), versions 0-4.
 *
 * Re-arms the member's session timer (a member whose timer runs out is removed and the
 * group rebalances). REBALANCE_IN_PROGRESS tells a member of the current generation to
 * rejoin; ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID and FENCED_INSTANCE_ID (v3+ static
 * members) say it is no longer part of the group.
 */

import {
  HeartbeatApi,
  createHeartbeatResponse,
  readHeartbeatRequest,
  sizeHeartbeatResponse,
  writeHeartbeatResponse,
  type HeartbeatRequest,
  type HeartbeatResponse,
} from '../../protocol/generated/heartbeat.js';
import { defineHandler, type RequestContext } from './types.js';

function handleHeartbeat(request: HeartbeatRequest, context: RequestContext): HeartbeatResponse {
  const response = createHeartbeatResponse();
  response.errorCode = context.broker.groups.heartbeat(request.groupId, request.memberId, request.groupInstanceId, request.generationId);
  return response;
}

export const heartbeatHandler = defineHandler<HeartbeatRequest, HeartbeatResponse>({
  apiKey: HeartbeatApi.apiKey,
  name: HeartbeatApi.name,
  minVersion: 0,
  maxVersion: 4,
  readRequest: readHeartbeatRequest,
  sizeResponse: sizeHeartbeatResponse,
  writeResponse: writeHeartbeatResponse,
  handle: handleHeartbeat,
});
