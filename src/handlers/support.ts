/**
 * Small helpers shared by handlers.
 */

import { uuidFromBytes } from '../../protocol/uuid.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { PartitionState, TopicState } from '../log/index.js';

/** A topic's id in Kafka's display form, as the wire codecs carry it. */
export function topicIdOf(topic: TopicState): string {
  return uuidFromBytes(topic.topicId);
}

/** An int64 wire field from a JS number. */
export function int64(value: number): bigint {
  return BigInt(value);
}

/** Kafka's AclOperation codes as a bit set. */
function operations(...codes: number[]): number {
  return codes.reduce((bits, code) => bits | (1 << code), 0);
}

// Authorized operations: Sluice has no ACLs, so, like Kafka without an authorizer, every
// operation the resource type supports.
/** A topic: READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS. */
export const TOPIC_OPERATIONS = operations(3, 4, 5, 6, 7, 8, 10, 11);
/** The cluster: CREATE, ALTER, DESCRIBE, CLUSTER_ACTION, DESCRIBE_CONFIGS, ALTER_CONFIGS, IDEMPOTENT_WRITE. */
export const CLUSTER_OPERATIONS = operations(5, 7, 8, 9, 10, 11, 12);
/** The value of an authorized-operations field the client did not ask for. */
export const OPERATIONS_NOT_REQUESTED = -2147483648;

/**
 * A request's current_leader_epoch checked against the partition's (Fetch, ListOffsets,
 * OffsetForLeaderEpoch): -1 skips the check; an older epoch is FENCED_LEADER_EPOCH, a newer one
 * UNKNOWN_LEADER_EPOCH; NONE otherwise.
 */
export function leaderEpochError(currentLeaderEpoch: number, partition: PartitionState): number {
  if (currentLeaderEpoch < 0 || currentLeaderEpoch === partition.leaderEpoch) return ErrorCode.NONE;
  return currentLeaderEpoch > partition.leaderEpoch ? ErrorCode.UNKNOWN_LEADER_EPOCH : ErrorCode.FENCED_LEADER_EPOCH;
}
