/** Request helpers for the admin tests. */

import { CreatePartitionsApi, type CreatePartitionsResponse } from '../../protocol/generated/create-partitions.js';
import { DeleteTopicsApi, type DeleteTopicsResponse } from '../../protocol/generated/delete-topics.js';
import {
  DescribeConfigsApi,
  type DescribeConfigsResponse,
  type DescribeConfigsResponseDescribeConfigsResourceResult,
  type DescribeConfigsResponseDescribeConfigsResult,
} from '../../protocol/generated/describe-configs.js';
import { IncrementalAlterConfigsApi, type IncrementalAlterConfigsResponse } from '../../protocol/generated/incremental-alter-configs.js';
import { MetadataApi, createMetadataRequest, type MetadataResponse } from '../../protocol/generated/metadata.js';
import { ZERO_UUID } from '../../protocol/uuid.js';
import type { WireClient } from '../support/wire-client.js';

const T = { unknownTaggedFields: [] as never[] };

export async function deleteTopics(client: WireClient, names: string[], version = 6): Promise<DeleteTopicsResponse> {
  return client.request<DeleteTopicsResponse>(DeleteTopicsApi.apiKey, version, {
    topics: names.map((name) => ({ name, topicId: ZERO_UUID, ...T })),
    topicNames: names,
    timeoutMs: 30_000,
    ...T,
  });
}

export async function deleteTopicIds(client: WireClient, topics: Array<{ name: string | null; topicId: string }>): Promise<DeleteTopicsResponse> {
  return client.request<DeleteTopicsResponse>(DeleteTopicsApi.apiKey, 6, {
    topics: topics.map((t) => ({ ...t, ...T })),
    topicNames: [],
    timeoutMs: 30_000,
    ...T,
  });
}

export async function createPartitions(
  client: WireClient,
  topics: Array<{ name: string; count: number; assignments?: number[][] }>,
  validateOnly = false,
  version = 3,
): Promise<CreatePartitionsResponse> {
  return client.request<CreatePartitionsResponse>(CreatePartitionsApi.apiKey, version, {
    topics: topics.map((t) => ({
      name: t.name,
      count: t.count,
      assignments: t.assignments === undefined ? null : t.assignments.map((brokerIds) => ({ brokerIds, ...T })),
      ...T,
    })),
    timeoutMs: 30_000,
    validateOnly,
    ...T,
  });
}

export interface DescribeOptions {
  keys?: string[] | null;
  synonyms?: boolean;
  documentation?: boolean;
  version?: number;
}

export async function describeConfigs(
  client: WireClient,
  resources: Array<{ type: number; name: string; keys?: string[] | null }>,
  options: DescribeOptions = {},
): Promise<DescribeConfigsResponseDescribeConfigsResult[]> {
  const response = await client.request<DescribeConfigsResponse>(DescribeConfigsApi.apiKey, options.version ?? 4, {
    resources: resources.map((r) => ({ resourceType: r.type, resourceName: r.name, configurationKeys: r.keys ?? null, ...T })),
    includeSynonyms: options.synonyms ?? false,
    includeDocumentation: options.documentation ?? false,
    ...T,
  });
  return response.results;
}

/** The configs of one resource, by name. */
export async function configsOf(
  client: WireClient,
  type: number,
  name: string,
  options: DescribeOptions = {},
): Promise<Map<string, DescribeConfigsResponseDescribeConfigsResourceResult>> {
  const [result] = await describeConfigs(client, [{ type, name, keys: options.keys }], options);
  if (result!.errorCode !== 0) throw new Error(`describe ${name}: error ${result!.errorCode} ${result!.errorMessage}`);
  return new Map(result!.configs.map((c) => [c.name, c]));
}

export const Op = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const;

export async function alterConfigs(
  client: WireClient,
  resources: Array<{ type: number; name: string; configs: Array<[string, number, string | null]> }>,
  validateOnly = false,
  version = 1,
): Promise<IncrementalAlterConfigsResponse['responses']> {
  const response = await client.request<IncrementalAlterConfigsResponse>(IncrementalAlterConfigsApi.apiKey, version, {
    resources: resources.map((r) => ({
      resourceType: r.type,
      resourceName: r.name,
      configs: r.configs.map(([name, configOperation, value]) => ({ name, configOperation, value, ...T })),
      ...T,
    })),
    validateOnly,
    ...T,
  });
  return response.responses;
}

export async function metadata(client: WireClient, topics: string[]): Promise<MetadataResponse> {
  const request = createMetadataRequest();
  request.topics = topics.map((name) => ({ name, topicId: ZERO_UUID, unknownTaggedFields: [] }));
  request.allowAutoTopicCreation = false;
  return client.request<MetadataResponse>(MetadataApi.apiKey, 12, request);
}
