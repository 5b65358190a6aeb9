/**
 * The client address that group handlers record for DescribeGroups.
 */

import type { ConnectionHandle } from '../server/connection.js';

/** The client's address as Kafka reports it in DescribeGroups ("/127.0.0.1"). */
export function clientHostOf(connection: ConnectionHandle): string {
  const remote = connection.remote;
  const colon = remote.lastIndexOf(':');
  return `/${colon > 0 ? remote.slice(0, colon) : remote}`;
}
