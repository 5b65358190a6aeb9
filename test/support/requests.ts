/**
 * Request builders shared by the wire tests.
 */

import { CreateTopicsApi, createCreateTopicsRequest, createCreateTopicsRequestCreatableTopic, type CreateTopicsResponse } from '../../protocol/generated/create-topics.js';
import {
  createProduceRequest,
  createProduceRequestPartitionProduceData,
  createProduceRequestTopicProduceData,
  type ProduceRequest,
} from '../../protocol/generated/produce.js';
import type { WireClient } from './wire-client.js';

/** Creates a topic (CreateTopics v7) and returns its topic id; fails on any error code. */
export async function createTopic(client: WireClient, name: string, partitions = 1, configs: Record<string, string> = {}): Promise<string> {
  const request = createCreateTopicsRequest();
  const topic = createCreateTopicsRequestCreatableTopic();
  topic.name = name;
  topic.numPartitions = partitions;
  topic.replicationFactor = 1;
  topic.configs = Object.entries(configs).map(([n, value]) => ({ name: n, value, unknownTaggedFields: [] }));
  request.topics = [topic];
  const response = await client.request<CreateTopicsResponse>(CreateTopicsApi.apiKey, 7, request);
  const result = response.topics[0]!;
  if (result.errorCode !== 0) throw new Error(`creating topic ${name}: error ${result.errorCode} ${result.errorMessage ?? ''}`);
  return result.topicId;
}

/** One Produce request for one topic: `sets` lists (partition, record set) pairs. */
export function produceRequest(
  topic: string,
  sets: ReadonlyArray<{ partition: number; records: Buffer | null }>,
  acks = -1,
  transactionalId: string | null = null,
): ProduceRequest {
  const request = createProduceRequest();
  request.acks = acks;
  request.timeoutMs = 30_000;
  request.transactionalId = transactionalId;
  const topicData = createProduceRequestTopicProduceData();
  topicData.name = topic;
  topicData.partitionData = sets.map((s) => {
    const p = createProduceRequestPartitionProduceData();
    p.index = s.partition;
    p.records = s.records;
    return p;
  });
  request.topicData = [topicData];
  return request;
}
