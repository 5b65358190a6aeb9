import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../protocol/generated/errors.js';
import { Attribute } from '../../protocol/record-batch.js';
import { startBroker, type EmbeddedBroker } from '../../src/index.js';
import { WireClient } from '../support/wire-client.js';
import { createTopic, idemBatch, initProducerId, logBatches, produce, produceOne } from './support.js';

describe('InitProducerId and idempotent produce over the wire', () => {
  let broker: EmbeddedBroker;
  let client: WireClient;

  beforeAll(async () => {
    broker = await startBroker({ logger: 'silent' });
    client = await WireClient.open(broker.port);
    await createTopic(client, 'idem', 2);
  });

  afterAll(async () => {
    client.close();
    await broker.close();
  });

  it('hands out distinct producer ids with epoch 0 in every version', async () => {
    const ids = new Set<bigint>();
    for (let version = 0; version <= 5; version++) {
      const r = await initProducerId(client, { version });
      expect(r.errorCode).toBe(ErrorCode.NONE);
      expect(r.producerEpoch).toBe(0);
      expect(r.producerId).toBeGreaterThanOrEqual(0n);
      ids.add(r.producerId);
    }
    expect(ids.size).toBe(6);
  });

  it('answers a transactional id with COORDINATOR_NOT_AVAILABLE (no transactions)', async () => {
    const r = await initProducerId(client, { transactionalId: 'tx-1' });
    expect(r.errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    expect(r.producerId).toBe(-1n);
  });

  it('writes a batch once and answers a retried duplicate with its original offset', async () => {
    const { producerId } = await initProducerId(client);
    const pid = Number(producerId);
    const b0 = idemBatch({ producerId: pid, epoch: 0, seq: 0, count: 3, tag: 'a0' });
    const b1 = idemBatch({ producerId: pid, epoch: 0, seq: 3, count: 2, tag: 'a1' });
    const first = await produceOne(client, 'idem', 0, Buffer.from(b0));
    const second = await produceOne(client, 'idem', 0, Buffer.from(b1), 1);
    expect(first.errorCode).toBe(ErrorCode.NONE);
    expect(second.errorCode).toBe(ErrorCode.NONE);
    const before = (await logBatches(broker.broker.log, 'idem', 0)).length;
    const retry0 = await produceOne(client, 'idem', 0, Buffer.from(b0), 1);
    const retry1 = await produceOne(client, 'idem', 0, Buffer.from(b1), -1);
    expect(retry0).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: first.baseOffset });
    expect(retry1).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: second.baseOffset });
    expect((await logBatches(broker.broker.log, 'idem', 0)).length).toBe(before);
  });

  it('answers a gap with OUT_OF_ORDER_SEQUENCE_NUMBER and an old epoch with INVALID_PRODUCER_EPOCH', async () => {
    const pid = Number((await initProducerId(client)).producerId);
    expect((await produceOne(client, 'idem', 1, idemBatch({ producerId: pid, epoch: 0, seq: 0, count: 1, tag: 'g0' }))).errorCode).toBe(ErrorCode.NONE);
    const gap = await produceOne(client, 'idem', 1, idemBatch({ producerId: pid, epoch: 0, seq: 2, count: 1, tag: 'g2' }));
    expect(gap.errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect(gap.baseOffset).toBe(-1n);
    // A new epoch must start at sequence 0.
    const badNewEpoch = await produceOne(client, 'idem', 1, idemBatch({ producerId: pid, epoch: 1, seq: 1, count: 1, tag: 'e1' }));
    expect(badNewEpoch.errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect((await produceOne(client, 'idem', 1, idemBatch({ producerId: pid, epoch: 1, seq: 0, count: 1, tag: 'e1' }))).errorCode).toBe(ErrorCode.NONE);
    const old = await produceOne(client, 'idem', 1, idemBatch({ producerId: pid, epoch: 0, seq: 1, count: 1, tag: 'old' }));
    expect(old.errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
  });

  it('answers UNKNOWN_PRODUCER_ID when a new producer\'s first batch on a partition does not start at 0', async () => {
    const pid = Number((await initProducerId(client)).producerId);
    const r = await produceOne(client, 'idem', 1, idemBatch({ producerId: pid, epoch: 0, seq: 3, count: 1, tag: 'u3' }));
    expect(r.errorCode).toBe(ErrorCode.UNKNOWN_PRODUCER_ID);
    expect(r.logStartOffset).toBe(-1n);
    expect((await produceOne(client, 'idem', 1, idemBatch({ producerId: pid, epoch: 0, seq: 0, count: 3, tag: 'u0' }))).errorCode).toBe(ErrorCode.NONE);
    expect((await produceOne(client, 'idem', 1, idemBatch({ producerId: pid, epoch: 0, seq: 3, count: 1, tag: 'u3' }))).errorCode).toBe(ErrorCode.NONE);
  });

  it('accepts any sequence from a producer it has no state for and did not just hand out, as Kafka 2.5+ does', async () => {
    const pid = 5_000_000;
    const r = await produceOne(client, 'idem', 1, idemBatch({ producerId: pid, epoch: 0, seq: 42, count: 2, tag: 'late' }));
    expect(r.errorCode).toBe(ErrorCode.NONE);
    expect((await produceOne(client, 'idem', 1, idemBatch({ producerId: pid, epoch: 0, seq: 44, count: 1, tag: 'late2' }))).errorCode).toBe(ErrorCode.NONE);
  });

  it('wraps sequences at 2^31-1 to 0', async () => {
    // An id with no recent allocation, so its first batch may start anywhere (Kafka 2.5+).
    const pid = 4_000_000;
    const max = 0x7fff_ffff;
    expect((await produceOne(client, 'idem', 0, idemBatch({ producerId: pid, epoch: 0, seq: max - 1, count: 3, tag: 'w0' }))).errorCode).toBe(ErrorCode.NONE);
    // max-1, max, 0 were used: the next batch starts at 1.
    expect((await produceOne(client, 'idem', 0, idemBatch({ producerId: pid, epoch: 0, seq: 0, count: 1, tag: 'w-bad' }))).errorCode).toBe(
      ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
    );
    const next = await produceOne(client, 'idem', 0, idemBatch({ producerId: pid, epoch: 0, seq: 1, count: 1, tag: 'w1' }));
    expect(next.errorCode).toBe(ErrorCode.NONE);
    const dup = await produceOne(client, 'idem', 0, idemBatch({ producerId: pid, epoch: 0, seq: max - 1, count: 3, tag: 'w0' }));
    expect(dup.errorCode).toBe(ErrorCode.NONE);
    expect(dup.baseOffset).toBe(next.baseOffset - 3n);
  });

  it('checks several batches of one partition batch by batch', async () => {
    const pid = Number((await initProducerId(client)).producerId);
    const a = idemBatch({ producerId: pid, epoch: 0, seq: 0, count: 2, tag: 'm0' });
    const b = idemBatch({ producerId: pid, epoch: 0, seq: 2, count: 1, tag: 'm1' });
    const c = idemBatch({ producerId: pid, epoch: 0, seq: 5, count: 1, tag: 'm-gap' });
    const ok = await produceOne(client, 'idem', 1, Buffer.concat([a, b]));
    expect(ok.errorCode).toBe(ErrorCode.NONE);
    // Both again: a duplicate of two batches stored back to back.
    const again = await produceOne(client, 'idem', 1, Buffer.concat([a, b]));
    expect(again).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: ok.baseOffset });
    const d = idemBatch({ producerId: pid, epoch: 0, seq: 3, count: 1, tag: 'm3' });
    // A gap in the second batch rejects the whole record set; nothing is written.
    const before = (await logBatches(broker.broker.log, 'idem', 1)).length;
    expect((await produceOne(client, 'idem', 1, Buffer.concat([d, c]))).errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    // Old and new mixed in one record set cannot be answered with one offset.
    expect((await produceOne(client, 'idem', 1, Buffer.concat([b, d]))).errorCode).toBe(ErrorCode.DUPLICATE_SEQUENCE_NUMBER);
    expect((await logBatches(broker.broker.log, 'idem', 1)).length).toBe(before);
  });

  it('rejects transactional batches as Kafka does without a transaction', async () => {
    const pid = Number((await initProducerId(client)).producerId);
    const txn = idemBatch({ producerId: pid, epoch: 0, seq: 0, count: 1, tag: 'tx', attributes: Attribute.transactional });
    const plain = idemBatch({ producerId: -1, epoch: -1, seq: -1, count: 1, tag: 'plain' });
    const noId = await produce(client, 'idem', [
      { partition: 0, records: txn },
      { partition: 1, records: plain },
    ]);
    for (const p of noId.responses[0]!.partitionResponses) expect(p.errorCode).toBe(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    const withId = await produce(client, 'idem', [{ partition: 0, records: Buffer.from(txn) }], -1, 'tx-1');
    expect(withId.responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
  });

  it('bumps the epoch on InitProducerId v3+ with a known id and fences the old epoch', async () => {
    const pid = Number((await initProducerId(client)).producerId);
    expect((await produceOne(client, 'idem', 0, idemBatch({ producerId: pid, epoch: 0, seq: 0, count: 1, tag: 'f0' }))).errorCode).toBe(ErrorCode.NONE);
    const bumped = await initProducerId(client, { version: 4, producerId: pid, epoch: 0 });
    expect(bumped).toMatchObject({ errorCode: ErrorCode.NONE, producerId: BigInt(pid), producerEpoch: 1 });
    // A retried bump gets the same epoch; an older epoch is fenced.
    expect(await initProducerId(client, { version: 4, producerId: pid, epoch: 0 })).toMatchObject({ errorCode: ErrorCode.NONE, producerEpoch: 1 });
    const bumped2 = await initProducerId(client, { version: 5, producerId: pid, epoch: 1 });
    expect(bumped2.producerEpoch).toBe(2);
    expect((await initProducerId(client, { version: 4, producerId: pid, epoch: 0 })).errorCode).toBe(ErrorCode.PRODUCER_FENCED);
    expect((await initProducerId(client, { version: 3, producerId: pid, epoch: 0 })).errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    // The old epoch is fenced on partition 1 too, where it never wrote.
    const stale = await produceOne(client, 'idem', 1, idemBatch({ producerId: pid, epoch: 1, seq: 0, count: 1, tag: 'f-stale' }));
    expect(stale.errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect((await produceOne(client, 'idem', 0, idemBatch({ producerId: pid, epoch: 2, seq: 0, count: 1, tag: 'f2' }))).errorCode).toBe(ErrorCode.NONE);
    // An id this broker never handed out gets a new one.
    const unknown = await initProducerId(client, { version: 4, producerId: 9_000_000, epoch: 3 });
    expect(unknown.errorCode).toBe(ErrorCode.NONE);
    expect(unknown.producerId).not.toBe(9_000_000n);
    expect(unknown.producerEpoch).toBe(0);
  });

  it('acknowledges a duplicate of a batch still in flight only once the original is durable', async () => {
    const slow = await startBroker({ logger: 'silent', overrides: { 'wal.group.max.age.ms': '200' } });
    const a = await WireClient.open(slow.port);
    const b = await WireClient.open(slow.port);
    try {
      await createTopic(a, 'slow');
      const pid = Number((await initProducerId(a)).producerId);
      const batch = idemBatch({ producerId: pid, epoch: 0, seq: 0, count: 2, tag: 's0' });
      const log = slow.broker.log;
      const syncsBefore = log.stats.syncs;
      const writesBefore = log.stats.writes;
      const original = produceOne(a, 'slow', 0, Buffer.from(batch), 1);
      // Let the original reach the broker before its retry.
      await new Promise((r) => setTimeout(r, 50));
      expect(log.stats.writes).toBe(writesBefore);
      const retry = await produceOne(b, 'slow', 0, Buffer.from(batch), -1);
      // acks=-1 on the duplicate: an fdatasync covering the original ran first.
      expect(log.stats.writes).toBeGreaterThan(writesBefore);
      expect(log.stats.syncs).toBeGreaterThan(syncsBefore);
      const first = await original;
      expect(retry).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: first.baseOffset });
      expect((await logBatches(log, 'slow', 0)).length).toBe(1);
    } finally {
      a.close();
      b.close();
      await slow.close();
    }
  });
});

describe('producer state across restarts', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
  });

  async function restartable(overrides: Record<string, string> = {}) {
    const dataDir = await mkdtemp(join(tmpdir(), 'sluice-producers-'));
    dirs.push(dataDir);
    let broker = await startBroker({ dataDir, logger: 'silent', overrides });
    let client = await WireClient.open(broker.port);
    return {
      get broker() {
        return broker;
      },
      get client() {
        return client;
      },
      async restart() {
        client.close();
        await broker.close();
        broker = await startBroker({ dataDir, logger: 'silent', overrides });
        client = await WireClient.open(broker.port);
      },
      async close() {
        client.close();
        await broker.close();
      },
    };
  }

  it('never hands out a producer id again after a restart', async () => {
    const b = await restartable();
    try {
      const seen = new Set<bigint>();
      for (let round = 0; round < 3; round++) {
        for (let i = 0; i < 5; i++) {
          const r = await initProducerId(b.client);
          expect(r.errorCode).toBe(ErrorCode.NONE);
          expect(seen.has(r.producerId)).toBe(false);
          seen.add(r.producerId);
        }
        await b.restart();
      }
    } finally {
      await b.close();
    }
  });

  it('rebuilds producer state from the WAL: duplicates, gaps and fences after a restart', async () => {
    const b = await restartable();
    try {
      await createTopic(b.client, 'r', 1);
      const pid = Number((await initProducerId(b.client)).producerId);
      const offsets: bigint[] = [];
      for (let i = 0; i < 3; i++) {
        const r = await produceOne(b.client, 'r', 0, idemBatch({ producerId: pid, epoch: 0, seq: i * 2, count: 2, tag: `r${i}` }), 1);
        offsets.push(r.baseOffset);
      }
      const other = Number((await initProducerId(b.client)).producerId);
      await produceOne(b.client, 'r', 0, idemBatch({ producerId: other, epoch: 0, seq: 0, count: 1, tag: 'o0' }));
      expect((await initProducerId(b.client, { producerId: other, epoch: 0 })).producerEpoch).toBe(1);
      await b.restart();
      const dup = await produceOne(b.client, 'r', 0, idemBatch({ producerId: pid, epoch: 0, seq: 2, count: 2, tag: 'r1' }));
      expect(dup).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: offsets[1] });
      expect((await produceOne(b.client, 'r', 0, idemBatch({ producerId: pid, epoch: 0, seq: 8, count: 1, tag: 'gap' }))).errorCode).toBe(
        ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
      );
      expect((await produceOne(b.client, 'r', 0, idemBatch({ producerId: pid, epoch: 0, seq: 6, count: 1, tag: 'r3' }))).errorCode).toBe(ErrorCode.NONE);
      // The epoch bump of `other` survived the restart too.
      expect((await produceOne(b.client, 'r', 0, idemBatch({ producerId: other, epoch: 0, seq: 1, count: 1, tag: 'o1' }))).errorCode).toBe(
        ErrorCode.INVALID_PRODUCER_EPOCH,
      );
      expect((await logBatches(b.broker.broker.log, 'r', 0)).length).toBe(5);
    } finally {
      await b.close();
    }
  });

  it('keeps producer state after retention deleted the segments holding the original batches', async () => {
    const b = await restartable({ 'wal.segment.bytes': '2048', 'log.retention.ms': '60000' });
    try {
      await createTopic(b.client, 'ret', 1);
      const pid = Number((await initProducerId(b.client)).producerId);
      // Batches ten minutes old: retention (60 s) deletes them; producer state (1 day) stays.
      const timestamp = Date.now() - 600_000;
      const sent: Buffer[] = [];
      const offsets: bigint[] = [];
      for (let i = 0; i < 12; i++) {
        const batch = idemBatch({ producerId: pid, epoch: 0, seq: i * 4, count: 4, tag: `ret-${i}-${'x'.repeat(200)}`, timestamp });
        sent.push(Buffer.from(batch));
        offsets.push((await produceOne(b.client, 'ret', 0, batch)).baseOffset);
      }
      const result = await b.broker.broker.log.enforceRetention();
      expect(result.segmentsDeleted).toBeGreaterThan(0);
      expect(result.checkpointSeq).not.toBeNull();
      const log = b.broker.broker.log;
      expect(log.partition('ret', 0)!.logStartOffset).toBeGreaterThan(Number(offsets[10]!));
      await b.restart();
      expect(b.broker.broker.log.recovery.checkpointSeq).not.toBeNull();
      const dup = await produceOne(b.client, 'ret', 0, sent[11]!);
      expect(dup).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: offsets[11] });
      expect((await produceOne(b.client, 'ret', 0, idemBatch({ producerId: pid, epoch: 0, seq: 60, count: 1, tag: 'gap' }))).errorCode).toBe(
        ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
      );
      const next = await produceOne(b.client, 'ret', 0, idemBatch({ producerId: pid, epoch: 0, seq: 48, count: 1, tag: 'next' }));
      expect(next).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: offsets[11]! + 4n });
      // Ids stay unique across the checkpoint too.
      expect((await initProducerId(b.client)).producerId).toBeGreaterThan(BigInt(pid));
    } finally {
      await b.close();
    }
  });

  it('expires producers idle for producer.id.expiration.ms', async () => {
    const b = await restartable({ 'producer.id.expiration.ms': '60000' });
    try {
      await createTopic(b.client, 'exp', 1);
      // An id this broker did not hand out: ids it handed out within the expiration time keep their state.
      const pid = 6_000_000;
      const old = Date.now() - 120_000;
      await produceOne(b.client, 'exp', 0, idemBatch({ producerId: pid, epoch: 0, seq: 0, count: 1, tag: 'e0', timestamp: old }));
      // Still known: a gap is refused.
      expect((await produceOne(b.client, 'exp', 0, idemBatch({ producerId: pid, epoch: 0, seq: 5, count: 1, tag: 'e5', timestamp: old }))).errorCode).toBe(
        ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
      );
      // A restart expires it (as the periodic check does): then any sequence is accepted.
      await b.restart();
      expect((await produceOne(b.client, 'exp', 0, idemBatch({ producerId: pid, epoch: 0, seq: 5, count: 1, tag: 'e5' }))).errorCode).toBe(ErrorCode.NONE);
    } finally {
      await b.close();
    }
  });
});
