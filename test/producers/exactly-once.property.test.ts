/**
 * The idempotence property: any mix of retries, duplicates, reorderings within the
 * in-flight window (5 batches), concurrent connections, acks levels and broker restarts
 * writes each batch exactly once, and every successful answer for a batch (first write or
 * duplicate) carries the same, original base offset.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../protocol/generated/errors.js';
import { startBroker, type EmbeddedBroker } from '../../src/index.js';
import { WireClient } from '../support/wire-client.js';
import { createTopic, idemBatch, initProducerId, logBatches, produceOne } from './support.js';

const SEED = 20261123;
const WINDOW = 5;
const PARTITIONS = 2;
const TOPIC = 'eo';

type Op =
  | { kind: 'send'; producer: number; partition: number; ahead: number; pair: boolean; acks: 1 | -1; conn: number }
  | { kind: 'retryWritten'; producer: number; partition: number; back: number; acks: 1 | -1 }
  | { kind: 'settle' }
  | { kind: 'tick' }
  | { kind: 'restart' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 12, arbitrary: fc.record({
    kind: fc.constant('send' as const),
    producer: fc.nat(2),
    partition: fc.nat(PARTITIONS - 1),
    ahead: fc.nat(WINDOW - 1),
    pair: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
    acks: fc.constantFrom(1 as const, -1 as const),
    conn: fc.nat(1),
  }) },
  { weight: 3, arbitrary: fc.record({
    kind: fc.constant('retryWritten' as const),
    producer: fc.nat(2),
    partition: fc.nat(PARTITIONS - 1),
    back: fc.nat(WINDOW - 1),
    acks: fc.constantFrom(1 as const, -1 as const),
  }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'settle' as const }) },
  { weight: 3, arbitrary: fc.constant({ kind: 'tick' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'restart' as const }) },
);

interface Stream {
  producerId: number;
  partition: number;
  /** Record count of each batch; sequences follow on from 0. */
  counts: number[];
  seqs: number[];
  /** Base offset of each batch from its first successful answer. */
  acked: Array<bigint | undefined>;
}

function lowestUnacked(s: Stream): number {
  const i = s.acked.findIndex((o) => o === undefined);
  return i < 0 ? s.counts.length : i;
}

function batchOf(s: Stream, j: number): Buffer {
  return idemBatch({ producerId: s.producerId, epoch: 0, seq: s.seqs[j]!, count: s.counts[j]!, tag: `p${s.producerId}-${s.partition}-${j}` });
}

async function runScenario(counts: number[][], ops: Op[]): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'sluice-eo-'));
  let broker: EmbeddedBroker = await startBroker({ dataDir, logger: 'silent' });
  let clients = [await WireClient.open(broker.port), await WireClient.open(broker.port)];
  let inFlight: Array<Promise<void>> = [];
  try {
    await createTopic(clients[0]!, TOPIC, PARTITIONS);
    const streams: Stream[][] = [];
    for (let p = 0; p < counts.length; p++) {
      const producerId = Number((await initProducerId(clients[0]!)).producerId);
      streams.push(
        Array.from({ length: PARTITIONS }, (_, partition) => {
          const c = counts[p]!;
          const seqs: number[] = [];
          let next = 0;
          for (const n of c) {
            seqs.push(next);
            next += n;
          }
          return { producerId, partition, counts: c, seqs, acked: c.map(() => undefined) };
        }),
      );
    }

    const accept = (s: Stream, j: number, offset: bigint): void => {
      const known = s.acked[j];
      if (known !== undefined) expect(offset, `batch ${j} of producer ${s.producerId} answered with another offset`).toBe(known);
      else s.acked[j] = offset;
    };

    const send = (s: Stream, j: number, pair: boolean, acks: 1 | -1, client: WireClient): void => {
      const two = pair && j + 1 < s.counts.length;
      const records = two ? Buffer.concat([batchOf(s, j), batchOf(s, j + 1)]) : batchOf(s, j);
      inFlight.push(
        produceOne(client, TOPIC, s.partition, records, acks).then((r) => {
          if (r.errorCode === ErrorCode.NONE) {
            accept(s, j, r.baseOffset);
            if (two) accept(s, j + 1, r.baseOffset + BigInt(s.counts[j]!));
          } else {
            // Ahead of the log (a gap; overtaking the producer's first batch on the partition
            // is UNKNOWN_PRODUCER_ID), or a pair mixing a written batch with a new one.
            expect([ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, ErrorCode.UNKNOWN_PRODUCER_ID, ErrorCode.DUPLICATE_SEQUENCE_NUMBER]).toContain(r.errorCode);
            if (r.errorCode === ErrorCode.DUPLICATE_SEQUENCE_NUMBER) expect(two).toBe(true);
          }
        }),
      );
    };

    const settle = async (): Promise<void> => {
      const all = inFlight;
      inFlight = [];
      await Promise.all(all);
    };

    for (const op of ops) {
      if (op.kind === 'settle') {
        await settle();
      } else if (op.kind === 'tick') {
        // Let some answers (and WAL writes) come in while other requests are in flight.
        await new Promise((r) => setTimeout(r, 1));
      } else if (op.kind === 'retryWritten') {
        // Once every answer is in, the written batches are exactly the acknowledged prefix,
        // and a retry of any of its last 5 must be a duplicate with the original offset.
        await settle();
        const s = streams[op.producer % streams.length]![op.partition]!;
        const j = lowestUnacked(s) - 1 - op.back;
        if (j < 0) continue;
        const r = await produceOne(clients[0]!, TOPIC, s.partition, batchOf(s, j), op.acks);
        expect(r.errorCode, `retry of written batch ${j} of producer ${s.producerId}`).toBe(ErrorCode.NONE);
        accept(s, j, r.baseOffset);
      } else if (op.kind === 'restart') {
        await settle();
        for (const c of clients) c.close();
        await broker.close();
        broker = await startBroker({ dataDir, logger: 'silent' });
        clients = [await WireClient.open(broker.port), await WireClient.open(broker.port)];
      } else {
        const s = streams[op.producer % streams.length]![op.partition]!;
        const j = lowestUnacked(s) + op.ahead;
        // Stay inside the window: never more than 5 batches past the oldest unanswered one.
        if (j >= s.counts.length || (op.pair && op.ahead === WINDOW - 1)) continue;
        send(s, j, op.pair, op.acks, clients[op.conn]!);
      }
    }
    await settle();
    // The producer retries whatever is still unanswered, oldest first, until it is in.
    for (const byPartition of streams) {
      for (const s of byPartition) {
        for (let j = lowestUnacked(s); j < s.counts.length; j = lowestUnacked(s)) {
          const r = await produceOne(clients[0]!, TOPIC, s.partition, batchOf(s, j), -1);
          expect(r.errorCode).toBe(ErrorCode.NONE);
          accept(s, j, r.baseOffset);
        }
      }
    }

    // Exactly once: every batch is in the log once, at the offset it was acknowledged with.
    for (let partition = 0; partition < PARTITIONS; partition++) {
      const seen = new Map<string, number>();
      for (const b of await logBatches(broker.broker.log, TOPIC, partition)) {
        const key = `${b.producerId}/${b.baseSequence}`;
        expect(seen.has(key), `batch ${key} written twice in partition ${partition}`).toBe(false);
        seen.set(key, b.baseOffset);
      }
      let expected = 0;
      for (const byPartition of streams) {
        const s = byPartition[partition]!;
        s.counts.forEach((_, j) => {
          expect(seen.get(`${s.producerId}/${s.seqs[j]}`)).toBe(Number(s.acked[j]!));
        });
        expected += s.counts.length;
      }
      expect(seen.size).toBe(expected);
    }
  } finally {
    await Promise.allSettled(inFlight);
    for (const c of clients) c.close();
    await broker.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

describe(`idempotent producers write each batch exactly once (fast-check seed ${SEED})`, () => {
  it('under retries, duplicates, reorderings within the window, two connections and restarts', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 3, maxLength: 14 }), { minLength: 1, maxLength: 3 }),
        fc.array(opArb, { minLength: 20, maxLength: 80 }),
        async (counts, ops) => runScenario(counts, ops),
      ),
      { seed: SEED, numRuns: 30 },
    );
  }, 120_000);
});
