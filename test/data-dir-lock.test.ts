/**
 * One broker per data directory: a second broker on a directory in use refuses to start, with
 * a message naming the holder; a lock left by a broker that died (its pid no longer runs) or
 * one holding our own pid from an earlier life of the process is taken over.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger, startBroker } from '../src/index.js';

/** The pid of a process that has exited (a short-lived child, waited for). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

describe('data directory lock', () => {
  let dataDir: string;
  const logs: string[] = [];
  const logger = createLogger('info', (line) => logs.push(line));

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sluice-lock-'));
    logs.length = 0;
  });

  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('refuses a second broker on a directory in use, and lets one start after the first closed', async () => {
    const first = await startBroker({ dataDir, logger });
    expect((await readFile(join(dataDir, '.lock'), 'utf8')).split('\n').slice(0, 2)).toEqual([String(process.pid), hostname()]);
    await expect(startBroker({ dataDir, logger })).rejects.toThrow(/in use by another broker in this process/);
    await first.close();
    expect(existsSync(join(dataDir, '.lock'))).toBe(false);
    const second = await startBroker({ dataDir, logger });
    await second.close();
  });

  it('refuses a directory whose lock holder is a running process on this host', async () => {
    // The parent of this test process is alive for as long as the test runs.
    await writeFile(join(dataDir, '.lock'), `${process.ppid}\n${hostname()}\n`);
    await expect(startBroker({ dataDir, logger })).rejects.toThrow(new RegExp(`in use by another broker \\(pid ${process.ppid}`));
    expect(await readFile(join(dataDir, '.lock'), 'utf8')).toBe(`${process.ppid}\n${hostname()}\n`);
  });

  it('refuses a lock written on another host (liveness unknown)', async () => {
    await writeFile(join(dataDir, '.lock'), `1234\nsome-other-host\n`);
    await expect(startBroker({ dataDir, logger })).rejects.toThrow(/locked by a broker on host some-other-host/);
  });

  it.each([
    ['a pid that no longer runs (kill -9, power loss)', async () => `${await deadPid()}\n${hostname()}\n`],
    ['our own pid from an earlier life of the process (a restarted container)', async () => `${process.pid}\n${hostname()}\n`],
    ['an unreadable lock', async () => 'garbage'],
  ])('takes over a stale lock: %s', async (_what, content) => {
    await writeFile(join(dataDir, '.lock'), await content());
    const broker = await startBroker({ dataDir, logger });
    expect(logs.some((l) => l.includes('taking over the stale lock'))).toBe(true);
    expect(await readFile(join(dataDir, '.lock'), 'utf8')).toBe(`${process.pid}\n${hostname()}\n`);
    await broker.close();
  });

  it('takes no lock for an in-memory broker (wal.enabled=false)', async () => {
    const a = await startBroker({ dataDir, logger, overrides: { 'wal.enabled': 'false' } });
    const b = await startBroker({ dataDir, logger, overrides: { 'wal.enabled': 'false' } });
    expect(existsSync(join(dataDir, '.lock'))).toBe(false);
    await a.close();
    await b.close();
  });
});
