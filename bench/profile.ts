/**
 * CPU profile of the broker under acks=1 produce load.
 *
 * Runs the broker as `node --cpu-prof --cpu-prof-dir=bench/results/profiles/<stamp>`, drives it
 * with the load generator, stops it with SIGTERM (it finishes in-flight work and exits, which
 * writes the .cpuprofile), then prints the functions with the most self time (aggregated per
 * function name + file:line) and self time per source file. To tell per-batch from per-record
 * work, each line also shows self time per produced batch and per record: a function doing
 * per-record work costs about the same per record for 10- and 100-record batches (compare
 * `--records-per-batch 10` with the default 100), per-batch work about the same per batch.
 *
 *   npm run build && node dist/bench/profile.js [--seconds 8] [--record-bytes 1024] [--records-per-batch 100] [--top 25]
 *   node dist/bench/profile.js --analyze bench/results/profiles/<stamp>/<file>.cpuprofile
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BUILD, ROOT, startBenchBroker } from './broker-process.js';
import { DEFAULT_LOAD, formatResult, runProduceLoad } from './produce-load.js';

interface CallFrame { functionName: string; url: string; lineNumber: number }
interface ProfileNode { id: number; callFrame: CallFrame }
export interface CpuProfile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }

export interface SelfTime { name: string; where: string; selfMs: number }

const SPECIAL = new Set(['(idle)', '(program)', '(garbage collector)', '(root)']);

function shortUrl(url: string): string {
  if (!url) return '';
  const local = url.startsWith('file://') ? url.slice('file://'.length) : url;
  // Files of the build are named dist/... whatever its outDir (a private build too, or the
  // baseline build of a before/after comparison under .cache/dist-*).
  if (local.startsWith(BUILD + path.sep)) return path.join('dist', path.relative(BUILD, local));
  const rel = local.startsWith(ROOT) ? path.relative(ROOT, local) : local;
  return rel.replace(/^\.cache\/dist-[^/]+\//, 'dist/');
}

/** Self time per function (name + url:line), and the profile's wall time, in ms. */
export function selfTimes(profile: CpuProfile): { functions: SelfTime[]; wallMs: number } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const totals = new Map<string, SelfTime>();
  for (let i = 0; i < profile.samples.length; i++) {
    // Each sample's duration is the delta to the next sample (the last one gets the mean).
    const next = profile.timeDeltas[i + 1];
    const us = next ?? (profile.endTime - profile.startTime) / Math.max(1, profile.samples.length);
    const node = byId.get(profile.samples[i]!);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const name = functionName || '(anonymous)';
    const where = url ? `${shortUrl(url)}:${lineNumber + 1}` : '';
    const key = `${name}\0${where}`;
    let entry = totals.get(key);
    if (!entry) totals.set(key, (entry = { name, where, selfMs: 0 }));
    entry.selfMs += us / 1000;
  }
  const functions = [...totals.values()].sort((a, b) => b.selfMs - a.selfMs);
  return { functions, wallMs: (profile.endTime - profile.startTime) / 1000 };
}

function category(where: string): string {
  const file = where.replace(/:\d+$/, '');
  if (file.startsWith('dist/src/') || file.startsWith('dist/protocol/')) return file;
  if (file.startsWith('node:')) return 'node: (Node.js internals)';
  if (file.includes('node_modules')) return `node_modules: ${file.split('node_modules/')[1]?.split('/').slice(0, 2).join('/')}`;
  return file || '(native / V8)';
}

export function report(profile: CpuProfile, top: number, batches: number, records: number): string {
  const { functions, wallMs } = selfTimes(profile);
  const busy = functions.filter((f) => !SPECIAL.has(f.name) || f.name === '(garbage collector)' || f.name === '(program)');
  const busyMs = busy.reduce((s, f) => s + f.selfMs, 0);
  const idleMs = functions.find((f) => f.name === '(idle)')?.selfMs ?? 0;
  const perBatch = (ms: number): string => (batches > 0 ? `${((ms * 1000) / batches).toFixed(2)} us/batch` : '');
  const perRecord = (ms: number): string => (records > 0 ? `${((ms * 1e6) / records).toFixed(1)} ns/record` : '');
  const lines = [
    `profile: ${(wallMs / 1000).toFixed(1)} s wall, ${(busyMs / 1000).toFixed(2)} s busy on the main thread, ${(idleMs / 1000).toFixed(2)} s idle` +
      (batches > 0 ? `; ${batches.toLocaleString('en-US')} batches, ${records.toLocaleString('en-US')} records produced` : ''),
    '',
    `top ${top} functions by self time (% of busy time):`,
    ...busy.slice(0, top).map((f) =>
      `  ${((100 * f.selfMs) / busyMs).toFixed(1).padStart(5)}%  ${f.selfMs.toFixed(0).padStart(6)} ms  ${perBatch(f.selfMs).padStart(16)}  ${perRecord(f.selfMs).padStart(15)}  ${f.name}  ${f.where}`),
    '',
    'self time by file:',
  ];
  const byFile = new Map<string, number>();
  for (const f of busy) byFile.set(category(f.where), (byFile.get(category(f.where)) ?? 0) + f.selfMs);
  for (const [file, ms] of [...byFile].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    lines.push(`  ${((100 * ms) / busyMs).toFixed(1).padStart(5)}%  ${ms.toFixed(0).padStart(6)} ms  ${file}`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      analyze: { type: 'string' },
      seconds: { type: 'string', default: '8' },
      'record-bytes': { type: 'string', default: '1024' },
      'records-per-batch': { type: 'string', default: String(DEFAULT_LOAD.recordsPerBatch) },
      wal: { type: 'string', default: 'on' },
      sync: { type: 'string', default: 'always' },
      top: { type: 'string', default: '25' },
    },
    strict: true,
  });
  const top = Number(values.top);
  if (values.analyze) {
    console.log(report(JSON.parse(readFileSync(values.analyze, 'utf8')) as CpuProfile, top, 0, 0));
    return;
  }
  const dir = path.join(ROOT, 'bench/results/profiles', new Date().toISOString().replace(/[:.]/g, '-'));
  mkdirSync(dir, { recursive: true });
  const broker = await startBenchBroker({
    nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
    overrides: { 'wal.enabled': String(values.wal !== 'off'), 'wal.sync.policy': values.sync!, 'log.level': 'warn' },
  });
  let result;
  try {
    result = await runProduceLoad(broker.host, broker.port, {
      ...DEFAULT_LOAD,
      acks: 1,
      recordBytes: Number(values['record-bytes']),
      recordsPerBatch: Number(values['records-per-batch']),
      warmupMs: 0,
      durationMs: Number(values.seconds) * 1000,
    });
  } finally {
    const code = await broker.stop();
    if (code !== 0) console.error(`broker exited with code ${code}: the profile may be missing\n${broker.output().slice(-2000)}`);
  }
  console.log(`load (acks=1, WAL ${values.wal}, sync ${values.sync}): ${formatResult(result)}`);
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  if (files.length !== 1) throw new Error(`expected one .cpuprofile in ${dir}, found ${files.length}`);
  const file = path.join(dir, files[0]!);
  const records = result.totalRecords;
  console.log(`cpu profile: ${path.relative(ROOT, file)}\n`);
  console.log(report(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, top, records / Number(values['records-per-batch']), records));
}

// Run only as a script: bench/perf-test.ts imports report() from here.
if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: Error) => {
    console.error(`profile FAILED: ${err.stack ?? err.message}`);
    process.exit(1);
  });
}
