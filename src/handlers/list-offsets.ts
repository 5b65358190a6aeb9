/**
 * ListOffsets (key 2), versions 1-7.
 *
 * Earliest (-2) answers the partition's log start offset; latest (-1) answers the high
 * watermark, which for read_committed is the same (no transactions, so the last stable
 * offset equals the high watermark). Lookups by timestamp and max-timestamp (-3) are
 * not implemented yet and answer INVALID_REQUEST, never a wrong offset.
 */

import { ErrorCode } from '../../protocol/generated/errors.js';
import {
  ListOffsetsApi,
  createListOffsetsResponse,
  createListOffsetsResponseListOffsetsPartitionResponse,
  createListOffsetsResponseListOffsetsTopicResponse,
  readListOffsetsRequest,
  sizeListOffsetsResponse,
  writeListOffsetsResponse,
  type ListOffsetsRequest,
  type ListOffsetsResponse,
} from '../../protocol/generated/list-offsets.js';
import { defineHandler, type RequestContext } from './types.js';

const LATEST = -1n;
const EARLIEST = -2n;

function handleListOffsets(request: ListOffsetsRequest, context: RequestContext): ListOffsetsResponse {
  const { log } = context.broker;
  const response = createListOffsetsResponse();
  for (const wanted of request.topics) {
    const topicOut = createListOffsetsResponseListOffsetsTopicResponse();
    topicOut.name = wanted.name;
    response.topics.push(topicOut);
    const topic = log.topic(wanted.name);
    for (const p of wanted.partitions) {
      const out = createListOffsetsResponseListOffsetsPartitionResponse();
      out.partitionIndex = p.partitionIndex;
      topicOut.partitions.push(out);
      const partition = topic?.partitions[p.partitionIndex];
      if (!partition) {
        out.errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      } else if (p.currentLeaderEpoch >= 0 && p.currentLeaderEpoch !== partition.leaderEpoch) {
        out.errorCode = p.currentLeaderEpoch > partition.leaderEpoch ? ErrorCode.UNKNOWN_LEADER_EPOCH : ErrorCode.FENCED_LEADER_EPOCH;
      } else if (p.timestamp === LATEST || p.timestamp === EARLIEST) {
        out.offset = BigInt(partition.offsetFor(p.timestamp === LATEST ? -1 : -2));
        out.leaderEpoch = partition.leaderEpoch;
      } else {
        out.errorCode = ErrorCode.INVALID_REQUEST;
      }
    }
  }
  return response;
}

export const listOffsetsHandler = defineHandler<ListOffsetsRequest, ListOffsetsResponse>({
  apiKey: ListOffsetsApi.apiKey,
  name: ListOffsetsApi.name,
  minVersion: 1,
  maxVersion: 7,
  readRequest: readListOffsetsRequest,
  sizeResponse: sizeListOffsetsResponse,
  writeResponse: writeListOffsetsResponse,
  handle: (request, context: RequestContext) => handleListOffsets(request, context),
});
