import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../protocol/generated/errors.js';
import { checkRecordSet, recordAppended, type ProducerBatch } from '../../src/producers/check.js';
import { encodeProducerSnapshot, restoreProducerSnapshot } from '../../src/producers/snapshot.js';
import { MAX_SEQUENCE, PRODUCER_ID_BLOCK, ProducerStates, inSequence, lastSequence } from '../../src/producers/state.js';
import { BrokerLog } from '../../src/log/index.js';
import { createLogger } from '../../src/logger.js';
import { input, removeDir, tempDir, walConfig } from '../log/helpers.js';

const DAY = 86_400_000;
const NOW = 1_800_000_000_000;

function batch(producerId: number, epoch: number, seq: number, count = 1, maxTimestamp = NOW): ProducerBatch {
  return { producerId, producerEpoch: epoch, baseSequence: seq, lastOffsetDelta: count - 1, maxTimestamp };
}

describe('sequence arithmetic', () => {
  it('wraps the last sequence of a batch at 2^31-1 to 0', () => {
    expect(lastSequence(0, 4)).toBe(4);
    expect(lastSequence(MAX_SEQUENCE, 0)).toBe(MAX_SEQUENCE);
    expect(lastSequence(MAX_SEQUENCE, 1)).toBe(0);
    expect(lastSequence(MAX_SEQUENCE - 1, 3)).toBe(1);
    expect(inSequence(MAX_SEQUENCE, 0)).toBe(true);
    expect(inSequence(4, 5)).toBe(true);
    expect(inSequence(4, 6)).toBe(false);
    expect(inSequence(MAX_SEQUENCE, 1)).toBe(false);
  });
});

describe('checkRecordSet', () => {
  const part = {};

  function withProducer(): ProducerStates {
    const s = new ProducerStates(DAY);
    recordAppended(s, part, [batch(7, 0, 0, 2), batch(7, 0, 2, 3)], 100);
    return s;
  }

  it('finds duplicates among the last 5 batches only', () => {
    const s = new ProducerStates(DAY);
    for (let i = 0; i < 7; i++) recordAppended(s, part, [batch(7, 0, i)], 10 + i);
    expect(checkRecordSet(s, part, [batch(7, 0, 6)], NOW)).toEqual({ kind: 'duplicate', firstOffset: 16 });
    expect(checkRecordSet(s, part, [batch(7, 0, 2)], NOW)).toEqual({ kind: 'duplicate', firstOffset: 12 });
    // Batch 1 fell out of the window: a plain out-of-order sequence now, as in Kafka.
    expect(checkRecordSet(s, part, [batch(7, 0, 1)], NOW)).toMatchObject({ code: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER });
    // A different range at a known sequence is not a duplicate.
    expect(checkRecordSet(s, part, [batch(7, 0, 6, 2)], NOW)).toMatchObject({ code: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER });
    expect(checkRecordSet(s, part, [batch(7, 0, 7)], NOW)).toEqual({ kind: 'append' });
  });

  it('checks several batches in order, each against what the earlier ones leave', () => {
    const s = withProducer();
    expect(checkRecordSet(s, part, [batch(7, 0, 5), batch(7, 0, 6, 2), batch(7, 0, 8)], NOW)).toEqual({ kind: 'append' });
    expect(checkRecordSet(s, part, [batch(7, 0, 5), batch(7, 0, 7)], NOW)).toMatchObject({ code: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER });
    expect(checkRecordSet(s, part, [batch(7, 0, 0, 2), batch(7, 0, 2, 3)], NOW)).toEqual({ kind: 'duplicate', firstOffset: 100 });
    expect(checkRecordSet(s, part, [batch(7, 0, 2, 3), batch(7, 0, 5)], NOW)).toMatchObject({ code: ErrorCode.DUPLICATE_SEQUENCE_NUMBER });
    expect(checkRecordSet(s, part, [batch(-1, -1, -1), batch(7, 0, 0, 2)], NOW)).toMatchObject({ code: ErrorCode.DUPLICATE_SEQUENCE_NUMBER });
    // A new epoch inside one set: it must start at 0.
    expect(checkRecordSet(s, part, [batch(7, 0, 5), batch(7, 1, 0)], NOW)).toEqual({ kind: 'append' });
    expect(checkRecordSet(s, part, [batch(7, 1, 0), batch(7, 0, 1)], NOW)).toMatchObject({ code: ErrorCode.INVALID_PRODUCER_EPOCH });
  });

  it('answers epochs and sequences with Kafka\'s codes', () => {
    const s = withProducer();
    expect(checkRecordSet(s, part, [batch(7, 1, 3)], NOW)).toMatchObject({ code: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER });
    recordAppended(s, part, [batch(7, 1, 0)], 105);
    expect(checkRecordSet(s, part, [batch(7, 0, 5)], NOW)).toMatchObject({ code: ErrorCode.INVALID_PRODUCER_EPOCH });
    // The old epoch's batches are no duplicates any more either.
    expect(checkRecordSet(s, part, [batch(7, 0, 0, 2)], NOW)).toMatchObject({ code: ErrorCode.INVALID_PRODUCER_EPOCH });
    s.fence(7, 2, NOW);
    expect(checkRecordSet(s, part, [batch(7, 1, 1)], NOW)).toMatchObject({ code: ErrorCode.INVALID_PRODUCER_EPOCH });
    expect(checkRecordSet(s, {}, [batch(7, 1, 0)], NOW)).toMatchObject({ code: ErrorCode.INVALID_PRODUCER_EPOCH });
    expect(checkRecordSet(s, part, [batch(7, 2, 0)], NOW)).toEqual({ kind: 'append' });
    expect(checkRecordSet(s, part, [batch(8, 0, -1)], NOW)).toMatchObject({ code: ErrorCode.INVALID_RECORD });
  });

  it('answers UNKNOWN_PRODUCER_ID only for ids it handed out within the expiration time', () => {
    const s = new ProducerStates(DAY);
    s.reserved(PRODUCER_ID_BLOCK, NOW, true);
    expect(checkRecordSet(s, part, [batch(3, 0, 4)], NOW)).toMatchObject({ code: ErrorCode.UNKNOWN_PRODUCER_ID });
    expect(checkRecordSet(s, part, [batch(3, 0, 0)], NOW)).toEqual({ kind: 'append' });
    // A day later the id's state could have expired: any sequence, as Kafka 2.5+.
    expect(checkRecordSet(s, part, [batch(3, 0, 4)], NOW + DAY)).toEqual({ kind: 'append' });
    expect(checkRecordSet(s, part, [batch(PRODUCER_ID_BLOCK + 5, 0, 4)], NOW)).toEqual({ kind: 'append' });
  });
});

describe('expiry and the checkpoint slot', () => {
  it('expires idle producers but keeps recently handed-out ids', () => {
    const s = new ProducerStates(DAY);
    s.reserved(PRODUCER_ID_BLOCK, NOW, true);
    const part = {};
    recordAppended(s, part, [batch(1, 0, 0, 1, NOW - 2 * DAY)], 0);
    recordAppended(s, part, [batch(5_000, 0, 0, 1, NOW - 2 * DAY)], 1);
    recordAppended(s, part, [batch(5_001, 0, 0, 1, NOW)], 2);
    s.fence(5_002, 3, NOW - DAY);
    expect(s.expire([part], NOW)).toBe(2);
    expect([...s.of(part)!.keys()].sort()).toEqual([1, 5_001]);
    expect(s.fences.size).toBe(0);
    expect(s.expire([part], NOW + 2 * DAY)).toBe(2);
    expect(s.of(part)).toBeUndefined();
    expect(s.blocks).toEqual([]);
  });

  it('round-trips through the checkpoint slot and skips the rest of the id block', () => {
    const s = new ProducerStates(DAY);
    s.reserved(PRODUCER_ID_BLOCK, NOW, true);
    s.nextId = 17;
    const a = {};
    const b = {};
    for (let i = 0; i < 7; i++) recordAppended(s, a, [batch(3, 1, i * 2, 2)], i * 2);
    recordAppended(s, b, [batch(4, 0, MAX_SEQUENCE, 2)], 50);
    s.fence(9, 4, NOW);
    const bytes = encodeProducerSnapshot(s, [
      { topicNum: 1, partition: 0, key: a },
      { topicNum: 1, partition: 1, key: b },
      { topicNum: 2, partition: 0, key: {} },
    ]);
    const r = new ProducerStates(DAY);
    const a2 = {};
    const b2 = {};
    restoreProducerSnapshot(r, bytes, (t, p) => (t === 1 ? [a2, b2][p] : undefined));
    expect(r.of(a2)).toEqual(s.of(a));
    expect(r.of(b2)).toEqual(s.of(b));
    expect(r.of(b2)!.get(4)!.batches[0]!.lastSeq).toBe(0);
    expect(r.fences).toEqual(s.fences);
    expect(r.nextId).toBe(PRODUCER_ID_BLOCK);
    expect(r.recentlyAllocated(3, NOW)).toBe(true);
    const empty = new ProducerStates(DAY);
    restoreProducerSnapshot(empty, Buffer.alloc(0), () => undefined);
    expect(empty.nextId).toBe(0);
  });
});

describe('BrokerLog.barrier', () => {
  it('waits for an fdatasync covering data already written at acks=1', async () => {
    const dir = await tempDir('sluice-barrier-');
    const log = await BrokerLog.open({ dataDir: dir, config: walConfig(), logger: createLogger('silent') });
    try {
      await log.createTopic('t', 1);
      const syncs = log.stats.syncs;
      await log.appendProduce([input('t', 0, 'a')], 1).done;
      expect(log.stats.syncs).toBe(syncs);
      await log.barrier(1);
      expect(log.stats.syncs).toBe(syncs);
      await log.barrier(-1);
      expect(log.stats.syncs).toBe(syncs + 1);
      await log.barrier(-1);
      expect(log.stats.syncs).toBe(syncs + 1);
    } finally {
      await log.close();
      await removeDir(dir);
    }
  });
});
