import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../protocol/generated/errors.js';
import { BatchField, forEachBatch, writeInt64 } from '../../protocol/record-batch.js';
import { buildBatch, buildSimpleBatch } from '../../protocol/record-batch-builder.js';
import { forEachRecord, recordsSection } from '../../protocol/records.js';
import { startBroker, type EmbeddedBroker } from '../../src/index.js';
import { WireClient } from '../support/wire-client.js';
import { createTopic, fetch, fetchRequest, produce } from './support.js';

/** The batch as the log stores it: base offset and leader epoch patched. */
function stored(batch: Buffer, baseOffset: number, leaderEpoch = 0): Buffer {
  const copy = Buffer.from(batch);
  writeInt64(copy, BatchField.baseOffset, baseOffset);
  copy.writeInt32BE(leaderEpoch, BatchField.partitionLeaderEpoch);
  return copy;
}

function valuesOf(records: Buffer | null): string[] {
  const out: string[] = [];
  forEachBatch(records ?? Buffer.alloc(0), (b) => {
    const batch = records!.subarray(b.position, b.position + b.size);
    forEachRecord(recordsSection(batch), b.recordsCount, (r) => {
      out.push(r.value!.toString());
    });
  });
  return out;
}

describe('Fetch', () => {
  let broker: EmbeddedBroker;
  let client: WireClient;
  let producer: WireClient;
  const batches = [buildSimpleBatch(3, 'a'), buildSimpleBatch(2, 'b'), buildSimpleBatch(4, 'c')];

  beforeAll(async () => {
    broker = await startBroker({ logger: 'silent' });
    client = await WireClient.open(broker.port);
    producer = await WireClient.open(broker.port);
    await createTopic(client, 'log', 1);
    await createTopic(client, 'two', 2);
    await createTopic(client, 'quiet', 1);
    let offset = 0;
    for (const b of batches) {
      expect(await produce(producer, 'log', 0, b)).toBe(offset);
      offset += b.readInt32BE(BatchField.recordsCount);
    }
  });

  afterAll(async () => {
    client.close();
    producer.close();
    await broker.close();
  });

  it('returns the stored batches verbatim with offsets, at v4, v7, v11 and v12', async () => {
    const expected = Buffer.concat([stored(batches[0]!, 0), stored(batches[1]!, 3), stored(batches[2]!, 5)]);
    for (const version of [4, 7, 11, 12]) {
      const response = await fetch(client, fetchRequest([{ topic: 'log', partition: 0, offset: 0 }]), version);
      expect(response.errorCode).toBe(0);
      const p = response.responses[0]!.partitions[0]!;
      expect(p.errorCode).toBe(0);
      expect(p.highWatermark).toBe(9n);
      expect(p.lastStableOffset).toBe(9n);
      if (version >= 5) expect(p.logStartOffset).toBe(0n);
      expect(Buffer.compare(p.records!, expected)).toBe(0);
    }
  });

  it('sends large batches uncopied beside small ones: the bytes are the same at every version', async () => {
    // Batches of 4 KiB or more leave as their own writev segments, smaller ones are copied into
    // the frame; both kinds, interleaved on two partitions, must arrive exactly as stored.
    await createTopic(client, 'mixed', 2);
    const big = (tag: string, n: number): Buffer => buildBatch(Array.from({ length: n }, (_, i) => ({ value: `${tag}${i}-${'v'.repeat(900)}` })));
    const sets = [[big('x', 9), buildSimpleBatch(2, 's'), big('y', 40)], [buildSimpleBatch(1, 't'), big('z', 5)]];
    const expected: Buffer[] = [];
    for (const [partition, list] of sets.entries()) {
      let offset = 0;
      const parts: Buffer[] = [];
      for (const b of list) {
        expect(await produce(producer, 'mixed', partition, b)).toBe(offset);
        parts.push(stored(b, offset));
        offset += b.readInt32BE(BatchField.recordsCount);
      }
      expected.push(Buffer.concat(parts));
    }
    expect(sets.flat().filter((b) => b.length >= 4096)).toHaveLength(3);
    for (const version of [4, 11, 12]) {
      const response = await fetch(client, fetchRequest([{ topic: 'mixed', partition: 0, offset: 0 }, { topic: 'mixed', partition: 1, offset: 0 }]), version);
      const partitions = response.responses[0]!.partitions;
      expect(partitions.map((p) => p.errorCode)).toEqual([0, 0]);
      for (const [i, p] of partitions.entries()) expect(Buffer.compare(p.records!, expected[i]!), `v${version} partition ${i}`).toBe(0);
    }
  });

  it('answers an offset inside a batch with that whole batch', async () => {
    const response = await fetch(client, fetchRequest([{ topic: 'log', partition: 0, offset: 4 }]));
    const records = response.responses[0]!.partitions[0]!.records!;
    expect(records.readInt32BE(BatchField.baseOffset + 4)).toBe(3);
    expect(valuesOf(records)).toEqual(['b-0', 'b-1', 'c-0', 'c-1', 'c-2', 'c-3']);
  });

  it('answers at the high watermark with no records and no error', async () => {
    const response = await fetch(client, fetchRequest([{ topic: 'log', partition: 0, offset: 9 }]));
    const p = response.responses[0]!.partitions[0]!;
    expect(p.errorCode).toBe(0);
    expect(p.records!.length).toBe(0);
    expect(p.highWatermark).toBe(9n);
  });

  it('always returns at least one whole batch, and respects partition_max_bytes otherwise', async () => {
    const tiny = await fetch(client, fetchRequest([{ topic: 'log', partition: 0, offset: 0, partitionMaxBytes: 10 }]));
    expect(Buffer.compare(tiny.responses[0]!.partitions[0]!.records!, stored(batches[0]!, 0))).toBe(0);
    const two = batches[0]!.length + batches[1]!.length;
    const limited = await fetch(client, fetchRequest([{ topic: 'log', partition: 0, offset: 0, partitionMaxBytes: two }]));
    expect(valuesOf(limited.responses[0]!.partitions[0]!.records)).toEqual(['a-0', 'a-1', 'a-2', 'b-0', 'b-1']);
    const total = await fetch(client, fetchRequest([{ topic: 'log', partition: 0, offset: 0 }], { maxBytes: 1 }));
    expect(Buffer.compare(total.responses[0]!.partitions[0]!.records!, stored(batches[0]!, 0))).toBe(0);
  });

  it('spends max_bytes across partitions: the first non-empty one always gets a batch, later ones only what fits', async () => {
    const big = buildBatch([{ value: Buffer.alloc(2000, 1) }]);
    const small = buildBatch([{ value: 'x' }]);
    await produce(producer, 'two', 0, big);
    await produce(producer, 'two', 1, small);
    const request = (maxBytes: number) =>
      fetchRequest(
        [
          { topic: 'two', partition: 0, offset: 0 },
          { topic: 'two', partition: 1, offset: 0, partitionMaxBytes: 1 },
        ],
        { maxBytes },
      );
    const starved = await fetch(client, request(100));
    expect(starved.responses[0]!.partitions[0]!.records!.length).toBe(big.length);
    expect(starved.responses[0]!.partitions[1]!.records!.length).toBe(0);
    // Partition 1's batch exceeds its partition_max_bytes (1) but fits max_bytes: it comes whole.
    const both = await fetch(client, request(big.length + small.length));
    expect(both.responses[0]!.partitions[1]!.records!.length).toBe(small.length);
  });

  it('answers OFFSET_OUT_OF_RANGE past the log end and below the log start', async () => {
    for (const offset of [10, 1000, -1]) {
      const response = await fetch(client, fetchRequest([{ topic: 'log', partition: 0, offset }], { maxWaitMs: 30_000 }));
      const p = response.responses[0]!.partitions[0]!;
      expect(p.errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
      expect(p.records!.length).toBe(0);
    }
  });

  it('answers UNKNOWN_TOPIC_OR_PARTITION at once, beside good partitions', async () => {
    const response = await fetch(
      client,
      fetchRequest(
        [
          { topic: 'nope', partition: 0, offset: 0 },
          { topic: 'log', partition: 7, offset: 0 },
          { topic: 'log', partition: 0, offset: 0 },
        ],
        { maxWaitMs: 30_000, minBytes: 1 << 30 },
      ),
    );
    expect(response.responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect(response.responses[1]!.partitions[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect(response.responses[1]!.partitions[1]!.errorCode).toBe(0);
    expect(valuesOf(response.responses[1]!.partitions[1]!.records)).toHaveLength(9);
  });

  it('reads the same records under both isolation levels; read_committed gets an empty aborted list', async () => {
    const uncommitted = await fetch(client, fetchRequest([{ topic: 'log', partition: 0, offset: 0 }], { isolationLevel: 0 }));
    const committed = await fetch(client, fetchRequest([{ topic: 'log', partition: 0, offset: 0 }], { isolationLevel: 1 }));
    const u = uncommitted.responses[0]!.partitions[0]!;
    const c = committed.responses[0]!.partitions[0]!;
    expect(Buffer.compare(u.records!, c.records!)).toBe(0);
    expect(c.lastStableOffset).toBe(c.highWatermark);
    expect(u.abortedTransactions).toBeNull();
    expect(c.abortedTransactions).toEqual([]);
  });

  it('checks current_leader_epoch', async () => {
    const partition = broker.broker.log.partition('log', 0)!;
    const newer = await fetch(client, fetchRequest([{ topic: 'log', partition: 0, offset: 0, currentLeaderEpoch: partition.leaderEpoch + 1 }]));
    expect(newer.responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.UNKNOWN_LEADER_EPOCH);
    partition.leaderEpoch += 2;
    try {
      const older = await fetch(client, fetchRequest([{ topic: 'log', partition: 0, offset: 0, currentLeaderEpoch: partition.leaderEpoch - 1 }]));
      expect(older.responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.FENCED_LEADER_EPOCH);
      const same = await fetch(client, fetchRequest([{ topic: 'log', partition: 0, offset: 0, currentLeaderEpoch: partition.leaderEpoch }]));
      expect(same.responses[0]!.partitions[0]!.errorCode).toBe(0);
    } finally {
      partition.leaderEpoch -= 2;
    }
  });

  it('is sessionless: full fetches get session id 0, incremental ones FETCH_SESSION_ID_NOT_FOUND', async () => {
    const want = [{ topic: 'log', partition: 0, offset: 0 }];
    for (const [sessionId, sessionEpoch] of [
      [0, -1],
      [0, 0],
      [1234, -1],
    ] as const) {
      const response = await fetch(client, fetchRequest(want, { sessionId, sessionEpoch }));
      expect(response.errorCode).toBe(0);
      expect(response.sessionId).toBe(0);
      expect(valuesOf(response.responses[0]!.partitions[0]!.records)).toHaveLength(9);
    }
    for (const [sessionId, sessionEpoch] of [
      [1234, 1],
      [0, 5],
    ] as const) {
      const response = await fetch(client, fetchRequest(want, { sessionId, sessionEpoch }));
      expect(response.errorCode).toBe(ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
      expect(response.responses).toEqual([]);
    }
  });

  it('long-polls until a produce makes data visible', async () => {
    const started = Date.now();
    const waiting = fetch(client, fetchRequest([{ topic: 'quiet', partition: 0, offset: 0 }], { maxWaitMs: 30_000, minBytes: 1 }));
    // A produce to another topic wakes the waiter, which must go back to sleep.
    await produce(producer, 'two', 1, buildSimpleBatch(1, 'other'));
    await produce(producer, 'quiet', 0, buildSimpleBatch(2, 'q'));
    const response = await waiting;
    expect(valuesOf(response.responses[0]!.partitions[0]!.records)).toEqual(['q-0', 'q-1']);
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('waits for min_bytes across several produces', async () => {
    const one = buildSimpleBatch(1, 'm');
    const waiting = fetch(client, fetchRequest([{ topic: 'quiet', partition: 0, offset: 2 }], { maxWaitMs: 30_000, minBytes: one.length * 2 }));
    let answered = false;
    void waiting.then(() => (answered = true));
    await produce(producer, 'quiet', 0, one);
    // Responses on a connection are ordered, so a request sent after the fetch on another
    // connection proves nothing; check the flag after a round trip on the producer's.
    await produce(producer, 'two', 1, buildSimpleBatch(1, 'other'));
    expect(answered).toBe(false);
    await produce(producer, 'quiet', 0, one);
    const response = await waiting;
    expect(valuesOf(response.responses[0]!.partitions[0]!.records)).toEqual(['m-0', 'm-0']);
  });

  it('answers with what it has when max_wait_ms runs out', async () => {
    const response = await fetch(client, fetchRequest([{ topic: 'log', partition: 0, offset: 0 }], { maxWaitMs: 20, minBytes: 1 << 30 }));
    expect(valuesOf(response.responses[0]!.partitions[0]!.records)).toHaveLength(9);
  });

  it('reads batches back from the WAL once they left memory, and answers KAFKA_STORAGE_ERROR when that fails', async () => {
    const log = broker.broker.log;
    const partition = log.partition('log', 0)!;
    for (let row = partition.index.first; row < partition.index.count; row++) partition.index.dropBytes(row);
    const fromDisk = await fetch(client, fetchRequest([{ topic: 'log', partition: 0, offset: 0 }]));
    const expected = Buffer.concat([stored(batches[0]!, 0), stored(batches[1]!, 3), stored(batches[2]!, 5)]);
    expect(Buffer.compare(fromDisk.responses[0]!.partitions[0]!.records!, expected)).toBe(0);

    const readBatch = log.readBatch.bind(log);
    log.readBatch = () => Promise.reject(new Error('EIO: injected'));
    try {
      const failed = await fetch(client, fetchRequest([{ topic: 'log', partition: 0, offset: 0 }, { topic: 'quiet', partition: 0, offset: 0 }]));
      expect(failed.responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
      expect(failed.responses[0]!.partitions[0]!.records!.length).toBe(0);
      expect(failed.responses[1]!.partitions[0]!.errorCode).toBe(0);
      expect(failed.responses[1]!.partitions[0]!.records!.length).toBeGreaterThan(0);
    } finally {
      log.readBatch = readBatch;
    }
    const again = await fetch(client, fetchRequest([{ topic: 'log', partition: 0, offset: 0 }]));
    expect(again.responses[0]!.partitions[0]!.errorCode).toBe(0);
  });
});
