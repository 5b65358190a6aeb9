/**
 * What the coordinator reads of the "consumer" protocol's member metadata
 * (ConsumerProtocolSubscription): only the topics, for OffsetDelete. Every version starts
 * with the version 0 layout, so reading that prefix serves all of them (Kafka does the same):
 *
 *   [version i16][topic count i32] count x ([length i16][utf8])[user data: length i32 (-1 = null), bytes]
 *
 * Later versions append fields (owned partitions, generation, rack), which are ignored.
 */

export const CONSUMER_PROTOCOL_TYPE = 'consumer';

/** The subscribed topics, or null when the bytes do not hold the version 0 prefix. */
export function readSubscribedTopics(metadata: Buffer): string[] | null {
  let pos = 0;
  const need = (n: number): boolean => n >= 0 && pos + n <= metadata.length;
  if (!need(2)) return null;
  pos += 2; // version: any, every version has the prefix
  if (!need(4)) return null;
  const count = metadata.readInt32BE(pos);
  pos += 4;
  if (count < 0) return null;
  const topics: string[] = [];
  for (let i = 0; i < count; i++) {
    if (!need(2)) return null;
    const len = metadata.readInt16BE(pos);
    pos += 2;
    if (!need(len)) return null;
    topics.push(metadata.toString('utf8', pos, pos + len));
    pos += len;
  }
  if (!need(4)) return null;
  const userData = metadata.readInt32BE(pos);
  pos += 4;
  if (userData < -1 || (userData > 0 && !need(userData))) return null;
  return topics;
}
