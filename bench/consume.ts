/**
 * Consumer throughput: a Fetch consumer reading a pre-filled topic from offset 0, from the
 * broker's memory and from its WAL files.
 *
 * 1. Starts a broker (WAL on, `log.cache.bytes` above the topic size) on a data dir under the
 *    OS temp dir, and fills a topic (default 6 partitions, 1 GiB of 1 KiB records, 100 records
 *    per batch) with the produce load generator at acks=1.
 * 2. "memory": consumes everything right away; every batch is still in the broker's cache.
 * 3. Restarts the broker on the same data dir (recovery replays the WAL; the cache starts
 *    empty, so every batch is read back from the WAL segments with positional reads), then
 *    "disk-cold": `sync; echo 3 > /proc/sys/vm/drop_caches` (if allowed) and consume, and
 *    "disk-warm": consume again, now through the OS page cache.
 *
 * Each consume pass runs once per Fetch setting (`--settings`): max_bytes / partition_max_bytes,
 * and a mode: `all` sends one request for every unfinished partition and the next one when its
 * answer arrives (what the Java consumer and librdkafka do: one fetch in flight per broker);
 * `per-partition` keeps one request per partition in flight on the same connection.
 * Fetch v12 (or the highest common version), min_bytes 1, max_wait_ms 500, read_uncommitted.
 *
 * Correctness, every pass: each partition's batches start exactly at the next expected offset
 * (contiguous, no gap or duplicate), record count = lastOffsetDelta + 1, optionally the batch
 * CRC-32C (`--crc on`, the Java consumer's check.crcs default), and the records read per
 * partition equal its end offset from ListOffsets (equal to what the producer got acknowledged).
 *
 *   node dist/bench/consume.js                       # 1 GiB, 6 partitions, 3 settings x 3 sources x 3 reps, about 3.5 min
 *   node dist/bench/consume.js --mib 256 --settings all:50m:1m
 */
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Reader } from '../protocol/primitives.js';
import { encodeRequestFrame, readResponseHeader } from '../protocol/headers.js';
import { BATCH_HEADER_SIZE, BATCH_LENGTH_PREFIX, BatchField, computeBatchCrc, readInt64 } from '../protocol/record-batch.js';
import {
  ApiVersionsCodec,
  FetchCodec,
  createApiVersionsRequest,
  createFetchRequest,
  createFetchRequestFetchPartition,
  createFetchRequestFetchTopic,
  type FetchResponse,
} from '../protocol/generated/index.js';
import { endOffsets, negotiate } from './admin.js';
import { startBenchBroker, type BenchBroker } from './broker-process.js';
import { DEFAULT_LOAD, runProduceLoad } from './produce-load.js';
import { BenchConnection, CLIENT_ID, errorName } from './wire.js';

const MiB = 2 ** 20;

// ---------------------------------------------------------------------------------------------

export type FetchMode = 'all' | 'per-partition';

export interface FetchSetting {
  mode: FetchMode;
  maxBytes: number;
  partitionMaxBytes: number;
}

export interface ConsumeResult {
  setting: FetchSetting;
  records: number;
  batches: number;
  requests: number;
  /** Record bytes (the batches, headers included) and whole response frames. */
  batchBytes: number;
  wireBytes: number;
  seconds: number;
  recordsPerSec: number;
  /** Record value bytes per second (records x record size), MiB. */
  valueMiBPerSec: number;
  wireMiBPerSec: number;
}

function parseSize(s: string): number {
  const m = /^(\d+(?:\.\d+)?)([kmg]?)$/i.exec(s.trim());
  if (!m) throw new Error(`bad size "${s}" (e.g. 1048576, 512k, 1m, 50m)`);
  const unit = { '': 1, k: 1024, m: MiB, g: 1024 * MiB }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Math.round(Number(m[1]) * unit);
}

/** `mode:maxBytes:partitionMaxBytes`, e.g. `all:50m:1m`. */
export function parseSetting(s: string): FetchSetting {
  const [mode, max, part] = s.split(':');
  if ((mode !== 'all' && mode !== 'per-partition') || !max || !part) {
    throw new Error(`bad setting "${s}": expected all|per-partition:MAX_BYTES:PARTITION_MAX_BYTES`);
  }
  return { mode, maxBytes: parseSize(max), partitionMaxBytes: parseSize(part) };
}

export function formatSetting(s: FetchSetting): string {
  const size = (n: number): string => (n % MiB === 0 ? `${n / MiB} MiB` : `${(n / 1024).toFixed(0)} KiB`);
  return `${s.mode}, max_bytes ${size(s.maxBytes)}, partition_max_bytes ${size(s.partitionMaxBytes)}`;
}

export async function fetchVersion(conn: BenchConnection, preferred = 12): Promise<number> {
  const request = createApiVersionsRequest();
  request.clientSoftwareName = CLIENT_ID;
  request.clientSoftwareVersion = '0.1.0';
  const response = await conn.request(ApiVersionsCodec, 3, request);
  if (response.errorCode !== 0) throw new Error(`ApiVersions failed: ${errorName(response.errorCode)}`);
  const fetch = response.apiKeys.find((k) => k.apiKey === FetchCodec.apiKey);
  if (!fetch) throw new Error('the broker does not advertise Fetch');
  const hi = Math.min(fetch.maxVersion, FetchCodec.maxVersion, preferred);
  if (hi < Math.max(fetch.minVersion, FetchCodec.minVersion, 4)) throw new Error('no common Fetch version >= 4');
  return hi;
}

/** Per-partition bookkeeping of a consume pass. */
interface Cursor {
  partition: number;
  next: number;
  end: number;
  records: number;
}

/**
 * Walks the batches of one partition's record set: checks that they continue the partition
 * exactly at `cursor.next`, counts records, optionally checks each batch CRC. A trailing partial
 * batch (allowed by the protocol) is ignored. Returns the batch bytes accepted.
 */
export function consumeRecords(records: Buffer, cursor: Cursor, checkCrc: boolean, label: string): { bytes: number; batches: number } {
  let pos = 0;
  let batches = 0;
  while (records.length - pos >= BATCH_HEADER_SIZE) {
    const size = records.readInt32BE(pos + BatchField.batchLength) + BATCH_LENGTH_PREFIX;
    if (pos + size > records.length) break; // partial batch at the end
    const base = readInt64(records, pos + BatchField.baseOffset);
    const lastDelta = records.readInt32BE(pos + BatchField.lastOffsetDelta);
    const count = records.readInt32BE(pos + BatchField.recordsCount);
    if (records.readInt8(pos + BatchField.magic) !== 2) throw new Error(`${label}: batch at offset ${base} has magic ${records.readInt8(pos + BatchField.magic)}`);
    if (base !== cursor.next) throw new Error(`${label}: batch starts at offset ${base}, expected ${cursor.next} (gap or duplicate)`);
    if (count !== lastDelta + 1) throw new Error(`${label}: batch at offset ${base} holds ${count} records but lastOffsetDelta ${lastDelta}`);
    if (checkCrc && computeBatchCrc(records, { position: pos, size }) !== records.readUInt32BE(pos + BatchField.crc)) {
      throw new Error(`${label}: batch at offset ${base} fails its CRC-32C`);
    }
    cursor.next = base + lastDelta + 1;
    cursor.records += count;
    batches++;
    pos += size;
  }
  return { bytes: pos, batches };
}

function decodeFetch(version: number, frame: Buffer): FetchResponse {
  const r = new Reader(frame);
  readResponseHeader(r, FetchCodec.apiKey, version);
  return FetchCodec.readResponse(r, version);
}

/** Reads partitions 0..ends.length-1 of `topic` from offset 0 up to `ends`. */
export async function consumeAll(
  host: string, port: number, version: number, topic: string, ends: number[], setting: FetchSetting,
  recordBytes: number, checkCrc: boolean, stallMs = 120_000,
): Promise<ConsumeResult> {
  const conn = await BenchConnection.connect(host, port);
  const cursors: Cursor[] = ends.map((end, partition) => ({ partition, next: 0, end, records: 0 }));
  const totalRecords = ends.reduce((a, b) => a + b, 0);
  let requests = 0;
  let batchBytes = 0;
  let batches = 0;
  let consumed = 0;
  const start = performance.now();
  let last = start;

  try {
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      const finish = (err?: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(stall);
        if (err) reject(err);
        else resolve();
      };
      const stall = setTimeout(() => finish(new Error(`consume pass did not finish within ${stallMs} ms: ${consumed} of ${totalRecords} records`)), stallMs);
      conn.onFailure(finish);

      const send = (wanted: Cursor[]): void => {
        const request = createFetchRequest();
        request.replicaId = -1;
        request.maxWaitMs = 500;
        request.minBytes = 1;
        request.maxBytes = setting.maxBytes;
        request.isolationLevel = 0;
        request.sessionId = 0;
        request.sessionEpoch = -1;
        const t = createFetchRequestFetchTopic();
        t.topic = topic;
        for (const c of wanted) {
          const p = createFetchRequestFetchPartition();
          p.partition = c.partition;
          p.fetchOffset = BigInt(c.next);
          p.partitionMaxBytes = setting.partitionMaxBytes;
          t.partitions.push(p);
        }
        request.topics = [t];
        requests++;
        conn.send((id) => encodeRequestFrame(FetchCodec.apiKey, version, id, CLIENT_ID, request), (frame, at) => {
          if (settled) return;
          const response = decodeFetch(version, frame);
          if (response.errorCode !== 0) throw new Error(`Fetch: ${errorName(response.errorCode)}`);
          for (const tr of response.responses) {
            for (const pr of tr.partitions) {
              const c = cursors[pr.partitionIndex];
              if (!c || tr.topic !== topic) throw new Error(`Fetch answered for ${tr.topic}-${pr.partitionIndex}, not asked for`);
              if (pr.errorCode !== 0) throw new Error(`Fetch ${topic}-${pr.partitionIndex}: ${errorName(pr.errorCode)}`);
              const before = c.records;
              const got = consumeRecords(pr.records ?? Buffer.alloc(0), c, checkCrc, `${topic}-${c.partition}`);
              batchBytes += got.bytes;
              batches += got.batches;
              consumed += c.records - before;
              if (c.next > c.end) throw new Error(`${topic}-${c.partition}: read up to offset ${c.next}, past its end offset ${c.end}`);
            }
          }
          last = at;
          if (setting.mode === 'all') {
            const open = cursors.filter((c) => c.next < c.end);
            if (open.length === 0) finish();
            else send(open);
          } else {
            const c = cursors.find((x) => x.partition === response.responses[0]?.partitions[0]?.partitionIndex);
            if (c && c.next < c.end) send([c]);
            else if (cursors.every((x) => x.next >= x.end)) finish();
          }
        });
      };

      const open = cursors.filter((c) => c.next < c.end);
      if (open.length === 0) finish();
      else if (setting.mode === 'all') send(open);
      else for (const c of open) send([c]);
    });
  } finally {
    conn.close();
  }

  for (const c of cursors) {
    if (c.records !== c.end || c.next !== c.end) {
      throw new Error(`CORRECTNESS FAILURE: ${topic}-${c.partition} read ${c.records} records up to offset ${c.next}, end offset ${c.end}`);
    }
  }
  const seconds = (last - start) / 1000;
  return {
    setting,
    records: consumed,
    batches,
    requests,
    batchBytes,
    wireBytes: conn.wireBytes,
    seconds,
    recordsPerSec: consumed / seconds,
    valueMiBPerSec: (consumed * recordBytes) / MiB / seconds,
    wireMiBPerSec: conn.wireBytes / MiB / seconds,
  };
}

// ---------------------------------------------------------------------------------------------

/** `sync; echo 3 > /proc/sys/vm/drop_caches`; returns a note on what happened. */
export function dropCaches(): string {
  try {
    execFileSync('sync');
    writeFileSync('/proc/sys/vm/drop_caches', '3\n');
    return 'page cache dropped';
  } catch (err) {
    return `drop_caches refused (${(err as Error).message.split('\n')[0]})`;
  }
}

/**
 * Minor page faults and CPU seconds (user, system) of a process so far, from /proc/<pid>/stat,
 * and the bytes it read with read-type syscalls (rchar of /proc/<pid>/io: file and socket reads).
 */
export function procStat(pid: number): { minorFaults: number; userSec: number; sysSec: number; readBytes: number } {
  let readBytes = NaN;
  try {
    readBytes = Number(/^rchar: (\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))?.[1] ?? NaN);
  } catch {
    // not readable: left NaN
  }
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = text.slice(text.lastIndexOf(')') + 2).split(' '); // fields from 3 (state) on
    const tick = 100; // USER_HZ
    return { minorFaults: Number(f[7]), userSec: Number(f[11]) / tick, sysSec: Number(f[12]) / tick, readBytes };
  } catch {
    return { minorFaults: NaN, userSec: NaN, sysSec: NaN, readBytes };
  }
}

function loadAvg(): string {
  return os.loadavg().map((x) => x.toFixed(2)).join(' ');
}

interface PassRow {
  source: string;
  result: ConsumeResult;
  /** Broker CPU seconds (user + system) and minor page faults during the pass. */
  brokerUserSec: number;
  brokerSysSec: number;
  brokerMinorFaults: number;
  /** MiB the broker read through read syscalls during the pass (WAL reads plus the requests). */
  brokerReadMiB: number;
  /** CPU seconds of this process (the consumer, user + system) during the pass. */
  clientSec: number;
  rssMiB: number;
  load: string;
  note: string;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** One markdown row per (source, setting): medians over the reps, and the range of records/s. */
export function summaryTable(rows: PassRow[]): string {
  const groups = new Map<string, PassRow[]>();
  for (const r of rows) {
    const key = `${r.source}|${formatSetting(r.result.setting)}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const n = (x: number): string => Math.round(x).toLocaleString('en-US');
  const lines = [
    '| source | fetch setting | records/s (median) | min..max records/s | value MiB/s | wire MiB/s | broker CPU s/GiB (user+sys) | consumer CPU s/GiB | broker read MiB | broker peak RSS MiB |',
    '|:--|:--|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const [key, g] of groups) {
    const [source, setting] = key.split('|');
    const rates = g.map((r) => r.result.recordsPerSec);
    const gib = (r: PassRow): number => r.result.batchBytes / 2 ** 30;
    lines.push(`| ${source} | ${setting} | ${n(median(rates))} | ${n(Math.min(...rates))}..${n(Math.max(...rates))} | ` +
      `${median(g.map((r) => r.result.valueMiBPerSec)).toFixed(1)} | ${median(g.map((r) => r.result.wireMiBPerSec)).toFixed(1)} | ` +
      `${median(g.map((r) => (r.brokerUserSec + r.brokerSysSec) / gib(r))).toFixed(2)} (${median(g.map((r) => r.brokerUserSec / gib(r))).toFixed(2)}+${median(g.map((r) => r.brokerSysSec / gib(r))).toFixed(2)}) | ` +
      `${median(g.map((r) => r.clientSec / gib(r))).toFixed(2)} | ${n(median(g.map((r) => r.brokerReadMiB)))} | ${n(Math.max(...g.map((r) => r.rssMiB)))} |`);
  }
  return lines.join('\n');
}

function formatRow(r: PassRow): string {
  const x = r.result;
  return `${r.source.padEnd(9)} ${formatSetting(x.setting).padEnd(58)} ${Math.round(x.recordsPerSec).toLocaleString('en-US').padStart(10)} records/s ` +
    `${x.valueMiBPerSec.toFixed(1).padStart(7)} MiB/s values, ${x.wireMiBPerSec.toFixed(1).padStart(7)} MiB/s wire, ` +
    `${x.seconds.toFixed(2)} s, ${x.requests} requests, ${x.batches} batches; broker CPU ${r.brokerUserSec.toFixed(2)} user + ${r.brokerSysSec.toFixed(2)} sys s, ` +
    `${Math.round(r.brokerMinorFaults / (x.batchBytes / MiB))} minor faults/MiB, read ${r.brokerReadMiB.toFixed(0)} MiB; consumer CPU ${r.clientSec.toFixed(2)} s; broker RSS ${r.rssMiB.toFixed(0)} MiB; load ${r.load}${r.note ? `; ${r.note}` : ''}`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      mib: { type: 'string', default: '1024' },
      'record-bytes': { type: 'string', default: '1024' },
      'records-per-batch': { type: 'string', default: String(DEFAULT_LOAD.recordsPerBatch) },
      partitions: { type: 'string', default: '6' },
      settings: { type: 'string', default: 'all:50m:1m,per-partition:50m:1m,all:50m:8m' },
      sources: { type: 'string', default: 'memory,disk-cold,disk-warm' },
      crc: { type: 'string', default: 'on' },
      'drop-caches': { type: 'string', default: 'on' },
      'fetch-version': { type: 'string', default: '12' },
      reps: { type: 'string', default: '3' },
      'cpu-prof-dir': { type: 'string' },
      'data-dir': { type: 'string' },
      json: { type: 'string' },
    },
    strict: true,
  });
  const recordBytes = Number(values['record-bytes']);
  const totalBytes = Number(values.mib) * MiB;
  const partitions = Number(values.partitions);
  const recordsPerBatch = Number(values['records-per-batch']);
  const settings = values.settings!.split(',').map(parseSetting);
  const sources = new Set(values.sources!.split(','));
  const checkCrc = values.crc !== 'off';
  const reps = Number(values.reps);
  // Whole requests of partitionsPerRequest x recordsPerBatch records; the count may round up by one request.
  const maxRecords = Math.ceil(totalBytes / recordBytes);
  const cacheBytes = Math.max(64 * MiB, Math.ceil(totalBytes * 1.25 + 64 * MiB));

  const dataDir = values['data-dir'] ?? mkdtempSync(path.join(os.tmpdir(), 'sluice-consume-'));
  const topic = `consume-${process.pid}`;
  const overrides = { 'log.level': 'warn', 'wal.enabled': 'true', 'log.cache.bytes': String(cacheBytes) };
  const rows: PassRow[] = [];
  const meta: Record<string, unknown> = { mib: Number(values.mib), recordBytes, recordsPerBatch, partitions, checkCrc, cacheBytes, dataDir };
  let broker: BenchBroker | null = null;
  const start = (): Promise<BenchBroker> => startBenchBroker({
    overrides, dataDir, keepDataDir: true, startTimeoutMs: 300_000,
    nodeArgs: values['cpu-prof-dir'] ? ['--cpu-prof', `--cpu-prof-dir=${values['cpu-prof-dir']}`] : [],
  });
  try {
    console.log(`consume benchmark: ${values.mib} MiB of ${recordBytes} B records, ${partitions} partitions, ${recordsPerBatch} records/batch; data dir ${dataDir}; log.cache.bytes ${cacheBytes}; load ${loadAvg()}`);
    broker = await start();
    const fill = await runProduceLoad(broker.host, broker.port, {
      ...DEFAULT_LOAD, acks: 1, recordBytes, recordsPerBatch, partitions, warmupMs: 0, durationMs: 600_000, maxRecords, topic,
    });
    meta.fill = fill;
    console.log(`filled: ${fill.totalRecords.toLocaleString('en-US')} records in ${fill.seconds.toFixed(1)} s (${Math.round(fill.recordsPerSec).toLocaleString('en-US')} records/s, ${fill.mibPerSec.toFixed(1)} MiB/s, acks=1)`);

    const admin = await BenchConnection.connect(broker.host, broker.port);
    const versions = await negotiate(admin);
    const version = await fetchVersion(admin, Number(values['fetch-version']));
    const ends = await endOffsets(admin, versions, topic, partitions);
    admin.close();
    meta.fetchVersion = version;
    meta.endOffsets = ends;
    console.log(`Fetch v${version}; end offsets [${ends.join(', ')}]`);

    const measure = async (source: string, s: FetchSetting, note: string): Promise<void> => {
      const b = broker!;
      const before = procStat(b.pid);
      const clientBefore = process.cpuUsage();
      const result = await consumeAll(b.host, b.port, version, topic, ends, s, recordBytes, checkCrc);
      const after = procStat(b.pid);
      const client = process.cpuUsage(clientBefore);
      const row: PassRow = {
        source, result, note, rssMiB: b.peakRssMiB(), load: loadAvg(),
        brokerUserSec: after.userSec - before.userSec,
        brokerSysSec: after.sysSec - before.sysSec,
        brokerMinorFaults: after.minorFaults - before.minorFaults,
        brokerReadMiB: (after.readBytes - before.readBytes) / MiB,
        clientSec: (client.user + client.system) / 1e6,
      };
      rows.push(row);
      console.log(formatRow(row));
    };
    const pass = async (source: string, note = ''): Promise<void> => {
      for (let rep = 0; rep < reps; rep++) for (const s of settings) await measure(source, s, note);
    };

    if (sources.has('memory')) await pass('memory');
    if (sources.has('disk-cold') || sources.has('disk-warm')) {
      await broker.stop();
      const du = execFileSync('du', ['-sm', path.join(dataDir, 'wal')], { encoding: 'utf8' }).split('\t')[0];
      const t0 = performance.now();
      broker = await start();
      const restartMs = performance.now() - t0;
      meta.restartMs = restartMs;
      meta.walMiB = Number(du);
      console.log(`restarted on the same data dir (WAL ${du} MiB) in ${(restartMs / 1000).toFixed(2)} s (process start + WAL recovery); broker RSS ${broker.peakRssMiB().toFixed(0)} MiB`);
      if (sources.has('disk-cold')) {
        for (let rep = 0; rep < reps; rep++) {
          for (const s of settings) await measure('disk-cold', s, values['drop-caches'] === 'off' ? 'page cache not dropped' : dropCaches());
        }
      }
      if (sources.has('disk-warm')) await pass('disk-warm', 'WAL files in the page cache');
    }
    console.log('all passes: every partition read contiguously from offset 0 to its end offset, record counts match');
    console.log(`\n${summaryTable(rows)}`);
  } finally {
    if (broker) await broker.stop();
    if (!values['data-dir']) rmSync(dataDir, { recursive: true, force: true });
    if (values.json) writeFileSync(values.json, JSON.stringify({ meta, rows }, null, 2));
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: Error) => {
    console.error(`consume FAILED: ${err.stack ?? err.message}`);
    process.exit(1);
  });
}
