import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { BrokerLog, type WalConfig } from '../../src/log/index.js';
import type { WalFileSystem } from '../../src/log/fs.js';
import { MemoryFileSystem } from './memory-fs.js';
import { SEED, removeDir, tempDir, walConfig } from './helpers.js';
import { Scenario, checkContiguous, opsArb, retentionCoverage, type Op } from './scenario.js';

const configArb = fc.record({
  segmentBytes: fc.constantFrom(500, 4000, 1 << 30),
  groupMaxBytes: fc.constantFrom(300, 4 << 20),
  groupMaxRecords: fc.constantFrom(5, 100_000),
  syncPolicy: fc.constantFrom<WalConfig['syncPolicy']>({ kind: 'always' }, { kind: 'never' }, { kind: 'interval', ms: 5 }),
});

async function runOffsets(ops: Op[], overrides: Partial<WalConfig>, dataDir: string, fs: WalFileSystem | undefined): Promise<void> {
  const config = walConfig(overrides);
  const open = (): Promise<BrokerLog> => BrokerLog.open({ dataDir, config, logger: silentLogger, fs });
  const s = new Scenario(await open(), open);
  for (const op of ops) await s.run(op);
  checkContiguousIgnoringVisibility(s);
  await s.run({ kind: 'restart' });
  checkContiguous(s.log, s.model);
  await s.log.close();
}

/** Before a restart, offsets are assigned (log end) even where writes are still in flight. */
function checkContiguousIgnoringVisibility(s: Scenario): void {
  for (const topic of s.log.topics()) {
    for (const p of topic.partitions) {
      const key = `${topic.name}-${p.partition}`;
      if (p.logEndOffset !== (s.model.get(key) ?? 0)) throw new Error(`${key}: log end ${p.logEndOffset}, model ${s.model.get(key)}`);
      if (p.highWatermark > p.logEndOffset) throw new Error(`${key}: high watermark above log end`);
      if (p.logStartOffset > p.highWatermark) throw new Error(`${key}: log start above the high watermark`);
      let next = p.logStartOffset;
      for (const loc of p.batchesFrom(0, Number.MAX_SAFE_INTEGER, p.logEndOffset)) {
        if (loc.baseOffset !== next) throw new Error(`${key}: batch at ${loc.baseOffset}, expected ${next}`);
        next = loc.lastOffset + 1;
      }
    }
  }
}

describe(`offset continuity property (fast-check seed ${SEED})`, () => {
  it('any interleaving of appends, creates and restarts keeps offsets contiguous (memory fs)', async () => {
    await fc.assert(
      fc.asyncProperty(opsArb(true, 40), configArb, async (ops, cfg) => {
        await runOffsets(ops, cfg, '/data', new MemoryFileSystem());
      }),
      { seed: SEED, numRuns: 120 },
    );
  });

  it('with retention passes and topic deletions interleaved, offsets stay contiguous from each log start, never reused (memory fs)', async () => {
    await fc.assert(
      fc.asyncProperty(opsArb(true, 40, true), configArb, async (ops, cfg) => {
        await runOffsets(ops, cfg, '/data', new MemoryFileSystem());
      }),
      { seed: SEED, numRuns: 120 },
    );
    expect(retentionCoverage.advanced).toBeGreaterThan(20);
    expect(retentionCoverage.segmentsDeleted).toBeGreaterThan(20);
  });

  it('any interleaving of appends, creates and restarts keeps offsets contiguous (real fs)', async () => {
    await fc.assert(
      fc.asyncProperty(opsArb(true, 25, true), configArb, async (ops, cfg) => {
        const dir = await tempDir();
        try {
          await runOffsets(ops, cfg, dir, undefined);
        } finally {
          await removeDir(dir);
        }
      }),
      { seed: SEED, numRuns: 25 },
    );
  });
});
