/**
 * WAL segment files: `<data-dir>/wal/<first-sequence>.wal`, the sequence being the WAL
 * entry number (0, 1, 2, ... across all segments) of the segment's first entry, zero-padded
 * to 20 digits so names sort in log order.
 */

import * as path from 'node:path';
import type { WalFileHandle, WalFileSystem } from './fs.js';

export const SEGMENT_SUFFIX = '.wal';
const SEGMENT_NAME = /^(\d{20})\.wal$/;

export function segmentFileName(firstSeq: number): string {
  return String(firstSeq).padStart(20, '0') + SEGMENT_SUFFIX;
}

export function parseSegmentFileName(name: string): number | null {
  const m = SEGMENT_NAME.exec(name);
  return m ? Number(m[1]) : null;
}

export function walDir(dataDir: string): string {
  return path.join(dataDir, 'wal');
}

/** One segment file. `size` is the bytes assigned to it so far (queued or written). */
export class Segment {
  /** Read/write handle of the segment being appended to, or a lazily opened read handle. */
  handle: WalFileHandle | null = null;
  private opening: Promise<WalFileHandle> | null = null;

  constructor(
    readonly firstSeq: number,
    readonly path: string,
    public size: number,
  ) {}

  get name(): string {
    return path.basename(this.path);
  }

  /** A handle for positional reads (the append handle if there is one). */
  readHandle(fs: WalFileSystem): Promise<WalFileHandle> {
    if (this.handle) return Promise.resolve(this.handle);
    if (!this.opening) {
      this.opening = fs.open(this.path, 'read').then((h) => {
        this.handle = h;
        this.opening = null;
        return h;
      });
    }
    return this.opening;
  }

  async close(): Promise<void> {
    if (this.opening) await this.opening.catch(() => undefined);
    const h = this.handle;
    this.handle = null;
    if (h) await h.close();
  }
}

/** Segment files present in `dir`, in log order. Other files are ignored. */
export async function listSegmentFiles(fs: WalFileSystem, dir: string): Promise<Array<{ firstSeq: number; path: string }>> {
  const out: Array<{ firstSeq: number; path: string }> = [];
  for (const name of await fs.readdir(dir)) {
    const seq = parseSegmentFileName(name);
    if (seq !== null) out.push({ firstSeq: seq, path: path.join(dir, name) });
  }
  out.sort((a, b) => a.firstSeq - b.firstSeq);
  return out;
}

/** Creates a new empty segment file and makes its directory entry durable. */
export async function createSegmentFile(fs: WalFileSystem, dir: string, firstSeq: number): Promise<Segment> {
  const seg = new Segment(firstSeq, path.join(dir, segmentFileName(firstSeq)), 0);
  seg.handle = await fs.open(seg.path, 'create');
  await fs.syncDir(dir);
  return seg;
}
