/**
 * Broker-only produce load generator.
 *
 * Creates a topic, encodes each distinct Produce request once (one RecordBatch per partition,
 * `partitionsPerRequest` partitions per request), and resends those bytes over several
 * connections with a bounded window of in-flight requests each, patching only the correlation
 * id. A short warm-up phase runs first and is not counted. Measures:
 * - acks=1 / acks=all: records acknowledged per second over the measured phase, and request
 *   latency from write to response (p50, p99);
 * - acks=0 (no responses): the records sent in the phase divided by the time until ListOffsets
 *   shows all of them.
 * At the end, every partition's end offset must equal the records acknowledged (acks=0: sent)
 * to it; anything else, or any error code in a response, fails the run.
 *
 *   node dist/bench/produce-load.js --acks 1 --record-bytes 1024 --seconds 5 [--wal off]
 *   node dist/bench/produce-load.js --bootstrap 127.0.0.1:9092 --acks all   # an existing broker (or --acks=-1)
 */
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { buildBatch } from '../protocol/record-batch-builder.js';
import {
  ProduceCodec,
  createProduceRequest,
  createProduceRequestPartitionProduceData,
  createProduceRequestTopicProduceData,
} from '../protocol/generated/index.js';
import { createTopic, endOffsets, negotiate, type Versions, waitForTotal } from './admin.js';
import { startBenchBroker, type BenchBrokerOptions } from './broker-process.js';
import { BenchConnection, CORRELATION_ID_OFFSET, decodeResponse, encodeRequest, errorName } from './wire.js';

export type Acks = 0 | 1 | -1;

export interface LoadConfig {
  acks: Acks;
  /** Value size of each record (no key). */
  recordBytes: number;
  recordsPerBatch: number;
  partitions: number;
  partitionsPerRequest: number;
  connections: number;
  /** In-flight requests per connection (acks=0: writes not yet flushed to the socket). */
  window: number;
  warmupMs: number;
  /** Measured phase: stops sending at this duration or at `maxRecords`, whichever comes first. */
  durationMs: number;
  maxRecords: number;
  /** Produce version; default the highest that both the broker and the codec support. */
  produceVersion?: number;
  topic?: string;
  /** `topic` already exists with `partitions` partitions (created and checked by the caller). */
  topicExists?: boolean;
}

export const DEFAULT_LOAD: LoadConfig = {
  acks: 1,
  recordBytes: 100,
  recordsPerBatch: 100,
  partitions: 6,
  partitionsPerRequest: 2,
  connections: 4,
  window: 5,
  warmupMs: 1_000,
  durationMs: 5_000,
  maxRecords: 50_000_000,
};

export interface LoadResult {
  acks: Acks;
  recordBytes: number;
  produceVersion: number;
  /** Records counted in the measured phase. */
  records: number;
  requests: number;
  seconds: number;
  recordsPerSec: number;
  /** Record value bytes per second, MiB (2^20), as kafka-producer-perf-test counts. */
  mibPerSec: number;
  /** Request latency in ms; NaN for acks=0. */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Records in the topic at the end (warm-up included), equal to the acknowledged count. */
  totalRecords: number;
}

interface Template {
  frame: Buffer;
  partitions: number[];
  records: number;
}

/** One batch of `count` records with `bytes`-byte values, shared by every partition's record set. */
function makeBatch(bytes: number, count: number): Buffer {
  const value = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i++) value[i] = 0x41 + ((i * 7919) % 26);
  return buildBatch(Array.from({ length: count }, (_, i) => ({ key: null, value, timestampDelta: i })));
}

function makeTemplates(cfg: LoadConfig, topic: string, version: number): Template[] {
  const batch = makeBatch(cfg.recordBytes, cfg.recordsPerBatch);
  const per = Math.min(cfg.partitionsPerRequest, cfg.partitions);
  const count = Math.ceil(cfg.partitions / per);
  const templates: Template[] = [];
  for (let j = 0; j < count; j++) {
    const partitions = Array.from({ length: per }, (_, i) => (j * per + i) % cfg.partitions);
    const request = createProduceRequest();
    request.acks = cfg.acks;
    request.timeoutMs = 30_000;
    const data = createProduceRequestTopicProduceData();
    data.name = topic;
    for (const p of new Set(partitions)) {
      const part = createProduceRequestPartitionProduceData();
      part.index = p;
      part.records = batch;
      data.partitionData.push(part);
    }
    request.topicData = [data];
    const distinct = data.partitionData.map((d) => d.index);
    templates.push({ frame: encodeRequest(ProduceCodec, version, 0, request), partitions: distinct, records: distinct.length * cfg.recordsPerBatch });
  }
  return templates;
}

interface Tally {
  sent: number[];
  acked: number[];
}

interface PhaseResult {
  sentRecords: number;
  ackedRecords: number;
  requests: number;
  latencies: number[];
  start: number;
  lastAck: number;
}

function runPhase(
  conns: BenchConnection[], templates: Template[], cfg: LoadConfig, version: number, tally: Tally,
  durationMs: number, maxRecords: number, recordLatency: boolean,
): Promise<PhaseResult> {
  const result: PhaseResult = { sentRecords: 0, ackedRecords: 0, requests: 0, latencies: [], start: performance.now(), lastAck: 0 };
  const deadline = result.start + durationMs;
  const stopped = (): boolean => result.sentRecords >= maxRecords || performance.now() >= deadline;
  const stallMs = 60_000;

  return new Promise<PhaseResult>((resolve, reject) => {
    let settled = false;
    let running = conns.length;
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(stall);
      reject(err);
    };
    const stall = setTimeout(() => {
      const outstanding = conns.reduce((n, c) => n + c.outstanding, 0);
      fail(new Error(`no progress: phase still running ${stallMs} ms after its deadline, ${outstanding} request(s) unanswered`));
    }, durationMs + stallMs);
    const workerDone = (): void => {
      if (--running > 0 || settled) return;
      settled = true;
      clearTimeout(stall);
      for (const c of conns) c.offFailure(fail);
      resolve(result);
    };

    const onResponse = (t: Template, frame: Buffer, at: number, sentAt: number): void => {
      const response = decodeResponse(ProduceCodec, version, frame);
      let partitions = 0;
      for (const topic of response.responses) {
        for (const p of topic.partitionResponses) {
          if (p.errorCode !== 0) throw new Error(`Produce ${topic.name}-${p.index}: ${errorName(p.errorCode)} ${p.errorMessage ?? ''}`);
          tally.acked[p.index]! += cfg.recordsPerBatch;
          partitions++;
        }
      }
      if (partitions !== t.partitions.length) throw new Error(`Produce response answers ${partitions} partition(s), request had ${t.partitions.length}`);
      result.ackedRecords += t.records;
      result.lastAck = at;
      if (recordLatency) result.latencies.push(at - sentAt);
    };

    conns.forEach((conn, ci) => {
      conn.onFailure(fail);
      const pools: Buffer[][] = templates.map(() => []);
      let next = ci % templates.length;
      let inFlight = 0;
      let finished = false;
      const pump = (): void => {
        if (settled) return;
        while (inFlight < cfg.window && !stopped()) {
          const t = templates[next]!;
          const pool = pools[next]!;
          next = (next + 1) % templates.length;
          // A buffer is reused only after its previous write is done, so patching never races the socket.
          const frame = pool.pop() ?? Buffer.from(t.frame);
          const id = conn.correlationId();
          frame.writeInt32BE(id, CORRELATION_ID_OFFSET);
          inFlight++;
          result.requests++;
          result.sentRecords += t.records;
          for (const p of t.partitions) tally.sent[p]! += cfg.recordsPerBatch;
          const sentAt = performance.now();
          if (cfg.acks !== 0) {
            conn.expect(id, (response, at) => {
              try {
                onResponse(t, response, at, sentAt);
              } catch (err) {
                fail(err as Error);
                return;
              }
              pool.push(frame);
              inFlight--;
              pump();
            });
            conn.socket.write(frame);
          } else {
            conn.socket.write(frame, (err) => {
              if (err) return fail(err);
              pool.push(frame);
              inFlight--;
              pump();
            });
          }
        }
        if (inFlight === 0 && !finished) {
          finished = true;
          workerDone();
        }
      };
      pump();
    });
  });
}

function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

/** Runs one load against a broker that is already listening. */
export async function runProduceLoad(host: string, port: number, cfg: LoadConfig): Promise<LoadResult> {
  const topic = cfg.topic ?? `bench-${process.pid}-${Date.now()}`;
  const admin = await BenchConnection.connect(host, port);
  const conns: BenchConnection[] = [];
  try {
    const versions: Versions = await negotiate(admin, cfg.produceVersion);
    if (!cfg.topicExists) await createTopic(admin, versions, topic, cfg.partitions);
    const templates = makeTemplates(cfg, topic, versions.produce);
    for (let i = 0; i < cfg.connections; i++) conns.push(await BenchConnection.connect(host, port));
    const tally: Tally = { sent: new Array<number>(cfg.partitions).fill(0), acked: new Array<number>(cfg.partitions).fill(0) };
    const total = (a: number[]): number => a.reduce((x, y) => x + y, 0);

    if (cfg.warmupMs > 0) {
      await runPhase(conns, templates, cfg, versions.produce, tally, cfg.warmupMs, cfg.maxRecords, false);
      if (cfg.acks === 0) await waitForTotal(admin, versions, topic, cfg.partitions, total(tally.sent));
    }
    const phase = await runPhase(conns, templates, cfg, versions.produce, tally, cfg.durationMs, cfg.maxRecords, cfg.acks !== 0);
    let records = phase.ackedRecords;
    let end = phase.lastAck;
    if (cfg.acks === 0) {
      records = phase.sentRecords;
      end = await waitForTotal(admin, versions, topic, cfg.partitions, total(tally.sent));
    }

    // Correctness: every partition holds exactly what was acknowledged (acks=0: sent) to it.
    const expected = cfg.acks === 0 ? tally.sent : tally.acked;
    const offsets = await endOffsets(admin, versions, topic, cfg.partitions);
    const wrong = offsets.map((o, p) => (o === expected[p] ? '' : `partition ${p}: end offset ${o}, expected ${expected[p]}`)).filter(Boolean);
    if (wrong.length > 0) throw new Error(`CORRECTNESS FAILURE (acks=${cfg.acks}):\n  ${wrong.join('\n  ')}`);
    if (cfg.acks !== 0 && total(tally.acked) !== total(tally.sent)) {
      throw new Error(`CORRECTNESS FAILURE: ${total(tally.sent)} records sent but ${total(tally.acked)} acknowledged`);
    }

    const seconds = (end - phase.start) / 1000;
    const sorted = Float64Array.from(phase.latencies).sort();
    return {
      acks: cfg.acks,
      recordBytes: cfg.recordBytes,
      produceVersion: versions.produce,
      records,
      requests: phase.requests,
      seconds,
      recordsPerSec: records / seconds,
      mibPerSec: (records * cfg.recordBytes) / seconds / 2 ** 20,
      p50Ms: percentile(sorted, 0.5),
      p99Ms: percentile(sorted, 0.99),
      maxMs: sorted.length ? sorted[sorted.length - 1]! : NaN,
      totalRecords: total(offsets),
    };
  } finally {
    admin.close();
    for (const c of conns) c.close();
  }
}

export interface BrokerRun {
  result: LoadResult;
  /** Peak resident memory of the broker process (VmHWM), MiB, when /proc is available. */
  brokerPeakRssMiB: number;
}

/** Starts a fresh broker, runs one load, stops the broker and removes its data. */
export async function runWithFreshBroker(broker: BenchBrokerOptions, cfg: LoadConfig): Promise<BrokerRun> {
  const b = await startBenchBroker(broker);
  try {
    const result = await runProduceLoad(b.host, b.port, cfg);
    return { result, brokerPeakRssMiB: b.peakRssMiB() };
  } catch (err) {
    (err as Error).message += `\n--- broker output (tail) ---\n${b.output().slice(-4_000)}`;
    throw err;
  } finally {
    await b.stop();
  }
}

export function formatResult(r: LoadResult): string {
  const lat = r.acks === 0 ? 'latency n/a (acks=0)' : `p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms, max ${r.maxMs.toFixed(1)} ms`;
  return `acks=${r.acks} ${r.recordBytes} B: ${Math.round(r.recordsPerSec).toLocaleString('en-US')} records/s, ` +
    `${r.mibPerSec.toFixed(1)} MiB/s, ${lat} (${r.records} records, ${r.requests} requests, ${r.seconds.toFixed(2)} s, Produce v${r.produceVersion})`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      bootstrap: { type: 'string' },
      acks: { type: 'string', default: '1' },
      'record-bytes': { type: 'string', default: String(DEFAULT_LOAD.recordBytes) },
      'records-per-batch': { type: 'string', default: String(DEFAULT_LOAD.recordsPerBatch) },
      partitions: { type: 'string', default: String(DEFAULT_LOAD.partitions) },
      'per-request': { type: 'string', default: String(DEFAULT_LOAD.partitionsPerRequest) },
      connections: { type: 'string', default: String(DEFAULT_LOAD.connections) },
      window: { type: 'string', default: String(DEFAULT_LOAD.window) },
      seconds: { type: 'string', default: String(DEFAULT_LOAD.durationMs / 1000) },
      warmup: { type: 'string', default: String(DEFAULT_LOAD.warmupMs / 1000) },
      'max-records': { type: 'string', default: String(DEFAULT_LOAD.maxRecords) },
      'produce-version': { type: 'string' },
      wal: { type: 'string', default: 'on' },
      sync: { type: 'string', default: 'always' },
    },
    strict: true,
  });
  const num = (name: string, v: string | undefined): number => {
    const n = Number(v);
    if (!Number.isFinite(n)) throw new Error(`--${name} expects a number, got "${v}"`);
    return n;
  };
  const acks = values.acks === 'all' ? -1 : num('acks', values.acks);
  if (acks !== 0 && acks !== 1 && acks !== -1) throw new Error('--acks must be 0, 1, all or -1');
  const cfg: LoadConfig = {
    acks,
    recordBytes: num('record-bytes', values['record-bytes']),
    recordsPerBatch: num('records-per-batch', values['records-per-batch']),
    partitions: num('partitions', values.partitions),
    partitionsPerRequest: num('per-request', values['per-request']),
    connections: num('connections', values.connections),
    window: num('window', values.window),
    durationMs: num('seconds', values.seconds) * 1000,
    warmupMs: num('warmup', values.warmup) * 1000,
    maxRecords: num('max-records', values['max-records']),
    produceVersion: values['produce-version'] === undefined ? undefined : num('produce-version', values['produce-version']),
  };
  if (values.bootstrap) {
    const [host, port] = values.bootstrap.split(':');
    console.log(formatResult(await runProduceLoad(host!, num('bootstrap port', port), cfg)));
    return;
  }
  const overrides = { 'wal.enabled': String(values.wal !== 'off'), 'wal.sync.policy': values.sync!, 'log.level': 'warn' };
  const run = await runWithFreshBroker({ overrides }, cfg);
  console.log(`${formatResult(run.result)}; broker peak RSS ${run.brokerPeakRssMiB.toFixed(0)} MiB (wal ${values.wal}, sync ${values.sync})`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: Error) => {
    console.error(`produce-load FAILED: ${err.stack ?? err.message}`);
    process.exit(1);
  });
}
