/**
 * OffsetDelete (key 47), version 0.
 *
 * Deletes committed offsets of the given partitions of one group, as Kafka's group
 * coordinator does (src/groups/coordinator.ts deleteOffsets). Partitions of unknown topics
 * (or beyond a topic's partitions) are UNKNOWN_TOPIC_OR_PARTITION; the rest go to the
 * coordinator. A group-level error (INVALID_GROUP_ID, GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP
 * for a non-consumer group with members, NOT_COORDINATOR at shutdown) is the whole answer,
 * without topics. Otherwise each partition is NONE (deleted, or had no offset) or
 * GROUP_SUBSCRIBED_TO_TOPIC (a member of the live consumer group subscribes to its topic).
 * The answer is sent once the OFFSETS_DELETED entry is durable.
 */

import { ErrorCode } from '../../protocol/generated/errors.js';
import {
  OffsetDeleteApi,
  createOffsetDeleteResponse,
  createOffsetDeleteResponsePartition,
  createOffsetDeleteResponseTopic,
  readOffsetDeleteRequest,
  sizeOffsetDeleteResponse,
  writeOffsetDeleteResponse,
  type OffsetDeleteRequest,
  type OffsetDeleteResponse,
  type OffsetDeleteResponsePartition,
} from '../../protocol/generated/offset-delete.js';
import type { OffsetDeleteOutcome } from '../groups/index.js';
import { defineHandler, type RequestContext } from './types.js';

function handleOffsetDelete(request: OffsetDeleteRequest, context: RequestContext): OffsetDeleteResponse | Promise<OffsetDeleteResponse> {
  const { broker } = context;
  const response = createOffsetDeleteResponse();
  const known: Array<{ topic: string; partition: number }> = [];
  const knownSlots: OffsetDeleteResponsePartition[] = [];
  for (const t of request.topics) {
    const topicOut = createOffsetDeleteResponseTopic();
    topicOut.name = t.name;
    response.topics.push(topicOut);
    for (const p of t.partitions) {
      const out = createOffsetDeleteResponsePartition();
      out.partitionIndex = p.partitionIndex;
      topicOut.partitions.push(out);
      if (broker.log.partition(t.name, p.partitionIndex) === undefined) {
        out.errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      } else {
        known.push({ topic: t.name, partition: p.partitionIndex });
        knownSlots.push(out);
      }
    }
  }
  const finish = (outcome: OffsetDeleteOutcome): OffsetDeleteResponse => {
    if (outcome.errorCode !== ErrorCode.NONE) {
      response.errorCode = outcome.errorCode;
      response.topics = [];
      return response;
    }
    outcome.errors.forEach((code, i) => void (knownSlots[i]!.errorCode = code));
    return response;
  };
  const outcome = broker.groups.deleteOffsets(request.groupId, known);
  return outcome instanceof Promise ? outcome.then(finish) : finish(outcome);
}

export const offsetDeleteHandler = defineHandler<OffsetDeleteRequest, OffsetDeleteResponse>({
  apiKey: OffsetDeleteApi.apiKey,
  name: OffsetDeleteApi.name,
  minVersion: 0,
  maxVersion: 0,
  readRequest: readOffsetDeleteRequest,
  sizeResponse: sizeOffsetDeleteResponse,
  writeResponse: writeOffsetDeleteResponse,
  handle: handleOffsetDelete,
});
