/**
 * AlterConfigs (key 33), versions 0-2: the legacy, non-incremental form that kafkajs's
 * `admin.alterConfigs` sends.
 *
 * A resource's listed configs become its whole dynamic config set: each listed config is
 * set (a null value deletes it) and every config set before but not listed is removed,
 * as Kafka does. The rules, validation, error codes and durability are those of
 * IncrementalAlterConfigs (key 44), whose implementation this reuses.
 */

import {
  AlterConfigsApi,
  createAlterConfigsResponse,
  createAlterConfigsResponseAlterConfigsResourceResponse,
  readAlterConfigsRequest,
  sizeAlterConfigsResponse,
  writeAlterConfigsResponse,
  type AlterConfigsRequest,
  type AlterConfigsRequestAlterConfigsResource,
  type AlterConfigsResponse,
} from '../../protocol/generated/alter-configs.js';
import {
  createIncrementalAlterConfigsRequestAlterConfigsResource,
  createIncrementalAlterConfigsRequestAlterableConfig,
  type IncrementalAlterConfigsRequestAlterConfigsResource,
} from '../../protocol/generated/incremental-alter-configs.js';
import type { Broker } from '../broker.js';
import { ResourceType } from './describe-configs.js';
import { OpType, alterResources } from './incremental-alter-configs.js';
import { defineHandler, type RequestContext } from './types.js';

function asIncremental(broker: Broker, resource: AlterConfigsRequestAlterConfigsResource): IncrementalAlterConfigsRequestAlterConfigsResource {
  const current: ReadonlyMap<string, string> =
    resource.resourceType === ResourceType.TOPIC ? (broker.log.topic(resource.resourceName)?.configs ?? new Map()) : broker.log.brokerConfigs();
  const listed = new Set(resource.configs.map((c) => c.name));
  const configs = resource.configs.map((c) => ({
    ...createIncrementalAlterConfigsRequestAlterableConfig(),
    name: c.name,
    configOperation: c.value === null ? OpType.DELETE : OpType.SET,
    value: c.value,
  }));
  for (const name of current.keys()) {
    if (!listed.has(name)) configs.push({ ...createIncrementalAlterConfigsRequestAlterableConfig(), name, configOperation: OpType.DELETE, value: null });
  }
  return { ...createIncrementalAlterConfigsRequestAlterConfigsResource(), resourceType: resource.resourceType, resourceName: resource.resourceName, configs };
}

async function handleAlterConfigs(request: AlterConfigsRequest, context: RequestContext): Promise<AlterConfigsResponse> {
  const { broker } = context;
  const outcomes = await alterResources(
    broker,
    request.resources.map((r) => asIncremental(broker, r)),
    request.validateOnly,
  );
  const response = createAlterConfigsResponse();
  response.responses = request.resources.map((resource, i) => ({
    ...createAlterConfigsResponseAlterConfigsResourceResponse(),
    resourceType: resource.resourceType,
    resourceName: resource.resourceName,
    ...outcomes[i]!,
  }));
  return response;
}

export const alterConfigsHandler = defineHandler<AlterConfigsRequest, AlterConfigsResponse>({
  apiKey: AlterConfigsApi.apiKey,
  name: AlterConfigsApi.name,
  minVersion: 0,
  maxVersion: 2,
  readRequest: readAlterConfigsRequest,
  sizeResponse: sizeAlterConfigsResponse,
  writeResponse: writeAlterConfigsResponse,
  handle: handleAlterConfigs,
});
