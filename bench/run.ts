/**
 * The benchmark matrix in one run: WAL on (wal.sync.policy, default always) and WAL off
 * (in-memory), acks 0 / 1 / all, 100 B and 1 KiB records, each cell on a fresh broker, repeated
 * and reduced to the median. Repetitions are interleaved (rep 1 of every cell, then rep 2, ...)
 * so slow phases of the shared machine spread over all cells instead of hitting one.
 *
 *   npm run build && node dist/bench/run.js            # full: 5 reps x 4 s per cell (~7 min)
 *   npm run build && node dist/bench/run.js --quick    # 3 reps x 1 s per cell (~2 min)
 *   options: --reps N --seconds S --warmup S --sizes 100,1024 --acks 0,1,all --wal on,off --sync always
 *
 * Prints a table and the ratios of design.md section 6, and writes the raw results as JSON to
 * bench/results/ (ignored by git).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT } from './broker-process.js';
import { type Acks, DEFAULT_LOAD, type LoadConfig, type LoadResult, runWithFreshBroker } from './produce-load.js';

interface Cell {
  wal: 'on' | 'off';
  acks: Acks;
  recordBytes: number;
  runs: Array<LoadResult & { brokerPeakRssMiB: number }>;
}

const median = (xs: number[]): number => {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const acksName = (a: Acks): string => (a === -1 ? 'all' : String(a));
const fmtInt = (n: number): string => (Number.isNaN(n) ? '-' : Math.round(n).toLocaleString('en-US'));
const fmt = (n: number, digits = 1): string => (Number.isNaN(n) ? '-' : n.toFixed(digits));

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]): string => `| ${r.map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  return [line(rows[0]!), `|${widths.map((w, i) => (i < 3 ? ':' : '-') + '-'.repeat(w) + (i < 3 ? '-' : ':')).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}

function summarize(cells: Cell[]): string {
  const rows = [['WAL', 'acks', 'record', 'records/s (median)', 'min..max records/s', 'MiB/s', 'p50 ms', 'p99 ms', 'broker peak RSS MiB']];
  for (const c of cells) {
    const rates = c.runs.map((r) => r.recordsPerSec);
    rows.push([
      c.wal, acksName(c.acks), c.recordBytes === 1024 ? '1 KiB' : `${c.recordBytes} B`,
      fmtInt(median(rates)), `${fmtInt(Math.min(...rates))}..${fmtInt(Math.max(...rates))}`,
      fmt(median(c.runs.map((r) => r.mibPerSec))),
      fmt(median(c.runs.map((r) => r.p50Ms)), 2), fmt(median(c.runs.map((r) => r.p99Ms)), 2),
      fmt(Math.max(...c.runs.map((r) => r.brokerPeakRssMiB)), 0),
    ]);
  }
  return table(rows);
}

/** Ratio of medians, plus the ratios of each repetition's pair (run back to back) and their median. */
function ratio(cells: Cell[], label: string, target: string, num: Partial<Cell>, den: Partial<Cell>, bytes: number): string | null {
  const find = (q: Partial<Cell>): Cell | undefined =>
    cells.find((c) => c.recordBytes === bytes && c.wal === q.wal && c.acks === q.acks);
  const a = find(num);
  const b = find(den);
  if (!a || !b) return null;
  const r = median(a.runs.map((x) => x.recordsPerSec)) / median(b.runs.map((x) => x.recordsPerSec));
  const pairs = a.runs.map((x, i) => (b.runs[i] ? x.recordsPerSec / b.runs[i]!.recordsPerSec : NaN)).filter((x) => !Number.isNaN(x));
  const size = bytes === 1024 ? '1 KiB' : `${bytes} B`;
  return `${label} (${size}): ${r.toFixed(2)}${target}; median of paired reps ${median(pairs).toFixed(2)} ` +
    `[${pairs.map((p) => p.toFixed(2)).join(', ')}]`;
}

function ratios(cells: Cell[], sizes: number[]): string[] {
  const out: string[] = [];
  for (const bytes of sizes) {
    out.push(
      ratio(cells, 'WAL on acks=1 / WAL off acks=1', ' (target >= 0.90)', { wal: 'on', acks: 1 }, { wal: 'off', acks: 1 }, bytes) ?? '',
      ratio(cells, 'WAL on acks=all / WAL on acks=1', '', { wal: 'on', acks: -1 }, { wal: 'on', acks: 1 }, bytes) ?? '',
      ratio(cells, 'WAL on acks=0 / WAL on acks=1', '', { wal: 'on', acks: 0 }, { wal: 'on', acks: 1 }, bytes) ?? '',
      ratio(cells, 'WAL off acks=0 / WAL off acks=1', '', { wal: 'off', acks: 0 }, { wal: 'off', acks: 1 }, bytes) ?? '',
    );
  }
  return out.filter(Boolean);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      reps: { type: 'string' },
      seconds: { type: 'string' },
      warmup: { type: 'string' },
      sizes: { type: 'string', default: '100,1024' },
      acks: { type: 'string', default: '1,all,0' },
      wal: { type: 'string', default: 'on,off' },
      sync: { type: 'string', default: 'always' },
    },
    strict: true,
  });
  const reps = Number(values.reps ?? (values.quick ? 3 : 5));
  const seconds = Number(values.seconds ?? (values.quick ? 1 : 4));
  const warmup = Number(values.warmup ?? (values.quick ? 0.5 : 1));
  const sizes = values.sizes!.split(',').map(Number);
  const acksList = values.acks!.split(',').map((a) => (a === 'all' ? -1 : Number(a)) as Acks);
  const walList = values.wal!.split(',') as Array<'on' | 'off'>;
  const cells: Cell[] = [];
  for (const recordBytes of sizes) for (const acks of acksList) for (const wal of walList) cells.push({ wal, acks, recordBytes, runs: [] });

  const machine = `${os.cpus().length} CPU (${os.cpus()[0]?.model.trim() ?? '?'}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}, ${os.platform()} ${os.release()}`;
  const load = { ...DEFAULT_LOAD, durationMs: seconds * 1000, warmupMs: warmup * 1000 };
  const load1 = (): string => os.loadavg().map((l) => l.toFixed(1)).join(' ');
  console.log(`sluice bench ${new Date().toISOString()} on ${machine}; load average ${load1()}`);
  console.log(`load: ${load.connections} connections x window ${load.window}, ${load.partitions} partitions, ${load.partitionsPerRequest} partitions/request, ` +
    `${load.recordsPerBatch} records/batch; ${reps} rep(s) x ${seconds} s (+${warmup} s warm-up) per cell; WAL on = wal.sync.policy=${values.sync}`);
  const started = Date.now();
  for (let rep = 1; rep <= reps; rep++) {
    // Odd reps walk the cells forward, even reps backward, so a drift in machine load does not
    // always favour the cell that runs first of a compared pair.
    for (const cell of rep % 2 ? cells : [...cells].reverse()) {
      const cfg: LoadConfig = { ...load, acks: cell.acks, recordBytes: cell.recordBytes };
      const overrides = { 'wal.enabled': String(cell.wal === 'on'), 'wal.sync.policy': values.sync!, 'log.level': 'warn' };
      const { result, brokerPeakRssMiB } = await runWithFreshBroker({ overrides }, cfg);
      cell.runs.push({ ...result, brokerPeakRssMiB });
      console.log(`  rep ${rep} WAL ${cell.wal.padEnd(3)} acks=${acksName(cell.acks).padEnd(3)} ${String(cell.recordBytes).padStart(4)} B: ` +
        `${fmtInt(result.recordsPerSec).padStart(10)} records/s ${fmt(result.mibPerSec).padStart(6)} MiB/s` +
        (cell.acks === 0 ? '' : `  p50 ${fmt(result.p50Ms, 2)} ms p99 ${fmt(result.p99Ms, 2)} ms`));
    }
  }
  const summary = summarize(cells);
  const ratioLines = ratios(cells, sizes);
  console.log(`\n${summary}\n\nthroughput ratios (ratio of the medians; median of the per-rep paired ratios [each rep]):\n  ${ratioLines.join('\n  ')}`);
  console.log(`\nall end offsets matched the records acknowledged (acks=0: sent); ${((Date.now() - started) / 1000).toFixed(0)} s total; ` +
    `load average at the end ${load1()}`);

  const dir = path.join(ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `run-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), machine, load, reps, sync: values.sync, cells, summary, ratios: ratioLines }, null, 2));
  console.log(`raw results: ${path.relative(ROOT, file)}`);
}

main().catch((err: Error) => {
  console.error(`bench FAILED: ${err.stack ?? err.message}`);
  process.exit(1);
});
