/**
 * OffsetFetch (key 9), versions 1-9.
 *
 * A group's committed offsets, with their metadata and (v5+) leader epoch. A partition
 * without a committed offset answers offset -1 and no error; a null topic list (v2+)
 * means every committed offset of the group. From v8 one request asks for several
 * groups, each answered on its own. `requireStable` (v7+) is accepted: without
 * transactions no commit is ever pending. v9's member id and epoch belong to the new
 * consumer protocol and are not checked for classic groups. Offsets are read from the
 * log, so they are there after a restart before any member rejoins.
 */

import { ErrorCode } from '../../protocol/generated/errors.js';
import {
  OffsetFetchApi,
  createOffsetFetchResponse,
  createOffsetFetchResponseGroup,
  createOffsetFetchResponsePartition,
  createOffsetFetchResponsePartitions,
  createOffsetFetchResponseTopic,
  createOffsetFetchResponseTopics,
  readOffsetFetchRequest,
  sizeOffsetFetchResponse,
  writeOffsetFetchResponse,
  type OffsetFetchRequest,
  type OffsetFetchResponse,
  type OffsetFetchResponsePartition,
} from '../../protocol/generated/offset-fetch.js';
import type { GroupCoordinator } from '../groups/index.js';
import { defineHandler, type RequestContext } from './types.js';

type PartitionAnswer = Pick<OffsetFetchResponsePartition, 'partitionIndex' | 'committedOffset' | 'committedLeaderEpoch' | 'metadata' | 'errorCode'>;
interface TopicAnswer {
  name: string;
  partitions: PartitionAnswer[];
}

/** The answer for one group, in a version-neutral shape. */
function fetchGroup(groups: GroupCoordinator, groupId: string, wanted: Array<{ name: string; partitionIndexes: number[] }> | null): TopicAnswer[] {
  const stored = groups.committedOffsets(groupId);
  const answer = (partition: number, topic: string): PartitionAnswer => {
    const c = stored?.get(topic)?.get(partition);
    return {
      partitionIndex: partition,
      committedOffset: BigInt(c?.offset ?? -1),
      committedLeaderEpoch: c?.leaderEpoch ?? -1,
      metadata: c === undefined ? '' : (c.metadata ?? ''),
      errorCode: ErrorCode.NONE,
    };
  };
  if (wanted !== null) {
    return wanted.map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((p) => answer(p, t.name)) }));
  }
  const out: TopicAnswer[] = [];
  for (const [topic, partitions] of stored ?? []) {
    if (partitions.size > 0) out.push({ name: topic, partitions: [...partitions.keys()].sort((a, b) => a - b).map((p) => answer(p, topic)) });
  }
  return out;
}

function handleOffsetFetch(request: OffsetFetchRequest, context: RequestContext): OffsetFetchResponse {
  const groups = context.broker.groups;
  const response = createOffsetFetchResponse();
  if (context.apiVersion < 8) {
    response.errorCode = ErrorCode.NONE;
    response.topics = fetchGroup(groups, request.groupId, request.topics).map((t) => {
      const topic = createOffsetFetchResponseTopic();
      topic.name = t.name;
      topic.partitions = t.partitions.map((p) => Object.assign(createOffsetFetchResponsePartition(), p));
      return topic;
    });
    return response;
  }
  response.groups = request.groups.map((g) => {
    const group = createOffsetFetchResponseGroup();
    group.groupId = g.groupId;
    group.errorCode = ErrorCode.NONE;
    group.topics = fetchGroup(groups, g.groupId, g.topics).map((t) => {
      const topic = createOffsetFetchResponseTopics();
      topic.name = t.name;
      topic.partitions = t.partitions.map((p) => Object.assign(createOffsetFetchResponsePartitions(), p));
      return topic;
    });
    return group;
  });
  return response;
}

export const offsetFetchHandler = defineHandler<OffsetFetchRequest, OffsetFetchResponse>({
  apiKey: OffsetFetchApi.apiKey,
  name: OffsetFetchApi.name,
  minVersion: 1,
  maxVersion: 9,
  readRequest: readOffsetFetchRequest,
  sizeResponse: sizeOffsetFetchResponse,
  writeResponse: writeOffsetFetchResponse,
  handle: handleOffsetFetch,
});
