/**
 * DeleteRecords (key 21, v0-2) over the wire against an in-process broker: per-partition
 * results and errors, what Fetch and ListOffsets answer afterwards, and the new log start
 * offsets after a restart on the same data directory.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiVersionsApi, createApiVersionsRequest, type ApiVersionsResponse } from '../../protocol/generated/api-versions.js';
import {
  DeleteRecordsApi,
  createDeleteRecordsRequest,
  createDeleteRecordsRequestDeleteRecordsPartition,
  createDeleteRecordsRequestDeleteRecordsTopic,
  type DeleteRecordsResponse,
} from '../../protocol/generated/delete-records.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import { buildBatch } from '../../protocol/record-batch-builder.js';
import { startBroker, type EmbeddedBroker } from '../../src/index.js';
import { WireClient } from '../support/wire-client.js';
import { createTopic, fetch, fetchRequest, listOffset, produce } from '../fetch/support.js';

function deleteRecords(client: WireClient, wants: Record<string, Array<[number, number]>>, version = 2): Promise<DeleteRecordsResponse> {
  const request = createDeleteRecordsRequest();
  request.timeoutMs = 30_000;
  request.topics = Object.entries(wants).map(([name, partitions]) => ({
    ...createDeleteRecordsRequestDeleteRecordsTopic(),
    name,
    partitions: partitions.map(([partitionIndex, offset]) => ({ ...createDeleteRecordsRequestDeleteRecordsPartition(), partitionIndex, offset: BigInt(offset) })),
  }));
  return client.request<DeleteRecordsResponse>(DeleteRecordsApi.apiKey, version, request);
}

/** topic -> [partition, errorCode, lowWatermark] rows. */
function results(r: DeleteRecordsResponse): Array<[string, Array<[number, number, number]>]> {
  return r.topics.map((t) => [t.name, t.partitions.map((p) => [p.partitionIndex, p.errorCode, Number(p.lowWatermark)] as [number, number, number])]);
}

async function fetchError(client: WireClient, topic: string, partition: number, offset: number): Promise<{ errorCode: number; logStartOffset: bigint; batches: number }> {
  const r = await fetch(client, fetchRequest([{ topic, partition, offset }]));
  const p = r.responses[0]!.partitions[0]!;
  let batches = 0;
  for (let pos = 0; p.records !== null && pos < p.records.length; pos += 12 + p.records.readInt32BE(pos + 8)) batches++;
  return { errorCode: p.errorCode, logStartOffset: p.logStartOffset, batches };
}

describe('DeleteRecords over the wire', () => {
  let dataDir: string;
  let broker: EmbeddedBroker;
  let client: WireClient;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sluice-delete-records-'));
    broker = await startBroker({ dataDir, logger: 'silent' });
    client = await WireClient.open(broker.port);
    await createTopic(client, 'dr', 3);
    // partition 0: batches 0-2, 3-4, 5-8; partition 1: 0-1; partition 2 empty
    for (const n of [3, 2, 4]) await produce(client, 'dr', 0, buildBatch(Array.from({ length: n }, (_, i) => ({ value: `v${i}` }))));
    await produce(client, 'dr', 1, buildBatch([{ value: 'a' }, { value: 'b' }]));
  });

  afterAll(async () => {
    client.close();
    await broker.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('is advertised at v0-2', async () => {
    const versions = await client.request<ApiVersionsResponse>(ApiVersionsApi.apiKey, 3, createApiVersionsRequest());
    const k = versions.apiKeys.find((a) => a.apiKey === DeleteRecordsApi.apiKey);
    expect([k?.minVersion, k?.maxVersion]).toEqual([0, 2]);
  });

  it('moves log starts (into a batch; -1 is the high watermark) and answers errors per partition', async () => {
    const r = await deleteRecords(client, { dr: [[0, 4], [1, -1], [2, 0], [7, 0]], nope: [[0, 0]] });
    expect(results(r)).toEqual([
      ['dr', [[0, 0, 4], [1, 0, 2], [2, 0, 0], [7, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1]]],
      ['nope', [[0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1]]],
    ]);
    // Above the high watermark or below -1: OFFSET_OUT_OF_RANGE (v0 and v1 too).
    expect(results(await deleteRecords(client, { dr: [[0, 10], [0, -2], [2, 1]] }, 0))).toEqual([
      ['dr', [[0, ErrorCode.OFFSET_OUT_OF_RANGE, -1], [0, ErrorCode.OFFSET_OUT_OF_RANGE, -1], [2, ErrorCode.OFFSET_OUT_OF_RANGE, -1]]],
    ]);
    // At or below the start: a no-op that reports the start.
    expect(results(await deleteRecords(client, { dr: [[0, 2], [0, 4]] }, 1))).toEqual([['dr', [[0, 0, 4], [0, 0, 4]]]]);
  });

  it('Fetch below the new start is OFFSET_OUT_OF_RANGE; ListOffsets earliest gives it', async () => {
    expect((await fetchError(client, 'dr', 0, 3)).errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    expect((await fetchError(client, 'dr', 0, 0)).errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    // At the start: the batch holding it comes whole (base offset 3), then the next.
    expect(await fetchError(client, 'dr', 0, 4)).toEqual({ errorCode: 0, logStartOffset: 4n, batches: 2 });
    expect((await fetchError(client, 'dr', 1, 0)).errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    expect(await fetchError(client, 'dr', 1, 2)).toEqual({ errorCode: 0, logStartOffset: 2n, batches: 0 });
    expect((await listOffset(client, 'dr', 0, -2)).offset).toBe(4n);
    expect((await listOffset(client, 'dr', 1, -2)).offset).toBe(2n);
    expect((await listOffset(client, 'dr', 0, -1)).offset).toBe(9n);
  });

  it('survives a restart on the same data directory, and new records follow on', async () => {
    client.close();
    await broker.close();
    broker = await startBroker({ dataDir, logger: 'silent' });
    client = await WireClient.open(broker.port);
    expect((await listOffset(client, 'dr', 0, -2)).offset).toBe(4n);
    expect((await listOffset(client, 'dr', 1, -2)).offset).toBe(2n);
    expect((await fetchError(client, 'dr', 0, 3)).errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    expect(await produce(client, 'dr', 1, buildBatch([{ value: 'c' }]))).toBe(2);
    expect(results(await deleteRecords(client, { dr: [[0, -1], [1, 3]] }))).toEqual([['dr', [[0, 0, 9], [1, 0, 3]]]]);
    expect((await fetchError(client, 'dr', 0, 9)).logStartOffset).toBe(9n);
  });
});
