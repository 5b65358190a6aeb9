/**
 * Compat harness: a real broker process (`node dist/src/cli.js`) on an ephemeral port with a
 * temporary data dir, plus helpers to drive real clients (kcat, kafkajs) against it.
 *
 *   const broker = await startBroker({ overrides: { 'num.partitions': '3' } });
 *   ... broker.bootstrap ...
 *   await broker.kill('SIGKILL');      // crash; the data dir stays
 *   await broker.restart();            // same data dir, new process (and port unless samePort)
 *   await broker.stop();               // terminate and remove the temp data dir
 *
 * Start-up waits for the broker's single `listening on HOST:PORT` stdout line (an event, no
 * sleeps), bounded by a timeout. Failures carry the broker's collected stderr.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { API_CODECS } from '../protocol/generated/index.js';
import { FetchApi, createFetchRequest, createFetchRequestFetchPartition, createFetchRequestFetchTopic, type FetchResponse } from '../protocol/generated/fetch.js';
import { compressionName, forEachBatch } from '../protocol/record-batch.js';
import { WireClient } from '../test/support/wire-client.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The broker CLI; SLUICE_CLI points the harness at another build. */
export const CLI = process.env.SLUICE_CLI ?? path.join(ROOT, 'dist/src/cli.js');

const LISTENING = /^listening on (\S+):(\d+)\s*$/;
const MAX_LOG_CHARS = 1 << 20;

export interface BrokerOptions {
  /** Use this data dir (kept afterwards); default: a fresh temp dir removed by stop(). */
  dataDir?: string;
  /** Kafka config overrides, passed as repeated `--override key=value`. */
  overrides?: Record<string, string>;
  /** Extra CLI arguments (e.g. `--config FILE`). */
  args?: string[];
  /** Bound on start-up (default 30 s). */
  startTimeoutMs?: number;
  /** Script to run instead of CLI (the harness's own tests use a stub). */
  cli?: string;
}

export interface RestartOptions {
  /** Listen on the port of the previous process instead of a new ephemeral one. */
  samePort?: boolean;
}

export interface Broker {
  readonly bootstrap: string;
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly process: ChildProcess;
  /** stderr (and stdout after the listening line) of every process this handle started. */
  logs(): string;
  /** Signals the broker (default SIGTERM) and resolves once it has exited. Keeps the data dir. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts a new broker process on the same data dir; this handle then points at it. */
  restart(options?: RestartOptions): Promise<Broker>;
  /** Kills the broker if running (SIGTERM, then SIGKILL after 5 s) and removes a temp data dir. */
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

interface Spawned { child: ChildProcess; host: string; port: number }

function spawnBroker(dataDir: string, port: number, options: BrokerOptions, log: (s: string) => void): Promise<Spawned> {
  const cli = options.cli ?? CLI;
  if (!existsSync(cli)) {
    return Promise.reject(new Error(`broker CLI ${cli} not found: build first (npm run build)`));
  }
  const args = [cli, '--host', '127.0.0.1', '--port', String(port), '--data-dir', dataDir, ...(options.args ?? [])];
  for (const [key, value] of Object.entries(options.overrides ?? {})) args.push('--override', `${key}=${value}`);
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  child.once('exit', () => live.delete(child));
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => log(d));

  return new Promise<Spawned>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    let started = false;
    const fail = (why: string): void => {
      if (started) return;
      started = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`broker did not start: ${why}\n--- broker output ---\n${tail()}`));
    };
    const timeoutMs = options.startTimeoutMs ?? 30_000;
    const timer = setTimeout(() => fail(`no "listening on" line within ${timeoutMs} ms`), timeoutMs);
    let early = '';
    const tail = (): string => early.slice(-8_000);
    child.stderr!.on('data', (d: string) => { if (!started) early += d; });
    child.once('error', (err) => fail(err.message));
    child.once('exit', (code, signal) => fail(`exited early (code ${code}, signal ${signal})`));
    lines.on('line', (line) => {
      if (started) {
        log(`[stdout] ${line}\n`);
        return;
      }
      const m = LISTENING.exec(line);
      if (!m) {
        early += `[stdout] ${line}\n`;
        log(`[stdout] ${line}\n`);
        return;
      }
      started = true;
      clearTimeout(timer);
      resolve({ child, host: m[1]!, port: Number(m[2]) });
    });
  });
}

export async function startBroker(options: BrokerOptions = {}): Promise<Broker> {
  const ownsDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'sluice-compat-'));
  let output = '';
  const log = (s: string): void => {
    output += s;
    if (output.length > MAX_LOG_CHARS) output = output.slice(-MAX_LOG_CHARS / 2);
  };

  let current: Spawned;
  try {
    current = await spawnBroker(dataDir, 0, options, log);
  } catch (err) {
    if (ownsDir) rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }

  const handle: Broker = {
    get bootstrap() { return `${current.host}:${current.port}`; },
    get host() { return current.host; },
    get port() { return current.port; },
    get process() { return current.child; },
    dataDir,
    logs: () => output,
    async kill(signal: NodeJS.Signals = 'SIGTERM') {
      const done = exited(current.child);
      current.child.kill(signal);
      await done;
    },
    async restart(restartOptions: RestartOptions = {}) {
      await handle.kill('SIGKILL');
      log(`--- restart on ${dataDir} ---\n`);
      current = await spawnBroker(dataDir, restartOptions.samePort ? current.port : 0, options, log);
      return handle;
    },
    async stop() {
      const child = current.child;
      const done = exited(child);
      child.kill('SIGTERM');
      const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await done;
      clearTimeout(force);
      if (ownsDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return handle;
}

// ------------------------------------------------------------------------------------------
// Child commands: kcat and the broker's dump-log tool.
// ------------------------------------------------------------------------------------------

export interface RunResult {
  stdout: string;
  stderr: string;
  /** Exit code; null when killed by a signal (including our timeout). */
  code: number | null;
  timedOut: boolean;
}

export interface RunOptions {
  input?: string | Buffer;
  timeoutMs?: number;
}

/** Runs a command to completion with a bound; a missing executable rejects (never skips). */
export function run(command: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, options.timeoutMs ?? 30_000);
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.stdin.on('error', () => undefined); // the command may exit before reading stdin
    child.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(err.code === 'ENOENT' ? new Error(`${command} is not installed (.ci/run installs it)`) : err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code, timedOut });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** Runs kcat (librdkafka) with a timeout (default 30 s). */
export function runKcat(args: string[], input?: string | Buffer, timeoutMs?: number): Promise<RunResult> {
  return run('kcat', args, { input, timeoutMs });
}

/** `node dist/src/cli.js dump-log --data-dir DIR [--verify] [...extra]`. */
export function runDumpLog(dataDir: string, options: { verify?: boolean; args?: string[] } = {}): Promise<RunResult> {
  const args = [CLI, 'dump-log', '--data-dir', dataDir, ...(options.verify ? ['--verify'] : []), ...(options.args ?? [])];
  return run(process.execPath, args, { timeoutMs: 60_000 });
}

/** A one-line summary for assertion messages. */
export function describeRun(r: RunResult): string {
  return `code=${r.code} timedOut=${r.timedOut}\nstdout:\n${r.stdout.slice(-4000)}\nstderr:\n${r.stderr.slice(-4000)}`;
}

// ------------------------------------------------------------------------------------------
// kafkajs helpers.
// ------------------------------------------------------------------------------------------

/** A quiet kafkajs client with a short, bounded retry policy. */
export function kafkaClient(bootstrap: string, clientId = 'sluice-compat', retries = 3): Kafka {
  return new Kafka({
    clientId,
    brokers: [bootstrap],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 5_000,
    requestTimeout: 15_000,
    retry: { retries, initialRetryTime: 100, maxRetryTime: 1_000 },
  });
}

/** High watermark per partition, via ListOffsets (kafkajs admin.fetchTopicOffsets). */
export async function endOffsets(admin: Admin, topic: string): Promise<Map<number, number>> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return new Map(offsets.map((o) => [o.partition, Number(o.high)]));
}

/**
 * The request versions each client sent, from a broker run at `log.level=debug` (the router logs
 * `request <Api> v<N> ... client id <id>` per request): client id -> API name -> versions.
 */
export function requestVersionsByClient(logs: string): Map<string, Map<string, Set<number>>> {
  const out = new Map<string, Map<string, Set<number>>>();
  for (const m of logs.matchAll(/request (\w+) v(\d+) correlation id -?\d+ client id (.*)$/gm)) {
    const [, api, version, client] = m as unknown as [string, string, string, string];
    let apis = out.get(client);
    if (apis === undefined) out.set(client, (apis = new Map()));
    let versions = apis.get(api);
    if (versions === undefined) apis.set(api, (versions = new Set()));
    versions.add(Number(version));
  }
  return out;
}

/**
 * Requests sent at a version that is not flexible although the API has flexible versions and
 * the broker advertises one (ApiVersions aside: clients open with v3+ but may retry with v0);
 * each as "client: Api vN". Empty when a client negotiated flexible versions everywhere.
 */
export function nonFlexibleRequests(byClient: Map<string, Map<string, Set<number>>>): string[] {
  const out: string[] = [];
  for (const [client, apis] of byClient) {
    for (const [api, versions] of apis) {
      if (api === 'ApiVersions') continue;
      const codec = API_CODECS.find((c) => c.name === api);
      if (codec === undefined || codec.flexibleMinVersion === null) continue;
      for (const v of versions) if (v < codec.flexibleMinVersion) out.push(`${client}: ${api} v${v}`);
    }
  }
  return out;
}

/** "Api v1/v2, ..." for a client's request versions, for test output. */
export function describeVersions(apis: Map<string, Set<number>> | undefined): string {
  return [...(apis ?? new Map<string, Set<number>>())].sort(([a], [b]) => a.localeCompare(b))
    .map(([api, vs]) => `${api} v${[...vs].sort((x, y) => x - y).join('/v')}`).join(', ');
}

/** One stored batch as Fetch returns it: where it is, its codec and its producer id. */
export interface StoredBatch {
  partition: number;
  baseOffset: number;
  records: number;
  codec: string;
  producerId: number;
}

/**
 * Every batch of a topic's partitions as the broker stores them (Fetch v12 from offset 0 over a
 * plain connection, batch headers read with protocol/record-batch.ts): what clients' codecs and
 * idempotent producer ids left in the log.
 */
export async function storedBatches(broker: Pick<Broker, 'port'>, topic: string, partitions: number): Promise<StoredBatch[]> {
  const wire = await WireClient.open(broker.port);
  try {
    const out: StoredBatch[] = [];
    for (let partition = 0; partition < partitions; partition++) {
      const request = createFetchRequest();
      request.maxWaitMs = 0;
      request.maxBytes = 256 << 20;
      request.topics = [{
        ...createFetchRequestFetchTopic(),
        topic,
        partitions: [{ ...createFetchRequestFetchPartition(), partition, partitionMaxBytes: 256 << 20 }],
      }];
      const response = await wire.request<FetchResponse>(FetchApi.apiKey, 12, request);
      const data = response.responses[0]!.partitions[0]!;
      if (data.errorCode !== 0) throw new Error(`Fetch ${topic}-${partition}: error ${data.errorCode}`);
      if (data.records === null) continue;
      forEachBatch(data.records, (b) => {
        out.push({ partition, baseOffset: b.baseOffset, records: b.lastOffsetDelta + 1, codec: compressionName(b.attributes), producerId: b.producerId });
      });
    }
    return out;
  } finally {
    wire.close();
  }
}

export function sum(values: Iterable<number>): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}

/**
 * Polls `check` until it returns a non-undefined value, with a bounded number of attempts.
 * For conditions the broker exposes no event for (acks=0 data landing), never a fixed sleep.
 */
export async function pollUntil<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 15_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (let attempt = 0; ; attempt++) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${attempt + 1} attempts waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

// ------------------------------------------------------------------------------------------
// Reading back without a consumer group: kafkajs's own Fetch request and record decoder
// (including its registered compression codecs), driven through its cluster object.
// ------------------------------------------------------------------------------------------

/** One record as kafkajs decodes it. */
export interface FetchedRecord {
  partition: number;
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | Buffer[] | undefined>;
  timestamp: string;
}

interface KafkajsCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  addTargetTopic(topic: string): Promise<void>;
  findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>;
  findBroker(args: { nodeId: string }): Promise<{
    fetch(args: Record<string, unknown>): Promise<{
      responses: Array<{ topicName: string; partitions: Array<{ partition: number; errorCode: number; highWatermark: string; messages: Array<{ offset: string; key: Buffer | null; value: Buffer | null; headers: FetchedRecord['headers']; timestamp: string }> }> }>;
    }>;
  }>;
}

/** kafkajs's internal cluster (the object its producer, consumer and admin share). */
function kafkajsCluster(kafka: Kafka): KafkajsCluster {
  const symbol = Object.getOwnPropertySymbols(kafka).find((s) => s.description === 'private:Kafka:createCluster');
  if (!symbol) throw new Error('kafkajs internals changed: no private:Kafka:createCluster');
  const create = (kafka as unknown as Record<symbol, (args: object) => KafkajsCluster>)[symbol]!;
  return create({});
}

/**
 * Every record of `topic` from offset 0 up to each partition's end offset (`ends`), fetched
 * with kafkajs's Fetch and decoded by kafkajs (so compressed batches go through its codecs).
 * Bounded: fails if a partition stops making progress.
 */
export async function fetchAllRecords(kafka: Kafka, topic: string, ends: Map<number, number>): Promise<FetchedRecord[]> {
  const cluster = kafkajsCluster(kafka);
  await cluster.connect();
  try {
    await cluster.addTargetTopic(topic);
    const out: FetchedRecord[] = [];
    for (const [partition, end] of ends) {
      const leaders = cluster.findLeaderForPartitions(topic, [partition]);
      const nodeId = Object.keys(leaders)[0];
      if (nodeId === undefined) throw new Error(`no leader for ${topic}/${partition}`);
      const broker = await cluster.findBroker({ nodeId });
      let next = 0;
      for (let round = 0; next < end; round++) {
        if (round > 10_000) throw new Error(`fetch of ${topic}/${partition} made no progress at ${next}`);
        const response = await broker.fetch({
          replicaId: -1,
          isolationLevel: 1,
          maxWaitTime: 100,
          minBytes: 1,
          maxBytes: 4 << 20,
          topics: [{ topic, partitions: [{ partition, fetchOffset: String(next), maxBytes: 1 << 20 }] }],
        });
        const p = response.responses[0]!.partitions[0]!;
        if (p.errorCode !== 0) throw new Error(`fetch ${topic}/${partition} at ${next}: error ${p.errorCode}`);
        for (const m of p.messages) {
          const offset = Number(m.offset);
          if (offset < next || offset >= end) continue; // a batch may start before the fetch offset
          out.push({ partition, offset, key: m.key, value: m.value, headers: m.headers, timestamp: m.timestamp });
          next = offset + 1;
        }
      }
    }
    return out;
  } finally {
    await cluster.disconnect();
  }
}
