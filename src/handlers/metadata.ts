/**
 * Metadata (key 3), versions 0-12.
 *
 * One broker, which leads every partition (leader epoch from the log, replicas and ISR
 * are just this node). Topics named in the request that do not exist are created with
 * `num.partitions` partitions when `auto.create.topics.enable` is on and the client allows
 * it (AllowAutoTopicCreation, v4+); the creation is durable before the answer is sent.
 * A null topic list (or an empty one in v0) means every topic. From v10 topics may be
 * named by id; from v12 names may be null in answers for id lookups. From v8 authorized
 * operations are given when asked for: Sluice has no ACLs, so, like Kafka without an
 * authorizer, every operation the resource type supports (kafka-python asks for them and
 * rejects the "not requested" value).
 */

import { ErrorCode } from '../../protocol/generated/errors.js';
import {
  MetadataApi,
  createMetadataResponse,
  createMetadataResponseBroker,
  createMetadataResponsePartition,
  createMetadataResponseTopic,
  readMetadataRequest,
  sizeMetadataResponse,
  writeMetadataResponse,
  type MetadataRequest,
  type MetadataResponse,
  type MetadataResponseTopic,
} from '../../protocol/generated/metadata.js';
import { ZERO_UUID } from '../../protocol/uuid.js';
import type { Broker } from '../broker.js';
import { StorageError, type TopicState } from '../log/index.js';
import { invalidTopicReason } from '../topics.js';
import { CLUSTER_OPERATIONS, OPERATIONS_NOT_REQUESTED, TOPIC_OPERATIONS, topicIdOf } from './support.js';
import { defineHandler, type RequestContext } from './types.js';

function withOperations(request: MetadataRequest, response: MetadataResponse): MetadataResponse {
  response.clusterAuthorizedOperations = request.includeClusterAuthorizedOperations ? CLUSTER_OPERATIONS : OPERATIONS_NOT_REQUESTED;
  const topicOperations = request.includeTopicAuthorizedOperations ? TOPIC_OPERATIONS : OPERATIONS_NOT_REQUESTED;
  for (const topic of response.topics) topic.topicAuthorizedOperations = topicOperations;
  return response;
}

function describeTopic(broker: Broker, topic: TopicState): MetadataResponseTopic {
  const out = createMetadataResponseTopic();
  out.name = topic.name;
  out.topicId = topicIdOf(topic);
  out.partitions = topic.partitions.map((p) => {
    const partition = createMetadataResponsePartition();
    partition.partitionIndex = p.partition;
    partition.leaderId = broker.nodeId;
    partition.leaderEpoch = p.leaderEpoch;
    partition.replicaNodes = [broker.nodeId];
    partition.isrNodes = [broker.nodeId];
    return partition;
  });
  return out;
}

function topicError(name: string | null, topicId: string, errorCode: number): MetadataResponseTopic {
  const out = createMetadataResponseTopic();
  out.name = name;
  out.topicId = topicId;
  out.errorCode = errorCode;
  return out;
}

function findById(broker: Broker, topicId: string): TopicState | undefined {
  for (const topic of broker.log.topics()) if (topicIdOf(topic) === topicId) return topic;
  return undefined;
}

function handleMetadata(request: MetadataRequest, context: RequestContext): MetadataResponse | Promise<MetadataResponse> {
  const response = answerMetadata(request, context);
  return response instanceof Promise ? response.then((r) => withOperations(request, r)) : withOperations(request, response);
}

function answerMetadata(request: MetadataRequest, context: RequestContext): MetadataResponse | Promise<MetadataResponse> {
  const { broker, apiVersion } = context;
  const response = createMetadataResponse();
  const self = createMetadataResponseBroker();
  self.nodeId = broker.nodeId;
  self.host = broker.advertisedHost;
  self.port = broker.advertisedPort;
  response.brokers = [self];
  response.clusterId = broker.clusterId;
  response.controllerId = broker.nodeId;

  if (request.topics === null || (apiVersion === 0 && request.topics.length === 0)) {
    response.topics = [...broker.log.topics()].map((t) => describeTopic(broker, t));
    return response;
  }

  const allowCreate = broker.config.autoCreateTopics && (apiVersion < 4 || request.allowAutoTopicCreation);
  const pending: Array<Promise<void>> = [];
  response.topics = request.topics.map((wanted, i) => {
    if (wanted.name === null) {
      const byId = findById(broker, wanted.topicId);
      return byId ? describeTopic(broker, byId) : topicError(null, wanted.topicId, ErrorCode.UNKNOWN_TOPIC_ID);
    }
    const name = wanted.name;
    const existing = broker.log.topic(name);
    if (existing) return describeTopic(broker, existing);
    if (invalidTopicReason(name) !== null) return topicError(name, ZERO_UUID, ErrorCode.INVALID_TOPIC_EXCEPTION);
    if (!allowCreate) return topicError(name, ZERO_UUID, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    pending.push(
      broker.createTopic(name, broker.config.numPartitions).then(
        (created) => {
          response.topics[i] = describeTopic(broker, created);
        },
        (err: Error) => {
          broker.logger.warn(`auto-creating topic ${name} failed: ${err.message}`);
          const code = err instanceof StorageError ? ErrorCode.KAFKA_STORAGE_ERROR : ErrorCode.UNKNOWN_SERVER_ERROR;
          response.topics[i] = topicError(name, ZERO_UUID, code);
        },
      ),
    );
    return topicError(name, ZERO_UUID, ErrorCode.LEADER_NOT_AVAILABLE);
  });
  return pending.length === 0 ? response : Promise.all(pending).then(() => response);
}

export const metadataHandler = defineHandler<MetadataRequest, MetadataResponse>({
  apiKey: MetadataApi.apiKey,
  name: MetadataApi.name,
  minVersion: 0,
  maxVersion: 12,
  readRequest: readMetadataRequest,
  sizeResponse: sizeMetadataResponse,
  writeResponse: writeMetadataResponse,
  handle: handleMetadata,
});
