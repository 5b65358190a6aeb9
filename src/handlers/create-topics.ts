/**
 * CreateTopics (key 19), versions 2-7.
 *
 * Single broker: replication factor must be 1 (or -1 for the default); partition counts
 * of -1 take `num.partitions`; manual assignments may only name this broker. Topic
 * configs must be names Kafka knows (INVALID_CONFIG otherwise) and are stored with the
 * topic. With validateOnly nothing is created. A created topic's WAL entry is durable
 * before the answer is sent. Errors: INVALID_TOPIC_EXCEPTION, TOPIC_ALREADY_EXISTS,
 * INVALID_PARTITIONS, INVALID_REPLICATION_FACTOR, INVALID_REPLICA_ASSIGNMENT,
 * INVALID_CONFIG, INVALID_REQUEST (a name listed twice), KAFKA_STORAGE_ERROR.
 */

import {
  CreateTopicsApi,
  createCreateTopicsResponse,
  createCreateTopicsResponseCreatableTopicConfigs,
  createCreateTopicsResponseCreatableTopicResult,
  readCreateTopicsRequest,
  sizeCreateTopicsResponse,
  writeCreateTopicsResponse,
  type CreateTopicsRequest,
  type CreateTopicsRequestCreatableTopic,
  type CreateTopicsResponse,
  type CreateTopicsResponseCreatableTopicResult,
} from '../../protocol/generated/create-topics.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { Broker } from '../broker.js';
import { StorageError } from '../log/index.js';
import { invalidTopicConfigReason, invalidTopicReason } from '../topics.js';
import { topicIdOf } from './support.js';
import { defineHandler, type RequestContext } from './types.js';

/** DescribeConfigs' ConfigSource for a config set on the topic. */
const DYNAMIC_TOPIC_CONFIG = 1;

interface Plan {
  partitions: number;
  configs: Map<string, string>;
}

type Verdict = Plan | { errorCode: number; errorMessage: string };

function plan(broker: Broker, topic: CreateTopicsRequestCreatableTopic): Verdict {
  const badName = invalidTopicReason(topic.name);
  if (badName !== null) return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: badName };
  if (broker.log.topic(topic.name)) {
    return { errorCode: ErrorCode.TOPIC_ALREADY_EXISTS, errorMessage: `Topic '${topic.name}' already exists.` };
  }
  let partitions = topic.numPartitions === -1 ? broker.config.numPartitions : topic.numPartitions;
  if (topic.assignments.length > 0) {
    if (topic.numPartitions !== -1 || topic.replicationFactor !== -1) {
      return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'give either replica assignments or a partition count and replication factor, not both' };
    }
    const indexes = topic.assignments.map((a) => a.partitionIndex).sort((a, b) => a - b);
    if (indexes.some((index, i) => index !== i)) {
      return { errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: 'assigned partitions must be numbered 0..n-1' };
    }
    const foreign = topic.assignments.find((a) => a.brokerIds.length !== 1 || a.brokerIds[0] !== broker.nodeId);
    if (foreign) {
      return {
        errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT,
        errorMessage: `partition ${foreign.partitionIndex} may only be assigned to broker ${broker.nodeId}, the only broker`,
      };
    }
    partitions = topic.assignments.length;
  } else {
    if (partitions <= 0) return { errorCode: ErrorCode.INVALID_PARTITIONS, errorMessage: `number of partitions must be positive, got ${topic.numPartitions}` };
    const rf = topic.replicationFactor;
    if (rf === 0 || rf < -1) return { errorCode: ErrorCode.INVALID_REPLICATION_FACTOR, errorMessage: `replication factor must be positive, got ${rf}` };
    if (rf > 1) return { errorCode: ErrorCode.INVALID_REPLICATION_FACTOR, errorMessage: `Replication factor: ${rf} larger than available brokers: 1.` };
  }
  const configs = new Map<string, string>();
  for (const entry of topic.configs) {
    const bad = invalidTopicConfigReason(entry.name, entry.value);
    if (bad !== null) return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: bad };
    configs.set(entry.name, entry.value!);
  }
  return { partitions, configs };
}

function succeed(out: CreateTopicsResponseCreatableTopicResult, broker: Broker, name: string, p: Plan): void {
  out.numPartitions = p.partitions;
  out.replicationFactor = 1;
  out.configs = [...p.configs].map(([configName, value]) => ({
    ...createCreateTopicsResponseCreatableTopicConfigs(),
    name: configName,
    value,
    configSource: DYNAMIC_TOPIC_CONFIG,
  }));
  const topic = broker.log.topic(name);
  if (topic) out.topicId = topicIdOf(topic);
}

function handleCreateTopics(request: CreateTopicsRequest, context: RequestContext): Promise<CreateTopicsResponse> {
  const { broker } = context;
  const response = createCreateTopicsResponse();
  const counts = new Map<string, number>();
  for (const topic of request.topics) counts.set(topic.name, (counts.get(topic.name) ?? 0) + 1);
  const creations: Array<Promise<void>> = [];
  for (const topic of request.topics) {
    const out = createCreateTopicsResponseCreatableTopicResult();
    out.name = topic.name;
    response.topics.push(out);
    const verdict: Verdict =
      counts.get(topic.name)! > 1
        ? { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `topic ${topic.name} is listed more than once` }
        : plan(broker, topic);
    if ('errorCode' in verdict) {
      out.errorCode = verdict.errorCode;
      out.errorMessage = verdict.errorMessage;
      out.configs = null;
      continue;
    }
    if (request.validateOnly) {
      succeed(out, broker, topic.name, verdict);
      continue;
    }
    creations.push(
      broker.createTopic(topic.name, verdict.partitions, verdict.configs).then(
        () => succeed(out, broker, topic.name, verdict),
        (err: Error) => {
          out.errorCode = err instanceof StorageError ? ErrorCode.KAFKA_STORAGE_ERROR : ErrorCode.UNKNOWN_SERVER_ERROR;
          out.errorMessage = err.message;
          out.configs = null;
        },
      ),
    );
  }
  return Promise.all(creations).then(() => response);
}

export const createTopicsHandler = defineHandler<CreateTopicsRequest, CreateTopicsResponse>({
  apiKey: CreateTopicsApi.apiKey,
  name: CreateTopicsApi.name,
  minVersion: 2,
  maxVersion: 7,
  readRequest: readCreateTopicsRequest,
  sizeResponse: sizeCreateTopicsResponse,
  writeResponse: writeCreateTopicsResponse,
  handle: (request, context: RequestContext) => handleCreateTopics(request, context),
});
