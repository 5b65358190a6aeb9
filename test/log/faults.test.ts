import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { BrokerLog, StorageError, type WalConfig } from '../../src/log/index.js';
import { MemoryFileSystem } from './memory-fs.js';
import { input, observe, turns, walConfig } from './helpers.js';

async function openMem(overrides: Partial<WalConfig> = {}, mem = new MemoryFileSystem()) {
  const log = await BrokerLog.open({ dataDir: '/d', config: walConfig(overrides), logger: silentLogger, fs: mem });
  await log.createTopic('t', 2);
  return { log, mem };
}

async function until(cond: () => boolean, limit = 1000): Promise<void> {
  for (let i = 0; i < limit && !cond(); i++) await turns(1);
  if (!cond()) throw new Error('condition never became true');
}

function expectFencedForGood(log: BrokerLog): void {
  expect(log.fenced).toBe(true);
  expect(() => log.appendProduce([input('t', 0, 'later')], 1)).toThrow(StorageError);
  expect(() => log.appendProduce([input('t', 0, 'later')], 0)).toThrow(StorageError);
}

describe('fault injection: any WAL I/O error fences the log', () => {
  for (const code of ['EIO', 'ENOSPC']) {
    it(`a failing write (${code}) rejects every pending append at every acks level`, async () => {
      const { log, mem } = await openMem();
      await log.appendProduce([input('t', 0, 'ok')], -1).done;
      mem.failNext('writev', code);
      const pending = [
        observe(log.appendProduce([input('t', 0, 'a')], 1).done),
        observe(log.appendProduce([input('t', 1, 'b')], -1).done),
        observe(log.appendProduce([input('t', 0, 'c')], 0).done), // acks=0: must not be an unhandled rejection
      ];
      await until(() => pending.every((p) => p.status !== 'pending'));
      for (const p of pending) {
        expect(p.status).toBe('rejected');
        expect(p.error).toBeInstanceOf(StorageError);
        expect(String((p.error as Error).message)).toContain(code);
      }
      expectFencedForGood(log);
      expect(log.partition('t', 0)!.highWatermark).toBe(1);
      await expect(log.createTopic('u', 1)).rejects.toBeInstanceOf(StorageError);
      await log.close();
    });
  }

  it('a short write that cannot complete fences, and recovery cuts the half-written entry', async () => {
    const { log, mem } = await openMem();
    await log.appendProduce([input('t', 0, 'ok', [3])], -1).done;
    mem.failNext('writev', 'ENOSPC', { partialBytes: 40 });
    const p = observe(log.appendProduce([input('t', 0, 'torn', [2]), input('t', 1, 'torn2')], 1).done);
    await until(() => p.status !== 'pending');
    expect(p.status).toBe('rejected');
    expectFencedForGood(log);
    mem.crash('all');
    const again = await BrokerLog.open({ dataDir: '/d', config: walConfig(), logger: silentLogger, fs: mem });
    expect(again.recovery.truncatedBytes).toBe(40);
    expect(again.partition('t', 0)!.logEndOffset).toBe(3);
    expect(again.partition('t', 1)!.logEndOffset).toBe(0);
    expect(again.appendProduce([input('t', 0, 'next')], 1).baseOffsets).toEqual([3]);
    await again.close();
  });

  it('a failing fdatasync rejects acks=all waiters, is never retried, and fences later appends', async () => {
    const { log, mem } = await openMem();
    mem.failNext('datasync', 'EIO');
    const a = observe(log.appendProduce([input('t', 0, 'a')], -1).done);
    await until(() => a.status !== 'pending');
    expect(a.status).toBe('rejected');
    expect(a.error).toBeInstanceOf(StorageError);
    const syncs = mem.calls.datasync;
    expectFencedForGood(log);
    await turns(10);
    await log.close();
    expect(mem.calls.datasync).toBe(syncs);
  });

  it('a write that returns after the log fenced is not acknowledged and not made visible', async () => {
    const { log, mem } = await openMem();
    mem.hold('datasync');
    const a = observe(log.appendProduce([input('t', 0, 'a')], -1).done);
    await until(() => mem.heldCount('datasync') === 1);
    mem.hold('writev');
    const b = observe(log.appendProduce([input('t', 1, 'b')], 1).done);
    await until(() => mem.heldCount('writev') === 1);
    mem.failNext('datasync', 'EIO');
    mem.release('datasync');
    await until(() => a.status !== 'pending');
    expect(a.status).toBe('rejected');
    // close() must not close the file under the write still in flight.
    const closes = mem.calls.close;
    const closing = observe(log.close());
    await turns(10);
    expect(closing.status).toBe('pending');
    expect(mem.calls.close).toBe(closes);
    mem.release('writev');
    await until(() => b.status !== 'pending' && closing.status !== 'pending');
    expect(b.status).toBe('rejected');
    expect(closing.status).toBe('resolved');
    expect(log.partition('t', 1)!.highWatermark).toBe(0);
    expect(log.fenced).toBe(true);
  });

  it('a failure while creating the next segment fences too', async () => {
    const { log, mem } = await openMem({ segmentBytes: 300 });
    await log.appendProduce([input('t', 0, 'a')], 1).done;
    mem.failNext('open', 'ENOSPC');
    const p = observe(log.appendProduce([input('t', 0, 'b', [3])], 1).done);
    await until(() => p.status !== 'pending');
    expect(p.status).toBe('rejected');
    expectFencedForGood(log);
    await log.close();
  });
});
