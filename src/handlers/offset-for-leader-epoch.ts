/**
 * OffsetForLeaderEpoch (key 23), versions 0-4.
 *
 * Consumers (the Java client, librdkafka) ask it to check, after a leader change or when
 * resuming from a committed offset, that the log was not truncated below their position. A
 * Sluice partition has had one leader, this broker, at epoch 0 since its first offset, so the
 * answer follows Kafka's LeaderEpochFileCache.endOffsetFor with that single epoch: epoch 0 ends
 * at the log end offset; any other epoch is unknown here (UNDEFINED_EPOCH -1, offset -1, no
 * error), as Kafka answers for an epoch above its latest. current_leader_epoch is checked as Fetch checks it (FENCED_LEADER_EPOCH /
 * UNKNOWN_LEADER_EPOCH); unknown partitions are UNKNOWN_TOPIC_OR_PARTITION.
 */

import { ErrorCode } from '../../protocol/generated/errors.js';
import {
  OffsetForLeaderEpochApi,
  createOffsetForLeaderEpochResponse,
  createOffsetForLeaderEpochResponseEpochEndOffset,
  createOffsetForLeaderEpochResponseOffsetForLeaderTopicResult,
  readOffsetForLeaderEpochRequest,
  sizeOffsetForLeaderEpochResponse,
  writeOffsetForLeaderEpochResponse,
  type OffsetForLeaderEpochRequest,
  type OffsetForLeaderEpochRequestOffsetForLeaderPartition,
  type OffsetForLeaderEpochResponse,
  type OffsetForLeaderEpochResponseEpochEndOffset,
} from '../../protocol/generated/offset-for-leader-epoch.js';
import type { BrokerLog } from '../log/index.js';
import { int64, leaderEpochError } from './support.js';
import { defineHandler, type RequestContext } from './types.js';

const UNDEFINED_EPOCH = -1;

function endOffsetFor(log: BrokerLog, topic: string, p: OffsetForLeaderEpochRequestOffsetForLeaderPartition): OffsetForLeaderEpochResponseEpochEndOffset {
  const out = createOffsetForLeaderEpochResponseEpochEndOffset();
  out.partition = p.partition;
  out.leaderEpoch = UNDEFINED_EPOCH;
  out.endOffset = -1n;
  const partition = log.partition(topic, p.partition);
  if (partition === undefined) {
    out.errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    return out;
  }
  out.errorCode = leaderEpochError(p.currentLeaderEpoch, partition);
  if (out.errorCode !== ErrorCode.NONE) return out;
  // The partition's only epoch, which began at its first offset, ends at the log end.
  if (p.leaderEpoch === partition.leaderEpoch) {
    out.leaderEpoch = partition.leaderEpoch;
    out.endOffset = int64(partition.logEndOffset);
  }
  return out;
}

function handleOffsetForLeaderEpoch(request: OffsetForLeaderEpochRequest, { broker }: RequestContext): OffsetForLeaderEpochResponse {
  const response = createOffsetForLeaderEpochResponse();
  response.topics = request.topics.map((t) => ({
    ...createOffsetForLeaderEpochResponseOffsetForLeaderTopicResult(),
    topic: t.topic,
    partitions: t.partitions.map((p) => endOffsetFor(broker.log, t.topic, p)),
  }));
  return response;
}

export const offsetForLeaderEpochHandler = defineHandler<OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse>({
  apiKey: OffsetForLeaderEpochApi.apiKey,
  name: OffsetForLeaderEpochApi.name,
  minVersion: 0,
  maxVersion: 4,
  readRequest: readOffsetForLeaderEpochRequest,
  sizeResponse: sizeOffsetForLeaderEpochResponse,
  writeResponse: writeOffsetForLeaderEpochResponse,
  handle: handleOffsetForLeaderEpoch,
});
