/**
 * Recovery at open: load the newest usable checkpoint, scan the remaining WAL segments
 * (entries below the checkpoint's sequence only give index rows; later ones are applied
 * fully), cut a torn tail of the last segment (ftruncate + fdatasync), and refuse to start,
 * naming file and position, on anything else.
 */

import type { Logger } from '../logger.js';
import { listCheckpoints, loadCheckpoint, restoreCheckpoint } from './checkpoint.js';
import { WalCorruptionError } from './errors.js';
import type { WalFileSystem } from './fs.js';
import { isCuttable, scanWal } from './recovery.js';
import { recoveryVisitor, type LogState } from './replay.js';
import { Segment, createSegmentFile, listSegmentFiles, walDir } from './segments.js';

export interface RecoveryStats {
  segments: number;
  entries: number;
  bytes: number;
  /** Bytes cut from the tail of the last segment (0 after a clean shutdown). */
  truncatedBytes: number;
  millis: number;
  /** Sequence of the checkpoint recovery started from (null: none, the WAL starts at entry 0). */
  checkpointSeq: number | null;
}

export function emptyRecoveryStats(): RecoveryStats {
  return { segments: 0, entries: 0, bytes: 0, truncatedBytes: 0, millis: 0, checkpointSeq: null };
}

export async function recoverWal(
  fs: WalFileSystem,
  dataDir: string,
  state: LogState,
  logger: Logger,
  recovery: RecoveryStats,
): Promise<{ segments: Segment[]; nextSeq: number }> {
  const dir = walDir(dataDir);
  await fs.mkdir(dir);
  const files = await listSegmentFiles(fs, dir);
  if (files.length === 0) {
    const checkpoints = await listCheckpoints(fs, dataDir);
    if (checkpoints.length > 0) {
      throw new WalCorruptionError(dir, 0, `the WAL directory has no segment but checkpoint ${checkpoints[0]!.path} exists (segments were removed by hand?)`);
    }
    await fs.syncDir(dataDir);
    logger.info(`WAL created in ${dir}`);
    return { segments: [await createSegmentFile(fs, dir, 0)], nextSeq: 0 };
  }

  const first = files[0]!;
  const loaded = await loadCheckpoint(fs, dataDir, first.firstSeq, logger);
  const checkpoint = loaded.checkpoint;
  if (checkpoint === null && first.firstSeq > 0) {
    const why = loaded.rejected.length > 0 ? ` (${loaded.rejected.join('; ')})` : '';
    throw new WalCorruptionError(first.path, 0, `the WAL starts at entry ${first.firstSeq} but no usable checkpoint covers the entries before it${why}`);
  }
  const checkpointSeq = checkpoint?.seq ?? 0;
  if (checkpoint !== null) {
    restoreCheckpoint(state, checkpoint);
    recovery.checkpointSeq = checkpoint.seq;
    logger.info(`checkpoint ${loaded.path} loaded (state as of WAL entry ${checkpoint.seq})`);
  }

  const result = await scanWal(fs, files, recoveryVisitor(state, checkpointSeq));
  const problem = result.problem;
  if (problem !== null) {
    if (!isCuttable(problem)) throw new WalCorruptionError(problem.file, problem.position, problem.reason);
    const cut = result.fileSizes[problem.segmentIndex]! - problem.position;
    logger.warn(
      `WAL recovery: ${problem.reason} at byte ${problem.position} of ${problem.file}; ` +
        `truncating the last segment there (${cut} bytes dropped: a write that never completed)`,
    );
    const h = await fs.open(problem.file, 'readwrite');
    try {
      await h.truncate(problem.position);
      await h.datasync();
    } finally {
      await h.close();
    }
    recovery.truncatedBytes = cut;
  }
  const last = files[files.length - 1]!;
  if (result.nextSeq < checkpointSeq) {
    throw new WalCorruptionError(
      last.path,
      result.validSizes[files.length - 1]!,
      `the WAL ends before entry ${result.nextSeq} but the checkpoint covers entries up to ${checkpointSeq} (synced WAL data is missing)`,
    );
  }
  const segments: Segment[] = [];
  for (let i = 0; i < files.length; i++) {
    segments.push(new Segment(files[i]!.firstSeq, files[i]!.path, result.validSizes[i]!));
    recovery.bytes += result.validSizes[i]!;
    recovery.entries += result.entryCounts[i]!;
  }
  const active = segments[segments.length - 1]!;
  active.handle = await fs.open(active.path, 'readwrite');
  for (const topic of state.registry.all()) {
    for (const p of topic.partitions) p.highWatermark = p.logEndOffset;
  }
  return { segments, nextSeq: result.nextSeq };
}
