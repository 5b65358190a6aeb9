/**
 * DescribeGroups (key 15), versions 0-5.
 *
 * State, protocol type and members of each group. While the group is Stable the answer
 * also names the chosen protocol and gives every member's metadata and assignment (as
 * Kafka does; in other states they are empty). A group known only by its committed
 * offsets (for instance after a restart, before any member rejoined) is Empty; an unknown
 * group is Dead with no error. From v3 authorized operations are given when asked for:
 * Sluice has no ACLs, so READ, DELETE and DESCRIBE; from v4 members carry their
 * group.instance.id.
 */

import {
  DescribeGroupsApi,
  createDescribeGroupsResponse,
  createDescribeGroupsResponseDescribedGroup,
  createDescribeGroupsResponseDescribedGroupMember,
  readDescribeGroupsRequest,
  sizeDescribeGroupsResponse,
  writeDescribeGroupsResponse,
  type DescribeGroupsRequest,
  type DescribeGroupsResponse,
} from '../../protocol/generated/describe-groups.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import { defineHandler, type RequestContext } from './types.js';

/** Kafka's AclOperation codes: READ (3), DELETE (6), DESCRIBE (8), as a bit set. */
const GROUP_OPERATIONS = (1 << 3) | (1 << 6) | (1 << 8);
const OPERATIONS_NOT_REQUESTED = -2147483648;

function handleDescribeGroups(request: DescribeGroupsRequest, context: RequestContext): DescribeGroupsResponse {
  const groups = context.broker.groups;
  const response = createDescribeGroupsResponse();
  response.groups = request.groups.map((groupId) => {
    const out = createDescribeGroupsResponseDescribedGroup();
    out.groupId = groupId;
    out.authorizedOperations = request.includeAuthorizedOperations ? GROUP_OPERATIONS : OPERATIONS_NOT_REQUESTED;
    const summary = groups.describe(groupId);
    out.errorCode = ErrorCode.NONE;
    out.groupState = summary.state;
    out.protocolType = summary.protocolType;
    out.protocolData = summary.protocolName;
    out.members = summary.members.map((m) => {
      const member = createDescribeGroupsResponseDescribedGroupMember();
      member.memberId = m.memberId;
      member.groupInstanceId = m.groupInstanceId;
      member.clientId = m.clientId;
      member.clientHost = m.clientHost;
      member.memberMetadata = m.metadata;
      member.memberAssignment = m.assignment;
      return member;
    });
    return out;
  });
  return response;
}

export const describeGroupsHandler = defineHandler<DescribeGroupsRequest, DescribeGroupsResponse>({
  apiKey: DescribeGroupsApi.apiKey,
  name: DescribeGroupsApi.name,
  minVersion: 0,
  maxVersion: 5,
  readRequest: readDescribeGroupsRequest,
  sizeResponse: sizeDescribeGroupsResponse,
  writeResponse: writeDescribeGroupsResponse,
  handle: handleDescribeGroups,
});
