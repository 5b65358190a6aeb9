/**
 * ListGroups (key 16), versions 0-5.
 *
 * Every group this broker coordinates: live groups, and groups known only by their
 * committed offsets (listed as Empty with protocol type '', since group metadata does
 * not outlive a restart). From v4 the answer gives each group's state and honours the
 * states filter (case-insensitive; empty means all). From v5 each group has a type, always
 * "classic" (Sluice has no KIP-848 groups), and the types filter keeps all groups when it
 * is empty or names classic, none otherwise.
 */

import { ErrorCode } from '../../protocol/generated/errors.js';
import {
  ListGroupsApi,
  createListGroupsResponse,
  createListGroupsResponseListedGroup,
  readListGroupsRequest,
  sizeListGroupsResponse,
  writeListGroupsResponse,
  type ListGroupsRequest,
  type ListGroupsResponse,
} from '../../protocol/generated/list-groups.js';
import { defineHandler, type RequestContext } from './types.js';

/** Every group here runs the classic protocol. */
const GROUP_TYPE = 'classic';

function handleListGroups(request: ListGroupsRequest, context: RequestContext): ListGroupsResponse {
  const response = createListGroupsResponse();
  response.errorCode = ErrorCode.NONE;
  const wanted = context.apiVersion >= 4 && request.statesFilter.length > 0 ? new Set(request.statesFilter.map((s) => s.toLowerCase())) : null;
  const types = context.apiVersion >= 5 ? request.typesFilter.map((t) => t.toLowerCase()) : [];
  if (types.length > 0 && !types.includes(GROUP_TYPE)) return response;
  for (const group of context.broker.groups.list()) {
    if (wanted !== null && !wanted.has(group.state.toLowerCase())) continue;
    const out = createListGroupsResponseListedGroup();
    out.groupId = group.groupId;
    out.protocolType = group.protocolType;
    out.groupState = group.state;
    out.groupType = GROUP_TYPE;
    response.groups.push(out);
  }
  return response;
}

export const listGroupsHandler = defineHandler<ListGroupsRequest, ListGroupsResponse>({
  apiKey: ListGroupsApi.apiKey,
  name: ListGroupsApi.name,
  minVersion: 0,
  maxVersion: 5,
  readRequest: readListGroupsRequest,
  sizeResponse: sizeListGroupsResponse,
  writeResponse: writeListGroupsResponse,
  handle: handleListGroups,
});
