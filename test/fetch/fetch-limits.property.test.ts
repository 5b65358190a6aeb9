import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forEachBatch } from '../../protocol/record-batch.js';
import { buildBatch } from '../../protocol/record-batch-builder.js';
import { startBroker, type EmbeddedBroker } from '../../src/index.js';
import { WireClient } from '../support/wire-client.js';
import { createTopic, fetch, fetchRequest, produce } from './support.js';

/** Stored batches per partition: [baseOffset, lastOffset, size]. */
type Stored = Array<[number, number, number]>;

describe('Fetch limits (property, fixed seed)', () => {
  let broker: EmbeddedBroker;
  let client: WireClient;
  const stored: Stored[] = [[], [], []];

  beforeAll(async () => {
    broker = await startBroker({ logger: 'silent' });
    client = await WireClient.open(broker.port);
    await createTopic(client, 'limits', 3);
    // Deterministic spread of batch sizes (1 to 5 records of 10 to 900 bytes) on partitions 0 and 1; 2 stays empty.
    let seed = 7;
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let i = 0; i < 40; i++) {
      const partition = i % 2;
      const count = 1 + next(5);
      const batch = buildBatch(Array.from({ length: count }, () => ({ value: Buffer.alloc(10 + next(900), 1) })));
      const base = await produce(client, 'limits', partition, batch);
      stored[partition]!.push([base, base + count - 1, batch.length]);
    }
    // Half the batches of partition 1 are read back from the WAL.
    const p1 = broker.broker.log.partition('limits', 1)!;
    for (let row = p1.index.first; row < p1.index.count; row += 2) p1.index.dropBytes(row);
  });

  afterAll(async () => {
    client.close();
    await broker.close();
  });

  it('returns whole consecutive batches within the limits, and always makes progress', async () => {
    const endOf = (p: number): number => (stored[p]!.length === 0 ? 0 : stored[p]!.at(-1)![1] + 1);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ partition: fc.integer({ min: 0, max: 2 }), at: fc.double({ min: 0, max: 1, noNaN: true }), pmb: fc.integer({ min: 1, max: 6000 }) }), {
          minLength: 1,
          maxLength: 3,
        }),
        fc.integer({ min: 1, max: 12000 }),
        fc.constantFrom(4, 11, 12),
        async (wants, maxBytes, version) => {
          const unique = wants.filter((w, i) => wants.findIndex((o) => o.partition === w.partition) === i);
          const reqs = unique.map((w) => ({ topic: 'limits', partition: w.partition, offset: Math.floor(w.at * endOf(w.partition)), partitionMaxBytes: w.pmb }));
          const response = await fetch(client, fetchRequest(reqs, { maxBytes }), version);
          let total = 0;
          let firstNonEmpty = true;
          unique.forEach((w, i) => {
            const p = response.responses[0]!.partitions[i]!;
            expect(p.errorCode).toBe(0);
            const records = p.records!;
            const got: Stored = [];
            expect(forEachBatch(records, (b) => got.push([b.baseOffset, b.baseOffset + b.lastOffsetDelta, b.size]))).toBe(true);
            const offset = reqs[i]!.offset;
            const from = stored[w.partition]!.findIndex((s) => s[1] >= offset);
            if (from < 0) {
              expect(got).toEqual([]);
              return;
            }
            // Whole batches, consecutive, starting with the one that holds the fetch offset.
            expect(got).toEqual(stored[w.partition]!.slice(from, from + got.length));
            if (got.length > 1) expect(records.length).toBeLessThanOrEqual(w.pmb);
            if (firstNonEmpty) {
              expect(got.length).toBeGreaterThan(0);
            } else if (got.length > 0) {
              expect(total + records.length).toBeLessThanOrEqual(maxBytes);
            }
            if (got.length > 0) firstNonEmpty = false;
            // More than one batch only within both limits.
            if (got.length > 1) expect(total + records.length).toBeLessThanOrEqual(maxBytes);
            total += records.length;
          });
        },
      ),
      { seed: 1337, numRuns: 150 },
    );
  });
});
