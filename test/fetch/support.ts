/**
 * Helpers shared by the Fetch and ListOffsets tests: topic creation, produce and request
 * builders over the WireClient.
 */

import { expect } from 'vitest';
import {
  FetchApi,
  createFetchRequest,
  createFetchRequestFetchPartition,
  createFetchRequestFetchTopic,
  type FetchRequest,
  type FetchResponse,
} from '../../protocol/generated/fetch.js';
import {
  ListOffsetsApi,
  createListOffsetsRequest,
  createListOffsetsRequestListOffsetsPartition,
  createListOffsetsRequestListOffsetsTopic,
  type ListOffsetsResponse,
  type ListOffsetsResponseListOffsetsPartitionResponse,
} from '../../protocol/generated/list-offsets.js';
import {
  ProduceApi,
  type ProduceResponse,
} from '../../protocol/generated/produce.js';
import { produceRequest } from '../support/requests.js';

export { createTopic } from '../support/requests.js';
import type { WireClient } from '../support/wire-client.js';


/** Produces one record set (acks=all) and returns its base offset. */
export async function produce(client: WireClient, topic: string, partition: number, records: Buffer): Promise<number> {
  const request = produceRequest(topic, [{ partition, records }]);
  const response = await client.request<ProduceResponse>(ProduceApi.apiKey, 9, request);
  const answer = response.responses[0]!.partitionResponses[0]!;
  expect(answer.errorCode).toBe(0);
  return Number(answer.baseOffset);
}

export interface FetchWant {
  topic: string;
  partition: number;
  offset: number;
  partitionMaxBytes?: number;
  currentLeaderEpoch?: number;
}

export function fetchRequest(wants: FetchWant[], options: Partial<FetchRequest> = {}): FetchRequest {
  const request = { ...createFetchRequest(), replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: 50 * 1024 * 1024, sessionEpoch: -1, ...options };
  const byTopic = new Map<string, ReturnType<typeof createFetchRequestFetchTopic>>();
  for (const w of wants) {
    let t = byTopic.get(w.topic);
    if (!t) {
      t = createFetchRequestFetchTopic();
      t.topic = w.topic;
      byTopic.set(w.topic, t);
      request.topics.push(t);
    }
    const p = createFetchRequestFetchPartition();
    p.partition = w.partition;
    p.fetchOffset = BigInt(w.offset);
    p.partitionMaxBytes = w.partitionMaxBytes ?? 1024 * 1024;
    p.currentLeaderEpoch = w.currentLeaderEpoch ?? -1;
    t.partitions.push(p);
  }
  return request;
}

export function fetch(client: WireClient, request: FetchRequest, version = 12): Promise<FetchResponse> {
  return client.request<FetchResponse>(FetchApi.apiKey, version, request);
}

export async function listOffset(
  client: WireClient,
  topic: string,
  partition: number,
  timestamp: number,
  version = 8,
  options: { isolationLevel?: number; currentLeaderEpoch?: number } = {},
): Promise<ListOffsetsResponseListOffsetsPartitionResponse> {
  const request = createListOffsetsRequest();
  request.replicaId = -1;
  request.isolationLevel = options.isolationLevel ?? 0;
  const t = createListOffsetsRequestListOffsetsTopic();
  t.name = topic;
  const p = createListOffsetsRequestListOffsetsPartition();
  p.partitionIndex = partition;
  p.timestamp = BigInt(timestamp);
  p.currentLeaderEpoch = options.currentLeaderEpoch ?? -1;
  t.partitions = [p];
  request.topics = [t];
  const response = await client.request<ListOffsetsResponse>(ListOffsetsApi.apiKey, version, request);
  return response.topics[0]!.partitions[0]!;
}
