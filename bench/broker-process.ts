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

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** The build this file was compiled into (dist/, or a private outDir such as .cache/dist-perf/). */
export const BUILD = path.resolve(HERE, '..');
/** The checkout: the nearest directory above the build that holds package.json. */
export const ROOT = findRoot(BUILD);
/** The broker CLI of the same build, so a private build runs its own broker. */
export const CLI = path.join(BUILD, 'src/cli.js');

function findRoot(from: string): string {
  for (let dir = path.dirname(from); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(from, '..');
  }
}

const LISTENING = /^listening on (\S+):(\d+)\s*$/;
const TAIL_CHARS = 16_000;

export interface BenchBrokerOptions {
  /** Kafka config overrides, passed as repeated `--override key=value`. */
  overrides?: Record<string, string>;
  /** Flags for node itself, before the script (e.g. `--cpu-prof`). */
  nodeArgs?: string[];
  /** Bound on start-up (default 30 s). */
  startTimeoutMs?: number;
  /** Use this data dir instead of a fresh temporary one (e.g. to restart on the same data). */
  dataDir?: string;
  /** Leave the data dir in place on stop (default: removed). */
  keepDataDir?: boolean;
  /** Broker CLI of another build (a before/after comparison); default CLI, this build's. */
  cli?: string;
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
  /** SIGTERM, wait for exit (SIGKILL after `graceMs`), remove the data dir (unless kept). Returns the exit code. */
  stop(graceMs?: number): Promise<number | null>;
}

/** Peak resident memory (VmHWM from /proc) of a process, MiB; NaN where /proc is not available. */
export function peakRssMiB(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** Broker processes still running; killed if the bench process exits first (also kafka-broker.ts's). */
export const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export async function startBenchBroker(options: BenchBrokerOptions = {}): Promise<BenchBroker> {
  const cli = options.cli ?? CLI;
  if (!existsSync(cli)) throw new Error(`broker CLI ${cli} not found: run npm run build first`);
  const dataDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-'));
  const removeDataDir = (): void => {
    if (!options.keepDataDir) rmSync(dataDir, { recursive: true, force: true });
  };
  const args = [...(options.nodeArgs ?? []), cli, '--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir];
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
    removeDataDir();
    throw new Error(`broker did not start: ${(err as Error).message}\n--- broker output ---\n${tail.slice(-TAIL_CHARS)}`);
  }

  let stopping: Promise<number | null> | null = null;
  return {
    host: bound.host,
    port: bound.port,
    dataDir,
    pid: child.pid!,
    output: () => tail.slice(-TAIL_CHARS),
    peakRssMiB: () => peakRssMiB(child.pid!),
    stop(graceMs = 20_000) {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        const force = setTimeout(() => child.kill('SIGKILL'), graceMs);
        const code = await exited;
        clearTimeout(force);
        removeDataDir();
        return code;
      })();
      return stopping;
    },
  };
}
