/**
 * InitProducerId (key 22), versions 0-5: producer ids for idempotent producers.
 *
 * - transactionalId null, no producer id given (every version; v3+ with -1/-1): a new
 *   producer id with epoch 0. Ids come from blocks reserved durably in the WAL
 *   (PRODUCER_IDS_RESERVED, like Kafka's ProducerIdManager blocks of 1000); the answer
 *   waits until the reservation is durable, and after a restart the rest of the block is
 *   skipped, so an id is never handed out twice.
 * - v3+ with a producer id this broker handed out and an epoch: the epoch is bumped
 *   (PRODUCER_EPOCH_BUMPED, durable before the answer) to one above the given epoch, and
 *   batches of older epochs are fenced on every partition (INVALID_PRODUCER_EPOCH). A
 *   retry of a bump (the epoch just below the current one) gets the current epoch again;
 *   an older epoch is answered PRODUCER_FENCED (INVALID_PRODUCER_EPOCH before v4, as
 *   Kafka maps it). When the epoch would pass 32766 a new producer id with epoch 0 is
 *   given instead, as Kafka does for an exhausted epoch. A producer id this broker never
 *   handed out gets a new id. (Kafka's coordinator ignores the id and epoch of a
 *   non-transactional request and always hands out a new id; bumping instead keeps the
 *   producer's id and fences its older incarnation, and a client accepts either answer.)
 * - transactionalId not null: there is no transaction coordinator, so the answer is
 *   COORDINATOR_NOT_AVAILABLE (15), what Kafka answers while its transaction state topic
 *   cannot be created (e.g. transaction.state.log.replication.factor above the number of
 *   brokers). The client retries until its own timeout.
 * - the log fenced by an I/O error: COORDINATOR_NOT_AVAILABLE as well (retriable).
 */

import { ErrorCode } from '../../protocol/generated/errors.js';
import {
  InitProducerIdApi,
  createInitProducerIdResponse,
  readInitProducerIdRequest,
  sizeInitProducerIdResponse,
  writeInitProducerIdResponse,
  type InitProducerIdRequest,
  type InitProducerIdResponse,
} from '../../protocol/generated/init-producer-id.js';
import type { BrokerLog } from '../log/index.js';
import { MAX_EPOCH } from '../producers/state.js';
import { defineHandler, type Answer, type RequestContext } from './types.js';

/** Kafka treats an epoch this high as exhausted and moves to a new producer id. */
const LAST_USABLE_EPOCH = MAX_EPOCH - 1;

function answer(errorCode: number, producerId: number, epoch: number): InitProducerIdResponse {
  const r = createInitProducerIdResponse();
  r.errorCode = errorCode;
  r.producerId = BigInt(producerId);
  r.producerEpoch = epoch;
  return r;
}

const unavailable = (): InitProducerIdResponse => answer(ErrorCode.COORDINATOR_NOT_AVAILABLE, -1, -1);

function newProducer(log: BrokerLog): Answer<InitProducerIdResponse> {
  let allocated: ReturnType<BrokerLog['allocateProducerId']>;
  try {
    allocated = log.allocateProducerId();
  } catch {
    return unavailable();
  }
  return allocated.done.then(() => answer(ErrorCode.NONE, allocated.producerId, 0), unavailable);
}

function handleInitProducerId(request: InitProducerIdRequest, context: RequestContext): Answer<InitProducerIdResponse> {
  const { broker, apiVersion } = context;
  const log = broker.log;
  if (request.transactionalId !== null) return unavailable();
  if (log.fenced) return unavailable();
  const producerId = Number(request.producerId);
  const epoch = request.producerEpoch;
  if (apiVersion < 3 || producerId < 0 || epoch < 0 || !log.producerIdAllocated(producerId)) return newProducer(log);

  const current = log.producerEpoch(producerId);
  if (epoch >= current) {
    const next = epoch + 1;
    if (next > LAST_USABLE_EPOCH) return newProducer(log);
    return log.bumpProducerEpoch(producerId, next).then(() => answer(ErrorCode.NONE, producerId, next), unavailable);
  }
  const fence = log.producers.fences.get(producerId);
  if (epoch === current - 1 && fence !== undefined && fence.epoch === current) {
    // A retry of the bump that raised the epoch to `current` (its answer was lost).
    return answer(ErrorCode.NONE, producerId, current);
  }
  return answer(apiVersion >= 4 ? ErrorCode.PRODUCER_FENCED : ErrorCode.INVALID_PRODUCER_EPOCH, -1, -1);
}

export const initProducerIdHandler = defineHandler<InitProducerIdRequest, InitProducerIdResponse>({
  apiKey: InitProducerIdApi.apiKey,
  name: InitProducerIdApi.name,
  minVersion: 0,
  maxVersion: 5,
  readRequest: readInitProducerIdRequest,
  sizeResponse: sizeInitProducerIdResponse,
  writeResponse: writeInitProducerIdResponse,
  handle: handleInitProducerId,
});
