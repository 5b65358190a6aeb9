/**
 * `kafka-producer-perf-test` (Apache Kafka's ProducerPerformance, from the kafka-tools jars that
 * compat/java/fetch-jars.sh caches) against Sluice and against Apache Kafka on the same machine in
 * the same run: the comparison of design.md section 6, as ratios sluice / kafka per cell.
 *
 * Per cell (target x acks x record size) and repetition: a fresh broker with a fresh data dir,
 * a topic created with CreateTopics (same partition count on both targets), then
 *   ProducerPerformance --topic T --num-records N --record-size S --throughput -1
 *     --producer-props bootstrap.servers=HOST:PORT acks=X
 * with every other producer setting at its default (batch.size 16384, linger.ms 5 on 4.x,
 * max.in.flight.requests.per.connection 5, no compression, enable.idempotence unset: the Java
 * producer turns idempotence on only for acks=all, and off silently when acks is 0 or 1 and
 * idempotence was not set explicitly, so no acks value needs enable.idempotence=false).
 * The final summary line is parsed; the run fails unless it reports all N records sent and the
 * topic's end offsets (ListOffsets) sum to N. Targets alternate within a cell and cells walk
 * forward on odd reps and backward on even ones, so load drift on the shared machine does not
 * favour one side. Medians, the ratio of medians and the per-rep paired ratios are printed, and
 * the raw tool outputs and a JSON summary go to bench/results/perf-test-<stamp>/ (ignored by git).
 *
 *   bench/fetch-kafka.sh && compat/java/fetch-jars.sh 4.1.2
 *   npm run build && node dist/bench/perf-test.js                       # 3 reps, 12 cells
 *   node dist/bench/perf-test.js --reps 1 --acks all --sizes 100 --targets sluice
 *   node dist/bench/perf-test.js --profile --acks all,1 --sizes 100     # CPU profile of Sluice
 *   options: --records-100 N --records-1024 N --partitions P --tools 4.1.2|3.9.2 --kafka 4.1.2
 *            --sync always|interval:N|never --producer-props k=v,k=v (added to every run)
 *
 * --client load replaces the tool with the broker-only load generator (bench/produce-load.ts: 4
 * connections x 5 in flight, 100-record batches, 2 partitions per request, 6 partitions, for
 * --seconds after --warmup), against the same targets: the broker-vs-broker ratio without the Java
 * client's cost. Its latencies are per request (p50/p99/max ms), not per record.
 *
 * --profile runs only Sluice, under `node --cpu-prof` (bench/broker-process.ts), and prints the
 * self time per function with bench/profile.ts's aggregation.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parsePerfSummary, type PerfSummary } from '../compat/java/java.js';
import { createTopic, endOffsets, negotiate } from './admin.js';
import { ROOT, startBenchBroker } from './broker-process.js';
import { KAFKA_BROKER_VERSION, startKafkaBroker } from './kafka-broker.js';
import { report, type CpuProfile } from './profile.js';
import { DEFAULT_LOAD, formatResult, runProduceLoad } from './produce-load.js';
import { BenchConnection } from './wire.js';

/** sluice: this build's broker; sluice-base: the build given by --baseline (before/after); kafka: Apache Kafka. */
type Target = 'sluice' | 'sluice-base' | 'kafka';
type Acks = '0' | '1' | 'all';

interface Run {
  rep: number;
  summary: PerfSummary;
  brokerPeakRssMiB: number;
  loadavg: string;
  seconds: number;
}

interface Cell {
  target: Target;
  acks: Acks;
  recordBytes: number;
  records: number;
  runs: Run[];
}

const PERF_MAIN = 'org.apache.kafka.tools.ProducerPerformance';

function toolsClasspath(version: string): string {
  const dir = path.join(ROOT, 'compat/java/.cache', version);
  const file = path.join(dir, 'jars.txt');
  if (!existsSync(file)) throw new Error(`no kafka-tools ${version} jars: run compat/java/fetch-jars.sh ${version}`);
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((jar) => path.join(dir, 'lib', jar)).join(path.delimiter);
}

const loadavg = (): string => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

const median = (xs: number[]): number => {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const fmtInt = (n: number): string => (Number.isNaN(n) ? '-' : Math.round(n).toLocaleString('en-US'));
const ms = (n: number): string => (Number.isNaN(n) ? '-' : Number.isInteger(n) ? String(n) : n.toFixed(n < 100 ? 2 : 1));
const sizeName = (b: number): string => (b === 1024 ? '1 KiB' : `${b} B`);

/** Runs ProducerPerformance to completion; resolves with its whole stdout and stderr. */
function runPerf(cp: string, args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string; timedOut: boolean }> {
  return new Promise((resolve, reject) => {
    // The same JVM flags as compat/java/java.ts for the perf test (C2 on: not a short-lived tool).
    const child = spawn('java', ['-Xmx512m', '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn', '-Dorg.slf4j.simpleLogger.logFile=System.err',
      '-cp', cp, PERF_MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr = (stderr + d).slice(-(1 << 20)); });
    child.once('error', (err) => { clearTimeout(timer); reject(err); });
    child.once('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr, timedOut }); });
  });
}

/** CreateTopics through the bench's own client, retried while a just-started broker is not ready. */
async function createTopicWhenReady(host: string, port: number, topic: string, partitions: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let conn: BenchConnection | undefined;
    try {
      conn = await BenchConnection.connect(host, port);
      const versions = await negotiate(conn);
      await createTopic(conn, versions, topic, partitions);
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`could not create ${topic}: ${(err as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    } finally {
      conn?.close();
    }
  }
}

/** Polls ListOffsets until every partition answers without error (the broker leads them all). */
async function waitForLeadership(host: string, port: number, topic: string, partitions: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await totalEndOffset(host, port, topic, partitions);
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`${topic} not ready: ${(err as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

async function totalEndOffset(host: string, port: number, topic: string, partitions: number): Promise<number> {
  const conn = await BenchConnection.connect(host, port);
  try {
    const versions = await negotiate(conn);
    return (await endOffsets(conn, versions, topic, partitions)).reduce((a, b) => a + b, 0);
  } finally {
    conn.close();
  }
}

interface Options {
  toolsCp: string;
  kafkaVersion: string;
  partitions: number;
  sync: string;
  extraProps: string[];
  resultsDir: string;
  profileDir?: string;
  /** Broker CLI of the sluice-base target. */
  baselineCli?: string;
  /** perf: kafka-producer-perf-test; load: bench/produce-load.ts (broker-only load generator). */
  client: 'perf' | 'load';
  seconds: number;
  warmup: number;
}

/** One cell on a fresh broker. Returns the run, and the .cpuprofile path when profiling. */
async function runCell(cell: Cell, rep: number, o: Options): Promise<{ run: Run; profile?: string }> {
  const topic = `perf-${cell.acks}-${cell.recordBytes}-${rep}-${Date.now()}`;
  const profileDir = o.profileDir ? path.join(o.profileDir, `${cell.target}-acks${cell.acks}-${cell.recordBytes}-rep${rep}`) : undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const broker = cell.target === 'kafka'
    ? await startKafkaBroker({ version: o.kafkaVersion })
    : await startBenchBroker({
      overrides: { 'wal.sync.policy': o.sync, 'log.level': 'warn' },
      ...(cell.target === 'sluice-base' ? { cli: o.baselineCli! } : {}),
      ...(profileDir ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] } : {}),
    });
  const bootstrap = `${broker.host}:${broker.port}`;
  const before = loadavg();
  let out;
  let peak = NaN;
  const started = performance.now();
  try {
    if (o.client === 'load') {
      // Broker-only load (bench/produce-load.ts), on a topic created here and led by the broker
      // (Kafka answers NOT_LEADER_OR_FOLLOWER for a moment after CreateTopics); the load checks
      // the end offsets itself.
      await createTopicWhenReady(broker.host, broker.port, topic, DEFAULT_LOAD.partitions);
      await waitForLeadership(broker.host, broker.port, topic, DEFAULT_LOAD.partitions);
      const acks = cell.acks === 'all' ? -1 : Number(cell.acks) as 0 | 1;
      const r = await runProduceLoad(broker.host, broker.port, {
        ...DEFAULT_LOAD, acks, recordBytes: cell.recordBytes, durationMs: o.seconds * 1000, warmupMs: o.warmup * 1000, topic, topicExists: true,
      });
      const line = formatResult(r);
      writeFileSync(path.join(o.resultsDir, `${cell.target}-acks${cell.acks}-${cell.recordBytes}-rep${rep}.txt`), `# load average before: ${before}, after: ${loadavg()}
${line}
`);
      const summary: PerfSummary = {
        line, records: r.records, recordsPerSec: r.recordsPerSec, mbPerSec: (r.recordsPerSec * r.recordBytes) / 1e6, avgLatencyMs: NaN,
        maxLatencyMs: r.maxMs, p50: r.p50Ms, p95: NaN, p99: r.p99Ms, p999: NaN,
      };
      peak = broker.peakRssMiB();
      const run: Run = { rep, summary, brokerPeakRssMiB: peak, loadavg: `${before} -> ${loadavg()}`, seconds: (performance.now() - started) / 1000 };
      await broker.stop();
      return { run };
    }
    await createTopicWhenReady(broker.host, broker.port, topic, o.partitions);
    const args = ['--topic', topic, '--num-records', String(cell.records), '--record-size', String(cell.recordBytes), '--throughput', '-1',
      '--producer-props', `bootstrap.servers=${bootstrap}`, `acks=${cell.acks}`, ...o.extraProps];
    out = await runPerf(o.toolsCp, args, 600_000);
    const name = `${cell.target}-acks${cell.acks}-${cell.recordBytes}-rep${rep}`;
    writeFileSync(path.join(o.resultsDir, `${name}.txt`), `$ java ... ${PERF_MAIN} ${args.join(' ')}\n# load average before: ${before}, after: ${loadavg()}\n${out.stdout}\n--- stderr ---\n${out.stderr}`);
    const summary = parsePerfSummary(out.stdout);
    if (out.code !== 0 || !summary) {
      throw new Error(`ProducerPerformance failed against ${cell.target} (code ${out.code}, timed out ${out.timedOut}):\n${out.stdout.slice(-3000)}\n${out.stderr.slice(-3000)}`);
    }
    if (summary.records !== cell.records) throw new Error(`${cell.target}: ${summary.records} of ${cell.records} records sent:\n${summary.line}`);
    // Correctness: the topic holds exactly the records sent (acks=0: once they all landed).
    const deadline = Date.now() + 30_000;
    let total = await totalEndOffset(broker.host, broker.port, topic, o.partitions);
    while (total !== cell.records && cell.acks === '0' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      total = await totalEndOffset(broker.host, broker.port, topic, o.partitions);
    }
    if (total !== cell.records) throw new Error(`CORRECTNESS FAILURE: ${cell.target} ${topic} end offsets sum to ${total}, ${cell.records} records sent`);
    peak = broker.peakRssMiB();
    const run: Run = { rep, summary, brokerPeakRssMiB: peak, loadavg: `${before} -> ${loadavg()}`, seconds: (performance.now() - started) / 1000 };
    const code = await broker.stop();
    let profile: string | undefined;
    if (profileDir) {
      if (code !== 0) console.error(`broker exited with code ${code}: the profile may be missing\n${broker.output().slice(-2000)}`);
      const files = readdirSync(profileDir).filter((f) => f.endsWith('.cpuprofile'));
      if (files.length !== 1) throw new Error(`expected one .cpuprofile in ${profileDir}, found ${files.length}`);
      profile = path.join(profileDir, files[0]!);
    }
    return profile ? { run, profile } : { run };
  } catch (err) {
    (err as Error).message += `\n--- ${cell.target} broker output (tail) ---\n${broker.output().slice(-4000)}`;
    throw err;
  } finally {
    await broker.stop();
  }
}

function table(rows: string[][], left: number): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]): string => `| ${r.map((c, i) => (i < left ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i < left ? ':' + '-'.repeat(w + 1) : '-'.repeat(w + 1) + ':')).join('|')}|`;
  return [line(rows[0]!), rule, ...rows.slice(1).map(line)].join('\n');
}

function summarize(cells: Cell[]): string {
  const rows = [['target', 'acks', 'record', 'records/s (median)', 'min..max records/s', 'MB/s', 'avg ms', 'p50 ms', 'p99 ms', 'max ms', 'broker peak RSS MiB']];
  for (const c of cells) {
    const rates = c.runs.map((r) => r.summary.recordsPerSec);
    const med = (f: (s: PerfSummary) => number): number => median(c.runs.map((r) => f(r.summary)));
    rows.push([
      c.target, c.acks, sizeName(c.recordBytes), fmtInt(median(rates)), `${fmtInt(Math.min(...rates))}..${fmtInt(Math.max(...rates))}`,
      med((s) => s.mbPerSec).toFixed(2), ms(med((s) => s.avgLatencyMs)), ms(med((s) => s.p50)), ms(med((s) => s.p99)),
      ms(med((s) => s.maxLatencyMs)), Math.max(...c.runs.map((r) => r.brokerPeakRssMiB)).toFixed(0),
    ]);
  }
  return table(rows, 3);
}

/** Met when both the ratio of the medians and the median paired ratio reach the target. */
function met(ofMedians: number, paired: number, target: number): string {
  if (ofMedians >= target && paired >= target) return 'yes';
  if (ofMedians < target && paired < target) return 'no';
  return 'unclear';
}

function ratios(cells: Cell[], num: Target, den: Target, targeted: boolean): string {
  const rows = [['acks', 'record', `${num} / ${den} (ratio of medians)`, 'paired reps: median [each]', 'target', 'met']];
  for (const s of cells.filter((c) => c.target === num)) {
    const k = cells.find((c) => c.target === den && c.acks === s.acks && c.recordBytes === s.recordBytes);
    if (!k || k.runs.length === 0 || s.runs.length === 0) continue;
    const r = median(s.runs.map((x) => x.summary.recordsPerSec)) / median(k.runs.map((x) => x.summary.recordsPerSec));
    const pairs = s.runs.map((x) => {
      const y = k.runs.find((z) => z.rep === x.rep);
      return y ? x.summary.recordsPerSec / y.summary.recordsPerSec : NaN;
    }).filter((x) => !Number.isNaN(x));
    const target = !targeted ? NaN : s.acks === '1' ? 1 : s.acks === 'all' ? 0.8 : NaN;
    rows.push([s.acks, sizeName(s.recordBytes), r.toFixed(2), `${median(pairs).toFixed(2)} [${pairs.map((p) => p.toFixed(2)).join(', ')}]`,
      Number.isNaN(target) ? '-' : `>= ${target.toFixed(2)}`, Number.isNaN(target) ? '-' : met(r, median(pairs), target)]);
  }
  return table(rows, 2);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      targets: { type: 'string', default: 'sluice,kafka' },
      acks: { type: 'string', default: '1,all,0' },
      sizes: { type: 'string', default: '100,1024' },
      reps: { type: 'string', default: '3' },
      'records-100': { type: 'string', default: '1000000' },
      'records-1024': { type: 'string', default: '300000' },
      partitions: { type: 'string', default: '6' },
      tools: { type: 'string', default: '4.1.2' },
      kafka: { type: 'string', default: KAFKA_BROKER_VERSION },
      sync: { type: 'string', default: 'always' },
      'producer-props': { type: 'string', default: '' },
      profile: { type: 'boolean', default: false },
      baseline: { type: 'string' },
      client: { type: 'string', default: 'perf' },
      seconds: { type: 'string', default: '4' },
      warmup: { type: 'string', default: '1' },
      top: { type: 'string', default: '30' },
    },
    strict: true,
  });
  const targets = (values.profile ? (values.baseline ? 'sluice-base,sluice' : 'sluice') : values.targets!).split(',') as Target[];
  const acksList = values.acks!.split(',').map((a) => (a === '-1' ? 'all' : a)) as Acks[];
  const sizes = values.sizes!.split(',').map(Number);
  const reps = Number(values.reps);
  const records = (bytes: number): number => Number(bytes <= 100 ? values['records-100'] : values['records-1024']);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const resultsDir = path.join(ROOT, 'bench/results', `perf-test-${stamp}`);
  mkdirSync(resultsDir, { recursive: true });
  const o: Options = {
    toolsCp: toolsClasspath(values.tools!),
    kafkaVersion: values.kafka!,
    partitions: Number(values.partitions),
    sync: values.sync!,
    extraProps: values['producer-props'] ? values['producer-props'].split(',') : [],
    resultsDir,
    client: values.client === 'load' ? 'load' : 'perf',
    seconds: Number(values.seconds),
    warmup: Number(values.warmup),
    ...(values.profile ? { profileDir: path.join(resultsDir, 'profiles') } : {}),
    ...(values.baseline ? { baselineCli: path.resolve(values.baseline, 'src/cli.js') } : {}),
  };
  if (targets.includes('sluice-base') && !o.baselineCli) throw new Error('target sluice-base needs --baseline <build dir> (e.g. .cache/dist-base)');

  const cells: Cell[] = [];
  for (const recordBytes of sizes) for (const acks of acksList) for (const target of targets) {
    cells.push({ target, acks, recordBytes, records: records(recordBytes), runs: [] });
  }
  const command = `node dist/bench/perf-test.js ${process.argv.slice(2).join(' ')}`.trim();
  const machine = `${os.cpus().length} CPU (${os.cpus()[0]?.model.trim() ?? '?'}), Node ${process.version}, ${os.platform()} ${os.release()}`;
  console.log(`perf-test ${new Date().toISOString()} on ${machine}; load average ${loadavg()}`);
  console.log(`$ ${command}`);
  console.log(`${o.client === 'load' ? `client: bench/produce-load.ts (${DEFAULT_LOAD.connections} connections x ${DEFAULT_LOAD.window} in flight, ` +
    `${DEFAULT_LOAD.recordsPerBatch} records/batch, ${DEFAULT_LOAD.partitionsPerRequest} partitions/request, ${o.seconds} s + ${o.warmup} s warm-up); ` : ''}` +
    `ProducerPerformance from kafka-tools ${values.tools}; Apache Kafka ${values.kafka} (KRaft combined, -Xmx1g); Sluice wal.sync.policy=${o.sync}; ` +
    `${o.client === 'load' ? DEFAULT_LOAD.partitions : o.partitions} partition(s); ${reps} rep(s); records per run: ${sizes.map((b) => `${fmtInt(records(b))} x ${b} B`).join(', ')}` +
    (o.extraProps.length ? `; extra producer props: ${o.extraProps.join(' ')}` : ''));
  const started = Date.now();
  for (let rep = 1; rep <= reps; rep++) {
    const order = rep % 2 ? cells : [...cells].reverse();
    for (const cell of order) {
      const { run, profile } = await runCell(cell, rep, o);
      cell.runs.push(run);
      console.log(`  rep ${rep} ${cell.target.padEnd(11)} acks=${cell.acks.padEnd(3)} ${String(cell.recordBytes).padStart(4)} B [load ${run.loadavg}]: ${run.summary.line}`);
      if (profile) {
        console.log(`  cpu profile: ${path.relative(ROOT, profile)}\n`);
        console.log(report(JSON.parse(readFileSync(profile, 'utf8')) as CpuProfile, Number(values.top), 0, cell.records)
          .split('\n').map((l) => `    ${l}`).join('\n') + '\n');
      }
    }
  }
  const summary = summarize(cells);
  const pairs: Array<[Target, Target, boolean]> = [['sluice', 'kafka', true], ['sluice-base', 'kafka', true], ['sluice', 'sluice-base', false]];
  const ratioTables = pairs.filter(([a, b]) => targets.includes(a) && targets.includes(b))
    .map(([a, b, t]) => `throughput ${a} / ${b} (records/s)${t ? ', design.md section 6 targets' : ''}:\n\n${ratios(cells, a, b, t)}`);
  const ratioTable = ratioTables.join('\n\n');
  console.log(`\n${summary}\n`);
  if (ratioTable) console.log(`${ratioTable}\n`);
  console.log(`${((Date.now() - started) / 1000).toFixed(0)} s total; load average at the end ${loadavg()}`);
  const file = path.join(resultsDir, 'summary.json');
  writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), command, machine, options: { ...o, toolsCp: undefined }, cells, summary, ratioTable }, null, 2));
  console.log(`raw outputs: ${path.relative(ROOT, resultsDir)}/`);
}

main().catch((err: Error) => {
  console.error(`perf-test FAILED: ${err.stack ?? err.message}`);
  process.exit(1);
});
