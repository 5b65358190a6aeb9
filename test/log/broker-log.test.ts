import { afterEach, describe, expect, it } from 'vitest';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { readBatchHeader } from '../../protocol/record-batch.js';
import { silentLogger } from '../../src/logger.js';
import { BrokerLog, StorageError, parseSyncPolicy } from '../../src/log/index.js';
import { MemoryFileSystem } from './memory-fs.js';
import { input, removeDir, tempDir, walConfig } from './helpers.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await removeDir(d);
});

describe('BrokerLog on the real file system', () => {
  it('creates topics, appends, recovers the same state and bytes after reopen', async () => {
    const dataDir = await tempDir();
    dirs.push(dataDir);
    const log = await BrokerLog.open({ dataDir, config: walConfig(), logger: silentLogger });
    const t = await log.createTopic('orders', 2, new Map([['retention.ms', '1000']]));
    expect(t.topicId.length).toBe(16);
    const a = input('orders', 0, 'a', [2, 3]);
    const b = input('orders', 1, 'b', [1]);
    const r1 = log.appendProduce([a, b], -1);
    expect(r1.baseOffsets).toEqual([0, 0]);
    await r1.done;
    const c = input('orders', 0, 'c', [4]);
    const r2 = log.appendProduce([c], 1);
    expect(r2.baseOffsets).toEqual([5]);
    await r2.done;
    const p0 = log.partition('orders', 0)!;
    expect(p0.highWatermark).toBe(9);
    expect(p0.logEndOffset).toBe(9);
    const before = p0.batchesFrom(0);
    expect(before.map((l) => [l.baseOffset, l.lastOffset])).toEqual([[0, 1], [2, 4], [5, 8]]);
    // Offsets were patched in place in the caller's buffers.
    expect(readBatchHeader(c.records, 0).baseOffset).toBe(5);
    await log.close();

    const files = await fsp.readdir(path.join(dataDir, 'wal'));
    expect(files).toEqual(['00000000000000000000.wal']);

    const again = await BrokerLog.open({ dataDir, config: walConfig(), logger: silentLogger });
    const t2 = again.topic('orders')!;
    expect(t2.topicId.equals(t.topicId)).toBe(true);
    expect(t2.configs.get('retention.ms')).toBe('1000');
    const q0 = again.partition('orders', 0)!;
    expect([q0.logEndOffset, q0.highWatermark]).toEqual([9, 9]);
    const after = q0.batchesFrom(3);
    expect(after.map((l) => l.baseOffset)).toEqual([2, 5]);
    expect((await again.readBatch(after[1]!)).equals(c.records)).toBe(true);
    expect((await again.readBatch(q0.batchesFrom(0)[0]!)).equals(a.records.subarray(0, a.batches[0]!.size))).toBe(true);
    const r3 = again.appendProduce([input('orders', 0, 'd', [1])], -1);
    expect(r3.baseOffsets).toEqual([9]);
    await r3.done;
    await again.close();
  });
});

describe('group commit on the real file system', () => {
  it('500 concurrent acks=all appends share a few fdatasyncs', async () => {
    const dataDir = await tempDir();
    dirs.push(dataDir);
    const log = await BrokerLog.open({ dataDir, config: walConfig(), logger: silentLogger });
    await log.createTopic('t', 3);
    const before = log.stats.syncs;
    const dones: Array<Promise<void>> = [];
    for (let i = 0; i < 500; i++) dones.push(log.appendProduce([input('t', i % 3, `m${i}`)], -1).done);
    await Promise.all(dones);
    expect(log.stats.syncs - before).toBeLessThanOrEqual(5);
    expect(log.unwrittenBytes).toBe(0);
    await log.close();
    const again = await BrokerLog.open({ dataDir, config: walConfig(), logger: silentLogger });
    expect(again.partition('t', 2)!.logEndOffset).toBe(166);
    await again.close();
  });
});

describe('BrokerLog basics', () => {
  it('a second create of the same name sees the first synchronously', async () => {
    const log = await BrokerLog.open({ dataDir: '/d', config: walConfig(), logger: silentLogger, fs: new MemoryFileSystem() });
    const first = log.createTopic('t', 1);
    expect(log.topic('t')).toBeDefined();
    await expect(log.createTopic('t', 1)).rejects.toThrow(/already exists/);
    await first;
    await log.close();
  });

  it('wal.enabled=false keeps everything in memory and completes at once', async () => {
    const mem = new MemoryFileSystem();
    const log = await BrokerLog.open({ dataDir: '/d', config: walConfig({ enabled: false }), logger: silentLogger, fs: mem });
    await log.createTopic('t', 1);
    const r = log.appendProduce([input('t', 0, 'x', [3])], -1);
    expect(log.partition('t', 0)!.highWatermark).toBe(3);
    await r.done;
    const loc = log.partition('t', 0)!.batchesFrom(0)[0]!;
    expect(readBatchHeader(await log.readBatch(loc), 0).baseOffset).toBe(0);
    expect(log.effectiveSyncPolicy).toEqual({ kind: 'never' });
    await log.close();
    expect(mem.fileNames('/d/wal')).toEqual([]);
    expect(mem.calls.writev + mem.calls.open).toBe(0);
  });

  it('appends after close throw StorageError', async () => {
    const log = await BrokerLog.open({ dataDir: '/d', config: walConfig(), logger: silentLogger, fs: new MemoryFileSystem() });
    await log.createTopic('t', 1);
    await log.close();
    expect(() => log.appendProduce([input('t', 0, 'x')], 1)).toThrow(StorageError);
  });

  it('parses sync policies', () => {
    expect(parseSyncPolicy('always')).toEqual({ kind: 'always' });
    expect(parseSyncPolicy('interval:250')).toEqual({ kind: 'interval', ms: 250 });
    expect(parseSyncPolicy('never')).toEqual({ kind: 'never' });
    expect(() => parseSyncPolicy('sometimes')).toThrow();
  });
});
