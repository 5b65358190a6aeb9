/**
 * The read-only admin APIs tools use to look at a broker: DescribeLogDirs (one directory, the
 * data dir; partition sizes are their retained batch bytes), DescribeProducers (the idempotent
 * producer state), ListTransactions and DescribeTransactions (no transactions exist).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DescribeLogDirsApi, type DescribeLogDirsResponse } from '../../protocol/generated/describe-log-dirs.js';
import { DescribeProducersApi, type DescribeProducersResponse } from '../../protocol/generated/describe-producers.js';
import { DescribeTransactionsApi, type DescribeTransactionsResponse } from '../../protocol/generated/describe-transactions.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import { ListTransactionsApi, type ListTransactionsResponse } from '../../protocol/generated/list-transactions.js';
import { buildSimpleBatch } from '../../protocol/record-batch-builder.js';
import { startBroker, type EmbeddedBroker } from '../../src/index.js';
import { createTopic, idemBatch, initProducerId, produceOne } from '../producers/support.js';
import { WireClient } from '../support/wire-client.js';

const T = { unknownTaggedFields: [] as never[] };

describe('observability admin APIs', () => {
  let dataDir: string;
  let broker: EmbeddedBroker;
  let client: WireClient;
  const batch = buildSimpleBatch(10);

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sluice-observability-'));
    broker = await startBroker({ dataDir, logger: 'silent' });
    client = await WireClient.open(broker.port);
    await createTopic(client, 'sized', 2);
    await createTopic(client, 'other', 1);
    expect((await produceOne(client, 'sized', 0, batch)).errorCode).toBe(ErrorCode.NONE);
    expect((await produceOne(client, 'sized', 0, batch)).errorCode).toBe(ErrorCode.NONE);
  });

  afterAll(async () => {
    client.close();
    await broker.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function logDirs(version: number, topics: Array<{ topic: string; partitions: number[] }> | null): Promise<DescribeLogDirsResponse> {
    return client.request<DescribeLogDirsResponse>(DescribeLogDirsApi.apiKey, version, {
      topics: topics === null ? null : topics.map((t) => ({ ...t, ...T })),
      ...T,
    });
  }

  it('DescribeLogDirs: the data directory with every partition and its retained bytes', async () => {
    const r = await logDirs(4, null);
    expect(r.errorCode).toBe(ErrorCode.NONE);
    expect(r.results).toHaveLength(1);
    const dir = r.results[0]!;
    expect(dir.logDir).toBe(resolve(dataDir));
    expect(dir.totalBytes).toBeGreaterThan(0n);
    expect(dir.usableBytes).toBeGreaterThan(0n);
    expect(dir.usableBytes).toBeLessThanOrEqual(dir.totalBytes);
    const sizes = dir.topics.flatMap((t) => t.partitions.map((p) => [t.name, p.partitionIndex, p.partitionSize, p.offsetLag]));
    expect(sizes.sort()).toEqual([
      ['other', 0, 0n, 0n],
      ['sized', 0, BigInt(2 * batch.length), 0n],
      ['sized', 1, 0n, 0n],
    ].sort());
  });

  it('DescribeLogDirs: named partitions only; unknown ones left out; v0 has no byte totals', async () => {
    const r = await logDirs(0, [{ topic: 'sized', partitions: [0, 7] }, { topic: 'missing', partitions: [0] }]);
    const dir = r.results[0]!;
    expect(dir.topics.map((t) => [t.name, t.partitions.map((p) => p.partitionIndex)])).toEqual([['sized', [0]]]);
    expect(dir.totalBytes).toBe(-1n);
  });

  it('DescribeProducers: an idempotent producer with its epoch, last sequence and timestamp', async () => {
    const init = await initProducerId(client);
    expect(init.errorCode).toBe(ErrorCode.NONE);
    const producerId = Number(init.producerId);
    const timestamp = 1_800_000_000_000;
    for (const seq of [0, 5]) {
      const answer = await produceOne(client, 'other', 0, idemBatch({ producerId, epoch: init.producerEpoch, seq, count: 5, tag: 'p', timestamp }));
      expect(answer.errorCode).toBe(ErrorCode.NONE);
    }
    const r = await client.request<DescribeProducersResponse>(DescribeProducersApi.apiKey, 0, {
      topics: [{ name: 'other', partitionIndexes: [0, 3], ...T }, { name: 'sized', partitionIndexes: [1], ...T }],
      ...T,
    });
    const [other, sized] = r.topics;
    expect(other!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
    expect(other!.partitions[0]!.activeProducers.map((p) => [p.producerId, p.producerEpoch, p.lastSequence, p.lastTimestamp,
      p.coordinatorEpoch, p.currentTxnStartOffset])).toEqual([[BigInt(producerId), init.producerEpoch, 9, BigInt(timestamp), -1, -1n]]);
    expect(other!.partitions[1]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect(sized!.partitions[0]!.activeProducers).toEqual([]);
  });

  it('ListTransactions is empty and reports state filters that are not transaction states', async () => {
    const r = await client.request<ListTransactionsResponse>(ListTransactionsApi.apiKey, 1, {
      stateFilters: ['Ongoing', 'Sleeping'], producerIdFilters: [], durationFilter: -1n, ...T,
    });
    expect(r.errorCode).toBe(ErrorCode.NONE);
    expect(r.transactionStates).toEqual([]);
    expect(r.unknownStateFilters).toEqual(['Sleeping']);
  });

  it('DescribeTransactions: every transactional id is TRANSACTIONAL_ID_NOT_FOUND', async () => {
    const r = await client.request<DescribeTransactionsResponse>(DescribeTransactionsApi.apiKey, 0, { transactionalIds: ['a', 'b'], ...T });
    expect(r.transactionStates.map((s) => [s.transactionalId, s.errorCode])).toEqual([
      ['a', ErrorCode.TRANSACTIONAL_ID_NOT_FOUND],
      ['b', ErrorCode.TRANSACTIONAL_ID_NOT_FOUND],
    ]);
  });
});
