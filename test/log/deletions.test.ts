/**
 * DeleteRecords and OffsetDelete at the log level: BrokerLog.deleteRecords (LOG_START_ADVANCED)
 * and BrokerLog.deleteOffsets (OFFSETS_DELETED, type 12): codec, replay, restart, checkpoint,
 * dump-log, fencing.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { BrokerLog, EntryType, StorageError, dumpLog, type CommittedOffset, type WalConfig } from '../../src/log/index.js';
import { ENTRY_HEADER_SIZE, ENTRY_TYPE_NAMES } from '../../src/log/framing.js';
import { OffsetStore } from '../../src/log/offsets.js';
import { applyStateEntry, type LogState } from '../../src/log/replay.js';
import { STATE_DECODERS, encodeLogStartAdvanced, encodeOffsetsDeleted } from '../../src/log/state-entries.js';
import { TopicRegistry } from '../../src/log/topics.js';
import { ProducerStates } from '../../src/producers/state.js';
import { MemoryFileSystem } from './memory-fs.js';
import { SEED, input, observe, turns, walConfig } from './helpers.js';

const DATA = '/d';

function openMem(mem: MemoryFileSystem, overrides: Partial<WalConfig> = {}): Promise<BrokerLog> {
  return BrokerLog.open({ dataDir: DATA, config: walConfig(overrides), logger: silentLogger, fs: mem, retention: { retentionMs: -1, retentionBytes: -1 } });
}

function off(topic: string, partition: number, offset: number): CommittedOffset {
  return { topic, partition, offset, leaderEpoch: 0, metadata: null, commitTimestamp: 1 };
}

/** group -> sorted "topic/partition=offset" rows. */
function offsetsOf(log: BrokerLog, group: string): string[] | undefined {
  const g = log.committedOffsets(group);
  if (g === undefined) return undefined;
  return [...g].flatMap(([t, ps]) => [...ps].map(([p, o]) => `${t}/${p}=${o.offset}`)).sort();
}

async function dumpLines(mem: MemoryFileSystem): Promise<string[]> {
  const lines: string[] = [];
  const r = await dumpLog({ dataDir: DATA, verify: true, write: (l) => lines.push(l), fs: mem });
  expect(r.ok, lines.slice(-3).join('\n')).toBe(true);
  return lines;
}

describe('OFFSETS_DELETED entry (type 12)', () => {
  it('round-trips through its codec and is named', () => {
    const partitions = [
      { topic: 'a', partition: 0 },
      { topic: 'ünï cödé', partition: 4_000_000_000 },
    ];
    const encoded = encodeOffsetsDeleted({ group: 'grp 1', partitions });
    const bytes = Buffer.concat(encoded.pieces);
    expect(bytes.length).toBe(encoded.size);
    expect(bytes[ENTRY_HEADER_SIZE - 1]).toBe(EntryType.OFFSETS_DELETED);
    expect(EntryType.OFFSETS_DELETED).toBe(12);
    expect(ENTRY_TYPE_NAMES[12]).toBe('OFFSETS_DELETED');
    expect(bytes.readUInt32BE(0)).toBe(bytes.length - 8);
    const decoded = STATE_DECODERS[EntryType.OFFSETS_DELETED]!(bytes.subarray(ENTRY_HEADER_SIZE));
    expect(decoded).toEqual({ type: EntryType.OFFSETS_DELETED, group: 'grp 1', partitions });
    const empty = Buffer.concat(encodeOffsetsDeleted({ group: '', partitions: [] }).pieces);
    expect(STATE_DECODERS[EntryType.OFFSETS_DELETED]!(empty.subarray(ENTRY_HEADER_SIZE))).toEqual({ type: EntryType.OFFSETS_DELETED, group: '', partitions: [] });
    // A payload with trailing bytes is corrupt.
    expect(() => STATE_DECODERS[EntryType.OFFSETS_DELETED]!(Buffer.concat([bytes.subarray(ENTRY_HEADER_SIZE), Buffer.from([0])]))).toThrow();
  });

  it('replays: drops the named partitions, a group left with none disappears, missing ones are ignored', () => {
    const state: LogState = { registry: new TopicRegistry(), offsets: new OffsetStore(), brokerConfigs: new Map(), producers: new ProducerStates(86_400_000) };
    state.offsets.commit('g', [off('a', 0, 1), off('a', 1, 2), off('b', 0, 3)]);
    state.offsets.commit('h', [off('a', 0, 9)]);
    const decode = (group: string, partitions: Array<{ topic: string; partition: number }>) =>
      STATE_DECODERS[EntryType.OFFSETS_DELETED]!(Buffer.concat(encodeOffsetsDeleted({ group, partitions }).pieces).subarray(ENTRY_HEADER_SIZE));
    applyStateEntry(state, decode('g', [{ topic: 'a', partition: 0 }, { topic: 'a', partition: 7 }, { topic: 'zz', partition: 0 }]));
    expect([...state.offsets.get('g')!.get('a')!.keys()]).toEqual([1]);
    applyStateEntry(state, decode('g', [{ topic: 'a', partition: 1 }]));
    expect([...state.offsets.get('g')!.keys()]).toEqual(['b']);
    applyStateEntry(state, decode('g', [{ topic: 'b', partition: 0 }]));
    expect(state.offsets.get('g')).toBeUndefined();
    applyStateEntry(state, decode('nobody', [{ topic: 'a', partition: 0 }]));
    expect([...state.offsets.groupNames()]).toEqual(['h']);
    expect(state.offsets.get('h')!.get('a')!.get(0)!.offset).toBe(9);
  });
});

describe('BrokerLog.deleteOffsets', () => {
  it('drops offsets at once as one entry, survives a restart, and a group left with none is gone', async () => {
    const mem = new MemoryFileSystem();
    const log = await openMem(mem);
    await log.commitOffsets('g', [off('a', 0, 5), off('a', 1, 6), off('b', 0, 7)]);
    await log.commitOffsets('h', [off('a', 0, 1)]);
    const done = log.deleteOffsets('g', [{ topic: 'a', partition: 0 }, { topic: 'a', partition: 9 }, { topic: 'nope', partition: 0 }]);
    expect(offsetsOf(log, 'g')).toEqual(['a/1=6', 'b/0=7']);
    await done;
    // Nothing to delete: no entry.
    await log.deleteOffsets('g', [{ topic: 'a', partition: 0 }]);
    await log.deleteOffsets('nobody', [{ topic: 'a', partition: 0 }]);
    mem.crash('synced');
    await log.close();

    const again = await openMem(mem);
    expect(offsetsOf(again, 'g')).toEqual(['a/1=6', 'b/0=7']);
    expect(offsetsOf(again, 'h')).toEqual(['a/0=1']);
    await again.deleteOffsets('g', [{ topic: 'a', partition: 1 }, { topic: 'b', partition: 0 }]);
    expect(again.committedOffsets('g')).toBeUndefined();
    await again.close();

    const third = await openMem(mem);
    expect([...third.offsetGroups()]).toEqual(['h']);
    await third.close();
    const lines = await dumpLines(mem);
    expect(lines.filter((l) => l.includes('type=OFFSETS_DELETED'))).toHaveLength(2);
    expect(lines.some((l) => /type=OFFSETS_DELETED .*group=g partitions=1$/.test(l))).toBe(true);
    expect(lines).toContain('offset-deleted group=g topic=a partition=0');
    expect(lines).toContain('offset-deleted group=g topic=b partition=0');
  });

  it('rejects with StorageError when fenced; with the WAL off it completes at once', async () => {
    const mem = new MemoryFileSystem();
    const log = await openMem(mem);
    await log.commitOffsets('g', [off('a', 0, 5)]);
    mem.failNext('writev', 'EIO');
    await expect(log.commitOffsets('g', [off('a', 1, 1)])).rejects.toBeInstanceOf(StorageError);
    await expect(log.deleteOffsets('g', [{ topic: 'a', partition: 0 }])).rejects.toBeInstanceOf(StorageError);
    await log.close();
    const memOff = new MemoryFileSystem();
    const walOff = await openMem(memOff, { enabled: false });
    await walOff.commitOffsets('g', [off('a', 0, 5)]);
    await walOff.deleteOffsets('g', [{ topic: 'a', partition: 0 }]);
    expect(walOff.committedOffsets('g')).toBeUndefined();
    await walOff.close();
  });
});

describe('BrokerLog.deleteRecords', () => {
  it('moves log starts (into a batch, to the high watermark with -1), answers errors per partition, and survives a restart', async () => {
    const mem = new MemoryFileSystem();
    const log = await openMem(mem);
    await log.createTopic('t', 3);
    // partition 0: batches 0-2, 3-4, 5-8; partition 1: 0-3
    for (const sizes of [[3], [2], [4]]) await log.appendProduce([input('t', 0, `p0-${sizes[0]}`, sizes)], -1).done;
    await log.appendProduce([input('t', 1, 'p1', [4])], -1).done;
    const p0 = log.partition('t', 0)!;

    const done = log.deleteRecords([
      { topic: 't', partition: 0, offset: 4 },
      { topic: 't', partition: 1, offset: -1 },
      { topic: 't', partition: 2, offset: 0 },
      { topic: 't', partition: 3, offset: 0 },
      { topic: 'nope', partition: 0, offset: 0 },
      { topic: 't', partition: 0, offset: 10 },
      { topic: 't', partition: 0, offset: -2 },
    ]);
    // Visible at once: Fetch below the start is out of range, the batch holding it comes whole.
    expect(p0.logStartOffset).toBe(4);
    expect(p0.batchesFrom(4).map((b) => b.baseOffset)).toEqual([3, 5]);
    expect(await done).toEqual([
      { error: null, lowWatermark: 4 },
      { error: null, lowWatermark: 4 },
      { error: null, lowWatermark: 0 },
      { error: 'unknown-partition', lowWatermark: -1 },
      { error: 'unknown-partition', lowWatermark: -1 },
      { error: 'offset-out-of-range', lowWatermark: -1 },
      { error: 'offset-out-of-range', lowWatermark: -1 },
    ]);
    // At or below the start: nothing changes. Exactly the high watermark is allowed.
    expect(await log.deleteRecords([{ topic: 't', partition: 0, offset: 2 }])).toEqual([{ error: null, lowWatermark: 4 }]);
    expect(await log.deleteRecords([{ topic: 't', partition: 0, offset: 9 }])).toEqual([{ error: null, lowWatermark: 9 }]);
    expect(p0.batchesFrom(0)).toEqual([]);
    mem.crash('synced');
    await log.close();

    const again = await openMem(mem);
    expect(again.topic('t')!.partitions.map((p) => [p.logStartOffset, p.highWatermark])).toEqual([[9, 9], [4, 4], [0, 0]]);
    const next = again.appendProduce([input('t', 0, 'after', [1])], -1);
    expect(next.baseOffsets).toEqual([9]);
    await next.done;
    await again.close();
    const lines = await dumpLines(mem);
    expect(lines).toContain('log-start topic=t partition=0 logStartOffset=4');
    expect(lines).toContain('log-start topic=t partition=1 logStartOffset=4');
    expect(lines).toContain('log-start topic=t partition=0 logStartOffset=9');
  });

  it('never passes the high watermark: records not yet written are out of range', async () => {
    const mem = new MemoryFileSystem();
    const log = await openMem(mem);
    await log.createTopic('t', 1);
    await log.appendProduce([input('t', 0, 'a', [2])], -1).done;
    mem.hold('writev');
    const pending = log.appendProduce([input('t', 0, 'b', [3])], 1);
    const p = log.partition('t', 0)!;
    expect([p.highWatermark, p.logEndOffset]).toEqual([2, 5]);
    expect(await log.deleteRecords([{ topic: 't', partition: 0, offset: 3 }])).toEqual([{ error: 'offset-out-of-range', lowWatermark: -1 }]);
    const toHigh = log.deleteRecords([{ topic: 't', partition: 0, offset: -1 }]);
    expect(p.logStartOffset).toBe(2);
    mem.release('writev');
    await pending.done;
    expect(await toHigh).toEqual([{ error: null, lowWatermark: 2 }]);
    await log.close();
  });

  it('frees WAL segments through retention; the checkpoint keeps the log start (and deleted offsets) after they are gone', async () => {
    const mem = new MemoryFileSystem();
    const log = await openMem(mem, { segmentBytes: 400 });
    await log.createTopic('t', 1);
    await log.commitOffsets('g', [off('t', 0, 1), off('x', 1, 2)]);
    await log.deleteOffsets('g', [{ topic: 't', partition: 0 }]);
    for (let i = 0; i < 12; i++) await log.appendProduce([input('t', 0, `m${i}`, [2])], -1).done;
    const segments = mem.fileNames(`${DATA}/wal`).length;
    expect(segments).toBeGreaterThan(3);
    expect(await log.deleteRecords([{ topic: 't', partition: 0, offset: 21 }])).toEqual([{ error: null, lowWatermark: 21 }]);
    const r = await log.enforceRetention();
    expect(r.partitionsAdvanced).toBe(0); // retention itself lets nothing go (unlimited)
    expect(r.segmentsDeleted).toBeGreaterThan(0);
    expect(r.checkpointSeq).not.toBeNull();
    expect(mem.fileNames(`${DATA}/wal`)).not.toContain('00000000000000000000.wal');
    mem.crash('synced');
    await log.close();

    const again = await openMem(mem, { segmentBytes: 400 });
    expect(again.recovery.checkpointSeq).toBe(r.checkpointSeq);
    const p = again.partition('t', 0)!;
    expect([p.logStartOffset, p.highWatermark]).toEqual([21, 24]);
    expect(offsetsOf(again, 'g')).toEqual(['x/1=2']);
    expect(p.batchesFrom(0).map((b) => b.baseOffset)).toEqual([20, 22]);
    for (const loc of p.batchesFrom(0)) await again.readBatch(loc);
    await again.close();
    await dumpLines(mem);
  });

  it('rejects with StorageError when fenced; with the WAL off it completes at once', async () => {
    const mem = new MemoryFileSystem();
    const log = await openMem(mem);
    await log.createTopic('t', 1);
    await log.appendProduce([input('t', 0, 'a', [2])], -1).done;
    mem.failNext('writev', 'EIO');
    await expect(log.deleteRecords([{ topic: 't', partition: 0, offset: 1 }])).rejects.toBeInstanceOf(StorageError);
    await expect(log.deleteRecords([{ topic: 't', partition: 0, offset: 2 }])).rejects.toBeInstanceOf(StorageError);
    await log.close();
    const walOff = await openMem(new MemoryFileSystem(), { enabled: false });
    await walOff.createTopic('t', 1);
    await walOff.appendProduce([input('t', 0, 'a', [2])], 1).done;
    expect(await walOff.deleteRecords([{ topic: 't', partition: 0, offset: -1 }])).toEqual([{ error: null, lowWatermark: 2 }]);
    expect(await walOff.deleteRecords([{ topic: 't', partition: 0, offset: 1 }])).toEqual([{ error: null, lowWatermark: 2 }]);
    await walOff.close();
  });

  it('LOG_START_ADVANCED still round-trips (shared with retention)', () => {
    const starts = [{ topicNum: 3, partition: 1, logStartOffset: 2 ** 40 }];
    const bytes = Buffer.concat(encodeLogStartAdvanced({ starts }).pieces);
    expect(STATE_DECODERS[EntryType.LOG_START_ADVANCED]!(bytes.subarray(ENTRY_HEADER_SIZE))).toEqual({ type: EntryType.LOG_START_ADVANCED, starts });
  });
});

type RecordsOp =
  | { kind: 'produce'; partition: number; batches: number[]; acks: 0 | 1 | -1 }
  | { kind: 'delete'; partition: number; at: number }
  | { kind: 'turns'; n: number };

const recordsOpArb: fc.Arbitrary<RecordsOp> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('produce' as const), partition: fc.nat(1), batches: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 2 }), acks: fc.constantFrom<0 | 1 | -1>(0, 1, -1) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('delete' as const), partition: fc.nat(1), at: fc.double({ min: -0.2, max: 1.2, noNaN: true }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('turns' as const), n: fc.integer({ min: 1, max: 4 }) }) },
);

describe(`deleteRecords crash property (fast-check seed ${SEED})`, () => {
  it('after a crash, every log start is one the partition had, at least every acknowledged one, and the data above it is served', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(recordsOpArb, { minLength: 1, maxLength: 40 }),
        fc.constantFrom<'synced' | 'all' | 'prefix'>('synced', 'all', 'prefix'),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.constantFrom<WalConfig['syncPolicy']>({ kind: 'always' }, { kind: 'interval', ms: 3 }, { kind: 'never' }),
        fc.constantFrom(300, 1 << 30),
        async (ops, crash, keep, syncPolicy, segmentBytes) => {
          const mem = new MemoryFileSystem();
          const log = await openMem(mem, { syncPolicy, segmentBytes });
          await log.createTopic('t', 2);
          await log.flush(); // the topic itself survives every crash, also with sync policy never
          const parts = log.topic('t')!.partitions;
          // Per partition: the log starts it has had, and the highest one a resolved call answered.
          const seen = parts.map(() => [0]);
          const acked = parts.map(() => 0);
          for (const op of ops) {
            if (op.kind === 'turns') await turns(op.n);
            else if (op.kind === 'produce') log.appendProduce([input('t', op.partition, `v${seen.flat().length}`, op.batches)], op.acks).done.catch(() => undefined);
            else {
              const p = parts[op.partition]!;
              const offset = op.at > 1.1 ? -1 : Math.floor(p.logStartOffset + (p.highWatermark - p.logStartOffset + 2) * op.at) - 1;
              const done = log.deleteRecords([{ topic: 't', partition: op.partition, offset }]);
              seen[op.partition]!.push(p.logStartOffset);
              const o = observe(done);
              done.then(
                (r) => {
                  if (r[0]!.error === null && syncPolicy.kind !== 'never' && o.status !== 'rejected') acked[op.partition] = Math.max(acked[op.partition]!, r[0]!.lowWatermark);
                },
                () => undefined,
              );
            }
          }
          await turns(3);
          const mustHave = [...acked];
          if (crash === 'prefix') mem.crash((_f, unsynced) => Math.floor(unsynced * keep));
          else mem.crash(crash);
          await log.close();
          const again = await openMem(mem, { syncPolicy, segmentBytes });
          again.topic('t')!.partitions.forEach((p, i) => {
            expect(seen[i]).toContain(p.logStartOffset);
            expect(p.logStartOffset).toBeGreaterThanOrEqual(mustHave[i]!);
            expect(p.logStartOffset).toBeLessThanOrEqual(p.highWatermark);
            const batches = p.batchesFrom(0);
            if (batches.length > 0) {
              expect(batches[0]!.baseOffset).toBeLessThanOrEqual(p.logStartOffset);
              expect(batches[0]!.lastOffset).toBeGreaterThanOrEqual(p.logStartOffset);
              expect(batches.at(-1)!.lastOffset + 1).toBe(p.highWatermark);
            } else expect(p.logStartOffset).toBe(p.highWatermark);
          });
          await again.close();
        },
      ),
      { seed: SEED, numRuns: 80 },
    );
  });
});
