/**
 * ListOffsets (key 2), versions 1-8.
 *
 * - Earliest (-2) and earliest-local (-4, v8; no tiered storage, so the same) answer the
 *   log start offset; latest (-1) answers the high watermark, which is also the last
 *   stable offset that read_committed asks for (no transactions). Timestamp -1 in both.
 * - Max timestamp (-3, v7+): offset and timestamp of the first record carrying the
 *   largest timestamp in the partition.
 * - By timestamp (>= 0): the first offset whose record timestamp is >= the target. The
 *   per-batch max timestamps of the partition index pick the first batch that can hold it;
 *   its records are read with protocol/records.ts (uncompressed, or gzip through
 *   node:zlib). Precision limit: for snappy, lz4 and zstd batches, which Node 20 cannot
 *   decompress, the answer is the batch's first offset (at or after the log start offset)
 *   with the batch's max timestamp; a client seeking there still sees every record at or
 *   after the target, plus some earlier ones from that batch. The same batch-level answer
 *   is given for a batch whose records do not parse. No record at or after the target:
 *   offset -1, timestamp -1.
 * - Errors per partition: UNKNOWN_TOPIC_OR_PARTITION, FENCED_LEADER_EPOCH /
 *   UNKNOWN_LEADER_EPOCH for `current_leader_epoch`, INVALID_REQUEST for a partition
 *   named twice or an unknown negative timestamp, KAFKA_STORAGE_ERROR when the WAL
 *   cannot be read.
 */

import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
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
  type ListOffsetsResponseListOffsetsPartitionResponse,
} from '../../protocol/generated/list-offsets.js';
import { Attribute, readBatchHeader } from '../../protocol/record-batch.js';
import { firstRecordAtOrAfter, recordWithMaxTimestamp, recordsSection, type TimestampedOffset } from '../../protocol/records.js';
import type { BatchLocation, BrokerLog, PartitionState } from '../log/index.js';
import { leaderEpochError } from './support.js';
import { defineHandler, type RequestContext } from './types.js';

const LATEST = -1n;
const EARLIEST = -2n;
const MAX_TIMESTAMP = -3n;
const EARLIEST_LOCAL = -4n;

const GZIP = 1;
const gunzipAsync = promisify(gunzip);

/** A found record with the leader epoch of its batch. */
interface Found extends TimestampedOffset {
  leaderEpoch: number;
}

/**
 * Looks inside one batch: `search` gets the batch header and its uncompressed records;
 * null from it means no matching record in this batch. Codecs Node cannot decompress
 * (and records that do not parse) give the batch-level answer.
 */
async function searchBatch(
  log: BrokerLog,
  loc: BatchLocation,
  minOffset: number,
  search: (header: ReturnType<typeof readBatchHeader>, records: Buffer) => TimestampedOffset | null,
): Promise<Found | null> {
  const bytes = await log.readBatch(loc);
  const header = readBatchHeader(bytes, 0);
  const batchLevel: Found = { offset: Math.max(header.baseOffset, minOffset), timestamp: header.maxTimestamp, leaderEpoch: header.partitionLeaderEpoch };
  const codec = header.attributes & Attribute.compressionMask;
  let records: Buffer;
  if (codec === 0) records = recordsSection(bytes);
  else if (codec === GZIP) {
    try {
      records = await gunzipAsync(recordsSection(bytes));
    } catch {
      return batchLevel;
    }
  } else return batchLevel;
  try {
    const found = search(header, records);
    return found === null ? null : { ...found, leaderEpoch: header.partitionLeaderEpoch };
  } catch {
    return batchLevel;
  }
}

/** First offset at or after the log start offset whose record timestamp is >= target. */
async function offsetForTimestamp(log: BrokerLog, partition: PartitionState, target: number): Promise<Found | null> {
  const start = partition.logStartOffset;
  const end = partition.highWatermark;
  const index = partition.index;
  for (let row = index.findRow(start); row < index.count && index.baseOffsetAt(row) < end; row++) {
    if (index.maxTimestampAt(row) < target) continue;
    const found = await searchBatch(log, index.get(row), start, (h, records) => firstRecordAtOrAfter(h, records, target, start));
    if (found !== null) return found;
  }
  return null;
}

/**
 * The first record carrying the largest timestamp of the partition. A batch straddling
 * the log start offset is read, since its max timestamp may belong to a trimmed record;
 * every later batch is judged by its index max timestamp.
 */
async function offsetOfMaxTimestamp(log: BrokerLog, partition: PartitionState): Promise<Found | null> {
  const start = partition.logStartOffset;
  const end = partition.highWatermark;
  const index = partition.index;
  const max = (h: ReturnType<typeof readBatchHeader>, records: Buffer): TimestampedOffset | null => recordWithMaxTimestamp(h, records, start);
  let row = index.findRow(start);
  let straddling: Found | null = null;
  if (row < index.count && index.baseOffsetAt(row) < start && index.baseOffsetAt(row) < end) {
    straddling = await searchBatch(log, index.get(row), start, max);
    row++;
  }
  let best = -1;
  for (; row < index.count && index.baseOffsetAt(row) < end; row++) {
    if (best < 0 || index.maxTimestampAt(row) > index.maxTimestampAt(best)) best = row;
  }
  if (best < 0 || (straddling !== null && straddling.timestamp >= index.maxTimestampAt(best))) return straddling;
  return searchBatch(log, index.get(best), start, max);
}

function answer(out: ListOffsetsResponseListOffsetsPartitionResponse, found: Found | null): void {
  if (found === null) {
    out.offset = -1n;
    out.timestamp = -1n;
    return;
  }
  out.offset = BigInt(found.offset);
  out.timestamp = BigInt(found.timestamp);
  out.leaderEpoch = found.leaderEpoch;
}

function handleListOffsets(request: ListOffsetsRequest, context: RequestContext): ListOffsetsResponse | Promise<ListOffsetsResponse> {
  const { log, logger } = context.broker;
  const response = createListOffsetsResponse();
  const lookups: Array<Promise<void>> = [];
  for (const wanted of request.topics) {
    const topicOut = createListOffsetsResponseListOffsetsTopicResponse();
    topicOut.name = wanted.name;
    response.topics.push(topicOut);
    const topic = log.topic(wanted.name);
    const seen = new Set<number>();
    const twice = new Set<number>();
    for (const p of wanted.partitions) (seen.has(p.partitionIndex) ? twice : seen).add(p.partitionIndex);
    for (const p of wanted.partitions) {
      const out = createListOffsetsResponseListOffsetsPartitionResponse();
      out.partitionIndex = p.partitionIndex;
      topicOut.partitions.push(out);
      const partition = topic?.partitions[p.partitionIndex];
      const epochError = partition === undefined ? ErrorCode.NONE : leaderEpochError(p.currentLeaderEpoch, partition);
      if (twice.has(p.partitionIndex)) {
        out.errorCode = ErrorCode.INVALID_REQUEST;
      } else if (!partition) {
        out.errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      } else if (epochError !== ErrorCode.NONE) {
        out.errorCode = epochError;
      } else if (p.timestamp === LATEST) {
        out.offset = BigInt(partition.highWatermark);
        out.leaderEpoch = partition.leaderEpoch;
      } else if (p.timestamp === EARLIEST || (p.timestamp === EARLIEST_LOCAL && context.apiVersion >= 8)) {
        out.offset = BigInt(partition.logStartOffset);
        out.leaderEpoch = partition.leaderEpoch;
      } else if ((p.timestamp === MAX_TIMESTAMP && context.apiVersion >= 7) || p.timestamp >= 0n) {
        const lookup = p.timestamp === MAX_TIMESTAMP ? offsetOfMaxTimestamp(log, partition) : offsetForTimestamp(log, partition, Number(p.timestamp));
        lookups.push(
          lookup.then(
            (found) => answer(out, found),
            (err: Error) => {
              logger.error(`ListOffsets for ${wanted.name}-${p.partitionIndex} failed to read the WAL: ${err.message}`);
              out.errorCode = ErrorCode.KAFKA_STORAGE_ERROR;
            },
          ),
        );
      } else {
        out.errorCode = ErrorCode.INVALID_REQUEST;
      }
    }
  }
  return lookups.length === 0 ? response : Promise.all(lookups).then(() => response);
}

export const listOffsetsHandler = defineHandler<ListOffsetsRequest, ListOffsetsResponse>({
  apiKey: ListOffsetsApi.apiKey,
  name: ListOffsetsApi.name,
  minVersion: 1,
  maxVersion: 8,
  readRequest: readListOffsetsRequest,
  sizeResponse: sizeListOffsetsResponse,
  writeResponse: writeListOffsetsResponse,
  handle: handleListOffsets,
});
