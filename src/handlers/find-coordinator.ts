/**
 * FindCoordinator (key 10), versions 0-4.
 *
 * Sluice is one node, so this broker coordinates every group (key type 0) and every
 * transactional id (key type 1); any other key type is INVALID_REQUEST. v0-v3 ask for one
 * key; from v4 the request carries a batch of keys and the answer one coordinator each.
 * While the broker shuts down the answer is COORDINATOR_NOT_AVAILABLE.
 */

import { ErrorCode } from '../../protocol/generated/errors.js';
import {
  FindCoordinatorApi,
  createFindCoordinatorResponse,
  createFindCoordinatorResponseCoordinator,
  readFindCoordinatorRequest,
  sizeFindCoordinatorResponse,
  writeFindCoordinatorResponse,
  type FindCoordinatorRequest,
  type FindCoordinatorResponse,
} from '../../protocol/generated/find-coordinator.js';
import { defineHandler, type RequestContext } from './types.js';

const KEY_TYPE_GROUP = 0;
const KEY_TYPE_TRANSACTION = 1;

function handleFindCoordinator(request: FindCoordinatorRequest, context: RequestContext): FindCoordinatorResponse {
  const { broker, apiVersion } = context;
  const response = createFindCoordinatorResponse();
  const keyType = apiVersion >= 1 ? request.keyType : KEY_TYPE_GROUP;
  const errorCode =
    keyType !== KEY_TYPE_GROUP && keyType !== KEY_TYPE_TRANSACTION
      ? ErrorCode.INVALID_REQUEST
      : broker.closing
        ? ErrorCode.COORDINATOR_NOT_AVAILABLE
        : ErrorCode.NONE;
  const errorMessage = errorCode === ErrorCode.INVALID_REQUEST ? `unknown key type ${keyType}` : null;
  const ok = errorCode === ErrorCode.NONE;
  if (apiVersion < 4) {
    response.errorCode = errorCode;
    response.errorMessage = errorMessage;
    response.nodeId = ok ? broker.nodeId : -1;
    response.host = ok ? broker.advertisedHost : '';
    response.port = ok ? broker.advertisedPort : -1;
    return response;
  }
  response.coordinators = request.coordinatorKeys.map((key) => {
    const out = createFindCoordinatorResponseCoordinator();
    out.key = key;
    out.errorCode = errorCode;
    out.errorMessage = errorMessage;
    out.nodeId = ok ? broker.nodeId : -1;
    out.host = ok ? broker.advertisedHost : '';
    out.port = ok ? broker.advertisedPort : -1;
    return out;
  });
  return response;
}

export const findCoordinatorHandler = defineHandler<FindCoordinatorRequest, FindCoordinatorResponse>({
  apiKey: FindCoordinatorApi.apiKey,
  name: FindCoordinatorApi.name,
  minVersion: 0,
  maxVersion: 4,
  readRequest: readFindCoordinatorRequest,
  sizeResponse: sizeFindCoordinatorResponse,
  writeResponse: writeFindCoordinatorResponse,
  handle: handleFindCoordinator,
});
