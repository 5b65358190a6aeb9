import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { BrokerLog } from '../../src/log/index.js';
import { scanWal } from '../../src/log/recovery.js';
import { listSegmentFiles } from '../../src/log/segments.js';
import { MemoryFileSystem } from './memory-fs.js';
import { SEED, input, walConfig } from './helpers.js';

async function entriesOf(mem: MemoryFileSystem, chunk: number): Promise<{ list: string[]; problem: unknown }> {
  const list: string[] = [];
  const r = await scanWal(
    mem,
    await listSegmentFiles(mem, '/d/wal'),
    (e, at) => {
      const body = e.type === 1 ? e.name : e.type !== 2 ? `state ${e.type}` : e.parts.map((p) => `${p.partition}@${p.baseOffset}:${p.records.toString('base64')}`).join(',');
      list.push(`${at.segment.firstSeq}/${at.position}/${at.size}/${at.seq}/${body}`);
    },
    chunk,
  );
  return { list, problem: r.problem && { ...r.problem } };
}

describe(`WAL scan with read-ahead (fast-check seed ${SEED})`, () => {
  it('yields the same entries whatever the chunk size, including entries larger than a chunk and torn tails', async () => {
    const mem = new MemoryFileSystem();
    const log = await BrokerLog.open({ dataDir: '/d', config: walConfig({ segmentBytes: 6000 }), logger: silentLogger, fs: mem });
    await log.createTopic('t', 3);
    for (let i = 0; i < 60; i++) {
      const sizes = i % 7 === 0 ? [40, 3] : i % 3 === 0 ? [1, 2, 1] : [1];
      await log.appendProduce([input('t', i % 3, `m${i}`, sizes), input('t', (i + 1) % 3, `n${i}`)], 1).done;
    }
    await log.close();
    const files = mem.fileNames('/d/wal');
    expect(files.length).toBeGreaterThan(2);
    const last = `/d/wal/${files[files.length - 1]}`;
    mem.append(last, Buffer.from([0, 0, 1, 0, 1, 2, 3])); // a torn header at the tail
    const reference = await entriesOf(mem, 1 << 20);
    expect(reference.list.length).toBe(61);
    expect(reference.problem).toMatchObject({ kind: 'torn', file: last });
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 9, max: 3000 }), async (chunk) => {
        const got = await entriesOf(mem, chunk);
        expect(got.list).toEqual(reference.list);
        expect(got.problem).toEqual(reference.problem);
      }),
      { seed: SEED, numRuns: 60 },
    );
  });
});
