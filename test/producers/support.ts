/** Helpers for the idempotent producer tests: requests, batches, and reading the log back. */

import { InitProducerIdApi, createInitProducerIdRequest, type InitProducerIdResponse } from '../../protocol/generated/init-producer-id.js';
import {
  ProduceApi,
  type ProduceResponse,
  type ProduceResponsePartitionProduceResponse,
} from '../../protocol/generated/produce.js';
import { readBatchHeader, type BatchHeader } from '../../protocol/record-batch.js';
import { buildBatch } from '../../protocol/record-batch-builder.js';
import type { BrokerLog } from '../../src/log/index.js';
import { produceRequest } from '../support/requests.js';

export { createTopic } from '../support/requests.js';
import type { WireClient } from '../support/wire-client.js';

export const PRODUCE_VERSION = 9;

export interface IdemBatch {
  producerId: number;
  epoch: number;
  seq: number;
  count: number;
  /** Tags the batch's records so a test can tell batches apart in the log. */
  tag: string;
  attributes?: number;
  timestamp?: number;
}

export function idemBatch(b: IdemBatch): Buffer {
  const records = Array.from({ length: b.count }, (_, i) => ({ key: b.tag, value: `${b.tag}#${i}` }));
  return buildBatch(records, {
    producerId: b.producerId,
    producerEpoch: b.epoch,
    baseSequence: b.seq,
    attributes: b.attributes ?? 0,
    baseTimestamp: b.timestamp ?? Date.now(),
  });
}


export async function initProducerId(
  client: WireClient,
  options: { version?: number; transactionalId?: string | null; producerId?: number; epoch?: number } = {},
): Promise<InitProducerIdResponse> {
  const request = createInitProducerIdRequest();
  request.transactionalId = options.transactionalId ?? null;
  request.transactionTimeoutMs = 60_000;
  request.producerId = BigInt(options.producerId ?? -1);
  request.producerEpoch = options.epoch ?? -1;
  return client.request<InitProducerIdResponse>(InitProducerIdApi.apiKey, options.version ?? 4, request);
}

/** One Produce request: `sets` lists (partition, record set) pairs of one topic. */
export function produce(
  client: WireClient,
  topic: string,
  sets: Array<{ partition: number; records: Buffer }>,
  acks = -1,
  transactionalId: string | null = null,
): Promise<ProduceResponse> {
  const request = produceRequest(topic, sets, acks, transactionalId);
  return client.request<ProduceResponse>(ProduceApi.apiKey, PRODUCE_VERSION, request);
}

/** Produces one record set to one partition and returns that partition's answer. */
export async function produceOne(client: WireClient, topic: string, partition: number, records: Buffer, acks = -1): Promise<ProduceResponsePartitionProduceResponse> {
  const response = await produce(client, topic, [{ partition, records }], acks);
  return response.responses[0]!.partitionResponses[0]!;
}

/** Every batch header in a partition's log, in offset order. */
export async function logBatches(log: BrokerLog, topic: string, partition: number): Promise<BatchHeader[]> {
  const p = log.partition(topic, partition);
  if (p === undefined) throw new Error(`no partition ${topic}-${partition}`);
  const out: BatchHeader[] = [];
  for (const loc of p.batchesFrom(p.logStartOffset)) out.push(readBatchHeader(await log.readBatch(loc), 0));
  return out;
}
