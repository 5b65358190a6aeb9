import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { crc32c } from '@node-rs/crc32';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../protocol/generated/errors.js';
import { BATCH_HEADER_SIZE, BatchField } from '../../protocol/record-batch.js';
import { buildBatch, type TestRecord } from '../../protocol/record-batch-builder.js';
import { startBroker, type EmbeddedBroker } from '../../src/index.js';
import { WireClient } from '../support/wire-client.js';
import { createTopic, listOffset, produce } from './support.js';

/** A batch of records at base + deltas. */
function timed(base: number, deltas: number[], prefix = 'r'): Buffer {
  const records: TestRecord[] = deltas.map((d, i) => ({ value: `${prefix}${i}`, timestampDelta: d }));
  return buildBatch(records, { baseTimestamp: base });
}

/** Re-encodes a batch's records section with `codec` (gzip really compressed; others: bytes as given). */
function withCodec(batch: Buffer, codec: number, body?: Buffer): Buffer {
  const records = codec === 1 ? gzipSync(batch.subarray(BATCH_HEADER_SIZE)) : (body ?? batch.subarray(BATCH_HEADER_SIZE));
  const out = Buffer.concat([batch.subarray(0, BATCH_HEADER_SIZE), records]);
  out.writeInt32BE(out.length - 12, BatchField.batchLength);
  out.writeInt16BE(codec, BatchField.attributes);
  out.writeUInt32BE(crc32c(out.subarray(BatchField.attributes)) >>> 0, BatchField.crc);
  return out;
}

describe('ListOffsets', () => {
  let broker: EmbeddedBroker;
  let client: WireClient;

  beforeAll(async () => {
    broker = await startBroker({ logger: 'silent' });
    client = await WireClient.open(broker.port);
    await createTopic(client, 'times', 1);
    await createTopic(client, 'empty', 1);
    await createTopic(client, 'packed', 1);
    // offsets 0-2 at 1000, 1010, 1020; 3-4 at 5000, 5005; 5-6 at 2000, 2100 (out of order)
    await produce(client, 'times', 0, timed(1000, [0, 10, 20]));
    await produce(client, 'times', 0, timed(5000, [0, 5]));
    await produce(client, 'times', 0, timed(2000, [0, 100]));
    // gzip at 0-2 (100, 300, 200), "snappy" at 3-4 (400, 500), uncompressed 5 (600)
    await produce(client, 'packed', 0, withCodec(timed(100, [0, 200, 100]), 1));
    await produce(client, 'packed', 0, withCodec(timed(400, [0, 100]), 2, Buffer.from('not really snappy')));
    await produce(client, 'packed', 0, timed(600, [0]));
  });

  afterAll(async () => {
    client.close();
    await broker.close();
  });

  it('answers earliest, latest and earliest-local (v8)', async () => {
    expect(await listOffset(client, 'times', 0, -2)).toMatchObject({ errorCode: 0, offset: 0n, timestamp: -1n, leaderEpoch: 0 });
    expect(await listOffset(client, 'times', 0, -1)).toMatchObject({ errorCode: 0, offset: 7n, timestamp: -1n });
    expect(await listOffset(client, 'times', 0, -1, 8, { isolationLevel: 1 })).toMatchObject({ offset: 7n });
    expect(await listOffset(client, 'times', 0, -4, 8)).toMatchObject({ errorCode: 0, offset: 0n });
    expect((await listOffset(client, 'times', 0, -4, 7)).errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect(await listOffset(client, 'times', 0, -1, 1)).toMatchObject({ errorCode: 0, offset: 7n });
  });

  it('finds the first offset whose timestamp is at or after the target', async () => {
    const cases: Array<[number, bigint, bigint]> = [
      [0, 0n, 1000n],
      [1000, 0n, 1000n],
      [1005, 1n, 1010n],
      [1020, 2n, 1020n],
      [1021, 3n, 5000n],
      [5001, 4n, 5005n],
      [5005, 4n, 5005n],
    ];
    for (const [target, offset, timestamp] of cases) {
      expect(await listOffset(client, 'times', 0, target), `target ${target}`).toMatchObject({ errorCode: 0, offset, timestamp });
    }
    expect(await listOffset(client, 'times', 0, 5006)).toMatchObject({ errorCode: 0, offset: -1n, timestamp: -1n });
    expect(await listOffset(client, 'empty', 0, 0)).toMatchObject({ errorCode: 0, offset: -1n, timestamp: -1n });
  });

  it('answers max timestamp (-3, v7+) with the record carrying it', async () => {
    expect(await listOffset(client, 'times', 0, -3, 7)).toMatchObject({ errorCode: 0, offset: 4n, timestamp: 5005n });
    expect(await listOffset(client, 'empty', 0, -3, 8)).toMatchObject({ errorCode: 0, offset: -1n, timestamp: -1n });
    expect((await listOffset(client, 'times', 0, -3, 6)).errorCode).toBe(ErrorCode.INVALID_REQUEST);
  });

  it('looks inside gzip batches, and answers codecs Node cannot read at batch precision', async () => {
    expect(await listOffset(client, 'packed', 0, 150)).toMatchObject({ offset: 1n, timestamp: 300n });
    expect(await listOffset(client, 'packed', 0, 250)).toMatchObject({ offset: 1n, timestamp: 300n });
    expect(await listOffset(client, 'packed', 0, 301)).toMatchObject({ offset: 3n, timestamp: 500n });
    expect(await listOffset(client, 'packed', 0, 450)).toMatchObject({ offset: 3n, timestamp: 500n });
    expect(await listOffset(client, 'packed', 0, 501)).toMatchObject({ offset: 5n, timestamp: 600n });
    expect(await listOffset(client, 'packed', 0, -3)).toMatchObject({ offset: 5n, timestamp: 600n });
  });

  it('reads batches back from the WAL when they left memory', async () => {
    const partition = broker.broker.log.partition('times', 0)!;
    for (let row = partition.index.first; row < partition.index.count; row++) partition.index.dropBytes(row);
    expect(await listOffset(client, 'times', 0, 1005)).toMatchObject({ offset: 1n, timestamp: 1010n });
    expect(await listOffset(client, 'times', 0, -3)).toMatchObject({ offset: 4n, timestamp: 5005n });
  });

  it('answers the errors Kafka does', async () => {
    expect((await listOffset(client, 'nope', 0, -1)).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect((await listOffset(client, 'times', 3, -1)).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect((await listOffset(client, 'times', 0, -1, 8, { currentLeaderEpoch: 9 })).errorCode).toBe(ErrorCode.UNKNOWN_LEADER_EPOCH);
    expect((await listOffset(client, 'times', 0, -7)).errorCode).toBe(ErrorCode.INVALID_REQUEST);
  });

  it('matches a brute-force search over random timestamps (fixed seed)', async () => {
    let topicNo = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.integer({ min: 0, max: 200 }), { minLength: 1, maxLength: 8 }),
        async (batches, bases) => {
          const topic = `prop-${topicNo++}`;
          await createTopic(client, topic, 1);
          const all: Array<{ offset: number; timestamp: number }> = [];
          for (let i = 0; i < batches.length; i++) {
            const base = 1000 + bases[i % bases.length]!;
            const deltas = batches[i]!;
            const at = await produce(client, topic, 0, timed(base, deltas));
            deltas.forEach((d, j) => all.push({ offset: at + j, timestamp: base + d }));
          }
          for (const target of [0, 1000, 1050, 1100, 1150, 1200, 1250, 2000]) {
            const expected = all.find((r) => r.timestamp >= target);
            const got = await listOffset(client, topic, 0, target);
            expect(got.offset).toBe(BigInt(expected?.offset ?? -1));
            expect(got.timestamp).toBe(BigInt(expected?.timestamp ?? -1));
          }
          const max = Math.max(...all.map((r) => r.timestamp));
          const top = all.find((r) => r.timestamp === max)!;
          expect(await listOffset(client, topic, 0, -3)).toMatchObject({ offset: BigInt(top.offset), timestamp: BigInt(max) });
        },
      ),
      { seed: 20240611, numRuns: 25 },
    );
  });
});
