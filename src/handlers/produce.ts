/**
 * Produce (key 0), versions 3-11; advertised from 0.
 *
 * The produce path works per batch, never per record: record sets stay views of the
 * request bytes, only the 61-byte batch headers are read and CRC-checked
 * (protocol/record-batch.ts), and every partition's record set of one request becomes
 * part of ONE WAL append (BrokerLog.appendProduce) that assigns the offsets. The answer
 * is sent at the point `acks` asks for:
 *   acks=0   no answer at all (an error closes the connection, as Kafka does); the
 *            request still holds its place in the connection's response order until
 *            its WAL write returned;
 *   acks=1   once the WAL write holding the request has returned;
 *   acks=-1  once the fdatasync covering it has completed (wal.sync.policy=always).
 * Errors are per partition with Kafka's codes: UNKNOWN_TOPIC_OR_PARTITION,
 * CORRUPT_MESSAGE, INVALID_RECORD, MESSAGE_TOO_LARGE, INVALID_REQUIRED_ACKS, and
 * KAFKA_STORAGE_ERROR once the log is fenced by an I/O error.
 *
 * Produce v0-2 is advertised because librdkafka before 2.11 only enables compression
 * when Produce v0 is in range; such requests (message format v0/v1) are answered with
 * UNSUPPORTED_VERSION on every partition.
 */

import { ErrorCode } from '../../protocol/generated/errors.js';
import {
  ProduceApi,
  createProduceResponse,
  createProduceResponsePartitionProduceResponse,
  createProduceResponseTopicProduceResponse,
  readProduceRequest,
  sizeProduceResponse,
  writeProduceResponse,
  type ProduceRequest,
  type ProduceResponse,
  type ProduceResponsePartitionProduceResponse,
} from '../../protocol/generated/produce.js';
import { validateRecordSet } from '../../protocol/record-batch.js';
import { StorageError, type ProducePartitionInput } from '../log/index.js';
import { maxBatchBytes } from '../topics.js';
import { defineHandler, type Answer, type RequestContext } from './types.js';

/** Lowest Produce version whose record sets use message format v2. */
const MIN_ACCEPTED_VERSION = 3;

function setError(p: ProduceResponsePartitionProduceResponse, code: number, message: string | null): void {
  p.errorCode = code;
  p.errorMessage = message;
  p.baseOffset = -1n;
}

function handleProduce(request: ProduceRequest, context: RequestContext): Answer<ProduceResponse> {
  const { broker, apiVersion, connection } = context;
  const { log, config } = broker;
  const acks = request.acks;
  const response = createProduceResponse();
  const parts: ProducePartitionInput[] = [];
  const accepted: ProduceResponsePartitionProduceResponse[] = [];
  let firstError: string | null = null;

  const rejectAll =
    apiVersion < MIN_ACCEPTED_VERSION
      ? { code: ErrorCode.UNSUPPORTED_VERSION, message: `Produce v${apiVersion} (message format v0/v1) is not supported; use v3 or later` }
      : acks !== 0 && acks !== 1 && acks !== -1
        ? { code: ErrorCode.INVALID_REQUIRED_ACKS, message: `acks must be 0, 1 or -1, got ${acks}` }
        : log.fenced
          ? { code: ErrorCode.KAFKA_STORAGE_ERROR, message: 'the write-ahead log is fenced after an I/O error; restart the broker' }
          : null;

  for (const topicData of request.topicData) {
    const topicResponse = createProduceResponseTopicProduceResponse();
    topicResponse.name = topicData.name;
    response.responses.push(topicResponse);
    const topic = log.topic(topicData.name);
    const limit = topic ? maxBatchBytes(topic.configs, config.messageMaxBytes) : 0;
    for (const partitionData of topicData.partitionData) {
      const out = createProduceResponsePartitionProduceResponse();
      out.index = partitionData.index;
      topicResponse.partitionResponses.push(out);
      const partition = topic?.partitions[partitionData.index];
      if (rejectAll) {
        setError(out, rejectAll.code, rejectAll.message);
      } else if (!topic || !partition) {
        setError(out, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `unknown topic-partition ${topicData.name}-${partitionData.index}`);
      } else if (partitionData.records === null) {
        setError(out, ErrorCode.CORRUPT_MESSAGE, 'null record set');
      } else {
        const check = validateRecordSet(partitionData.records, limit);
        if (check.errorCode !== ErrorCode.NONE) {
          setError(out, check.errorCode, check.errorMessage);
        } else {
          parts.push({
            topic: topic.name,
            partition: partition.partition,
            records: partitionData.records,
            batches: check.batches,
            recordCount: check.recordCount,
            maxTimestamp: check.maxTimestamp,
          });
          accepted.push(out);
          out.logStartOffset = BigInt(partition.logStartOffset);
        }
      }
      if (out.errorCode !== ErrorCode.NONE) firstError ??= `${topicData.name}-${partitionData.index}: ${out.errorMessage ?? out.errorCode}`;
    }
  }

  if (firstError !== null && broker.logger.enabled('debug')) broker.logger.debug(`produce from ${connection.remote}: ${firstError}`);

  let done: Promise<void> | null = null;
  if (parts.length > 0) {
    try {
      const appended = log.appendProduce(parts, acks as 0 | 1 | -1);
      for (let i = 0; i < accepted.length; i++) accepted[i]!.baseOffset = BigInt(appended.baseOffsets[i]!);
      done = appended.done;
    } catch (err) {
      if (!(err instanceof StorageError)) throw err;
      for (const out of accepted) setError(out, ErrorCode.KAFKA_STORAGE_ERROR, err.message);
      firstError ??= err.message;
    }
  }

  if (acks === 0) {
    // Kafka sends nothing for acks=0; the only way to tell the producer about an error is
    // to close the connection, which makes it refresh metadata and notice. The request
    // keeps its slot until its WAL write returned, so a flood of acks=0 requests is held
    // back by the connection's backpressure instead of piling up in memory ahead of the disk.
    if (firstError !== null) connection.close(`acks=0 produce failed: ${firstError}`);
    if (done === null) return null;
    return done.then(
      () => null,
      (err: Error) => {
        connection.close(`acks=0 produce failed: ${err.message}`);
        return null;
      },
    );
  }
  if (done === null) return response;
  return done.then(
    () => response,
    (err: Error) => {
      for (const out of accepted) setError(out, ErrorCode.KAFKA_STORAGE_ERROR, err.message);
      return response;
    },
  );
}

export const produceHandler = defineHandler<ProduceRequest, ProduceResponse>({
  apiKey: ProduceApi.apiKey,
  name: ProduceApi.name,
  minVersion: 0,
  maxVersion: 11,
  readRequest: readProduceRequest,
  sizeResponse: sizeProduceResponse,
  writeResponse: writeProduceResponse,
  handle: handleProduce,
});
