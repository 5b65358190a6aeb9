/**
 * DescribeCluster (key 60), versions 0-1.
 *
 * The cluster is this one broker, which is also its controller as far as clients can tell
 * (Metadata says the same). EndpointType (v1+) asks for the brokers' endpoints (1); a request
 * for the controllers' endpoints (2) is meant for a controller listener, and Sluice, like a
 * Kafka broker, answers it MISMATCHED_ENDPOINT_TYPE.
 */

import { ErrorCode } from '../../protocol/generated/errors.js';
import {
  DescribeClusterApi,
  createDescribeClusterResponse,
  createDescribeClusterResponseDescribeClusterBroker,
  readDescribeClusterRequest,
  sizeDescribeClusterResponse,
  writeDescribeClusterResponse,
  type DescribeClusterRequest,
  type DescribeClusterResponse,
} from '../../protocol/generated/describe-cluster.js';
import { CLUSTER_OPERATIONS, OPERATIONS_NOT_REQUESTED } from './support.js';
import { defineHandler, type RequestContext } from './types.js';

const BROKER_ENDPOINTS = 1;

function handleDescribeCluster(request: DescribeClusterRequest, { broker }: RequestContext): DescribeClusterResponse {
  const response = createDescribeClusterResponse();
  response.endpointType = request.endpointType;
  if (request.endpointType !== BROKER_ENDPOINTS) {
    response.errorCode = ErrorCode.MISMATCHED_ENDPOINT_TYPE;
    response.errorMessage = `this is a broker endpoint; endpoint type ${request.endpointType} was asked for`;
    return response;
  }
  const self = createDescribeClusterResponseDescribeClusterBroker();
  self.brokerId = broker.nodeId;
  self.host = broker.advertisedHost;
  self.port = broker.advertisedPort;
  response.brokers = [self];
  response.clusterId = broker.clusterId;
  response.controllerId = broker.nodeId;
  response.clusterAuthorizedOperations = request.includeClusterAuthorizedOperations ? CLUSTER_OPERATIONS : OPERATIONS_NOT_REQUESTED;
  return response;
}

export const describeClusterHandler = defineHandler<DescribeClusterRequest, DescribeClusterResponse>({
  apiKey: DescribeClusterApi.apiKey,
  name: DescribeClusterApi.name,
  minVersion: 0,
  maxVersion: 1,
  readRequest: readDescribeClusterRequest,
  sizeResponse: sizeDescribeClusterResponse,
  writeResponse: writeDescribeClusterResponse,
  handle: handleDescribeCluster,
});
