import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../protocol/generated/errors.js';
import { ApiVersionsApi, type ApiVersionsResponse } from '../../protocol/generated/api-versions.js';
import { CreateTopicsApi, createCreateTopicsRequest, createCreateTopicsRequestCreatableTopic, type CreateTopicsResponse } from '../../protocol/generated/create-topics.js';
import { MetadataApi, createMetadataRequest, type MetadataResponse } from '../../protocol/generated/metadata.js';
import {
  ProduceApi,
  type ProduceResponse,
} from '../../protocol/generated/produce.js';
import { BatchField } from '../../protocol/record-batch.js';
import { buildBatch, buildSimpleBatch } from '../../protocol/record-batch-builder.js';
import { HANDLERS } from '../../src/handlers/registry.js';
import { startBroker, type EmbeddedBroker } from '../../src/index.js';
import { produceRequest as produceRequestFor } from '../support/requests.js';
import { WireClient } from '../support/wire-client.js';

/** One record set for one partition. */
function produceRequest(topic: string, partition: number, records: Buffer | null, acks = -1) {
  return produceRequestFor(topic, [{ partition, records }], acks);
}

function firstPartition(response: ProduceResponse) {
  return response.responses[0]!.partitionResponses[0]!;
}

describe('produce over the wire', () => {
  let broker: EmbeddedBroker;
  let client: WireClient;

  beforeAll(async () => {
    broker = await startBroker({ overrides: { 'message.max.bytes': '4096' }, logger: 'silent' });
    client = await WireClient.open(broker.port);
    const create = createCreateTopicsRequest();
    const topic = createCreateTopicsRequestCreatableTopic();
    topic.name = 'events';
    topic.numPartitions = 2;
    topic.replicationFactor = 1;
    create.topics = [topic];
    const created = await client.request<CreateTopicsResponse>(CreateTopicsApi.apiKey, 7, create);
    expect(created.topics[0]!.errorCode).toBe(ErrorCode.NONE);
  });

  afterAll(async () => {
    client.close();
    await broker.close();
  });

  it('advertises every handler and Produce from v0', async () => {
    const response = await client.request<ApiVersionsResponse>(ApiVersionsApi.apiKey, 3, {
      clientSoftwareName: 'test',
      clientSoftwareVersion: '1',
      unknownTaggedFields: [],
    });
    const produce = response.apiKeys.find((k) => k.apiKey === ProduceApi.apiKey)!;
    expect([produce.minVersion, produce.maxVersion]).toEqual([0, 11]);
    expect(response.apiKeys.map((k) => k.apiKey)).toEqual(HANDLERS.map((h) => h.apiKey).sort((a, b) => a - b));
    for (const h of HANDLERS) {
      expect(response.apiKeys.find((k) => k.apiKey === h.apiKey), h.name).toMatchObject({ minVersion: h.minVersion, maxVersion: h.maxVersion });
    }
  });

  it('assigns contiguous offsets and reports them', async () => {
    const a = await client.request<ProduceResponse>(ProduceApi.apiKey, 9, produceRequest('events', 1, buildSimpleBatch(3)));
    const b = await client.request<ProduceResponse>(ProduceApi.apiKey, 9, produceRequest('events', 1, buildSimpleBatch(2)));
    expect(firstPartition(a)).toMatchObject({ errorCode: 0, baseOffset: 0n });
    expect(firstPartition(b)).toMatchObject({ errorCode: 0, baseOffset: 3n });
  });

  it('answers Kafka error codes for bad batches and requests', async () => {
    const cases: Array<[string, ReturnType<typeof produceRequest>, number, number]> = [];
    const flipped = buildSimpleBatch(2);
    flipped[flipped.length - 1] ^= 1;
    cases.push(['CRC mismatch', produceRequest('events', 0, flipped), 9, ErrorCode.CORRUPT_MESSAGE]);
    cases.push(['short batch', produceRequest('events', 0, buildSimpleBatch(2).subarray(0, 70)), 9, ErrorCode.CORRUPT_MESSAGE]);
    const magic = buildSimpleBatch(1);
    magic.writeInt8(1, BatchField.magic);
    cases.push(['wrong magic', produceRequest('events', 0, magic), 9, ErrorCode.INVALID_RECORD]);
    cases.push(['too large', produceRequest('events', 0, buildBatch([{ value: Buffer.alloc(5000) }])), 9, ErrorCode.MESSAGE_TOO_LARGE]);
    cases.push(['bad acks', produceRequest('events', 0, buildSimpleBatch(1), 2), 9, ErrorCode.INVALID_REQUIRED_ACKS]);
    cases.push(['unknown topic', produceRequest('nope', 0, buildSimpleBatch(1)), 9, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
    cases.push(['unknown partition', produceRequest('events', 7, buildSimpleBatch(1)), 9, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
    cases.push(['produce v2', produceRequest('events', 0, buildSimpleBatch(1)), 2, ErrorCode.UNSUPPORTED_VERSION]);
    for (const [what, request, version, code] of cases) {
      const response = await client.request<ProduceResponse>(ProduceApi.apiKey, version, request);
      expect(firstPartition(response).errorCode, what).toBe(code);
    }
    // None of them reached the log.
    expect(broker.broker.log.partition('events', 0)!.logEndOffset).toBe(0);
  });

  it('keeps an acks=0 produce in the response order without answering it', async () => {
    client.send(ProduceApi.apiKey, 9, produceRequest('events', 0, buildSimpleBatch(4), 0));
    const metadata = createMetadataRequest();
    metadata.topics = null;
    const response = await client.request<MetadataResponse>(MetadataApi.apiKey, 12, metadata);
    expect(response.topics.map((t) => t.name)).toContain('events');
    const after = await client.request<ProduceResponse>(ProduceApi.apiKey, 9, produceRequest('events', 0, buildSimpleBatch(1)));
    expect(firstPartition(after).baseOffset).toBe(4n);
  });

  it('answers an ApiVersions request of an unknown version with a v0 body and error 35', async () => {
    const frame = Buffer.alloc(4 + 10);
    frame.writeInt32BE(10, 0);
    frame.writeInt16BE(ApiVersionsApi.apiKey, 4);
    frame.writeInt16BE(99, 6);
    frame.writeInt32BE(4242, 8);
    frame.writeInt16BE(-1, 12);
    const socket = connect({ port: broker.port, host: '127.0.0.1' });
    const bytes = await new Promise<Buffer>((resolve, reject) => {
      socket.once('data', resolve);
      socket.once('close', () => reject(new Error('the broker closed the connection')));
      socket.write(frame);
    });
    socket.destroy();
    // size, correlation id (header v0), error code, one api key entry: 18 0..4
    expect(bytes.readInt32BE(4)).toBe(4242);
    expect(bytes.readInt16BE(8)).toBe(ErrorCode.UNSUPPORTED_VERSION);
    expect(bytes.readInt32BE(10)).toBe(1);
    expect([bytes.readInt16BE(14), bytes.readInt16BE(16), bytes.readInt16BE(18)]).toEqual([18, 0, 4]);
  });
});
