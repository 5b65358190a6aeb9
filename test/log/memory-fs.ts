/**
 * An in-memory WalFileSystem for tests. It tracks, per file, the bytes written and the
 * bytes made durable by the last fdatasync, and per directory which names were made
 * durable by a directory fsync. It can fail calls (ENOSPC, EIO, short writes), hold calls
 * at a gate, simulate a crash (keep only synced bytes, or synced bytes plus any prefix of
 * the unsynced ones), and tear, truncate, corrupt or extend files.
 */

import * as path from 'node:path';
import type { WalFileHandle, WalFileSystem, WalOpenMode } from '../../src/log/fs.js';

export type MemOp = 'open' | 'writev' | 'read' | 'datasync' | 'truncate' | 'syncDir' | 'readdir' | 'mkdir' | 'unlink' | 'rename' | 'close';

interface Fault {
  op: MemOp;
  code: string;
  /** Calls of this kind to let through first. */
  skip: number;
  /** Keep failing after the first failure. */
  sticky: boolean;
  /** For writev: bytes actually written before the failure. */
  partialBytes: number;
}

class MemFile {
  data: Buffer = Buffer.alloc(0);
  length = 0;
  /** Bytes as of the last fdatasync. */
  synced: Buffer = Buffer.alloc(0);
  dead = false;

  content(): Buffer {
    return this.data.subarray(0, this.length);
  }

  ensure(cap: number): void {
    if (cap <= this.data.length) return;
    const next = Buffer.alloc(Math.max(cap, this.data.length * 2, 1024));
    this.data.copy(next, 0, 0, this.length);
    this.data = next;
  }

  writeAt(pos: number, bytes: Buffer): void {
    this.ensure(pos + bytes.length);
    if (pos > this.length) this.data.fill(0, this.length, pos);
    bytes.copy(this.data, pos);
    this.length = Math.max(this.length, pos + bytes.length);
  }

  setContent(bytes: Buffer): void {
    this.data = Buffer.from(bytes);
    this.length = bytes.length;
  }
}

function errno(code: string, op: string, file: string): NodeJS.ErrnoException {
  const err = new Error(`${code}: injected failure, ${op} '${file}'`) as NodeJS.ErrnoException;
  err.code = code;
  return err;
}

/** How much of each file's unsynced tail survives a crash. */
export type CrashMode = 'synced' | 'all' | ((file: string, unsyncedBytes: number) => number);

export class MemoryFileSystem implements WalFileSystem {
  private files = new Map<string, MemFile>();
  private dirs = new Set<string>(['/']);
  /** Paths whose directory entry is durable (a directory fsync ran after creation). */
  private durableNames = new Set<string>();
  /**
   * Names removed (unlink, or renamed away) whose removal is not durable yet: a crash
   * before the directory fsync brings them back (for a rename: the file under its old name).
   */
  private undurableRemovals = new Map<string, MemFile>();
  private faults: Fault[] = [];
  private gates = new Map<MemOp, Array<() => void>>();
  private gated = new Set<MemOp>();
  /** Bumped by crash(): calls that started before it fail instead of touching the new state. */
  private epoch = 0;
  readonly calls: Record<MemOp, number> = {
    open: 0, writev: 0, read: 0, datasync: 0, truncate: 0, syncDir: 0, readdir: 0, mkdir: 0, unlink: 0, rename: 0, close: 0,
  };

  /** Makes the next call of `op` (after `skip` successful ones) fail with `code`. */
  failNext(op: MemOp, code = 'EIO', options: { skip?: number; sticky?: boolean; partialBytes?: number } = {}): void {
    this.faults.push({ op, code, skip: options.skip ?? 0, sticky: options.sticky ?? false, partialBytes: options.partialBytes ?? 0 });
  }

  clearFaults(): void {
    this.faults = [];
  }

  /** Holds every call of `op` until `release(op)`. */
  hold(op: MemOp): void {
    this.gated.add(op);
  }

  release(op: MemOp): void {
    this.gated.delete(op);
    const waiting = this.gates.get(op) ?? [];
    this.gates.delete(op);
    for (const w of waiting) w();
  }

  heldCount(op: MemOp): number {
    return this.gates.get(op)?.length ?? 0;
  }

  /**
   * Simulates a crash: open handles die, every file keeps its synced bytes plus what
   * `mode` keeps of the unsynced tail, files whose creation was never made durable by a
   * directory fsync disappear (unless mode is 'all', a process kill that keeps the page cache).
   */
  crash(mode: CrashMode = 'synced'): void {
    const next = new Map<string, MemFile>();
    const all = new Map(this.files);
    const restored = new Set<string>();
    if (mode !== 'all') {
      for (const [p, f] of this.undurableRemovals) {
        if (all.has(p) && this.durableNames.has(p)) continue;
        all.set(p, f);
        restored.add(p);
      }
    }
    this.undurableRemovals = new Map();
    for (const [p, f] of all) {
      f.dead = true;
      if (mode !== 'all' && !this.durableNames.has(p) && !restored.has(p)) continue;
      const cur = f.content();
      let keep: Buffer;
      if (mode === 'all') keep = cur;
      else if (cur.length >= f.synced.length && cur.subarray(0, f.synced.length).equals(f.synced)) {
        const extra = mode === 'synced' ? 0 : Math.max(0, Math.min(cur.length - f.synced.length, Math.floor(mode(p, cur.length - f.synced.length))));
        keep = cur.subarray(0, f.synced.length + extra);
      } else keep = f.synced;
      const nf = new MemFile();
      nf.setContent(keep);
      nf.synced = Buffer.from(keep);
      next.set(p, nf);
    }
    this.files = next;
    this.epoch++;
    this.durableNames = new Set(next.keys());
    this.faults = [];
    for (const op of [...this.gated]) this.release(op);
  }

  // ---- direct manipulation of the "disk" (as after a crash) ----

  exists(p: string): boolean {
    return this.files.has(p);
  }

  fileNames(dir: string): string[] {
    return [...this.files.keys()].filter((p) => path.dirname(p) === dir).map((p) => path.basename(p)).sort();
  }

  bytes(p: string): Buffer {
    return Buffer.from(this.mustFile(p).content());
  }

  sizeOf(p: string): number {
    return this.mustFile(p).length;
  }

  syncedSizeOf(p: string): number {
    return this.mustFile(p).synced.length;
  }

  /** Replaces the file's content, durable. */
  setBytes(p: string, bytes: Buffer): void {
    const f = this.mustFile(p);
    f.setContent(bytes);
    f.synced = Buffer.from(bytes);
  }

  /** Creates (or replaces) a durable file with `bytes`. */
  putFile(p: string, bytes: Buffer): void {
    const f = new MemFile();
    f.setContent(bytes);
    f.synced = Buffer.from(bytes);
    this.files.set(p, f);
    this.durableNames.add(p);
  }

  truncateTo(p: string, length: number): void {
    this.setBytes(p, this.bytes(p).subarray(0, length));
  }

  append(p: string, bytes: Buffer): void {
    this.setBytes(p, Buffer.concat([this.bytes(p), bytes]));
  }

  flipByte(p: string, position: number): void {
    const b = this.bytes(p);
    b[position] = b[position]! ^ 0xff;
    this.setBytes(p, b);
  }

  removeFile(p: string): void {
    this.files.delete(p);
    this.durableNames.delete(p);
    this.undurableRemovals.delete(p);
  }

  // ---- WalFileSystem ----

  async open(p: string, mode: WalOpenMode): Promise<WalFileHandle> {
    await this.enter('open', p);
    let f = this.files.get(p);
    if (mode === 'create') {
      if (f) throw errno('EEXIST', 'open', p);
      if (!this.dirs.has(path.dirname(p))) throw errno('ENOENT', 'open', p);
      f = new MemFile();
      this.files.set(p, f);
    } else if (!f) throw errno('ENOENT', 'open', p);
    return new MemHandle(this, f, p, mode !== 'read');
  }

  async readdir(dir: string): Promise<string[]> {
    await this.enter('readdir', dir);
    if (!this.dirs.has(dir)) throw errno('ENOENT', 'readdir', dir);
    return this.fileNames(dir);
  }

  async mkdir(dir: string): Promise<void> {
    await this.enter('mkdir', dir);
    let d = dir;
    while (!this.dirs.has(d)) {
      this.dirs.add(d);
      d = path.dirname(d);
    }
  }

  async unlink(p: string): Promise<void> {
    await this.enter('unlink', p);
    const f = this.files.get(p);
    if (!f) throw errno('ENOENT', 'unlink', p);
    this.files.delete(p);
    if (this.durableNames.delete(p)) this.undurableRemovals.set(p, f);
  }

  async rename(from: string, to: string): Promise<void> {
    await this.enter('rename', from);
    const f = this.files.get(from);
    if (!f) throw errno('ENOENT', 'rename', from);
    if (!this.dirs.has(path.dirname(to))) throw errno('ENOENT', 'rename', to);
    this.files.delete(from);
    if (this.durableNames.delete(from)) this.undurableRemovals.set(from, f);
    const replaced = this.files.get(to);
    if (replaced && this.durableNames.delete(to)) this.undurableRemovals.set(to, replaced);
    this.files.set(to, f);
  }

  async stat(p: string): Promise<{ size: number } | null> {
    const f = this.files.get(p);
    return f ? { size: f.length } : null;
  }

  async syncDir(dir: string): Promise<void> {
    await this.enter('syncDir', dir);
    for (const p of this.files.keys()) if (path.dirname(p) === dir) this.durableNames.add(p);
    for (const p of [...this.undurableRemovals.keys()]) if (path.dirname(p) === dir) this.undurableRemovals.delete(p);
  }

  /** @internal Every call passes here: counts it, waits a turn (or at a gate), maybe fails. */
  async enter(op: MemOp, file: string): Promise<{ partialBytes: number; code: string } | null> {
    this.calls[op]++;
    const epoch = this.epoch;
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (this.gated.has(op)) {
      await new Promise<void>((resolve) => {
        const list = this.gates.get(op) ?? [];
        list.push(resolve);
        this.gates.set(op, list);
      });
    }
    if (epoch !== this.epoch) throw errno('EIO', `${op} interrupted by a crash`, file);
    const i = this.faults.findIndex((f) => f.op === op);
    if (i < 0) return null;
    const fault = this.faults[i]!;
    if (fault.skip > 0) {
      fault.skip--;
      return null;
    }
    if (!fault.sticky) this.faults.splice(i, 1);
    if (op === 'writev' && fault.partialBytes > 0) return { partialBytes: fault.partialBytes, code: fault.code };
    throw errno(fault.code, op, file);
  }

  private mustFile(p: string): MemFile {
    const f = this.files.get(p);
    if (!f) throw new Error(`no file ${p}`);
    return f;
  }
}

class MemHandle implements WalFileHandle {
  private closed = false;
  constructor(
    private readonly fs: MemoryFileSystem,
    private readonly file: MemFile,
    private readonly p: string,
    private readonly writable: boolean,
  ) {}

  private check(op: string): void {
    if (this.closed) throw errno('EBADF', op, this.p);
    if (this.file.dead) throw errno('EIO', `${op} after crash`, this.p);
  }

  async writev(buffers: readonly Buffer[], position: number): Promise<number> {
    const partial = await this.fs.enter('writev', this.p);
    this.check('writev');
    if (!this.writable) throw errno('EBADF', 'writev', this.p);
    let pos = position;
    let budget = partial !== null ? partial.partialBytes : Number.POSITIVE_INFINITY;
    for (const b of buffers) {
      const piece = b.length <= budget ? b : b.subarray(0, budget);
      this.file.writeAt(pos, piece);
      pos += piece.length;
      budget -= piece.length;
      if (budget <= 0) break;
    }
    if (partial !== null) throw errno(partial.code, 'writev (after a partial write)', this.p);
    return pos - position;
  }

  async read(buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
    await this.fs.enter('read', this.p);
    this.check('read');
    const content = this.file.content();
    if (position >= content.length) return 0;
    return content.copy(buffer, offset, position, Math.min(content.length, position + length));
  }

  async datasync(): Promise<void> {
    // Snapshot what is written now: writes that land while the sync is in flight are not covered.
    const snapshot = Buffer.from(this.file.content());
    await this.fs.enter('datasync', this.p);
    this.check('datasync');
    this.file.synced = snapshot;
  }

  async truncate(length: number): Promise<void> {
    await this.fs.enter('truncate', this.p);
    this.check('truncate');
    if (!this.writable) throw errno('EBADF', 'ftruncate', this.p);
    if (length < this.file.length) this.file.length = length;
    else this.file.writeAt(this.file.length, Buffer.alloc(length - this.file.length));
  }

  async size(): Promise<number> {
    this.check('fstat');
    return this.file.length;
  }

  async close(): Promise<void> {
    this.fs.calls.close++;
    this.closed = true;
  }
}
