/**
 * A broker process for the benchmarks: `node [nodeArgs] dist/src/cli.js` on an ephemeral port
 * with a fresh temporary data dir, removed on stop.
 *
 * Unlike compat/harness.ts this passes extra Node flags (e.g. `--cpu-prof`), stops with SIGTERM
 * and waits for a clean exit (so a CPU profile gets written), and keeps only a bounded tail of
 * the broker's output for error messages.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = path.join(ROOT, 'dist/src/cli.js');

const LISTENING = /^listening on (\S+):(\d+)\s*$/;
const TAIL_CHARS = 16_000;

export interface BenchBrokerOptions {
  /** Kafka config overrides, passed as repeated `--override key=value`. */
  overrides?: Record<string, string>;
  /** Flags for node itself, before the script (e.g. `--cpu-prof`). */
  nodeArgs?: string[];
  /** Bound on start-up (default 30 s). */
  startTimeoutMs?: number;
}

export interface BenchBroker {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly pid: number;
  /** The last few KiB of the broker's stderr and stdout. */
  output(): string;
  /** Peak resident memory (VmHWM from /proc), MiB; NaN where /proc is not available. */
  peakRssMiB(): number;
  /** SIGTERM, wait for exit (SIGKILL after `graceMs`), remove the data dir. Returns the exit code. */
  stop(graceMs?: number): Promise<number | null>;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export async function startBenchBroker(options: BenchBrokerOptions = {}): Promise<BenchBroker> {
  if (!existsSync(CLI)) throw new Error(`broker CLI ${CLI} not found: run npm run build first`);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-'));
  const args = [...(options.nodeArgs ?? []), CLI, '--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir];
  for (const [key, value] of Object.entries(options.overrides ?? {})) args.push('--override', `${key}=${value}`);
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let tail = '';
  const keep = (s: string): void => {
    tail += s;
    if (tail.length > TAIL_CHARS * 2) tail = tail.slice(-TAIL_CHARS);
  };
  child.stderr!.setEncoding('utf8').on('data', keep);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      live.delete(child);
      resolve(code);
    });
  });

  let bound: { host: string; port: number };
  try {
    bound = await new Promise((resolve, reject) => {
      const timeoutMs = options.startTimeoutMs ?? 30_000;
      const timer = setTimeout(() => reject(new Error(`no "listening on" line within ${timeoutMs} ms`)), timeoutMs);
      const lines = createInterface({ input: child.stdout! });
      let started = false;
      lines.on('line', (line) => {
        const m = started ? null : LISTENING.exec(line);
        if (!m) {
          keep(`[stdout] ${line}\n`);
          return;
        }
        started = true;
        clearTimeout(timer);
        resolve({ host: m[1]!, port: Number(m[2]) });
      });
      child.once('error', (err) => { clearTimeout(timer); reject(err); });
      void exited.then((code) => { clearTimeout(timer); reject(new Error(`broker exited early with code ${code}`)); });
    });
  } catch (err) {
    child.kill('SIGKILL');
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
    throw new Error(`broker did not start: ${(err as Error).message}\n--- broker output ---\n${tail.slice(-TAIL_CHARS)}`);
  }

  let stopping: Promise<number | null> | null = null;
  return {
    host: bound.host,
    port: bound.port,
    dataDir,
    pid: child.pid!,
    output: () => tail.slice(-TAIL_CHARS),
    peakRssMiB: () => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        return m ? Number(m[1]) / 1024 : NaN;
      } catch {
        return NaN;
      }
    },
    stop(graceMs = 20_000) {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        const force = setTimeout(() => child.kill('SIGKILL'), graceMs);
        const code = await exited;
        clearTimeout(force);
        rmSync(dataDir, { recursive: true, force: true });
        return code;
      })();
      return stopping;
    },
  };
}
