/**
 * IncrementalAlterConfigs (key 44), versions 0-1.
 *
 * - Topics (resource type 2): SET (0) and DELETE (1) of any topic config Kafka knows
 *   (src/topics.ts); values are validated as CreateTopics does (retention.ms and
 *   retention.bytes: -1 or >= 0; max.message.bytes: a positive integer; cleanup.policy:
 *   delete and/or compact, stored but reported as delete). Unknown names: INVALID_CONFIG.
 * - The broker (resource type 4, name "" for the cluster default or this node's id, one
 *   broker so both mean the same): SET and DELETE of log.retention.ms and
 *   log.retention.bytes, stored as dynamic cluster-wide defaults that win over the
 *   static settings. Other settings of this broker: INVALID_REQUEST (static, change them
 *   in the properties file); unknown names: INVALID_CONFIG.
 * - APPEND (2) and SUBTRACT (3) answer INVALID_REQUEST; so do a config named twice in one
 *   resource, a resource listed twice, another broker id and other resource types.
 * - A resource's changes are validated as a whole, then applied through the log
 *   (alterTopicConfigs / setBrokerConfigs), durable before the answer. validate_only
 *   checks without applying. KAFKA_STORAGE_ERROR when the log is fenced.
 */

import { ErrorCode } from '../../protocol/generated/errors.js';
import {
  IncrementalAlterConfigsApi,
  createIncrementalAlterConfigsResponse,
  createIncrementalAlterConfigsResponseAlterConfigsResourceResponse,
  readIncrementalAlterConfigsRequest,
  sizeIncrementalAlterConfigsResponse,
  writeIncrementalAlterConfigsResponse,
  type IncrementalAlterConfigsRequest,
  type IncrementalAlterConfigsRequestAlterConfigsResource,
  type IncrementalAlterConfigsResponse,
  type IncrementalAlterConfigsResponseAlterConfigsResourceResponse,
} from '../../protocol/generated/incremental-alter-configs.js';
import type { Broker } from '../broker.js';
import { SETTINGS } from '../config.js';
import { StorageError, UnknownTopicError } from '../log/index.js';
import { DYNAMIC_BROKER_CONFIGS, KNOWN_TOPIC_CONFIGS, invalidBrokerConfigReason, invalidTopicConfigReason } from '../topics.js';
import { ResourceType } from './describe-configs.js';
import { defineHandler, type RequestContext } from './types.js';

export const OpType = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const;
const STATIC_SETTINGS: ReadonlySet<string> = new Set(SETTINGS.map((s) => s.key));

interface Change {
  set: Map<string, string>;
  remove: string[];
}

type Verdict = Change | ResourceOutcome;

function invalid(errorCode: number, errorMessage: string): Verdict {
  return { errorCode, errorMessage };
}

function plan(broker: Broker, resource: IncrementalAlterConfigsRequestAlterConfigsResource): Verdict {
  const isTopic = resource.resourceType === ResourceType.TOPIC;
  if (isTopic) {
    if (!broker.log.topic(resource.resourceName)) return invalid(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${resource.resourceName}' does not exist.`);
  } else if (resource.resourceType === ResourceType.BROKER) {
    if (resource.resourceName !== '' && resource.resourceName !== String(broker.nodeId)) {
      return invalid(ErrorCode.INVALID_REQUEST, `Unexpected broker id, expected ${broker.nodeId} or empty string, but received ${resource.resourceName}`);
    }
  } else {
    return invalid(ErrorCode.INVALID_REQUEST, `resource type ${resource.resourceType} is not supported (topics: 2, brokers: 4)`);
  }
  const change: Change = { set: new Map(), remove: [] };
  const named = new Set<string>();
  for (const c of resource.configs) {
    if (named.has(c.name)) return invalid(ErrorCode.INVALID_REQUEST, `config ${c.name} is named more than once`);
    named.add(c.name);
    if (isTopic ? !KNOWN_TOPIC_CONFIGS.has(c.name) : !DYNAMIC_BROKER_CONFIGS.has(c.name) && !STATIC_SETTINGS.has(c.name)) {
      return invalid(ErrorCode.INVALID_CONFIG, `unknown ${isTopic ? 'topic' : 'broker'} config "${c.name}"`);
    }
    if (!isTopic && !DYNAMIC_BROKER_CONFIGS.has(c.name)) {
      return invalid(ErrorCode.INVALID_REQUEST, `broker config ${c.name} cannot be changed at run time; set it in the properties file and restart`);
    }
    switch (c.configOperation) {
      case OpType.SET: {
        const bad = isTopic ? invalidTopicConfigReason(c.name, c.value) : invalidBrokerConfigReason(c.name, c.value);
        if (bad !== null) return invalid(ErrorCode.INVALID_CONFIG, bad);
        change.set.set(c.name, c.value!);
        break;
      }
      case OpType.DELETE:
        change.remove.push(c.name);
        break;
      case OpType.APPEND:
      case OpType.SUBTRACT:
        return invalid(ErrorCode.INVALID_REQUEST, `APPEND and SUBTRACT are not supported (config ${c.name}); use SET`);
      default:
        return invalid(ErrorCode.INVALID_REQUEST, `unknown config operation ${c.configOperation}`);
    }
  }
  return change;
}

function apply(broker: Broker, resource: IncrementalAlterConfigsRequestAlterConfigsResource, change: Change): Promise<void> {
  try {
    return resource.resourceType === ResourceType.TOPIC
      ? broker.log.alterTopicConfigs(resource.resourceName, change.set, change.remove)
      : broker.log.setBrokerConfigs(change.set, change.remove);
  } catch (err) {
    return Promise.reject(err);
  }
}

function errorOf(err: Error): ResourceOutcome {
  const errorCode =
    err instanceof UnknownTopicError ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : err instanceof StorageError ? ErrorCode.KAFKA_STORAGE_ERROR : ErrorCode.UNKNOWN_SERVER_ERROR;
  return { errorCode, errorMessage: err.message };
}

export interface ResourceOutcome {
  errorCode: number;
  errorMessage: string | null;
}

/**
 * Validates each resource's changes as a whole and applies the valid ones through the log
 * (durable before the promise resolves); one outcome per resource, in order. Shared with
 * the legacy AlterConfigs handler, which states its changes as a whole config set.
 */
export function alterResources(
  broker: Broker,
  resources: readonly IncrementalAlterConfigsRequestAlterConfigsResource[],
  validateOnly: boolean,
): Promise<ResourceOutcome[]> {
  const key = (r: IncrementalAlterConfigsRequestAlterConfigsResource): string => `${r.resourceType}:${r.resourceName}`;
  const counts = new Map<string, number>();
  for (const r of resources) counts.set(key(r), (counts.get(key(r)) ?? 0) + 1);
  return Promise.all(
    resources.map((resource): ResourceOutcome | Promise<ResourceOutcome> => {
      const verdict =
        counts.get(key(resource))! > 1 ? invalid(ErrorCode.INVALID_REQUEST, `resource ${resource.resourceName} is listed more than once`) : plan(broker, resource);
      if ('errorCode' in verdict) return verdict;
      if (validateOnly) return { errorCode: ErrorCode.NONE, errorMessage: null };
      return apply(broker, resource, verdict).then(() => ({ errorCode: ErrorCode.NONE, errorMessage: null }), errorOf);
    }),
  );
}

function handleIncrementalAlterConfigs(request: IncrementalAlterConfigsRequest, context: RequestContext): Promise<IncrementalAlterConfigsResponse> {
  return alterResources(context.broker, request.resources, request.validateOnly).then((outcomes) => {
    const response = createIncrementalAlterConfigsResponse();
    response.responses = request.resources.map((resource, i): IncrementalAlterConfigsResponseAlterConfigsResourceResponse => ({
      ...createIncrementalAlterConfigsResponseAlterConfigsResourceResponse(),
      resourceType: resource.resourceType,
      resourceName: resource.resourceName,
      ...outcomes[i]!,
    }));
    return response;
  });
}

export const incrementalAlterConfigsHandler = defineHandler<IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse>({
  apiKey: IncrementalAlterConfigsApi.apiKey,
  name: IncrementalAlterConfigsApi.name,
  minVersion: 0,
  maxVersion: 1,
  readRequest: readIncrementalAlterConfigsRequest,
  sizeResponse: sizeIncrementalAlterConfigsResponse,
  writeResponse: writeIncrementalAlterConfigsResponse,
  handle: handleIncrementalAlterConfigs,
});
