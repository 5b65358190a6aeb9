import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiVersionsApi, type ApiVersionsResponse } from '../../protocol/generated/api-versions.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import { buildSimpleBatch } from '../../protocol/record-batch-builder.js';
import { ZERO_UUID } from '../../protocol/uuid.js';
import { startBroker, type EmbeddedBroker } from '../../src/index.js';
import { createTopic, fetch, fetchRequest, listOffset, produce } from '../fetch/support.js';
import { WireClient } from '../support/wire-client.js';
import { createPartitions, deleteTopicIds, deleteTopics, metadata } from './support.js';


describe('topic admin', () => {
  let dataDir: string;
  let broker: EmbeddedBroker;
  let client: WireClient;

  const open = async (): Promise<void> => {
    broker = await startBroker({ dataDir, logger: 'silent' });
    client = await WireClient.open(broker.port);
  };
  const restart = async (): Promise<void> => {
    client.close();
    await broker.close();
    await open();
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sluice-admin-'));
    await open();
  });

  afterAll(async () => {
    client.close();
    await broker.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('advertises the admin APIs', async () => {
    const response = await client.request<ApiVersionsResponse>(ApiVersionsApi.apiKey, 3, {
      clientSoftwareName: 'test',
      clientSoftwareVersion: '1',
      unknownTaggedFields: [],
    });
    const range = (key: number) => {
      const k = response.apiKeys.find((a) => a.apiKey === key);
      return k ? [k.minVersion, k.maxVersion] : null;
    };
    expect(range(1)).toEqual([4, 12]);
    expect(range(2)).toEqual([1, 8]);
    expect(range(20)).toEqual([1, 6]);
    expect(range(32)).toEqual([1, 4]);
    expect(range(37)).toEqual([0, 3]);
    expect(range(44)).toEqual([0, 1]);
  });

  it('deletes a topic with its data and committed offsets; a re-created topic starts at 0, also after a restart', async () => {
    await createTopic(client, 'doomed', 2);
    await produce(client, 'doomed', 0, buildSimpleBatch(5));
    await produce(client, 'doomed', 1, buildSimpleBatch(2));
    await broker.broker.log.commitOffsets('g', [
      { topic: 'doomed', partition: 0, offset: 3, leaderEpoch: 0, metadata: null, commitTimestamp: Date.now() },
      { topic: 'kept', partition: 0, offset: 1, leaderEpoch: 0, metadata: null, commitTimestamp: Date.now() },
    ]);
    const deleted = await deleteTopics(client, ['doomed']);
    expect(deleted.responses).toHaveLength(1);
    expect(deleted.responses[0]).toMatchObject({ name: 'doomed', errorCode: 0, errorMessage: null });
    expect(deleted.responses[0]!.topicId).not.toBe(ZERO_UUID);
    expect((await metadata(client, ['doomed'])).topics[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const fetched = await fetch(client, fetchRequest([{ topic: 'doomed', partition: 0, offset: 0 }]));
    expect(fetched.responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect(broker.broker.log.committedOffsets('g')?.get('doomed')).toBeUndefined();
    expect(broker.broker.log.committedOffsets('g')?.get('kept')?.get(0)?.offset).toBe(1);

    await createTopic(client, 'doomed', 1);
    expect(await produce(client, 'doomed', 0, buildSimpleBatch(1))).toBe(0);
    await restart();
    expect((await listOffset(client, 'doomed', 0, -1)).offset).toBe(1n);
    expect((await metadata(client, ['doomed'])).topics[0]!.partitions).toHaveLength(1);
    expect(broker.broker.log.committedOffsets('g')?.get('doomed')).toBeUndefined();
    expect(await produce(client, 'doomed', 0, buildSimpleBatch(1))).toBe(1);
  });

  it('deletes by topic id (v6) and by name (v1), with Kafka error codes', async () => {
    const id = await createTopic(client, 'by-id');
    const byId = await deleteTopicIds(client, [{ name: null, topicId: id }]);
    expect(byId.responses[0]).toMatchObject({ name: 'by-id', topicId: id, errorCode: 0 });
    expect(broker.broker.log.topic('by-id')).toBeUndefined();

    await createTopic(client, 'old-client');
    const v1 = await deleteTopics(client, ['old-client', 'never-was'], 1);
    expect(v1.responses.map((r) => [r.name, r.errorCode])).toEqual([
      ['old-client', 0],
      ['never-was', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ]);

    const unknownId = await deleteTopicIds(client, [{ name: null, topicId: id }]);
    expect(unknownId.responses[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_ID);
    const id2 = await createTopic(client, 'both');
    const both = await deleteTopicIds(client, [{ name: 'both', topicId: id2 }]);
    expect(both.responses[0]!.errorCode).toBe(ErrorCode.INVALID_REQUEST);
    const twice = await deleteTopics(client, ['both', 'both']);
    expect(twice.responses.map((r) => r.errorCode)).toEqual([ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST]);
    expect(broker.broker.log.topic('both')).toBeDefined();
  });

  it('grows partitions, durably, and refuses to shrink', async () => {
    await createTopic(client, 'growing', 1);
    const grown = await createPartitions(client, [{ name: 'growing', count: 3 }]);
    expect(grown.results[0]).toMatchObject({ name: 'growing', errorCode: 0, errorMessage: null });
    expect((await metadata(client, ['growing'])).topics[0]!.partitions.map((p) => p.partitionIndex)).toEqual([0, 1, 2]);
    expect(await produce(client, 'growing', 2, buildSimpleBatch(2))).toBe(0);

    const errors = await createPartitions(client, [
      { name: 'growing', count: 3 },
      { name: 'nope', count: 3 },
    ]);
    expect(errors.results.map((r) => r.errorCode)).toEqual([ErrorCode.INVALID_PARTITIONS, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
    expect((await createPartitions(client, [{ name: 'growing', count: 2 }])).results[0]!.errorCode).toBe(ErrorCode.INVALID_PARTITIONS);

    await restart();
    expect((await metadata(client, ['growing'])).topics[0]!.partitions).toHaveLength(3);
    expect((await listOffset(client, 'growing', 2, -1)).offset).toBe(2n);
  });

  it('checks assignments, duplicates and validate-only (v0 too)', async () => {
    await createTopic(client, 'assigned', 1);
    const nodeId = broker.broker.nodeId;
    const cases: Array<[Parameters<typeof createPartitions>[1][number], number]> = [
      [{ name: 'assigned', count: 3, assignments: [[nodeId]] }, ErrorCode.INVALID_REPLICA_ASSIGNMENT],
      [{ name: 'assigned', count: 2, assignments: [[nodeId + 1]] }, ErrorCode.INVALID_REPLICA_ASSIGNMENT],
      [{ name: 'assigned', count: 2, assignments: [[nodeId, nodeId + 1]] }, ErrorCode.INVALID_REPLICA_ASSIGNMENT],
    ];
    for (const [topic, code] of cases) expect((await createPartitions(client, [topic])).results[0]!.errorCode).toBe(code);
    const dup = await createPartitions(client, [
      { name: 'assigned', count: 2 },
      { name: 'assigned', count: 3 },
    ]);
    expect(dup.results.map((r) => r.errorCode)).toEqual([ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST]);

    const validated = await createPartitions(client, [{ name: 'assigned', count: 4 }], true, 0);
    expect(validated.results[0]!.errorCode).toBe(0);
    expect(broker.broker.log.topic('assigned')!.partitions).toHaveLength(1);

    const ok = await createPartitions(client, [{ name: 'assigned', count: 3, assignments: [[nodeId], [nodeId]] }], false, 0);
    expect(ok.results[0]!.errorCode).toBe(0);
    expect(broker.broker.log.topic('assigned')!.partitions).toHaveLength(3);
  });
});
