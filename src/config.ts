/**
 * Broker configuration: Kafka's own names where Kafka has the setting, typed and
 * validated in one table, read from defaults < a .properties file < SLUICE_* environment
 * variables < --override flags < the dedicated flags (--host, --port, --data-dir).
 */

import { readFileSync } from 'node:fs';
import { parseSyncPolicy, type WalConfig } from './log/index.js';
import type { GroupCoordinatorSettings } from './groups/index.js';
import { isLogLevel, type LogLevel } from './logger.js';

export interface BrokerConfig {
  host: string;
  port: number;
  /** Host and port written into Metadata responses; default: the bound address. */
  advertisedHost: string | null;
  advertisedPort: number | null;
  dataDir: string;
  nodeId: number;
  numPartitions: number;
  autoCreateTopics: boolean;
  messageMaxBytes: number;
  socketRequestMaxBytes: number;
  queuedMaxRequests: number;
  queuedMaxRequestBytes: number;
  logLevel: LogLevel;
  wal: WalConfig;
  /** log.retention.ms: how long data is kept (-1: forever); topics override with retention.ms. */
  logRetentionMs: number;
  /** log.retention.bytes: bytes kept per partition (-1: no limit); topics override with retention.bytes. */
  logRetentionBytes: number;
  /** log.retention.check.interval.ms: how often retention runs. */
  logRetentionCheckIntervalMs: number;
  /** producer.id.expiration.ms: idempotent producer state is dropped after this idle time. */
  producerIdExpirationMs: number;
  /** log.cache.bytes (Sluice only): bytes of recently written batches kept in memory for Fetch. */
  logCacheBytes: number;
  /** Consumer group coordinator settings (group.*, offset.metadata.max.bytes). */
  groups: GroupCoordinatorSettings;
}

type Kind = 'string' | 'int' | 'bool' | 'level' | 'sync';

interface Setting {
  key: string;
  kind: Kind;
  default: string;
  doc: string;
  apply: (config: BrokerConfig, value: never) => void;
}

function setting<K extends Kind>(
  key: string,
  kind: K,
  value: string,
  doc: string,
  apply: (config: BrokerConfig, value: ValueOf<K>) => void,
): Setting {
  return { key, kind, default: value, doc, apply: apply as Setting['apply'] };
}

type ValueOf<K extends Kind> = K extends 'int'
  ? number
  : K extends 'bool'
    ? boolean
    : K extends 'level'
      ? LogLevel
      : K extends 'sync'
        ? WalConfig['syncPolicy']
        : string;

/** Every setting the broker honours, with its default and what it does. */
export const SETTINGS: readonly Setting[] = [
  setting('host', 'string', '127.0.0.1', 'address to listen on', (c, v) => (c.host = v)),
  setting('port', 'int', '9092', 'port to listen on (0 picks a free one)', (c, v) => (c.port = v)),
  setting('advertised.host', 'string', '', 'host given to clients in Metadata (default: the listen address)', (c, v) => (c.advertisedHost = v || null)),
  setting('advertised.port', 'int', '-1', 'port given to clients in Metadata (default: the bound port)', (c, v) => (c.advertisedPort = v >= 0 ? v : null)),
  setting('log.dirs', 'string', './data', 'data directory (one directory)', (c, v) => (c.dataDir = v)),
  setting('node.id', 'int', '1', 'this broker id', (c, v) => (c.nodeId = v)),
  setting('num.partitions', 'int', '1', 'partitions of an auto-created topic or a CreateTopics without a count', (c, v) => (c.numPartitions = v)),
  setting('auto.create.topics.enable', 'bool', 'true', 'create unknown topics named in Metadata requests', (c, v) => (c.autoCreateTopics = v)),
  setting('message.max.bytes', 'int', '1048588', 'largest record batch accepted', (c, v) => (c.messageMaxBytes = v)),
  setting('socket.request.max.bytes', 'int', '104857600', 'largest request frame accepted', (c, v) => (c.socketRequestMaxBytes = v)),
  setting('queued.max.requests', 'int', '500', 'requests in flight per connection before it stops being read', (c, v) => (c.queuedMaxRequests = v)),
  setting('queued.max.request.bytes', 'int', '16777216', 'request bytes in flight per connection before it stops being read', (c, v) => (c.queuedMaxRequestBytes = v)),
  setting('log.level', 'level', 'info', 'debug, info, warn, error or silent', (c, v) => (c.logLevel = v)),
  setting('wal.enabled', 'bool', 'true', 'write-ahead log on disk; false keeps everything in memory only', (c, v) => (c.wal.enabled = v)),
  setting('wal.segment.bytes', 'int', '1073741824', 'WAL segment size before rolling', (c, v) => (c.wal.segmentBytes = v)),
  setting('wal.group.max.bytes', 'int', '4194304', 'a commit group is written once it holds this many bytes', (c, v) => (c.wal.groupMaxBytes = v)),
  setting('wal.group.max.records', 'int', '100000', 'a commit group is written once it holds this many records', (c, v) => (c.wal.groupMaxRecords = v)),
  setting('wal.group.max.age.ms', 'int', '0', 'how long a commit group may wait for company while the disk is idle', (c, v) => (c.wal.groupMaxAgeMs = v)),
  setting('wal.sync.policy', 'sync', 'always', 'always, interval:N (ms) or never (acks=all then means acks=1)', (c, v) => (c.wal.syncPolicy = v)),
  setting('log.retention.ms', 'int', '604800000', 'how long data is kept, -1 for ever (topic override: retention.ms)', (c, v) => (c.logRetentionMs = v)),
  setting('log.retention.bytes', 'int', '-1', 'bytes kept per partition, -1 for no limit (topic override: retention.bytes)', (c, v) => (c.logRetentionBytes = v)),
  setting('group.initial.rebalance.delay.ms', 'int', '0', 'how long a new group waits for more members before its first rebalance (Kafka: 3000)', (c, v) => (c.groups.initialRebalanceDelayMs = v)),
  setting('group.min.session.timeout.ms', 'int', '6000', 'smallest session timeout a consumer may ask for', (c, v) => (c.groups.minSessionTimeoutMs = v)),
  setting('group.max.session.timeout.ms', 'int', '1800000', 'largest session timeout a consumer may ask for', (c, v) => (c.groups.maxSessionTimeoutMs = v)),
  setting('offset.metadata.max.bytes', 'int', '4096', 'largest metadata string of a committed offset', (c, v) => (c.groups.offsetMetadataMaxBytes = v)),
  setting('log.retention.check.interval.ms', 'int', '300000', 'how often retention looks for data to delete', (c, v) => (c.logRetentionCheckIntervalMs = v)),
  setting('producer.id.expiration.ms', 'int', '86400000', 'how long an idle idempotent producer keeps its sequence state', (c, v) => (c.producerIdExpirationMs = v)),
  setting('log.cache.bytes', 'int', '67108864', 'bytes of recently written batches kept in memory for Fetch (WAL on); older batches are read back from the WAL files', (c, v) => (c.logCacheBytes = v)),
];

const BY_KEY = new Map(SETTINGS.map((s) => [s.key, s]));

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function parseValue(setting: Setting, raw: string): unknown {
  const value = raw.trim();
  switch (setting.kind) {
    case 'string':
      return value;
    case 'int': {
      if (!/^-?\d+$/.test(value)) throw new ConfigError(`${setting.key}: expected an integer, got "${raw}"`);
      return Number(value);
    }
    case 'bool': {
      if (value !== 'true' && value !== 'false') throw new ConfigError(`${setting.key}: expected true or false, got "${raw}"`);
      return value === 'true';
    }
    case 'level': {
      if (!isLogLevel(value)) throw new ConfigError(`${setting.key}: expected debug, info, warn, error or silent, got "${raw}"`);
      return value;
    }
    case 'sync':
      try {
        return parseSyncPolicy(value);
      } catch (err) {
        throw new ConfigError((err as Error).message);
      }
  }
}

/** Parses Kafka-style `.properties` text: `key=value` or `key: value`, `#` and `!` comments. */
export function parseProperties(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    const match = /^([^=:\s]+)\s*[=:\s]\s*(.*)$/.exec(line);
    if (!match) throw new ConfigError(`cannot parse properties line "${rawLine}"`);
    out.set(match[1]!, match[2]!);
  }
  return out;
}

export interface ConfigSources {
  /** Path of a .properties file. */
  configFile?: string;
  /** Environment, scanned for SLUICE_<KEY> with dots as underscores (SLUICE_NUM_PARTITIONS). */
  env?: NodeJS.ProcessEnv;
  /** key=value pairs with Kafka's names, applied after the file and the environment. */
  overrides?: Record<string, string>;
  host?: string;
  port?: number;
  dataDir?: string;
}

export interface ResolvedConfig {
  config: BrokerConfig;
  /** Effective value of every setting and where it came from, for the start-up banner. */
  effective: Array<{ key: string; value: string; source: string }>;
}

function emptyConfig(): BrokerConfig {
  return {
    host: '',
    port: 0,
    advertisedHost: null,
    advertisedPort: null,
    dataDir: '',
    nodeId: 0,
    numPartitions: 0,
    autoCreateTopics: false,
    messageMaxBytes: 0,
    socketRequestMaxBytes: 0,
    queuedMaxRequests: 0,
    queuedMaxRequestBytes: 0,
    logLevel: 'info',
    wal: { enabled: true, segmentBytes: 0, groupMaxBytes: 0, groupMaxRecords: 0, groupMaxAgeMs: 0, syncPolicy: { kind: 'always' } },
    logRetentionMs: 0,
    logRetentionBytes: 0,
    logRetentionCheckIntervalMs: 0,
    groups: { initialRebalanceDelayMs: 0, minSessionTimeoutMs: 0, maxSessionTimeoutMs: 0, offsetMetadataMaxBytes: 0 },
    producerIdExpirationMs: 0,
    logCacheBytes: 0,
  };
}

/** Builds the broker configuration from every source, failing on unknown keys or bad values. */
export function resolveConfig(sources: ConfigSources = {}): ResolvedConfig {
  const raw = new Map<string, { value: string; source: string }>();
  for (const s of SETTINGS) raw.set(s.key, { value: s.default, source: 'default' });
  const put = (key: string, value: string, source: string): void => {
    if (key === 'data.dir') key = 'log.dirs';
    if (!BY_KEY.has(key)) throw new ConfigError(`unknown setting "${key}" (from ${source})`);
    raw.set(key, { value, source });
  };
  if (sources.configFile) {
    let text: string;
    try {
      text = readFileSync(sources.configFile, 'utf8');
    } catch (err) {
      throw new ConfigError(`cannot read config file ${sources.configFile}: ${(err as Error).message}`);
    }
    for (const [k, v] of parseProperties(text)) put(k, v, sources.configFile);
  }
  for (const [name, value] of Object.entries(sources.env ?? {})) {
    if (!name.startsWith('SLUICE_') || value === undefined) continue;
    const key = name.slice('SLUICE_'.length).toLowerCase().replace(/_/g, '.');
    if (BY_KEY.has(key)) put(key, value, `env ${name}`);
  }
  for (const [k, v] of Object.entries(sources.overrides ?? {})) put(k, v, '--override');
  if (sources.host !== undefined) put('host', sources.host, '--host');
  if (sources.port !== undefined) put('port', String(sources.port), '--port');
  if (sources.dataDir !== undefined) put('log.dirs', sources.dataDir, '--data-dir');

  const config = emptyConfig();
  const effective: ResolvedConfig['effective'] = [];
  for (const s of SETTINGS) {
    const { value, source } = raw.get(s.key)!;
    s.apply(config, parseValue(s, value) as never);
    effective.push({ key: s.key, value, source });
  }
  validate(config);
  return { config, effective };
}

function validate(c: BrokerConfig): void {
  const positive: Array<[string, number]> = [
    ['num.partitions', c.numPartitions],
    ['message.max.bytes', c.messageMaxBytes],
    ['socket.request.max.bytes', c.socketRequestMaxBytes],
    ['queued.max.requests', c.queuedMaxRequests],
    ['queued.max.request.bytes', c.queuedMaxRequestBytes],
    ['wal.segment.bytes', c.wal.segmentBytes],
    ['wal.group.max.bytes', c.wal.groupMaxBytes],
    ['wal.group.max.records', c.wal.groupMaxRecords],
  ];
  for (const [key, value] of positive) if (value <= 0) throw new ConfigError(`${key} must be positive, got ${value}`);
  if (c.port < 0 || c.port > 65535) throw new ConfigError(`port must be 0-65535, got ${c.port}`);
  if (c.groups.initialRebalanceDelayMs < 0) throw new ConfigError(`group.initial.rebalance.delay.ms must be >= 0, got ${c.groups.initialRebalanceDelayMs}`);
  if (c.groups.minSessionTimeoutMs <= 0 || c.groups.maxSessionTimeoutMs < c.groups.minSessionTimeoutMs) {
    throw new ConfigError('group.min.session.timeout.ms must be positive and at most group.max.session.timeout.ms');
  }
  if (c.groups.offsetMetadataMaxBytes < 0) throw new ConfigError(`offset.metadata.max.bytes must be >= 0, got ${c.groups.offsetMetadataMaxBytes}`);
  if (c.logRetentionMs < -1) throw new ConfigError(`log.retention.ms must be -1 (for ever) or >= 0, got ${c.logRetentionMs}`);
  if (c.logRetentionBytes < -1) throw new ConfigError(`log.retention.bytes must be -1 (no limit) or >= 0, got ${c.logRetentionBytes}`);
  if (c.logRetentionCheckIntervalMs <= 0) throw new ConfigError(`log.retention.check.interval.ms must be positive, got ${c.logRetentionCheckIntervalMs}`);
  if (c.producerIdExpirationMs <= 0) throw new ConfigError(`producer.id.expiration.ms must be positive, got ${c.producerIdExpirationMs}`);
  if (c.logCacheBytes < 0) throw new ConfigError(`log.cache.bytes must be >= 0, got ${c.logCacheBytes}`);
  if (c.wal.groupMaxAgeMs < 0) throw new ConfigError(`wal.group.max.age.ms must be >= 0, got ${c.wal.groupMaxAgeMs}`);
  if (c.dataDir === '') throw new ConfigError('log.dirs must name a directory');
  if (c.dataDir.includes(',')) throw new ConfigError('log.dirs: Sluice uses exactly one data directory');
}
