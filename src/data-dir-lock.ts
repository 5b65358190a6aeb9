/**
 * `<data-dir>/.lock`: at most one broker per data directory. Two brokers appending to the same
 * WAL would interleave their writes and corrupt it, so the second one refuses to start.
 *
 * The lock is a file created exclusively (O_EXCL) holding the owner's pid and host name. A lock
 * left behind by a broker that died without closing (kill -9, power loss) is stale: its pid no
 * longer runs on this host, or it is our own pid while no broker of this process holds it (a
 * container restarted with the same pid), and it is taken over. Brokers embedded in one process
 * are told apart by an in-process set of held locks. A lock whose pid is alive, or one written on another host (a shared file
 * system, where liveness cannot be checked), stops the start-up with a message saying which
 * process holds it. Two brokers racing for the same stale lock can both pass in a narrow window;
 * the lock guards against the common mistake (a second broker, a forgotten one), not a race.
 */

import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import type { Logger } from './logger.js';

/** The data directory is held by another broker; the message says which. */
export class DataDirLockedError extends Error {
  override name = 'DataDirLockedError';
}

export interface DataDirLock {
  readonly path: string;
  /** Removes the lock file if it is still ours. */
  release(): Promise<void>;
}

interface Holder {
  pid: number;
  host: string;
}

function parseHolder(text: string): Holder | null {
  const [pid, host] = text.split('\n');
  const n = Number(pid);
  return Number.isInteger(n) && n > 0 && host !== undefined ? { pid: n, host } : null;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readHolder(path: string): Promise<Holder | null | undefined> {
  try {
    return parseHolder(await readFile(path, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Lock files held by brokers of this process (an embedding test suite may start several). */
const heldHere = new Set<string>();

export async function lockDataDir(dataDir: string, logger: Logger): Promise<DataDirLock> {
  const path = resolve(dataDir, '.lock');
  const me: Holder = { pid: process.pid, host: hostname() };
  if (heldHere.has(path)) {
    throw new DataDirLockedError(`data directory ${dataDir} is in use by another broker in this process (lock file ${path}); close it first`);
  }
  await mkdir(dataDir, { recursive: true });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const file = await open(path, 'wx');
      try {
        await file.writeFile(`${me.pid}\n${me.host}\n`);
        await file.sync();
      } finally {
        await file.close();
      }
      heldHere.add(path);
      let released = false;
      return {
        path,
        async release() {
          if (released) return;
          released = true;
          heldHere.delete(path);
          const holder = await readHolder(path);
          if (holder && holder.pid === me.pid && holder.host === me.host) await unlink(path).catch(() => undefined);
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = await readHolder(path);
    if (holder === undefined) continue; // released meanwhile: try again
    if (holder !== null && holder.host !== me.host) {
      throw new DataDirLockedError(`data directory ${dataDir} is locked by a broker on host ${holder.host} (pid ${holder.pid}, ${path}); ` +
        'if no broker uses it any more, remove the lock file');
    }
    if (holder !== null && holder.pid !== me.pid && isRunning(holder.pid)) {
      throw new DataDirLockedError(`data directory ${dataDir} is in use by another broker (pid ${holder.pid}, lock file ${path}); ` +
        'stop that broker first, or use another --data-dir');
    }
    logger.info(`taking over the stale lock ${path}` + (holder === null ? ' (unreadable)' : ` of pid ${holder.pid}, which is not running`));
    await unlink(path).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
    });
  }
  throw new Error(`could not lock data directory ${dataDir} (${path} keeps reappearing)`);
}
