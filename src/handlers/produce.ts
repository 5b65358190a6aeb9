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
 * Idempotent producers (batches with ProducerId >= 0) are checked per batch by
 * src/producers/check.ts in the same turn that assigns the offsets: a retried duplicate of
 * one of the producer's last 5 batches is answered with its ORIGINAL base offset and not
 * written again, once the original reached the durability point this request's acks asks
 * for (BrokerLog.barrier); OUT_OF_ORDER_SEQUENCE_NUMBER (45) for a gap or a new epoch not
 * starting at 0, INVALID_PRODUCER_EPOCH (47) for an old epoch, UNKNOWN_PRODUCER_ID (59)
 * for a recently allocated producer whose first batch here does not start at 0.
 * Transactional batches: there is no transaction coordinator, so, as Kafka's
 * handleProduceRequest does for a request whose transactional records have no (authorized)
 * transactional id, a request with transactional batches and a null transactionalId gets
 * TRANSACTIONAL_ID_AUTHORIZATION_FAILED (53) on every partition; with a transactionalId
 * (which InitProducerId never accepted) the partitions holding them get INVALID_TXN_STATE
 * (48): no transaction can be ongoing. Nothing of such a request is written.
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
import { Attribute, validateRecordSet, type BatchHeader } from '../../protocol/record-batch.js';
import { StorageError, type PartitionState, type ProducePartitionInput } from '../log/index.js';
import { checkRecordSet, recordAppended } from '../producers/check.js';
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
  /** Idempotent parts to record once their offsets are assigned: index into `parts`, partition, batches. */
  let idempotent: Array<{ i: number; partition: PartitionState; batches: BatchHeader[] }> | null = null;
  /** Answers of duplicates: acknowledged with their original offsets, nothing written. */
  let duplicates: ProduceResponsePartitionProduceResponse[] | null = null;
  let transactionalWithoutId = false;
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
        let hasProducer = false;
        let transactional = false;
        for (const b of check.batches) {
          if (b.producerId >= 0) hasProducer = true;
          if ((b.attributes & Attribute.transactional) !== 0) transactional = true;
        }
        const verdict = check.errorCode === ErrorCode.NONE && hasProducer && !transactional ? checkRecordSet(log.producers, partition, check.batches, Date.now()) : null;
        if (check.errorCode !== ErrorCode.NONE) {
          setError(out, check.errorCode, check.errorMessage);
        } else if (transactional) {
          if (request.transactionalId === null) transactionalWithoutId = true;
          setError(out, ErrorCode.INVALID_TXN_STATE, 'transactions are not supported: no transaction can be ongoing for this partition');
        } else if (verdict !== null && verdict.kind === 'error') {
          setError(out, verdict.code, verdict.message);
        } else if (verdict !== null && verdict.kind === 'duplicate') {
          out.baseOffset = BigInt(verdict.firstOffset);
          out.logStartOffset = BigInt(partition.logStartOffset);
          (duplicates ??= []).push(out);
        } else {
          if (hasProducer) (idempotent ??= []).push({ i: parts.length, partition, batches: check.batches });
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

  if (transactionalWithoutId) {
    // Kafka answers the whole request with this error and writes nothing.
    const message = 'transactional records need a transactional id; transactions are not supported';
    for (const t of response.responses) for (const out of t.partitionResponses) setError(out, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, message);
    parts.length = 0;
    accepted.length = 0;
    idempotent = null;
    duplicates = null;
    firstError = message;
  }

  if (firstError !== null && broker.logger.enabled('debug')) broker.logger.debug(`produce from ${connection.remote}: ${firstError}`);

  let done: Promise<void> | null = null;
  if (parts.length > 0) {
    try {
      const appended = log.appendProduce(parts, acks as 0 | 1 | -1);
      for (let i = 0; i < accepted.length; i++) accepted[i]!.baseOffset = BigInt(appended.baseOffsets[i]!);
      if (idempotent !== null) for (const p of idempotent) recordAppended(log.producers, p.partition, p.batches, appended.baseOffsets[p.i]!);
      done = appended.done;
    } catch (err) {
      if (!(err instanceof StorageError)) throw err;
      for (const out of accepted) setError(out, ErrorCode.KAFKA_STORAGE_ERROR, err.message);
      firstError ??= err.message;
    }
  }
  if (duplicates !== null) {
    // The new entry (if any) is queued after every original, so its durability covers them;
    // otherwise wait for everything queued so far, writing nothing.
    // Their answers join `accepted`, so a storage failure below marks them too.
    if (done === null) done = log.barrier(acks as 0 | 1 | -1);
    accepted.push(...duplicates);
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
