/**
 * The broker runs retention on its own timer with the configured limits: records older than
 * log.retention.ms disappear from the front of the partition and ListOffsets earliest moves.
 */

import { describe, expect, it } from 'vitest';
import { ListOffsetsApi, createListOffsetsRequest, createListOffsetsRequestListOffsetsPartition, createListOffsetsRequestListOffsetsTopic, type ListOffsetsResponse } from '../../protocol/generated/list-offsets.js';
import { ProduceApi } from '../../protocol/generated/produce.js';
import { buildSimpleBatch } from '../../protocol/record-batch-builder.js';
import { startBroker } from '../../src/index.js';
import { produceRequest } from '../support/requests.js';
import { WireClient } from '../support/wire-client.js';

function produce(batch: Buffer) {
  return produceRequest('aging', [{ partition: 0, records: batch }]);
}

describe('retention in a running broker', () => {
  it('drops expired batches on its timer and moves the earliest offset', async () => {
    const broker = await startBroker({
      logger: 'silent',
      overrides: { 'log.retention.ms': '60000', 'log.retention.check.interval.ms': '20' },
    });
    try {
      await broker.broker.createTopic('aging', 1);
      const client = await WireClient.open(broker.port);
      const old = Date.now() - 3_600_000;
      await client.request(ProduceApi.apiKey, 9, produce(buildSimpleBatch(5, 'old', { baseTimestamp: old })));
      await client.request(ProduceApi.apiKey, 9, produce(buildSimpleBatch(3, 'new', { baseTimestamp: Date.now() })));
      const partition = broker.broker.log.partition('aging', 0)!;
      const deadline = Date.now() + 10_000;
      while (partition.logStartOffset < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(partition.logStartOffset).toBe(5);

      const request = createListOffsetsRequest();
      const topic = createListOffsetsRequestListOffsetsTopic();
      topic.name = 'aging';
      const p = createListOffsetsRequestListOffsetsPartition();
      p.timestamp = -2n;
      topic.partitions = [p];
      request.topics = [topic];
      const response = await client.request<ListOffsetsResponse>(ListOffsetsApi.apiKey, 7, request);
      expect(response.topics[0]!.partitions[0]!.offset).toBe(5n);
      client.close();
    } finally {
      await broker.close();
    }
  });
});
