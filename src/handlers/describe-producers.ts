/**
 * DescribeProducers (key 61), version 0.
 *
 * The idempotent producers a partition holds state for (src/producers/state.ts): producer id,
 * epoch, the sequence of its last batch's last record and that batch's max timestamp, as
 * `kafka-transactions describe-producers` shows them. There are no transactions, so the
 * coordinator epoch and the open transaction's start offset are always -1. Unknown topics or
 * partitions are UNKNOWN_TOPIC_OR_PARTITION.
 */

import { ErrorCode } from '../../protocol/generated/errors.js';
import {
  DescribeProducersApi,
  createDescribeProducersResponse,
  createDescribeProducersResponsePartitionResponse,
  createDescribeProducersResponseProducerState,
  createDescribeProducersResponseTopicResponse,
  readDescribeProducersRequest,
  sizeDescribeProducersResponse,
  writeDescribeProducersResponse,
  type DescribeProducersRequest,
  type DescribeProducersResponse,
  type DescribeProducersResponsePartitionResponse,
} from '../../protocol/generated/describe-producers.js';
import type { Broker } from '../broker.js';
import { int64 } from './support.js';
import { defineHandler, type RequestContext } from './types.js';

function describePartition(broker: Broker, topic: string, index: number): DescribeProducersResponsePartitionResponse {
  const out = createDescribeProducersResponsePartitionResponse();
  out.partitionIndex = index;
  const partition = broker.log.partition(topic, index);
  if (partition === undefined) {
    out.errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    return out;
  }
  for (const [producerId, entry] of broker.log.producers.of(partition) ?? []) {
    const last = entry.batches[entry.batches.length - 1];
    out.activeProducers.push({
      ...createDescribeProducersResponseProducerState(),
      producerId: int64(producerId),
      producerEpoch: entry.epoch,
      lastSequence: last === undefined ? -1 : last.lastSeq,
      lastTimestamp: int64(entry.lastTimestamp),
      coordinatorEpoch: -1,
    });
  }
  return out;
}

function handleDescribeProducers(request: DescribeProducersRequest, { broker }: RequestContext): DescribeProducersResponse {
  const response = createDescribeProducersResponse();
  response.topics = request.topics.map((t) => ({
    ...createDescribeProducersResponseTopicResponse(),
    name: t.name,
    partitions: t.partitionIndexes.map((index) => describePartition(broker, t.name, index)),
  }));
  return response;
}

export const describeProducersHandler = defineHandler<DescribeProducersRequest, DescribeProducersResponse>({
  apiKey: DescribeProducersApi.apiKey,
  name: DescribeProducersApi.name,
  minVersion: 0,
  maxVersion: 0,
  readRequest: readDescribeProducersRequest,
  sizeResponse: sizeDescribeProducersResponse,
  writeResponse: writeDescribeProducersResponse,
  handle: handleDescribeProducers,
});
