/**
 * DeleteRecords (key 21), versions 0-2.
 *
 * Per partition, moves the log start offset up to the requested offset (-1: the high
 * watermark); records below it are no longer served (Fetch answers OFFSET_OUT_OF_RANGE,
 * ListOffsets earliest gives the new start) and retention reclaims their space. An
 * offset at or below the current start changes nothing. The answer, sent once the
 * LOG_START_ADVANCED entry is durable, carries each partition's log start offset after
 * the call as its low watermark. Errors (low watermark -1): UNKNOWN_TOPIC_OR_PARTITION,
 * OFFSET_OUT_OF_RANGE (above the high watermark, or below -1), KAFKA_STORAGE_ERROR when
 * the log is fenced. There is one replica, so the timeout never comes into play.
 */

import {
  DeleteRecordsApi,
  createDeleteRecordsResponse,
  createDeleteRecordsResponseDeleteRecordsPartitionResult,
  createDeleteRecordsResponseDeleteRecordsTopicResult,
  readDeleteRecordsRequest,
  sizeDeleteRecordsResponse,
  writeDeleteRecordsResponse,
  type DeleteRecordsRequest,
  type DeleteRecordsResponse,
  type DeleteRecordsResponseDeleteRecordsPartitionResult,
} from '../../protocol/generated/delete-records.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import { defineHandler, type RequestContext } from './types.js';

function handleDeleteRecords(request: DeleteRecordsRequest, context: RequestContext): Promise<DeleteRecordsResponse> {
  const { log } = context.broker;
  const response = createDeleteRecordsResponse();
  const slots: DeleteRecordsResponseDeleteRecordsPartitionResult[] = [];
  const wanted: Array<{ topic: string; partition: number; offset: number }> = [];
  for (const t of request.topics) {
    const topicOut = createDeleteRecordsResponseDeleteRecordsTopicResult();
    topicOut.name = t.name;
    response.topics.push(topicOut);
    for (const p of t.partitions) {
      const out = createDeleteRecordsResponseDeleteRecordsPartitionResult();
      out.partitionIndex = p.partitionIndex;
      out.lowWatermark = -1n;
      topicOut.partitions.push(out);
      slots.push(out);
      // Offsets beyond 2^53 are past any high watermark: out of range either way.
      wanted.push({ topic: t.name, partition: p.partitionIndex, offset: p.offset < -1n ? -2 : Number(p.offset) });
    }
  }
  return log.deleteRecords(wanted).then(
    (outcomes) => {
      outcomes.forEach((o, i) => {
        const out = slots[i]!;
        out.errorCode = o.error === null ? ErrorCode.NONE : o.error === 'unknown-partition' ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.OFFSET_OUT_OF_RANGE;
        out.lowWatermark = BigInt(o.lowWatermark);
      });
      return response;
    },
    () => {
      wanted.forEach((w, i) => {
        slots[i]!.errorCode = log.partition(w.topic, w.partition) === undefined ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.KAFKA_STORAGE_ERROR;
      });
      return response;
    },
  );
}

export const deleteRecordsHandler = defineHandler<DeleteRecordsRequest, DeleteRecordsResponse>({
  apiKey: DeleteRecordsApi.apiKey,
  name: DeleteRecordsApi.name,
  minVersion: 0,
  maxVersion: 2,
  readRequest: readDeleteRecordsRequest,
  sizeResponse: sizeDeleteRecordsResponse,
  writeResponse: writeDeleteRecordsResponse,
  handle: handleDeleteRecords,
});
