/**
 * Small helpers shared by handlers.
 */

import { uuidFromBytes } from '../../protocol/uuid.js';
import type { TopicState } from '../log/index.js';

/** A topic's id in Kafka's display form, as the wire codecs carry it. */
export function topicIdOf(topic: TopicState): string {
  return uuidFromBytes(topic.topicId);
}

/** An int64 wire field from a JS number. */
export function int64(value: number): bigint {
  return BigInt(value);
}
