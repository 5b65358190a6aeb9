/**
 * Smoke check: kafkajs's idempotent producer (`idempotent: true`, so InitProducerId then
 * sequenced batches at acks=-1) against a real broker process, across broker restarts: one
 * in the middle of a producer's stream (it reconnects and carries on with its sequences,
 * which the restarted broker knows from the WAL) and one between two producers.
 * The broker is the compat harness's CLI build (`dist/src/cli.js`, or SLUICE_CLI).
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forEachBatch, type BatchHeader } from '../../protocol/record-batch.js';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { CLI, endOffsets, kafkaClient, startBroker, type Broker } from '../../compat/harness.js';
import { fetch, fetchRequest } from '../fetch/support.js';
import { WireClient } from '../support/wire-client.js';

const TOPIC = 'kafkajs-idem';
const PARTITIONS = 2;

async function batchesOf(port: number, partition: number): Promise<BatchHeader[]> {
  const client = await WireClient.open(port);
  try {
    const out: BatchHeader[] = [];
    let offset = 0;
    for (;;) {
      const response = await fetch(client, fetchRequest([{ topic: TOPIC, partition, offset, partitionMaxBytes: 1 << 20 }]));
      const p = response.responses[0]!.partitions[0]!;
      const before = out.length;
      if (p.records !== null && p.records.length > 0) {
        forEachBatch(p.records, (b) => {
          if (b.baseOffset >= offset) out.push(b);
        });
      }
      if (out.length === before) return out;
      const last = out[out.length - 1]!;
      offset = last.baseOffset + last.lastOffsetDelta + 1;
    }
  } finally {
    client.close();
  }
}

describe('kafkajs idempotent producer against a broker process', () => {
  let broker: Broker;

  beforeAll(async () => {
    if (!existsSync(path.join(path.dirname(CLI), 'handlers/init-producer-id.js'))) {
      throw new Error(`${CLI} is a build without InitProducerId: run npm run build (or set SLUICE_CLI to a fresh build)`);
    }
    broker = await startBroker({ overrides: { 'num.partitions': String(PARTITIONS) } });
  });

  afterAll(async () => {
    await broker?.stop();
  });

  it('produces with producer ids and sequences, exactly once, before and after a restart', async () => {
    const sent: number[] = [0, 0];
    for (let round = 0; round < 2; round++) {
      const kafka = kafkaClient(broker.bootstrap, `idem-${round}`);
      const admin = kafka.admin();
      await admin.connect();
      if (round === 0) await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }] });
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, retry: { retries: 5 } });
      await producer.connect();
      for (let i = 0; i < 20; i++) {
        if (round === 0 && i === 10) await broker.restart({ samePort: true });
        const partition = i % PARTITIONS;
        const messages = Array.from({ length: 1 + (i % 3) }, (_, k) => ({ key: `k${i}`, value: `r${round}-m${i}-${k}` }));
        const [meta] = await producer.send({ topic: TOPIC, acks: -1, messages: messages.map((m) => ({ ...m, partition })) });
        expect(meta!.errorCode).toBe(0);
        expect(Number(meta!.baseOffset)).toBe(sent[partition]);
        sent[partition]! += messages.length;
      }
      await producer.disconnect();
      const ends = await endOffsets(admin, TOPIC);
      for (let p = 0; p < PARTITIONS; p++) expect(ends.get(p)).toBe(sent[p]);
      await admin.disconnect();
      if (round === 0) await broker.restart();
    }

    // Every batch carries a producer id from InitProducerId, the sequences of each producer
    // follow on from 0 per partition, and the two producers (one per round) got different ids.
    const ids = new Set<number>();
    for (let p = 0; p < PARTITIONS; p++) {
      const next = new Map<number, number>();
      for (const b of await batchesOf(broker.port, p)) {
        expect(b.producerId).toBeGreaterThanOrEqual(0);
        expect(b.producerEpoch).toBe(0);
        expect(b.baseSequence).toBe(next.get(b.producerId) ?? 0);
        next.set(b.producerId, b.baseSequence + b.lastOffsetDelta + 1);
        ids.add(b.producerId);
      }
    }
    expect(ids.size).toBe(2);
  }, 60_000);
});

