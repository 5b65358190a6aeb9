/**
 * Topic naming and per-topic configuration rules, as Kafka applies them.
 */

/** Kafka's limit: 249 characters of [a-zA-Z0-9._-], neither "." nor "..". */
const LEGAL_TOPIC = /^[a-zA-Z0-9._-]{1,249}$/;

/** Returns why `name` is not a legal topic name, or null when it is. */
export function invalidTopicReason(name: string): string | null {
  if (name === '' ) return 'topic name is empty';
  if (name === '.' || name === '..') return `topic name cannot be "${name}"`;
  if (name.length > 249) return `topic name is ${name.length} characters, the limit is 249`;
  if (!LEGAL_TOPIC.test(name)) return `topic name "${name}" has characters outside [a-zA-Z0-9._-]`;
  return null;
}

/**
 * Topic-level config names that Kafka accepts. Sluice stores every one given at creation;
 * those it acts on are listed in HONOURED_TOPIC_CONFIGS.
 */
export const KNOWN_TOPIC_CONFIGS: ReadonlySet<string> = new Set([
  'cleanup.policy',
  'compression.type',
  'delete.retention.ms',
  'file.delete.delay.ms',
  'flush.messages',
  'flush.ms',
  'follower.replication.throttled.replicas',
  'index.interval.bytes',
  'leader.replication.throttled.replicas',
  'local.retention.bytes',
  'local.retention.ms',
  'max.compaction.lag.ms',
  'max.message.bytes',
  'message.downconversion.enable',
  'message.format.version',
  'message.timestamp.after.max.ms',
  'message.timestamp.before.max.ms',
  'message.timestamp.difference.max.ms',
  'message.timestamp.type',
  'min.cleanable.dirty.ratio',
  'min.compaction.lag.ms',
  'min.insync.replicas',
  'preallocate',
  'remote.storage.enable',
  'retention.bytes',
  'retention.ms',
  'segment.bytes',
  'segment.index.bytes',
  'segment.jitter.ms',
  'segment.ms',
  'unclean.leader.election.enable',
]);

/**
 * Topic configs Sluice acts on: max.message.bytes (Produce), retention.ms and
 * retention.bytes (retention). cleanup.policy is accepted and stored but Sluice never
 * compacts, so DescribeConfigs reports it as `delete`.
 */
export const HONOURED_TOPIC_CONFIGS: ReadonlySet<string> = new Set(['max.message.bytes', 'retention.ms', 'retention.bytes']);

/** Topic configs that hold comma-separated lists (IncrementalAlterConfigs APPEND/SUBTRACT apply to these). */
export const LIST_TOPIC_CONFIGS: ReadonlySet<string> = new Set([
  'cleanup.policy',
  'follower.replication.throttled.replicas',
  'leader.replication.throttled.replicas',
]);

const INTEGER = /^-?\d+$/;

/** A long config that is -1 (no limit) or a non-negative integer. */
function limitReason(name: string, value: string): string | null {
  if (!INTEGER.test(value.trim()) || !Number.isSafeInteger(Number(value)) || Number(value) < -1) {
    return `${name} must be -1 (no limit) or a non-negative integer, got "${value}"`;
  }
  return null;
}

/** The largest batch a topic accepts: its max.message.bytes, else the broker's message.max.bytes. */
export function maxBatchBytes(configs: ReadonlyMap<string, string>, brokerDefault: number): number {
  const value = configs.get('max.message.bytes');
  return value === undefined ? brokerDefault : Number(value);
}

/** Returns why a topic config entry is rejected, or null when it is acceptable. */
export function invalidTopicConfigReason(name: string, value: string | null): string | null {
  if (!KNOWN_TOPIC_CONFIGS.has(name)) return `unknown topic config "${name}"`;
  if (value === null) return `topic config "${name}" needs a value`;
  switch (name) {
    case 'max.message.bytes':
      if (!INTEGER.test(value.trim()) || !(Number(value) > 0) || Number(value) > 0x7fffffff) {
        return `max.message.bytes must be a positive 32-bit integer, got "${value}"`;
      }
      return null;
    case 'retention.ms':
    case 'retention.bytes':
      return limitReason(name, value);
    case 'cleanup.policy': {
      const parts = value.split(',').map((p) => p.trim());
      if (parts.some((p) => p !== 'delete' && p !== 'compact')) return `cleanup.policy must list delete and/or compact, got "${value}"`;
      return null;
    }
    default:
      return null;
  }
}

/** DescribeConfigs' ConfigType values. */
export const ConfigType = { BOOLEAN: 1, STRING: 2, INT: 3, SHORT: 4, LONG: 5, DOUBLE: 6, LIST: 7 } as const;

/** A topic config that DescribeConfigs always reports, with the broker setting behind its default. */
export interface DescribedTopicConfig {
  name: string;
  /** The broker-level setting that supplies the default (Kafka's synonym). */
  brokerSetting: string;
  type: number;
  doc: string;
}

export const DESCRIBED_TOPIC_CONFIGS: readonly DescribedTopicConfig[] = [
  {
    name: 'cleanup.policy',
    brokerSetting: 'log.cleanup.policy',
    type: ConfigType.LIST,
    doc: 'Sluice deletes old segments by retention and never compacts, so this is always reported as delete, whatever was set.',
  },
  { name: 'max.message.bytes', brokerSetting: 'message.max.bytes', type: ConfigType.INT, doc: 'The largest record batch the topic accepts.' },
  { name: 'retention.bytes', brokerSetting: 'log.retention.bytes', type: ConfigType.LONG, doc: 'Bytes kept per partition before whole old WAL segments may be deleted; -1 for no limit.' },
  { name: 'retention.ms', brokerSetting: 'log.retention.ms', type: ConfigType.LONG, doc: 'How long records are kept before whole old WAL segments may be deleted; -1 for ever.' },
];

/** Broker settings that IncrementalAlterConfigs may change at run time (cluster-wide, durable). */
export const DYNAMIC_BROKER_CONFIGS: ReadonlySet<string> = new Set(['log.retention.ms', 'log.retention.bytes']);

/** Returns why a dynamic broker config value is rejected, or null when it is acceptable. */
export function invalidBrokerConfigReason(name: string, value: string | null): string | null {
  if (!DYNAMIC_BROKER_CONFIGS.has(name)) return `broker config "${name}" cannot be changed at run time`;
  if (value === null) return `broker config "${name}" needs a value`;
  return limitReason(name, value);
}
