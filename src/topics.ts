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

export const HONOURED_TOPIC_CONFIGS: ReadonlySet<string> = new Set(['max.message.bytes']);

/** The largest batch a topic accepts: its max.message.bytes, else the broker's message.max.bytes. */
export function maxBatchBytes(configs: ReadonlyMap<string, string>, brokerDefault: number): number {
  const value = configs.get('max.message.bytes');
  return value === undefined ? brokerDefault : Number(value);
}

/** Returns why a topic config entry is rejected, or null when it is acceptable. */
export function invalidTopicConfigReason(name: string, value: string | null): string | null {
  if (!KNOWN_TOPIC_CONFIGS.has(name)) return `unknown topic config "${name}"`;
  if (value === null) return `topic config "${name}" needs a value`;
  if (name === 'max.message.bytes' && !(Number.isInteger(Number(value)) && Number(value) > 0)) {
    return `max.message.bytes must be a positive integer, got "${value}"`;
  }
  return null;
}
