/** Shared helpers for the log tests: real RecordBatch v2 record sets and WAL configs. */

import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { validateRecordSet } from '../../protocol/record-batch.js';
import { DEFAULT_WAL_CONFIG, type ProducePartitionInput, type WalConfig } from '../../src/log/index.js';
import { buildBatch as buildTestBatch } from '../../protocol/record-batch-builder.js';

/** Fixed fast-check seed for every property in test/log; printed on failure by fast-check. */
export const SEED = 20240611;

export function walConfig(overrides: Partial<WalConfig> = {}): WalConfig {
  return { ...DEFAULT_WAL_CONFIG, ...overrides };
}

/**
 * A record set of `batchSizes.length` batches (batch i holding batchSizes[i] records),
 * values tagged with `tag` so every set is distinct.
 */
export const BASE_TIMESTAMP = 1_700_000_000_000;

export function recordSet(tag: string, batchSizes: number[] = [1], producerId = -1, baseTimestamp = BASE_TIMESTAMP): Omit<ProducePartitionInput, 'topic' | 'partition'> {
  const parts = batchSizes.map((n, b) =>
    buildTestBatch(
      Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: `${tag}/${b}/${i}`, timestampDelta: i })),
      { baseTimestamp: baseTimestamp + b, producerId, producerEpoch: producerId >= 0 ? 0 : -1, baseSequence: producerId >= 0 ? 0 : -1 },
    ),
  );
  const records = Buffer.concat(parts);
  const check = validateRecordSet(records);
  if (check.errorCode !== 0) throw new Error(`test record set invalid: ${check.errorMessage}`);
  return { records, batches: check.batches, recordCount: check.recordCount, maxTimestamp: check.maxTimestamp };
}

export function input(topic: string, partition: number, tag: string, batchSizes: number[] = [1]): ProducePartitionInput {
  return { topic, partition, ...recordSet(tag, batchSizes) };
}

/** Like `input`, with batch b of the set stamped baseTimestamp + b (+ record index). */
export function inputAt(topic: string, partition: number, tag: string, batchSizes: number[], baseTimestamp: number): ProducePartitionInput {
  return { topic, partition, ...recordSet(tag, batchSizes, -1, baseTimestamp) };
}

export async function tempDir(prefix = 'sluice-log-'): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}

export async function removeDir(dir: string): Promise<void> {
  await fs.rm(dir, { recursive: true, force: true });
}

/** Resolves after `n` turns of the event loop. */
export async function turns(n = 1): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((r) => setImmediate(r));
}

/** Settles a promise into a status without throwing. */
export function observe(p: Promise<unknown>): { status: 'pending' | 'resolved' | 'rejected'; error?: unknown } {
  const o: { status: 'pending' | 'resolved' | 'rejected'; error?: unknown } = { status: 'pending' };
  p.then(
    () => (o.status = 'resolved'),
    (err) => {
      o.status = 'rejected';
      o.error = err;
    },
  );
  return o;
}
