/**
 * The in-memory index keeps a request's record sets as views of the request bytes when they
 * fill most of the buffer they live in, and copies them only when a view would pin a buffer
 * mostly made of other bytes (BrokerLog keepViews). Decided per request: a request of several
 * record sets (one per partition, as the Java producer sends) is kept without a copy even
 * though each single record set is far less than half of the buffer.
 */
import { describe, expect, it } from 'vitest';
import { validateRecordSet } from '../../protocol/record-batch.js';
import { silentLogger } from '../../src/logger.js';
import { BrokerLog, type ProducePartitionInput } from '../../src/log/index.js';
import { MemoryFileSystem } from './memory-fs.js';
import { recordSet, walConfig } from './helpers.js';

/** Record sets laid out back to back in one buffer of `total` bytes (>= their sum), as views of it. */
function framed(topic: string, sizes: number[][], total?: number): { buffer: Buffer; parts: ProducePartitionInput[] } {
  const sets = sizes.map((batches, i) => recordSet(`p${i}`, batches).records);
  const used = sets.reduce((s, r) => s + r.length, 0);
  const buffer = Buffer.alloc(Math.max(total ?? used, used));
  let pos = 0;
  const parts = sets.map((bytes, partition) => {
    bytes.copy(buffer, pos);
    const records = buffer.subarray(pos, pos + bytes.length);
    pos += bytes.length;
    const check = validateRecordSet(records);
    return { topic, partition, records, batches: check.batches, recordCount: check.recordCount, maxTimestamp: check.maxTimestamp };
  });
  return { buffer, parts };
}

async function open(enabled: boolean): Promise<BrokerLog> {
  const log = await BrokerLog.open({ dataDir: '/d', config: walConfig({ enabled }), logger: silentLogger, fs: new MemoryFileSystem() });
  await log.createTopic('t', 3);
  return log;
}

describe('record sets kept by the in-memory index', () => {
  for (const enabled of [true, false]) {
    it(`a request whose record sets fill its buffer is kept as views, not copied (WAL ${enabled ? 'on' : 'off'})`, async () => {
      const log = await open(enabled);
      const { buffer, parts } = framed('t', [[20, 20], [30], [25]], undefined);
      // Each record set alone is well under half of the buffer.
      for (const p of parts) expect(p.records.length * 2).toBeLessThan(buffer.length);
      await log.appendProduce(parts, 1).done;
      for (let p = 0; p < 3; p++) {
        const rows = log.partition('t', p)!.batchesFrom(0);
        expect(rows.length).toBe(parts[p]!.batches.length);
        for (const row of rows) expect(row.bytes!.buffer).toBe(buffer.buffer);
      }
      await log.close();
    });

    it(`a small request inside a much larger buffer is copied (WAL ${enabled ? 'on' : 'off'})`, async () => {
      const log = await open(enabled);
      const { buffer, parts } = framed('t', [[2], [3]], 64 * 1024);
      await log.appendProduce(parts, 1).done;
      for (let p = 0; p < 2; p++) {
        const rows = log.partition('t', p)!.batchesFrom(0);
        expect(rows.length).toBe(1);
        expect(rows[0]!.bytes!.buffer).not.toBe(buffer.buffer);
        expect(rows[0]!.bytes!.equals(parts[p]!.records)).toBe(true);
      }
      await log.close();
    });
  }
});
