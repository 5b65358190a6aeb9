/**
 * DescribeConfigs (key 32), versions 1-4.
 *
 * - Topics (resource type 2): cleanup.policy (always `delete`: Sluice never compacts),
 *   max.message.bytes, retention.bytes and retention.ms with their effective values, plus
 *   every other config set on the topic (stored, not acted on). Sources, in precedence:
 *   DYNAMIC_TOPIC_CONFIG (1), DYNAMIC_DEFAULT_BROKER_CONFIG (3, set at run time through
 *   IncrementalAlterConfigs), STATIC_BROKER_CONFIG (4, from the properties file, env or
 *   flags), DEFAULT_CONFIG (5). With include_synonyms every level that has a value is
 *   listed, highest first, under Kafka's names (retention.ms, then log.retention.ms).
 * - The broker (resource type 4, name "" or this node's id): every setting of the
 *   SETTINGS table with its effective value, read-only except log.retention.ms and
 *   log.retention.bytes. `wal.sync.policy` is reported as configured, and the read-only
 *   `wal.acks.all.durability` says what acks=all really guarantees (`fdatasync`, or
 *   `write` when the policy is never or the WAL is off: acks=all then means acks=1).
 * - configuration_keys narrows the answer (unknown names are left out, as in Kafka);
 *   documentation (v3+) only when asked, else null.
 * - Errors per resource: UNKNOWN_TOPIC_OR_PARTITION, INVALID_REQUEST (another broker id,
 *   an unsupported resource type).
 */

import {
  DescribeConfigsApi,
  createDescribeConfigsResponse,
  createDescribeConfigsResponseDescribeConfigsResourceResult,
  createDescribeConfigsResponseDescribeConfigsResult,
  createDescribeConfigsResponseDescribeConfigsSynonym,
  readDescribeConfigsRequest,
  sizeDescribeConfigsResponse,
  writeDescribeConfigsResponse,
  type DescribeConfigsRequest,
  type DescribeConfigsRequestDescribeConfigsResource,
  type DescribeConfigsResponse,
  type DescribeConfigsResponseDescribeConfigsResourceResult,
  type DescribeConfigsResponseDescribeConfigsResult,
} from '../../protocol/generated/describe-configs.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { Broker } from '../broker.js';
import { SETTINGS, type BrokerConfig } from '../config.js';
import { formatSyncPolicy } from '../log/index.js';
import { ConfigType, DESCRIBED_TOPIC_CONFIGS, DYNAMIC_BROKER_CONFIGS } from '../topics.js';
import { defineHandler, type RequestContext } from './types.js';

export const ResourceType = { TOPIC: 2, BROKER: 4 } as const;

export const ConfigSource = {
  DYNAMIC_TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
} as const;

/** One level of a config's value: where it comes from and under which name. */
interface Level {
  name: string;
  value: string | null;
  source: number;
}

const SETTING_BY_KEY = new Map(SETTINGS.map((s) => [s.key, s]));

/** The value a broker setting has from its static sources, as text. */
function staticValue(c: BrokerConfig, key: string): string | undefined {
  switch (key) {
    case 'host': return c.host;
    case 'port': return String(c.port);
    case 'advertised.host': return c.advertisedHost ?? '';
    case 'advertised.port': return String(c.advertisedPort ?? -1);
    case 'log.dirs': return c.dataDir;
    case 'node.id': return String(c.nodeId);
    case 'num.partitions': return String(c.numPartitions);
    case 'auto.create.topics.enable': return String(c.autoCreateTopics);
    case 'message.max.bytes': return String(c.messageMaxBytes);
    case 'socket.request.max.bytes': return String(c.socketRequestMaxBytes);
    case 'queued.max.requests': return String(c.queuedMaxRequests);
    case 'queued.max.request.bytes': return String(c.queuedMaxRequestBytes);
    case 'log.level': return c.logLevel;
    case 'wal.enabled': return String(c.wal.enabled);
    case 'wal.segment.bytes': return String(c.wal.segmentBytes);
    case 'wal.group.max.bytes': return String(c.wal.groupMaxBytes);
    case 'wal.group.max.records': return String(c.wal.groupMaxRecords);
    case 'wal.group.max.age.ms': return String(c.wal.groupMaxAgeMs);
    case 'wal.sync.policy': return formatSyncPolicy(c.wal.syncPolicy);
    case 'log.retention.ms': return String(c.logRetentionMs);
    case 'log.retention.bytes': return String(c.logRetentionBytes);
    case 'log.retention.check.interval.ms': return String(c.logRetentionCheckIntervalMs);
    default: return undefined;
  }
}

/** The levels of a broker setting, highest precedence first (the last is always the default). */
function brokerLevels(broker: Broker, key: string): Level[] {
  const levels: Level[] = [];
  const dynamic = DYNAMIC_BROKER_CONFIGS.has(key) ? broker.log.brokerConfigs().get(key) : undefined;
  if (dynamic !== undefined) levels.push({ name: key, value: dynamic, source: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG });
  const fixed = staticValue(broker.config, key);
  const fallback = SETTING_BY_KEY.get(key)?.default ?? fixed ?? null;
  if (fixed !== undefined && fixed !== fallback) levels.push({ name: key, value: fixed, source: ConfigSource.STATIC_BROKER_CONFIG });
  levels.push({ name: key, value: fallback, source: ConfigSource.DEFAULT_CONFIG });
  return levels;
}

/** What acks=all really waits for, given the sync policy in effect. */
function acksAllDurability(broker: Broker): string {
  if (!broker.config.wal.enabled) return 'none (wal.enabled=false: memory only; acks=all means acks=1)';
  const policy = broker.log.effectiveSyncPolicy;
  if (policy.kind === 'never') return 'write (wal.sync.policy=never: no fdatasync; acks=all means acks=1)';
  return 'fdatasync';
}

interface Entry {
  name: string;
  levels: Level[];
  readOnly: boolean;
  type: number;
  doc: string;
}

function entry(request: DescribeConfigsRequest, e: Entry): DescribeConfigsResponseDescribeConfigsResourceResult {
  const out = createDescribeConfigsResponseDescribeConfigsResourceResult();
  const top = e.levels[0]!;
  out.name = e.name;
  out.value = top.value;
  out.configSource = top.source;
  out.isDefault = top.source === ConfigSource.DEFAULT_CONFIG;
  out.readOnly = e.readOnly;
  out.isSensitive = false;
  out.configType = e.type;
  out.documentation = request.includeDocumentation ? e.doc : null;
  if (request.includeSynonyms) {
    out.synonyms = e.levels.map((l) => ({ ...createDescribeConfigsResponseDescribeConfigsSynonym(), name: l.name, value: l.value, source: l.source }));
  }
  return out;
}

function typeOfSetting(key: string): number {
  const kind = SETTING_BY_KEY.get(key)?.kind;
  return kind === 'int' ? ConfigType.LONG : kind === 'bool' ? ConfigType.BOOLEAN : ConfigType.STRING;
}

function describeBroker(broker: Broker): Entry[] {
  const entries: Entry[] = SETTINGS.map((s) => ({
    name: s.key,
    levels: brokerLevels(broker, s.key),
    readOnly: !DYNAMIC_BROKER_CONFIGS.has(s.key),
    type: typeOfSetting(s.key),
    doc: s.key === 'wal.sync.policy' ? `${s.doc}; acks=all durability now: ${acksAllDurability(broker)}` : s.doc,
  }));
  entries.push({
    name: 'wal.acks.all.durability',
    levels: [{ name: 'wal.acks.all.durability', value: acksAllDurability(broker), source: ConfigSource.DEFAULT_CONFIG }],
    readOnly: true,
    type: ConfigType.STRING,
    doc: 'What an acks=all produce waits for before it is answered: fdatasync, or only the WAL write when wal.sync.policy=never or the WAL is off.',
  });
  entries.push({
    name: 'log.cleanup.policy',
    levels: [{ name: 'log.cleanup.policy', value: 'delete', source: ConfigSource.DEFAULT_CONFIG }],
    readOnly: true,
    type: ConfigType.LIST,
    doc: 'Sluice deletes whole WAL segments by retention and never compacts.',
  });
  return entries;
}

function describeTopic(broker: Broker, configs: ReadonlyMap<string, string>): Entry[] {
  const entries: Entry[] = [];
  const described = new Set<string>();
  for (const def of DESCRIBED_TOPIC_CONFIGS) {
    described.add(def.name);
    const set = configs.get(def.name);
    let levels: Level[];
    if (def.name === 'cleanup.policy') {
      levels = [{ name: def.name, value: 'delete', source: set === 'delete' ? ConfigSource.DYNAMIC_TOPIC_CONFIG : ConfigSource.DEFAULT_CONFIG }];
    } else {
      levels = brokerLevels(broker, def.brokerSetting);
      if (set !== undefined) levels.unshift({ name: def.name, value: set, source: ConfigSource.DYNAMIC_TOPIC_CONFIG });
    }
    entries.push({ name: def.name, levels, readOnly: false, type: def.type, doc: def.doc });
  }
  for (const [name, value] of configs) {
    if (described.has(name)) continue;
    entries.push({
      name,
      levels: [{ name, value, source: ConfigSource.DYNAMIC_TOPIC_CONFIG }],
      readOnly: false,
      type: ConfigType.STRING,
      doc: 'Stored with the topic; Sluice does not act on it.',
    });
  }
  return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function describeResource(broker: Broker, request: DescribeConfigsRequest, resource: DescribeConfigsRequestDescribeConfigsResource): DescribeConfigsResponseDescribeConfigsResult {
  const out = createDescribeConfigsResponseDescribeConfigsResult();
  out.resourceType = resource.resourceType;
  out.resourceName = resource.resourceName;
  let entries: Entry[];
  if (resource.resourceType === ResourceType.TOPIC) {
    const topic = broker.log.topic(resource.resourceName);
    if (!topic) {
      out.errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      out.errorMessage = `Topic '${resource.resourceName}' does not exist.`;
      return out;
    }
    entries = describeTopic(broker, topic.configs);
  } else if (resource.resourceType === ResourceType.BROKER) {
    if (resource.resourceName !== '' && resource.resourceName !== String(broker.nodeId)) {
      out.errorCode = ErrorCode.INVALID_REQUEST;
      out.errorMessage = `Unexpected broker id, expected ${broker.nodeId} or empty string, but received ${resource.resourceName}`;
      return out;
    }
    entries = describeBroker(broker);
  } else {
    out.errorCode = ErrorCode.INVALID_REQUEST;
    out.errorMessage = `resource type ${resource.resourceType} is not supported (topics: 2, brokers: 4)`;
    return out;
  }
  const keys = resource.configurationKeys === null ? null : new Set(resource.configurationKeys);
  out.configs = entries.filter((e) => keys === null || keys.has(e.name)).map((e) => entry(request, e));
  return out;
}

function handleDescribeConfigs(request: DescribeConfigsRequest, context: RequestContext): DescribeConfigsResponse {
  const response = createDescribeConfigsResponse();
  response.results = request.resources.map((r) => describeResource(context.broker, request, r));
  return response;
}

export const describeConfigsHandler = defineHandler<DescribeConfigsRequest, DescribeConfigsResponse>({
  apiKey: DescribeConfigsApi.apiKey,
  name: DescribeConfigsApi.name,
  minVersion: 1,
  maxVersion: 4,
  readRequest: readDescribeConfigsRequest,
  sizeResponse: sizeDescribeConfigsResponse,
  writeResponse: writeDescribeConfigsResponse,
  handle: handleDescribeConfigs,
});
