/**
 * DeleteTopics (key 20), versions 1-6.
 *
 * Topics are named (v1-v5), or from v6 named or given by topic id (one of the two).
 * Deletion goes through the log: the topic disappears at once (Metadata, Produce and
 * Fetch answer UNKNOWN_TOPIC_OR_PARTITION), its data becomes unreachable, its committed
 * offsets are dropped in every group, and the deletion is durable before the answer. A
 * topic created again with the same name gets a new id and starts at offset 0.
 * Errors: UNKNOWN_TOPIC_OR_PARTITION (unknown name), UNKNOWN_TOPIC_ID (unknown id),
 * INVALID_REQUEST (a topic listed twice, both or neither of name and id),
 * KAFKA_STORAGE_ERROR when the log is fenced.
 */

import { ErrorCode } from '../../protocol/generated/errors.js';
import {
  DeleteTopicsApi,
  createDeleteTopicsResponse,
  createDeleteTopicsResponseDeletableTopicResult,
  readDeleteTopicsRequest,
  sizeDeleteTopicsResponse,
  writeDeleteTopicsResponse,
  type DeleteTopicsRequest,
  type DeleteTopicsResponse,
  type DeleteTopicsResponseDeletableTopicResult,
} from '../../protocol/generated/delete-topics.js';
import { ZERO_UUID } from '../../protocol/uuid.js';
import type { Broker } from '../broker.js';
import { StorageError, UnknownTopicError, type TopicState } from '../log/index.js';
import { topicIdOf } from './support.js';
import { defineHandler, type RequestContext } from './types.js';

interface Wanted {
  name: string | null;
  topicId: string;
}

function findById(broker: Broker, topicId: string): TopicState | undefined {
  for (const topic of broker.log.topics()) if (topicIdOf(topic) === topicId) return topic;
  return undefined;
}

function fail(out: DeleteTopicsResponseDeletableTopicResult, errorCode: number, errorMessage: string): void {
  out.errorCode = errorCode;
  out.errorMessage = errorMessage;
}

function handleDeleteTopics(request: DeleteTopicsRequest, context: RequestContext): Promise<DeleteTopicsResponse> {
  const { broker, apiVersion } = context;
  const wanted: Wanted[] = apiVersion >= 6 ? request.topics : request.topicNames.map((name) => ({ name, topicId: ZERO_UUID }));
  const response = createDeleteTopicsResponse();
  const counts = new Map<string, number>();
  const key = (w: Wanted): string => (w.name !== null ? `n:${w.name}` : `i:${w.topicId}`);
  for (const w of wanted) counts.set(key(w), (counts.get(key(w)) ?? 0) + 1);
  const deletions: Array<Promise<void>> = [];
  for (const w of wanted) {
    const out = createDeleteTopicsResponseDeletableTopicResult();
    out.name = w.name;
    out.topicId = w.topicId;
    response.responses.push(out);
    if (counts.get(key(w))! > 1) {
      fail(out, ErrorCode.INVALID_REQUEST, `topic ${w.name ?? w.topicId} is listed more than once`);
      continue;
    }
    if (w.name !== null && w.topicId !== ZERO_UUID) {
      fail(out, ErrorCode.INVALID_REQUEST, 'give either a topic name or a topic id, not both');
      continue;
    }
    let topic: TopicState | undefined;
    if (w.name !== null) {
      topic = broker.log.topic(w.name);
      if (!topic) {
        fail(out, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${w.name}' does not exist.`);
        continue;
      }
    } else {
      topic = w.topicId === ZERO_UUID ? undefined : findById(broker, w.topicId);
      if (!topic) {
        fail(out, w.topicId === ZERO_UUID ? ErrorCode.INVALID_REQUEST : ErrorCode.UNKNOWN_TOPIC_ID, `no topic with id ${w.topicId}`);
        continue;
      }
      out.name = topic.name;
    }
    out.topicId = topicIdOf(topic);
    const name = topic.name;
    broker.logger.info(`deleting topic ${name}`);
    let deleted: Promise<void>;
    try {
      deleted = broker.log.deleteTopic(name);
    } catch (err) {
      deleted = Promise.reject(err);
    }
    deletions.push(
      deleted.then(undefined, (err: Error) => {
        const code =
          err instanceof UnknownTopicError ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : err instanceof StorageError ? ErrorCode.KAFKA_STORAGE_ERROR : ErrorCode.UNKNOWN_SERVER_ERROR;
        fail(out, code, err.message);
      }),
    );
  }
  return Promise.all(deletions).then(() => response);
}

export const deleteTopicsHandler = defineHandler<DeleteTopicsRequest, DeleteTopicsResponse>({
  apiKey: DeleteTopicsApi.apiKey,
  name: DeleteTopicsApi.name,
  minVersion: 1,
  maxVersion: 6,
  readRequest: readDeleteTopicsRequest,
  sizeResponse: sizeDeleteTopicsResponse,
  writeResponse: writeDeleteTopicsResponse,
  handle: handleDeleteTopics,
});
