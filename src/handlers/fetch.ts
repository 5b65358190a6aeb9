/**
 * Fetch (key 1), versions 4-12.
 *
 * Returns batches verbatim from the log, starting with the batch that holds the fetch
 * offset (clients skip the records before it), up to `partition_max_bytes` per partition
 * and `max_bytes` in all, but always at least one whole batch so a large batch cannot
 * stall a consumer. Batches still in memory are served from it, older ones are read back
 * from the WAL with positional reads. When less than `min_bytes` is ready, the request
 * waits up to `max_wait_ms` and is woken as soon as a produce makes new data visible
 * (no timer loop). The high watermark and the last stable offset are the same (no
 * transactions), so both isolation levels read up to it. Fetch sessions are not kept:
 * every answer has session id 0, which clients treat as sessionless.
 */

import { ErrorCode } from '../../protocol/generated/errors.js';
import {
  FetchApi,
  createFetchResponse,
  createFetchResponseFetchableTopicResponse,
  createFetchResponsePartitionData,
  readFetchRequest,
  sizeFetchResponse,
  writeFetchResponse,
  type FetchRequest,
  type FetchResponse,
  type FetchResponsePartitionData,
} from '../../protocol/generated/fetch.js';
import type { BrokerLog } from '../log/index.js';
import { defineHandler, type RequestContext } from './types.js';

const NO_RECORDS = Buffer.alloc(0);

interface Collected {
  response: FetchResponse;
  bytes: number;
}

async function collect(log: BrokerLog, request: FetchRequest): Promise<Collected> {
  const response = createFetchResponse();
  let budget = request.maxBytes;
  let bytes = 0;
  for (const wanted of request.topics) {
    const topicOut = createFetchResponseFetchableTopicResponse();
    topicOut.topic = wanted.topic;
    topicOut.topicId = wanted.topicId;
    response.responses.push(topicOut);
    const topic = log.topic(wanted.topic);
    for (const p of wanted.partitions) {
      const out = createFetchResponsePartitionData();
      out.partitionIndex = p.partition;
      out.abortedTransactions = null;
      // Kafka sends an empty record set, never a null one; librdkafka rejects null.
      out.records = NO_RECORDS;
      topicOut.partitions.push(out);
      const partition = topic?.partitions[p.partition];
      if (!partition) {
        out.errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        continue;
      }
      out.highWatermark = BigInt(partition.highWatermark);
      out.lastStableOffset = out.highWatermark;
      out.logStartOffset = BigInt(partition.logStartOffset);
      const offset = Number(p.fetchOffset);
      if (offset < partition.logStartOffset || offset > partition.highWatermark) {
        out.errorCode = ErrorCode.OFFSET_OUT_OF_RANGE;
        continue;
      }
      const limit = Math.min(p.partitionMaxBytes, bytes === 0 ? Number.MAX_SAFE_INTEGER : budget);
      if (limit <= 0) continue;
      const located = partition.batchesFrom(offset, limit);
      if (located.length === 0) continue;
      const pieces = await Promise.all(located.map((loc) => loc.bytes ?? log.readBatch(loc)));
      out.records = pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces);
      bytes += out.records.length;
      budget -= out.records.length;
    }
  }
  return { response, bytes };
}

async function handleFetch(request: FetchRequest, context: RequestContext): Promise<FetchResponse> {
  const { broker } = context;
  const deadline = Date.now() + request.maxWaitMs;
  for (;;) {
    const { response, bytes } = await collect(broker.log, request);
    const remaining = deadline - Date.now();
    if (bytes >= request.minBytes || remaining <= 0 || broker.closing || hasError(response)) return response;
    await broker.waitForData(remaining);
  }
}

function hasError(response: FetchResponse): boolean {
  return response.responses.some((t) => t.partitions.some((p: FetchResponsePartitionData) => p.errorCode !== ErrorCode.NONE));
}

export const fetchHandler = defineHandler<FetchRequest, FetchResponse>({
  apiKey: FetchApi.apiKey,
  name: FetchApi.name,
  minVersion: 4,
  maxVersion: 12,
  readRequest: readFetchRequest,
  sizeResponse: sizeFetchResponse,
  writeResponse: writeFetchResponse,
  handle: handleFetch,
});
