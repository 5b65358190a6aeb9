/**
 * CreatePartitions (key 37), versions 0-3.
 *
 * Grows a topic to `count` partitions; the new ones start empty at offset 0 and are led
 * by this broker. Manual assignments, if given, must list one entry per new partition,
 * each naming only this broker. The change is durable before the answer; with
 * validate_only nothing changes. Errors: UNKNOWN_TOPIC_OR_PARTITION, INVALID_PARTITIONS
 * (a count not above the current one), INVALID_REPLICA_ASSIGNMENT, INVALID_REQUEST (a
 * topic listed twice), KAFKA_STORAGE_ERROR when the log is fenced.
 */

import {
  CreatePartitionsApi,
  createCreatePartitionsResponse,
  createCreatePartitionsResponseCreatePartitionsTopicResult,
  readCreatePartitionsRequest,
  sizeCreatePartitionsResponse,
  writeCreatePartitionsResponse,
  type CreatePartitionsRequest,
  type CreatePartitionsRequestCreatePartitionsTopic,
  type CreatePartitionsResponse,
} from '../../protocol/generated/create-partitions.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { Broker } from '../broker.js';
import { StorageError, UnknownTopicError } from '../log/index.js';
import { defineHandler, type RequestContext } from './types.js';

/** Kafka's practical ceiling is far lower; this only stops absurd requests from allocating. */
const MAX_PARTITIONS = 100_000;

function check(broker: Broker, wanted: CreatePartitionsRequestCreatePartitionsTopic): { errorCode: number; errorMessage: string } | null {
  const topic = broker.log.topic(wanted.name);
  if (!topic) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `The topic '${wanted.name}' does not exist.` };
  const current = topic.partitions.length;
  if (wanted.count === current) return { errorCode: ErrorCode.INVALID_PARTITIONS, errorMessage: `Topic already has ${current} partitions.` };
  if (wanted.count < current) {
    return { errorCode: ErrorCode.INVALID_PARTITIONS, errorMessage: `Topic currently has ${current} partitions, which is higher than the requested ${wanted.count}.` };
  }
  if (wanted.count > MAX_PARTITIONS) return { errorCode: ErrorCode.INVALID_PARTITIONS, errorMessage: `at most ${MAX_PARTITIONS} partitions per topic` };
  if (wanted.assignments !== null) {
    if (wanted.assignments.length !== wanted.count - current) {
      return {
        errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT,
        errorMessage: `Increasing the number of partitions by ${wanted.count - current} but ${wanted.assignments.length} assignments provided.`,
      };
    }
    const foreign = wanted.assignments.find((a) => a.brokerIds.length !== 1 || a.brokerIds[0] !== broker.nodeId);
    if (foreign) {
      return { errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: `new partitions may only be assigned to broker ${broker.nodeId}, the only broker` };
    }
  }
  return null;
}

function handleCreatePartitions(request: CreatePartitionsRequest, context: RequestContext): Promise<CreatePartitionsResponse> {
  const { broker } = context;
  const response = createCreatePartitionsResponse();
  const counts = new Map<string, number>();
  for (const t of request.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
  const pending: Array<Promise<void>> = [];
  for (const wanted of request.topics) {
    const out = createCreatePartitionsResponseCreatePartitionsTopicResult();
    out.name = wanted.name;
    response.results.push(out);
    const problem =
      counts.get(wanted.name)! > 1 ? { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `topic ${wanted.name} is listed more than once` } : check(broker, wanted);
    if (problem !== null) {
      out.errorCode = problem.errorCode;
      out.errorMessage = problem.errorMessage;
      continue;
    }
    if (request.validateOnly) continue;
    broker.logger.info(`growing topic ${wanted.name} to ${wanted.count} partitions`);
    let grown: Promise<void>;
    try {
      grown = broker.log.createPartitions(wanted.name, wanted.count);
    } catch (err) {
      grown = Promise.reject(err);
    }
    pending.push(
      grown.then(undefined, (err: Error) => {
        out.errorCode =
          err instanceof UnknownTopicError ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : err instanceof StorageError ? ErrorCode.KAFKA_STORAGE_ERROR : ErrorCode.INVALID_PARTITIONS;
        out.errorMessage = err.message;
      }),
    );
  }
  return Promise.all(pending).then(() => response);
}

export const createPartitionsHandler = defineHandler<CreatePartitionsRequest, CreatePartitionsResponse>({
  apiKey: CreatePartitionsApi.apiKey,
  name: CreatePartitionsApi.name,
  minVersion: 0,
  maxVersion: 3,
  readRequest: readCreatePartitionsRequest,
  sizeResponse: sizeCreatePartitionsResponse,
  writeResponse: writeCreatePartitionsResponse,
  handle: handleCreatePartitions,
});
