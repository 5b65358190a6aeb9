import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { BrokerLog, WalCorruptionError, dumpLog, type WalConfig } from '../../src/log/index.js';
import { MemoryFileSystem } from './memory-fs.js';
import { SEED, inputAt, observe, turns, walConfig } from './helpers.js';

const DATA = '/d';
const WAL = '/d/wal';
const CKPT = '/d/checkpoint';
const T0 = 1_000_000;
const DAY = 86_400_000;

function openMem(mem: MemoryFileSystem, overrides: Partial<WalConfig> = {}, retention?: { retentionMs?: number; retentionBytes?: number }): Promise<BrokerLog> {
  return BrokerLog.open({ dataDir: DATA, config: walConfig({ segmentBytes: 400, ...overrides }), logger: silentLogger, fs: mem, retention });
}

function describeLog(log: BrokerLog): string {
  const topics = [...log.topics()]
    .map((t) => `${t.name}#${t.topicId.toString('hex')}[${t.partitions.map((p) => `${p.logStartOffset}-${p.logEndOffset}`).join(',')}]{${[...t.configs].sort().join(';')}}`)
    .sort();
  const groups = [...log.offsetGroups()].sort().map((g) => `${g}:${[...log.committedOffsets(g)!].map(([t, ps]) => `${t}/${[...ps].map(([p, o]) => `${p}=${o.offset}:${o.metadata}`)}`)}`);
  return `${topics.join(' ')} | ${groups.join(' ')} | ${[...log.brokerConfigs()].sort().join(';')}`;
}

async function dumpOk(mem: MemoryFileSystem): Promise<string[]> {
  const lines: string[] = [];
  const r = await dumpLog({ dataDir: DATA, verify: true, write: (l) => lines.push(l), fs: mem });
  if (!r.ok) throw new Error(`dump-log --verify failed: ${JSON.stringify(r.problem)}\n${lines.slice(-5).join('\n')}`);
  return lines;
}

/** Offsets of the batches the partition still serves, checked contiguous from its log start. */
async function servedOffsets(log: BrokerLog, topic: string, partition: number): Promise<number[]> {
  const p = log.partition(topic, partition)!;
  const locs = p.batchesFrom(0);
  let next = p.logStartOffset;
  for (const loc of locs) {
    expect(loc.baseOffset).toBe(next);
    await log.readBatch(loc); // the bytes are still there
    next = loc.lastOffset + 1;
  }
  expect(next).toBe(p.highWatermark);
  return locs.map((l) => l.baseOffset);
}

describe('retention', () => {
  it('time: advances the log start past expired batches, deletes segments, and a restart keeps it all after the first segments are gone', async () => {
    const mem = new MemoryFileSystem();
    const log = await openMem(mem);
    const t = await log.createTopic('t', 2, new Map([['retention.ms', '1000']]));
    await log.commitOffsets('g', [{ topic: 't', partition: 0, offset: 3, leaderEpoch: 0, metadata: 'm', commitTimestamp: 5 }]);
    await log.setBrokerConfigs(new Map([['log.retention.bytes', '-1']]), []);
    for (let i = 0; i < 20; i++) await log.appendProduce([inputAt('t', i % 2, `m${i}`, [2], T0 + i * 100)], -1).done;
    const segsBefore = mem.fileNames(WAL);
    expect(segsBefore.length).toBeGreaterThan(4);
    // now - 1000 = T0 + 1000: batches stamped below it (i < 10) have expired.
    const r = await log.enforceRetention(T0 + 2000);
    expect(r.partitionsAdvanced).toBe(2);
    expect(r.batchesDropped).toBe(10);
    expect(log.partition('t', 0)!.logStartOffset).toBe(10);
    expect(log.partition('t', 1)!.logStartOffset).toBe(10);
    expect(r.segmentsDeleted).toBeGreaterThan(0);
    expect(r.checkpointSeq).not.toBeNull();
    const segsAfter = mem.fileNames(WAL);
    expect(segsAfter).not.toContain('00000000000000000000.wal'); // TOPIC_CREATED and the commit lived there
    expect(mem.fileNames(CKPT)).toEqual([`${String(r.checkpointSeq).padStart(20, '0')}.ckpt`]);
    expect(await servedOffsets(log, 't', 0)).toEqual([10, 12, 14, 16, 18]);
    const before = describeLog(log);
    await dumpOk(mem);
    mem.crash('synced');
    await log.close();

    const again = await openMem(mem);
    expect(describeLog(again)).toBe(before);
    expect(again.topic('t')!.topicId.equals(t.topicId)).toBe(true);
    expect(again.recovery.checkpointSeq).toBe(r.checkpointSeq);
    expect(await servedOffsets(again, 't', 1)).toEqual([10, 12, 14, 16, 18]);
    // Nothing new to expire: the pass changes nothing.
    expect((await again.enforceRetention(T0 + 2000)).partitionsAdvanced).toBe(0);
    const next = again.appendProduce([inputAt('t', 0, 'after', [1], T0 + 5000)], -1);
    expect(next.baseOffsets).toEqual([20]);
    await next.done;
    await again.close();
  });

  it('size: keeps the newest batches within retention.bytes; broker override and defaults apply when the topic has none', async () => {
    const mem = new MemoryFileSystem();
    const log = await openMem(mem, {}, { retentionMs: -1 });
    await log.createTopic('a', 1, new Map([['retention.bytes', '0']]));
    await log.createTopic('b', 1);
    for (let i = 0; i < 6; i++) await log.appendProduce([inputAt('a', 0, `a${i}`, [1], T0), inputAt('b', 0, `b${i}`, [1], T0)], -1).done;
    const size = log.partition('b', 0)!.batchesFrom(0)[0]!.length;
    let r = await log.enforceRetention(T0 + 100 * DAY);
    expect(log.partition('a', 0)!.logStartOffset).toBe(6); // everything, up to the high watermark
    expect(log.partition('b', 0)!.logStartOffset).toBe(0); // unlimited by default (retentionMs -1 given)
    await log.setBrokerConfigs(new Map([['log.retention.bytes', String(2 * size)]]), []);
    r = await log.enforceRetention(T0);
    expect(r.partitionsAdvanced).toBe(1);
    expect(log.partition('b', 0)!.logStartOffset).toBe(4);
    expect(await servedOffsets(log, 'b', 0)).toEqual([4, 5]);
    expect(await servedOffsets(log, 'a', 0)).toEqual([]);
    await log.close();
    const again = await openMem(mem, {}, { retentionMs: -1 });
    expect([again.partition('a', 0)!.logStartOffset, again.partition('a', 0)!.logEndOffset]).toEqual([6, 6]);
    expect(again.partition('b', 0)!.logStartOffset).toBe(4);
    await again.close();
  });

  it('never passes the high watermark, and with all data expired a partition resumes at its log end', async () => {
    const mem = new MemoryFileSystem();
    const log = await openMem(mem, { syncPolicy: { kind: 'always' } });
    await log.createTopic('t', 1);
    await log.appendProduce([inputAt('t', 0, 'a', [3], T0)], -1).done;
    mem.hold('writev');
    const pending = log.appendProduce([inputAt('t', 0, 'b', [2], T0)], 1);
    const pass = log.enforceRetention(T0 + 30 * DAY);
    await turns(2);
    expect(log.partition('t', 0)!.logStartOffset).toBe(3); // not 5: offsets 3-4 are not written yet
    mem.release('writev');
    expect((await pass).batchesDropped).toBe(1);
    await pending.done;
    await log.enforceRetention(T0 + 30 * DAY);
    expect(log.partition('t', 0)!.logStartOffset).toBe(5);
    // Roll past the old segments and expire again so every old segment can go.
    for (let i = 0; i < 8; i++) await log.appendProduce([inputAt('t', 0, `c${i}`, [1], T0)], -1).done;
    const r2 = await log.enforceRetention(T0 + 30 * DAY);
    expect(r2.segmentsDeleted).toBeGreaterThan(0);
    expect(log.partition('t', 0)!.logStartOffset).toBe(13);
    await dumpOk(mem);
    await log.close();
    const again = await openMem(mem);
    const p = again.partition('t', 0)!;
    expect([p.logStartOffset, p.logEndOffset, p.highWatermark]).toEqual([13, 13, 13]);
    expect(p.batchesFrom(0)).toEqual([]);
    const n = again.appendProduce([inputAt('t', 0, 'd', [1], T0 + 40 * DAY)], -1);
    expect(n.baseOffsets).toEqual([13]); // offsets never go back
    await n.done;
    await again.close();
  });

  it('segments holding only a deleted topic are deleted; a re-created topic starts at 0 and survives restart', async () => {
    const mem = new MemoryFileSystem();
    const log = await openMem(mem, {}, { retentionMs: -1 });
    await log.createTopic('x', 1);
    for (let i = 0; i < 10; i++) await log.appendProduce([inputAt('x', 0, `x${i}`, [1], T0)], -1).done;
    await log.deleteTopic('x');
    await log.createTopic('x', 1);
    for (let i = 0; i < 3; i++) await log.appendProduce([inputAt('x', 0, `y${i}`, [1], T0)], -1).done;
    const r = await log.enforceRetention(T0);
    expect(r.partitionsAdvanced).toBe(0);
    expect(r.segmentsDeleted).toBeGreaterThan(0);
    const id = log.topic('x')!.topicId;
    await dumpOk(mem);
    await log.close();
    const again = await openMem(mem, {}, { retentionMs: -1 });
    expect(again.topic('x')!.topicId.equals(id)).toBe(true);
    expect(await servedOffsets(again, 'x', 0)).toEqual([0, 1, 2]);
    await again.close();
  });

  it('a bad newest checkpoint falls back to the previous one when it still covers the WAL, and refuses to start otherwise', async () => {
    const mem = new MemoryFileSystem();
    const log = await openMem(mem, {}, { retentionMs: -1 });
    await log.createTopic('t', 1, new Map([['retention.bytes', '0']]));
    const seqs: number[] = [];
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 6; i++) await log.appendProduce([inputAt('t', 0, `r${round}/${i}`, [1], T0)], -1).done;
      const r = await log.enforceRetention(T0);
      if (r.checkpointSeq !== null) seqs.push(r.checkpointSeq);
    }
    await log.commitOffsets('g', [{ topic: 't', partition: 0, offset: 1, leaderEpoch: 0, metadata: null, commitTimestamp: 0 }]);
    const state = describeLog(log);
    await log.close();
    const files = mem.fileNames(CKPT);
    expect(files.length).toBe(2); // the newest two are kept
    const newest = `${CKPT}/${files[1]!}`;
    const good = mem.bytes(newest);
    mem.flipByte(newest, good.length - 3);
    const err = await openMem(mem).then(
      (l) => l.close().then(() => null),
      (e: unknown) => e,
    );
    // The previous checkpoint is older than the first remaining segment: starting from it would lose state.
    expect(err).toBeInstanceOf(WalCorruptionError);
    expect(String((err as Error).message)).toMatch(/no usable checkpoint/);
    mem.setBytes(newest, good);
    const again = await openMem(mem);
    expect(describeLog(again)).toBe(state);
    await again.close();
    expect(seqs.length).toBeGreaterThan(1);
  });
});

type ROp =
  | { kind: 'produce'; partition: number; ts: number; acks: 0 | 1 | -1 }
  | { kind: 'commit'; offset: number }
  | { kind: 'retain'; now: number; bytes: number }
  | { kind: 'turns'; n: number };

const rOpArb: fc.Arbitrary<ROp> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('produce' as const), partition: fc.nat(1), ts: fc.nat(10), acks: fc.constantFrom<0 | 1 | -1>(0, 1, -1) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('commit' as const), offset: fc.nat(100) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('retain' as const), now: fc.nat(12), bytes: fc.constantFrom(-1, 0, 200) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('turns' as const), n: fc.integer({ min: 1, max: 6 }) }) },
);

describe(`retention crash property (fast-check seed ${SEED})`, () => {
  it('a crash at any point, also inside a retention pass, recovers acknowledged data and state, offsets contiguous from the log start', async () => {
    let deleted = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(rOpArb, { minLength: 1, maxLength: 40, size: 'medium' }),
        fc.constantFrom<'synced' | 'kill' | 'prefix'>('synced', 'kill', 'prefix'),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 0, max: 20 }),
        async (ops, crash, keep, settle) => {
          const mem = new MemoryFileSystem();
          const log = await openMem(mem, { segmentBytes: 300 });
          const created = log.createTopic('t', 2, new Map([['retention.ms', '5']]));
          const acked = [0, 0]; // log end offsets acknowledged at acks=all, per partition
          let committed: number | null = null;
          const sideEffects: Array<ReturnType<typeof observe>> = [observe(created)];
          let tag = 0;
          for (const op of ops) {
            if (op.kind === 'turns') await turns(op.n);
            else if (op.kind === 'produce') {
              const r = log.appendProduce([inputAt('t', op.partition, `v${tag++}`, [1, 1], op.ts)], op.acks);
              const end = r.baseOffsets[0]! + 2;
              r.done.then(
                () => {
                  if (op.acks === -1 && end > acked[op.partition]!) acked[op.partition] = end;
                },
                () => undefined,
              );
            } else if (op.kind === 'commit') {
              const p = log.commitOffsets('g', [{ topic: 't', partition: 0, offset: op.offset, leaderEpoch: 0, metadata: null, commitTimestamp: 0 }]);
              p.then(() => (committed = op.offset), () => undefined);
            } else {
              const bytes = op.bytes;
              void log.alterTopicConfigs('t', new Map([['retention.bytes', String(bytes)]]), []).catch(() => undefined);
              await turns(2);
              const pass = log.enforceRetention(op.now);
              pass.then((r) => (deleted += r.segmentsDeleted), () => undefined);
              sideEffects.push(observe(pass));
            }
          }
          await turns(settle);
          const ackedAtCrash = [...acked];
          const committedAtCrash = committed;
          if (crash === 'synced') mem.crash('synced');
          else if (crash === 'kill') mem.crash('all');
          else mem.crash((_f, unsynced) => Math.floor(unsynced * keep));
          await log.close();

          const again = await openMem(mem, { segmentBytes: 300 });
          const t = again.topic('t');
          if (sideEffects[0]!.status === 'resolved') expect(t).toBeDefined();
          if (t !== undefined) {
            for (const p of t.partitions) {
              expect(p.logEndOffset).toBeGreaterThanOrEqual(ackedAtCrash[p.partition]!);
              expect(p.logStartOffset).toBeLessThanOrEqual(p.logEndOffset);
              await servedOffsets(again, 't', p.partition);
            }
          }
          if (committedAtCrash !== null) {
            const got = again.committedOffsets('g')?.get('t')?.get(0)?.offset;
            expect(got).toBeDefined();
          }
          await dumpOk(mem);
          // Appending continues at the log end and survives another restart.
          if (t !== undefined) {
            const leo = t.partitions[0]!.logEndOffset;
            const r = again.appendProduce([inputAt('t', 0, 'after', [1], 20)], -1);
            expect(r.baseOffsets).toEqual([leo]);
            await r.done;
            await again.enforceRetention(100);
          }
          await again.close();
          const third = await openMem(mem, { segmentBytes: 300 });
          if (t !== undefined) await servedOffsets(third, 't', 0);
          await third.close();
        },
      ),
      { seed: SEED, numRuns: 100 },
    );
    expect(deleted).toBeGreaterThan(20);
  });
});
