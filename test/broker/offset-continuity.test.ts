/**
 * Offset continuity through the whole broker: any interleaving of produce requests over
 * several connections, topics, partitions and acks levels, with restarts in between,
 * gives every partition offsets contiguous from 0, acknowledged ranges that never
 * overlap, and a ListOffsets latest equal to the number of records sent.
 */

import fc from 'fast-check';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CreateTopicsApi, createCreateTopicsRequest, createCreateTopicsRequestCreatableTopic, type CreateTopicsResponse } from '../../protocol/generated/create-topics.js';
import {
  ListOffsetsApi,
  createListOffsetsRequest,
  createListOffsetsRequestListOffsetsPartition,
  createListOffsetsRequestListOffsetsTopic,
  type ListOffsetsResponse,
} from '../../protocol/generated/list-offsets.js';
import {
  ProduceApi,
  createProduceRequest,
  createProduceRequestPartitionProduceData,
  createProduceRequestTopicProduceData,
  type ProduceResponse,
} from '../../protocol/generated/produce.js';
import { buildSimpleBatch } from '../../protocol/record-batch-builder.js';
import { startBroker } from '../../src/index.js';
import { WireClient } from '../support/wire-client.js';

const SEED = 424242;
const TOPICS = { alpha: 3, beta: 2 } as const;
type TopicName = keyof typeof TOPICS;

interface Send {
  connection: number;
  acks: 0 | 1 | -1;
  /** Record counts of the batches, one entry per partition touched. */
  parts: Array<{ topic: TopicName; partition: number; batches: number[] }>;
}

const sendArb: fc.Arbitrary<Send> = fc.record({
  connection: fc.integer({ min: 0, max: 2 }),
  acks: fc.constantFrom(0 as const, 1 as const, -1 as const),
  parts: fc.uniqueArray(
    fc.constantFrom<TopicName>('alpha', 'beta').chain((topic) =>
      fc.record({
        topic: fc.constant(topic),
        partition: fc.integer({ min: 0, max: TOPICS[topic] - 1 }),
        batches: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }),
      }),
    ),
    { minLength: 1, maxLength: 4, selector: (p) => `${p.topic}-${p.partition}` },
  ),
});

function toRequest(send: Send) {
  const request = createProduceRequest();
  request.acks = send.acks;
  request.timeoutMs = 30_000;
  for (const part of send.parts) {
    const topicData = createProduceRequestTopicProduceData();
    topicData.name = part.topic;
    const partitionData = createProduceRequestPartitionProduceData();
    partitionData.index = part.partition;
    partitionData.records = Buffer.concat(part.batches.map((n) => buildSimpleBatch(n)));
    topicData.partitionData = [partitionData];
    request.topicData.push(topicData);
  }
  return request;
}

async function latestOffsets(client: WireClient): Promise<Map<string, number>> {
  const request = createListOffsetsRequest();
  request.replicaId = -1;
  for (const [name, count] of Object.entries(TOPICS)) {
    const topic = createListOffsetsRequestListOffsetsTopic();
    topic.name = name;
    for (let p = 0; p < count; p++) {
      const partition = createListOffsetsRequestListOffsetsPartition();
      partition.partitionIndex = p;
      partition.timestamp = -1n;
      topic.partitions.push(partition);
    }
    request.topics.push(topic);
  }
  const response = await client.request<ListOffsetsResponse>(ListOffsetsApi.apiKey, 7, request);
  const out = new Map<string, number>();
  for (const t of response.topics) for (const p of t.partitions) out.set(`${t.name}-${p.partitionIndex}`, Number(p.offset));
  return out;
}

describe('offset continuity through the broker', () => {
  it('keeps per-partition offsets contiguous from 0 across interleavings and restarts', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(sendArb, { minLength: 1, maxLength: 25 }), { minLength: 1, maxLength: 3 }), async (runs) => {
        const dataDir = await mkdtemp(join(tmpdir(), 'sluice-offsets-'));
        const sent = new Map<string, number>();
        const acked = new Map<string, Array<[number, number]>>();
        try {
          for (let run = 0; run < runs.length; run++) {
            const broker = await startBroker({ dataDir, logger: 'silent' });
            const clients = await Promise.all([0, 1, 2].map(() => WireClient.open(broker.port)));
            if (run === 0) {
              const create = createCreateTopicsRequest();
              for (const [name, count] of Object.entries(TOPICS)) {
                const topic = createCreateTopicsRequestCreatableTopic();
                topic.name = name;
                topic.numPartitions = count;
                topic.replicationFactor = 1;
                create.topics.push(topic);
              }
              const created = await clients[0]!.request<CreateTopicsResponse>(CreateTopicsApi.apiKey, 7, create);
              expect(created.topics.every((t) => t.errorCode === 0)).toBe(true);
            }
            const answers: Array<Promise<void>> = [];
            for (const send of runs[run]!) {
              for (const part of send.parts) {
                const key = `${part.topic}-${part.partition}`;
                sent.set(key, (sent.get(key) ?? 0) + part.batches.reduce((a, b) => a + b, 0));
              }
              const client = clients[send.connection]!;
              if (send.acks === 0) {
                client.send(ProduceApi.apiKey, 9, toRequest(send));
                continue;
              }
              answers.push(
                client.request<ProduceResponse>(ProduceApi.apiKey, 9, toRequest(send)).then((response) => {
                  response.responses.forEach((t, i) => {
                    const part = send.parts[i]!;
                    const p = t.partitionResponses[0]!;
                    expect(p.errorCode).toBe(0);
                    const count = part.batches.reduce((a, b) => a + b, 0);
                    const key = `${t.name}-${p.index}`;
                    acked.set(key, [...(acked.get(key) ?? []), [Number(p.baseOffset), Number(p.baseOffset) + count]]);
                  });
                }),
              );
            }
            await Promise.all(answers);
            // acks=0 requests get no answer, but keep their place in the connection's answer
            // order until written: once a later request on each connection is answered, they
            // are all in the log, and the next ListOffsets sees them.
            await Promise.all(clients.map((c) => latestOffsets(c)));
            const ends = await Promise.all(clients.map((c) => latestOffsets(c)));
            for (const c of clients) c.close();
            await broker.close();
            for (const end of ends) {
              for (const [key, offset] of end) expect(offset, key).toBe(sent.get(key) ?? 0);
            }
          }
          for (const [key, ranges] of acked) {
            const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
            for (let i = 1; i < sorted.length; i++) expect(sorted[i]![0], key).toBeGreaterThanOrEqual(sorted[i - 1]![1]);
            expect(sorted[sorted.length - 1]![1]).toBeLessThanOrEqual(sent.get(key)!);
          }
          const reopened = await startBroker({ dataDir, logger: 'silent' });
          try {
            for (const [key, count] of sent) {
              const [topic, partition] = key.split('-') as [string, string];
              expect(reopened.broker.log.partition(topic, Number(partition))!.logEndOffset, key).toBe(count);
            }
          } finally {
            await reopened.close();
          }
        } finally {
          await rm(dataDir, { recursive: true, force: true });
        }
      }),
      { seed: SEED, numRuns: 30, verbose: true },
    );
  });
});
