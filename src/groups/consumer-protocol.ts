/**
 * What the coordinator reads of the "consumer" protocol's member metadata
 * (ConsumerProtocolSubscription): only the topics, for OffsetDelete. Every version starts
 * with the version 0 layout, so reading that prefix serves all of them (Kafka does the same):
 *
 *   [version i16][topic count i32] count x ([length i16][utf8])[user data: length i32 (-1 = null), bytes]
 *
 * Later versions append fields (owned partitions, generation, rack), which are ignored.
 */

import { ProtocolError } from '../../protocol/errors.js';
import { Reader } from '../../protocol/primitives.js';

export const CONSUMER_PROTOCOL_TYPE = 'consumer';

/** The subscribed topics, or null when the bytes do not hold the version 0 prefix. */
export function readSubscribedTopics(metadata: Buffer): string[] | null {
  const r = new Reader(metadata);
  try {
    r.int16(); // version: any, every version has the prefix
    const count = r.int32();
    if (count < 0) return null;
    const topics: string[] = [];
    for (let i = 0; i < count; i++) topics.push(r.string());
    r.nullableBytes(); // user data
    return topics;
  } catch (err) {
    if (err instanceof ProtocolError) return null;
    throw err;
  }
}
