/**
 * The narrow file-system port the WAL runs on, and its real implementation on `node:fs`.
 *
 * Everything is asynchronous (libuv thread pool); the log never makes a synchronous
 * file-system call. Tests swap in an in-memory implementation (test/log/memory-fs.ts)
 * that can fail calls, drop unsynced bytes and tear entries.
 */

import * as fs from 'node:fs';

export interface WalFileHandle {
  /**
   * Writes `buffers` back to back starting at `position`, returning how many bytes were
   * written (possibly fewer than asked; the caller continues with the rest).
   */
  writev(buffers: readonly Buffer[], position: number): Promise<number>;
  /** Positional read; returns the number of bytes read (0 at end of file). */
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<number>;
  datasync(): Promise<void>;
  truncate(length: number): Promise<void>;
  size(): Promise<number>;
  close(): Promise<void>;
}

/** `create` fails if the file exists; `readwrite` and `read` fail if it does not. */
export type WalOpenMode = 'read' | 'readwrite' | 'create';

export interface WalFileSystem {
  open(path: string, mode: WalOpenMode): Promise<WalFileHandle>;
  /** File names (not paths) in `dir`. */
  readdir(dir: string): Promise<string[]>;
  /** Creates `dir` and its parents if needed. */
  mkdir(dir: string): Promise<void>;
  unlink(path: string): Promise<void>;
  /** Atomically replaces `to` with `from` (durable after a syncDir of the directory). */
  rename(from: string, to: string): Promise<void>;
  /** Size of the file at `path`, or null if there is none. */
  stat(path: string): Promise<{ size: number } | null>;
  /** fsync of a directory, making file creations and removals in it durable. */
  syncDir(dir: string): Promise<void>;
}

function settle<T>(resolve: (v: T) => void, reject: (e: Error) => void) {
  return (err: NodeJS.ErrnoException | null, value: T): void => {
    if (err) reject(err);
    else resolve(value);
  };
}

class NodeFileHandle implements WalFileHandle {
  constructor(private readonly fd: number) {}

  writev(buffers: readonly Buffer[], position: number): Promise<number> {
    return new Promise((resolve, reject) => {
      fs.writev(this.fd, buffers as Buffer[], position, (err, written) => {
        if (err) reject(err);
        else resolve(written);
      });
    });
  }

  read(buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
    return new Promise((resolve, reject) => {
      fs.read(this.fd, buffer, offset, length, position, (err, bytesRead) => {
        if (err) reject(err);
        else resolve(bytesRead);
      });
    });
  }

  datasync(): Promise<void> {
    return new Promise((resolve, reject) => fs.fdatasync(this.fd, settle<void>(resolve, reject)));
  }

  truncate(length: number): Promise<void> {
    return new Promise((resolve, reject) => fs.ftruncate(this.fd, length, settle<void>(resolve, reject)));
  }

  size(): Promise<number> {
    return new Promise((resolve, reject) =>
      fs.fstat(this.fd, (err, st) => {
        if (err) reject(err);
        else resolve(st.size);
      }),
    );
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => fs.close(this.fd, settle<void>(resolve, reject)));
  }
}

const FLAGS: Record<WalOpenMode, string> = { read: 'r', readwrite: 'r+', create: 'wx+' };

/** The real file system. */
export const nodeFileSystem: WalFileSystem = {
  open(path, mode) {
    return new Promise((resolve, reject) =>
      fs.open(path, FLAGS[mode], 0o644, (err, fd) => {
        if (err) reject(err);
        else resolve(new NodeFileHandle(fd));
      }),
    );
  },
  async readdir(dir) {
    return fs.promises.readdir(dir);
  },
  async mkdir(dir) {
    await fs.promises.mkdir(dir, { recursive: true });
  },
  async unlink(path) {
    await fs.promises.unlink(path);
  },
  async rename(from, to) {
    await fs.promises.rename(from, to);
  },
  async stat(path) {
    try {
      const st = await fs.promises.stat(path);
      return { size: st.size };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  },
  async syncDir(dir) {
    const handle = await fs.promises.open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
};

/**
 * Writes every byte of `buffers` at `position`, continuing after short writes. A write
 * that makes no progress is an error (the log fences on it).
 */
export async function writeFully(handle: WalFileHandle, buffers: readonly Buffer[], position: number, total: number): Promise<void> {
  let written = await handle.writev(buffers, position);
  if (written === total) return;
  let pieces = buffers;
  let done = 0;
  for (;;) {
    if (written <= 0) {
      const err = new Error(`short write: ${done} of ${total} bytes written at position ${position}`) as NodeJS.ErrnoException;
      err.code = 'EIO';
      throw err;
    }
    done += written;
    if (done >= total) return;
    pieces = dropPrefix(pieces, written);
    written = await handle.writev(pieces, position + done);
  }
}

function dropPrefix(buffers: readonly Buffer[], count: number): Buffer[] {
  let i = 0;
  let left = count;
  while (i < buffers.length && left >= buffers[i]!.length) {
    left -= buffers[i]!.length;
    i++;
  }
  const rest = buffers.slice(i);
  if (left > 0 && rest.length > 0) rest[0] = rest[0]!.subarray(left);
  return rest;
}
