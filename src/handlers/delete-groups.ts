/**
 * DeleteGroups (key 42), versions 0-2.
 *
 * Deletes each named group with its committed offsets; the answer is sent once the
 * deletion's WAL entry is durable. A group that still has members is NON_EMPTY_GROUP, a
 * group that neither lives nor has offsets is GROUP_ID_NOT_FOUND.
 */

import {
  DeleteGroupsApi,
  createDeleteGroupsResponse,
  createDeleteGroupsResponseDeletableGroupResult,
  readDeleteGroupsRequest,
  sizeDeleteGroupsResponse,
  writeDeleteGroupsResponse,
  type DeleteGroupsRequest,
  type DeleteGroupsResponse,
} from '../../protocol/generated/delete-groups.js';
import { defineHandler, type RequestContext } from './types.js';

function handleDeleteGroups(request: DeleteGroupsRequest, context: RequestContext): DeleteGroupsResponse | Promise<DeleteGroupsResponse> {
  const response = createDeleteGroupsResponse();
  const pending: Array<Promise<void>> = [];
  for (const groupId of request.groupsNames) {
    const out = createDeleteGroupsResponseDeletableGroupResult();
    out.groupId = groupId;
    response.results.push(out);
    const result = context.broker.groups.delete(groupId);
    if (typeof result === 'number') out.errorCode = result;
    else pending.push(result.then((code) => void (out.errorCode = code)));
  }
  return pending.length === 0 ? response : Promise.all(pending).then(() => response);
}

export const deleteGroupsHandler = defineHandler<DeleteGroupsRequest, DeleteGroupsResponse>({
  apiKey: DeleteGroupsApi.apiKey,
  name: DeleteGroupsApi.name,
  minVersion: 0,
  maxVersion: 2,
  readRequest: readDeleteGroupsRequest,
  sizeResponse: sizeDeleteGroupsResponse,
  writeResponse: writeDeleteGroupsResponse,
  handle: handleDeleteGroups,
});
