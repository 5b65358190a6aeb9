/**
 * Metadata v8+ authorized operations: with no ACLs, like Kafka without an authorizer, every
 * operation the resource type supports when the client asks, Int32.MIN_VALUE when it does
 * not. kafka-python's admin client asks for both and decodes the bit set into ACL operation
 * enums, so the "not requested" value (bit 31) made its list_topics/describe_topics throw.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetadataApi, createMetadataRequest, type MetadataResponse } from '../../protocol/generated/metadata.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import { ZERO_UUID } from '../../protocol/uuid.js';
import { startBroker, type EmbeddedBroker } from '../../src/index.js';
import { createTopic } from '../support/requests.js';
import { WireClient } from '../support/wire-client.js';

const NOT_REQUESTED = -2147483648;
const bits = (...codes: number[]): number => codes.reduce((b, c) => b | (1 << c), 0);
// AclOperation: READ 3, WRITE 4, CREATE 5, DELETE 6, ALTER 7, DESCRIBE 8, CLUSTER_ACTION 9,
// DESCRIBE_CONFIGS 10, ALTER_CONFIGS 11, IDEMPOTENT_WRITE 12.
const TOPIC = bits(3, 4, 5, 6, 7, 8, 10, 11);
const CLUSTER = bits(5, 7, 8, 9, 10, 11, 12);

describe('Metadata authorized operations', () => {
  let dataDir: string;
  let broker: EmbeddedBroker;
  let client: WireClient;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sluice-metadata-ops-'));
    broker = await startBroker({ dataDir, logger: 'silent' });
    client = await WireClient.open(broker.port);
    await createTopic(client, 'ops', 1);
  });

  afterAll(async () => {
    client.close();
    await broker.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function metadata(version: number, topics: string[] | null, include: boolean): Promise<MetadataResponse> {
    const request = createMetadataRequest();
    request.topics = topics === null ? null : topics.map((name) => ({ name, topicId: ZERO_UUID, unknownTaggedFields: [] }));
    request.allowAutoTopicCreation = false;
    request.includeClusterAuthorizedOperations = include;
    request.includeTopicAuthorizedOperations = include;
    return client.request<MetadataResponse>(MetadataApi.apiKey, version, request);
  }

  it('gives every supported operation when asked (v8, all topics and named ones, also for an unknown topic)', async () => {
    const all = await metadata(8, null, true);
    expect(all.clusterAuthorizedOperations).toBe(CLUSTER);
    expect(all.topics.map((t) => [t.name, t.topicAuthorizedOperations])).toEqual([['ops', TOPIC]]);

    const named = await metadata(8, ['ops', 'missing'], true);
    expect(named.topics.map((t) => [t.name, t.errorCode, t.topicAuthorizedOperations])).toEqual([
      ['ops', ErrorCode.NONE, TOPIC],
      ['missing', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, TOPIC],
    ]);
  });

  it('answers Int32.MIN_VALUE when not asked, and only topic operations from v11', async () => {
    const plain = await metadata(8, ['ops'], false);
    expect(plain.clusterAuthorizedOperations).toBe(NOT_REQUESTED);
    expect(plain.topics[0]!.topicAuthorizedOperations).toBe(NOT_REQUESTED);

    const v12 = await metadata(12, ['ops'], true);
    expect(v12.topics[0]!.topicAuthorizedOperations).toBe(TOPIC);
    expect(v12.clusterAuthorizedOperations).toBe(NOT_REQUESTED); // v11+ has no cluster field
  });
});
