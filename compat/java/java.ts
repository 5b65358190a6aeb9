/**
 * Java side of the compat suite: runs Apache Kafka's own tools and a small Java program from
 * the jars that `compat/java/fetch-jars.sh` cached under `compat/java/.cache/<version>/`.
 *
 * Every child is bounded by a timeout and killed on expiry. Output is streamed: a caller can
 * count lines (the console consumer prints a million of them) without buffering them all.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { ROOT, type RunResult } from '../harness.js';

/** The Kafka versions fetch-jars.sh pins (latest 3.9 and 4.1 patches). */
export const KAFKA_VERSIONS = ['3.9.2', '4.1.2'] as const;
export type KafkaVersion = (typeof KAFKA_VERSIONS)[number];

export const JAVA_DIR = path.join(ROOT, 'compat/java');
export const CACHE = path.join(JAVA_DIR, '.cache');

/** Tool main classes; the same in 3.9 and 4.1 (all in kafka-tools). */
export const TOOLS = {
  producerPerf: 'org.apache.kafka.tools.ProducerPerformance',
  consoleConsumer: 'org.apache.kafka.tools.consumer.ConsoleConsumer',
  consumerGroups: 'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand',
  topics: 'org.apache.kafka.tools.TopicCommand',
} as const;

/** The cached runtime classpath of one Kafka version; fails with a pointer to fetch-jars.sh. */
export function classpath(version: KafkaVersion): string {
  const file = path.join(CACHE, version, 'jars.txt');
  if (!existsSync(file)) throw new Error(`no jars for Kafka ${version}: run compat/java/fetch-jars.sh (.ci/run does)`);
  const lib = path.join(CACHE, version, 'lib');
  const jars = readFileSync(file, 'utf8').split('\n').filter(Boolean).map((jar) => path.join(lib, jar));
  return jars.join(path.delimiter);
}

/** JVM flags for every run: quiet logging (warnings still reach stderr), bounded heap. */
const JVM_FLAGS = ['-Xmx512m', '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn', '-Dorg.slf4j.simpleLogger.logFile=System.err'];
/** Added for short-lived tools: C1 only and the serial collector start faster on 2 cores. */
const FAST_START = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC'];

export interface JavaOptions {
  timeoutMs?: number;
  /** Extra classpath entries before the Kafka jars (compiled test classes). */
  extraClasspath?: string[];
  /** Called per stdout line; when set, stdout is not kept in the result (only its last 4 KB). */
  onLine?: (line: string) => void;
  /** Short-lived tool: favour start-up over peak speed (default true; the perf test sets false). */
  fastStart?: boolean;
}

/** `java -cp <extra>:<kafka jars> mainClass ...args`, bounded; resolves with the exit status. */
export function runJava(version: KafkaVersion, mainClass: string, args: string[], options: JavaOptions = {}): Promise<RunResult> {
  const cp = [...(options.extraClasspath ?? []), classpath(version)].join(path.delimiter);
  const flags = options.fastStart === false ? JVM_FLAGS : [...JVM_FLAGS, ...FAST_START];
  return new Promise((resolve, reject) => {
    const child = spawn('java', [...flags, '-cp', cp, mainClass, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, options.timeoutMs ?? 60_000);
    const keep = (s: string, add: string): string => {
      const joined = s + add;
      return joined.length > 1 << 20 ? joined.slice(-(1 << 19)) : joined;
    };
    if (options.onLine) {
      const onLine = options.onLine;
      createInterface({ input: child.stdout }).on('line', (line) => {
        onLine(line);
        stdout = (stdout + line + '\n').slice(-4096);
      });
    } else {
      child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout = keep(stdout, d); });
    }
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr = keep(stderr, d); });
    child.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(err.code === 'ENOENT' ? new Error('java is not installed (.ci/run installs default-jdk-headless)') : err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code, timedOut });
    });
  });
}

/** The final line of ProducerPerformance, parsed. */
export interface PerfSummary {
  line: string;
  records: number;
  recordsPerSec: number;
  mbPerSec: number;
  avgLatencyMs: number;
  maxLatencyMs: number;
  p50: number;
  p95: number;
  p99: number;
  p999: number;
}

const SUMMARY = /^(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99\.9th\.$/m;

/**
 * ProducerPerformance counts a record only when its send succeeded (failures print a stack
 * trace instead), so "N records sent" with N = --num-records means every record was acknowledged.
 */
export function parsePerfSummary(stdout: string): PerfSummary | undefined {
  const m = SUMMARY.exec(stdout);
  if (!m) return undefined;
  const n = (i: number): number => Number(m[i]);
  return {
    line: m[0], records: n(1), recordsPerSec: n(2), mbPerSec: n(3), avgLatencyMs: n(4),
    maxLatencyMs: n(5), p50: n(6), p95: n(7), p99: n(8), p999: n(9),
  };
}

/** Client-side failure markers in a Java tool's output. */
export const JAVA_ERRORS = /Exception|ERROR|\bError\b/;

/** One row of `kafka-consumer-groups --describe`. */
export interface GroupRow {
  group: string;
  topic: string;
  partition: number;
  currentOffset: number | null;
  logEndOffset: number | null;
  lag: number | null;
}

/** Parses the table printed by ConsumerGroupCommand --describe (a header line starting GROUP). */
export function parseGroupDescribe(stdout: string): GroupRow[] {
  const rows: GroupRow[] = [];
  let header: string[] | undefined;
  for (const raw of stdout.split('\n')) {
    const cols = raw.trim().split(/\s+/);
    if (cols[0] === 'GROUP') { header = cols; continue; }
    if (!header || cols.length < 6) continue;
    const at = (name: string): string => cols[header!.indexOf(name)] ?? '-';
    const num = (name: string): number | null => (/^-?\d+$/.test(at(name)) ? Number(at(name)) : null);
    rows.push({
      group: at('GROUP'), topic: at('TOPIC'), partition: Number(at('PARTITION')),
      currentOffset: num('CURRENT-OFFSET'), logEndOffset: num('LOG-END-OFFSET'), lag: num('LAG'),
    });
  }
  return rows;
}

/** The Java sources under compat/java, compiled together by compileJava. */
export const JAVA_SOURCES = ['CompressionRoundTrip', 'PerfPayloads'] as const;

/**
 * Compiles the `compat/java/*.java` programs against one version's jars into a fresh temp
 * directory (test files run in parallel) and returns it; the caller removes it.
 */
export async function compileJava(version: KafkaVersion): Promise<string> {
  const out = mkdtempSync(path.join(os.tmpdir(), `sluice-java-${version}-`));
  const sources = JAVA_SOURCES.map((name) => path.join(JAVA_DIR, `${name}.java`));
  const result = await new Promise<RunResult>((resolve, reject) => {
    const child = spawn('javac', ['-nowarn', '-d', out, '-cp', classpath(version), ...sources], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, 60_000);
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(err.code === 'ENOENT' ? new Error('javac is not installed (.ci/run installs default-jdk-headless)') : err);
    });
    child.once('close', (code) => { clearTimeout(timer); resolve({ stdout, stderr, code, timedOut }); });
  });
  if (result.code !== 0) throw new Error(`javac ${sources.join(' ')} failed (code ${result.code}, timedOut ${result.timedOut}):\n${result.stderr}${result.stdout}`);
  return out;
}
