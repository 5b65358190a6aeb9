import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { BrokerLog, type WalConfig } from '../../src/log/index.js';
import { MemoryFileSystem } from './memory-fs.js';
import { input, observe, turns, walConfig } from './helpers.js';

const SEG0 = '/d/wal/00000000000000000000.wal';

async function openMem(overrides: Partial<WalConfig> = {}, mem = new MemoryFileSystem()) {
  const log = await BrokerLog.open({ dataDir: '/d', config: walConfig(overrides), logger: silentLogger, fs: mem });
  await log.createTopic('t', 4);
  const base = { writev: mem.calls.writev, datasync: mem.calls.datasync };
  return { log, mem, base };
}

async function until(cond: () => boolean, limit = 1000): Promise<void> {
  for (let i = 0; i < limit && !cond(); i++) await turns(1);
  if (!cond()) throw new Error('condition never became true');
}

describe('group commit', () => {
  it('1000 acks=all appends in one tick share a handful of writes and fdatasyncs', async () => {
    const { log, mem, base } = await openMem();
    const dones: Array<Promise<void>> = [];
    for (let i = 0; i < 1000; i++) dones.push(log.appendProduce([input('t', i % 4, `m${i}`)], -1).done);
    await Promise.all(dones);
    const writes = mem.calls.writev - base.writev;
    const syncs = mem.calls.datasync - base.datasync;
    expect(writes).toBeLessThanOrEqual(3);
    expect(syncs).toBeLessThanOrEqual(3);
    expect(log.partition('t', 0)!.highWatermark).toBe(250);
    await log.close();
  });

  it('acks=1 resolves at write without any fdatasync under policy always', async () => {
    const { log, mem, base } = await openMem();
    await log.appendProduce([input('t', 0, 'a')], 1).done;
    expect(mem.calls.writev - base.writev).toBe(1);
    expect(mem.calls.datasync - base.datasync).toBe(0);
    expect(log.partition('t', 0)!.highWatermark).toBe(1);
    await log.close();
  });

  it('acks=1 does not wait for an fdatasync in flight; acks=all does', async () => {
    const { log, mem } = await openMem();
    mem.hold('datasync');
    const all = observe(log.appendProduce([input('t', 0, 'a')], -1).done);
    await until(() => mem.heldCount('datasync') === 1);
    const one = observe(log.appendProduce([input('t', 1, 'b')], 1).done);
    await until(() => one.status !== 'pending');
    expect(one.status).toBe('resolved');
    expect(all.status).toBe('pending');
    // Visible once written, before the sync returns.
    expect(log.partition('t', 0)!.highWatermark).toBe(1);
    mem.release('datasync');
    await until(() => all.status !== 'pending');
    expect(all.status).toBe('resolved');
    await log.close();
  });

  it('appends gather while a write is in flight and go out together when it returns', async () => {
    const { log, mem, base } = await openMem();
    mem.hold('writev');
    const first = observe(log.appendProduce([input('t', 0, 'a')], 1).done);
    await until(() => mem.heldCount('writev') === 1);
    const rest: Array<ReturnType<typeof observe>> = [];
    for (let i = 0; i < 20; i++) rest.push(observe(log.appendProduce([input('t', 1, `b${i}`)], 1).done));
    await turns(5);
    expect(mem.calls.writev - base.writev).toBe(1);
    expect(log.partition('t', 1)!.highWatermark).toBe(0);
    mem.release('writev');
    await until(() => rest.every((r) => r.status === 'resolved'));
    expect(first.status).toBe('resolved');
    expect(mem.calls.writev - base.writev).toBe(2);
    expect(log.partition('t', 1)!.highWatermark).toBe(20);
    await log.close();
  });

  it('an fdatasync covers only writes that returned before it started; the next starts at once', async () => {
    const { log, mem, base } = await openMem();
    mem.hold('datasync');
    const a = observe(log.appendProduce([input('t', 0, 'a')], -1).done);
    await until(() => mem.heldCount('datasync') === 1);
    const b = observe(log.appendProduce([input('t', 0, 'b')], -1).done);
    await until(() => mem.calls.writev - base.writev === 2);
    await turns(3);
    mem.release('datasync');
    mem.hold('datasync');
    await until(() => a.status !== 'pending');
    expect(a.status).toBe('resolved');
    expect(b.status).toBe('pending');
    await until(() => mem.heldCount('datasync') === 1); // started without waiting for anything else
    mem.release('datasync');
    await until(() => b.status !== 'pending');
    expect(b.status).toBe('resolved');
    expect(mem.calls.datasync - base.datasync).toBe(2);
    await log.close();
  });

  it('policy never: acks=all resolves at write and nothing is fdatasynced until close', async () => {
    const { log, mem, base } = await openMem({ syncPolicy: { kind: 'never' } });
    expect(log.effectiveSyncPolicy).toEqual({ kind: 'never' });
    for (let i = 0; i < 5; i++) await log.appendProduce([input('t', 0, `a${i}`)], -1).done;
    expect(mem.calls.datasync - base.datasync).toBe(0);
    expect(mem.syncedSizeOf(SEG0)).toBeLessThan(mem.sizeOf(SEG0));
    await log.close();
    expect(mem.syncedSizeOf(SEG0)).toBe(mem.sizeOf(SEG0));
  });

  it('policy interval: fdatasync at most every N ms; acks=all waits for it; acks=1 data gets synced too', async () => {
    const { log, mem, base } = await openMem({ syncPolicy: { kind: 'interval', ms: 80 } });
    const t0 = Date.now();
    await log.appendProduce([input('t', 0, 'a')], -1).done; // createTopic synced moments ago: waits for the interval
    const b = observe(log.appendProduce([input('t', 0, 'b')], -1).done);
    await turns(10);
    expect(b.status).toBe('pending');
    await until(() => b.status !== 'pending', 100_000);
    expect(b.status).toBe('resolved');
    const elapsed = Date.now() - t0;
    const syncs = mem.calls.datasync - base.datasync;
    expect(syncs).toBeLessThanOrEqual(Math.floor(elapsed / 80) + 1);
    await log.appendProduce([input('t', 1, 'c')], 1).done;
    expect(mem.syncedSizeOf(SEG0)).toBeLessThan(mem.sizeOf(SEG0));
    await new Promise((r) => setTimeout(r, 200));
    expect(mem.syncedSizeOf(SEG0)).toBe(mem.sizeOf(SEG0));
    await log.close();
  });

  it('a group is sealed at wal.group.max.bytes and at wal.group.max.records', async () => {
    const bytes = await openMem({ groupMaxBytes: 1000 });
    const dones: Array<Promise<void>> = [];
    for (let i = 0; i < 50; i++) dones.push(bytes.log.appendProduce([input('t', 0, `m${i}`)], 1).done);
    await Promise.all(dones);
    expect(bytes.mem.calls.writev - bytes.base.writev).toBeGreaterThanOrEqual(5);
    await bytes.log.close();

    const recs = await openMem({ groupMaxRecords: 10 });
    const more: Array<Promise<void>> = [];
    for (let i = 0; i < 50; i++) more.push(recs.log.appendProduce([input('t', 0, `m${i}`)], 1).done);
    await Promise.all(more);
    expect(recs.mem.calls.writev - recs.base.writev).toBe(5);
    expect(recs.log.partition('t', 0)!.highWatermark).toBe(50);
    await recs.log.close();
  });

  it('wal.group.max.age.ms lets a group linger while the disk is idle', async () => {
    const { log, mem, base } = await openMem({ groupMaxAgeMs: 40 });
    const t0 = Date.now();
    const a = observe(log.appendProduce([input('t', 0, 'a')], 1).done);
    await turns(10);
    expect(mem.calls.writev - base.writev).toBe(0);
    const b = observe(log.appendProduce([input('t', 0, 'b')], 1).done);
    await until(() => a.status !== 'pending' && b.status !== 'pending', 100_000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(35);
    expect(mem.calls.writev - base.writev).toBe(1);
    await log.close();
  });

  it('rolls segments: the old segment is fdatasynced and the directory fsynced before the new one is written', async () => {
    const mem = new MemoryFileSystem();
    const { log } = await openMem({ segmentBytes: 600, syncPolicy: { kind: 'never' } }, mem);
    const syncDirBefore = mem.calls.syncDir;
    for (let i = 0; i < 20; i++) await log.appendProduce([input('t', i % 4, `m${i}`)], 1).done;
    const names = mem.fileNames('/d/wal');
    expect(names.length).toBeGreaterThan(3);
    expect(log.stats.rolls).toBe(names.length - 1);
    expect(mem.calls.syncDir - syncDirBefore).toBe(names.length - 1);
    for (const name of names.slice(0, -1)) {
      const p = `/d/wal/${name}`;
      expect(mem.syncedSizeOf(p)).toBe(mem.sizeOf(p));
    }
    // Names are the WAL sequence of each segment's first entry.
    const seqs = names.map((n) => Number(n.slice(0, 20)));
    expect(seqs[0]).toBe(0);
    expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);
    await log.close();
    const again = await BrokerLog.open({ dataDir: '/d', config: walConfig({ segmentBytes: 600 }), logger: silentLogger, fs: mem });
    expect(again.recovery.entries).toBe(21);
    for (let p = 0; p < 4; p++) expect(again.partition('t', p)!.logEndOffset).toBe(5);
    const loc = again.partition('t', 3)!.batchesFrom(4)[0]!;
    expect(loc.bytes).toBeUndefined();
    expect((await again.readBatch(loc)).length).toBe(loc.length);
    await again.close();
  });
});
