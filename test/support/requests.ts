/**
 * Request builders shared by the wire tests.
 */

import {
  createProduceRequest,
  createProduceRequestPartitionProduceData,
  createProduceRequestTopicProduceData,
  type ProduceRequest,
} from '../../protocol/generated/produce.js';

/** One Produce request for one topic: `sets` lists (partition, record set) pairs. */
export function produceRequest(
  topic: string,
  sets: ReadonlyArray<{ partition: number; records: Buffer | null }>,
  acks = -1,
  transactionalId: string | null = null,
): ProduceRequest {
  const request = createProduceRequest();
  request.acks = acks;
  request.timeoutMs = 30_000;
  request.transactionalId = transactionalId;
  const topicData = createProduceRequestTopicProduceData();
  topicData.name = topic;
  topicData.partitionData = sets.map((s) => {
    const p = createProduceRequestPartitionProduceData();
    p.index = s.partition;
    p.records = s.records;
    return p;
  });
  request.topicData = [topicData];
  return request;
}
