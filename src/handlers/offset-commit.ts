/**
 * OffsetCommit (key 8), versions 2-9.
 *
 * Stores a group's committed offsets as one WAL entry per request; the answer is sent
 * once that entry is durable, and the offsets are restored exactly after a restart. A
 * commit from a group member (generation >= 0, or a member id, or a group.instance.id)
 * is checked by the group: UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION, FENCED_INSTANCE_ID,
 * REBALANCE_IN_PROGRESS while the group waits for its leader's assignment. A commit with
 * generation -1 and no member id (admin tools, manual offset management) is accepted
 * while the group has no members. Per partition: OFFSET_METADATA_TOO_LARGE above
 * `offset.metadata.max.bytes` (4096 bytes of UTF-8), UNKNOWN_TOPIC_OR_PARTITION for a
 * partition the broker does not have. Null metadata is stored as '' (as Kafka does).
 * v2-v4 carry a retention time, which is ignored (offsets are kept until the group or
 * topic is deleted); v9's member epoch is the generation for classic groups.
 */

import { ErrorCode } from '../../protocol/generated/errors.js';
import {
  OffsetCommitApi,
  createOffsetCommitResponse,
  createOffsetCommitResponsePartition,
  createOffsetCommitResponseTopic,
  readOffsetCommitRequest,
  sizeOffsetCommitResponse,
  writeOffsetCommitResponse,
  type OffsetCommitRequest,
  type OffsetCommitResponse,
  type OffsetCommitResponsePartition,
} from '../../protocol/generated/offset-commit.js';
import type { CommittedOffset } from '../groups/index.js';
import { defineHandler, type RequestContext } from './types.js';

function handleOffsetCommit(request: OffsetCommitRequest, context: RequestContext): OffsetCommitResponse | Promise<OffsetCommitResponse> {
  const { broker } = context;
  const groups = broker.groups;
  const response = createOffsetCommitResponse();
  const groupError = groups.validateCommit(request.groupId, request.memberId, request.groupInstanceId, request.generationIdOrMemberEpoch);
  const maxMetadataBytes = groups.settings.offsetMetadataMaxBytes;
  const now = Date.now();
  const commits: CommittedOffset[] = [];
  const committing: OffsetCommitResponsePartition[] = [];
  for (const topic of request.topics) {
    const topicOut = createOffsetCommitResponseTopic();
    topicOut.name = topic.name;
    response.topics.push(topicOut);
    for (const p of topic.partitions) {
      const out = createOffsetCommitResponsePartition();
      out.partitionIndex = p.partitionIndex;
      topicOut.partitions.push(out);
      const metadata = p.committedMetadata ?? '';
      out.errorCode =
        groupError !== ErrorCode.NONE
          ? groupError
          : broker.log.partition(topic.name, p.partitionIndex) === undefined
            ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
            : Buffer.byteLength(metadata) > maxMetadataBytes
              ? ErrorCode.OFFSET_METADATA_TOO_LARGE
              : ErrorCode.NONE;
      if (out.errorCode !== ErrorCode.NONE) continue;
      commits.push({
        topic: topic.name,
        partition: p.partitionIndex,
        offset: Number(p.committedOffset),
        leaderEpoch: p.committedLeaderEpoch,
        metadata,
        commitTimestamp: now,
      });
      committing.push(out);
    }
  }
  if (commits.length === 0) return response;
  return groups.commitOffsets(request.groupId, commits).then(
    () => response,
    (err: Error) => {
      broker.logger.warn(`committing offsets of group ${request.groupId} failed: ${err.message}`);
      for (const out of committing) out.errorCode = ErrorCode.KAFKA_STORAGE_ERROR;
      return response;
    },
  );
}

export const offsetCommitHandler = defineHandler<OffsetCommitRequest, OffsetCommitResponse>({
  apiKey: OffsetCommitApi.apiKey,
  name: OffsetCommitApi.name,
  minVersion: 2,
  maxVersion: 9,
  readRequest: readOffsetCommitRequest,
  sizeResponse: sizeOffsetCommitResponse,
  writeResponse: writeOffsetCommitResponse,
  handle: handleOffsetCommit,
});
