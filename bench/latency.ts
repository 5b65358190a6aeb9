/**
 * End-to-end latency: produce to consume, through a real broker process.
 *
 * Per cell (acks x rate), on a fresh single-partition topic:
 * - one producer connection sends Produce requests at a fixed rate (`--rate` records/s, in
 *   requests of `--batch` records of `--record-bytes` bytes), paced by a 1 ms timer that sends
 *   whatever is due, without waiting for answers (so a slow answer does not slow the rate);
 * - one consumer connection long-polls Fetch from the end (offset 0 of the new topic):
 *   max_wait_ms 500, min_bytes 1, one request in flight, as a consumer does;
 * - every record value starts with its sequence number (uint32) and the `performance.now()`
 *   at which the request carrying it was written to the socket (float64). Producer and consumer
 *   are in this one process, so the same clock: latency = arrival of the Fetch response
 *   holding the record - send time of its Produce request.
 * Records sent during the warm-up are consumed but not counted. After the measured phase the
 * producer stops and the consumer must receive every record exactly once, in order, at offset
 * = sequence number, or the run fails. Also reported: produce latency (request written to
 * answer received), the acknowledgement the producer waits for at that acks level.
 *
 *   node dist/bench/latency.js                             # acks 1 and all x 1,000 and 5,000 records/s, 10 s each
 *   node dist/bench/latency.js --acks all --rate 2000 --seconds 20 --batch 10
 */
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Reader } from '../protocol/primitives.js';
import { readResponseHeader } from '../protocol/headers.js';
import { buildBatch } from '../protocol/record-batch-builder.js';
import { BATCH_HEADER_SIZE, BATCH_LENGTH_PREFIX, BatchField, readInt64 } from '../protocol/record-batch.js';
import {
  FetchCodec,
  ProduceCodec,
  createFetchRequest,
  createFetchRequestFetchPartition,
  createFetchRequestFetchTopic,
  createProduceRequest,
  createProduceRequestPartitionProduceData,
  createProduceRequestTopicProduceData,
  type FetchResponse,
} from '../protocol/generated/index.js';
import { createTopic, negotiate } from './admin.js';
import { startBenchBroker } from './broker-process.js';
import { fetchVersion } from './consume.js';
import { BenchConnection, decodeResponse, encodeRequest, errorName } from './wire.js';

export interface LatencyConfig {
  acks: 1 | -1;
  /** Records per second. */
  rate: number;
  /** Records per Produce request (one batch). */
  batch: number;
  recordBytes: number;
  warmupMs: number;
  durationMs: number;
}

export interface LatencyResult {
  config: LatencyConfig;
  /** Records sent in the measured phase (all of them were consumed). */
  count: number;
  /** Achieved rate over the measured phase, records/s. */
  sentRate: number;
  e2e: Summary;
  produce: Summary;
  fetches: number;
  loadAvg: string;
}

export interface Summary {
  p50: number;
  p99: number;
  p999: number;
  max: number;
}

function summarize(values: number[]): Summary {
  const s = Float64Array.from(values).sort();
  const q = (x: number): number => (s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.ceil(x * s.length) - 1)]!);
  return { p50: q(0.5), p99: q(0.99), p999: q(0.999), max: s.length ? s[s.length - 1]! : NaN };
}

/** Zigzag varint at `pos`: [value, next position]. */
function varint(buf: Buffer, pos: number): [number, number] {
  let v = 0;
  let mul = 1;
  for (;;) {
    const b = buf[pos++]!;
    v += (b & 0x7f) * mul;
    if (b < 0x80) break;
    mul *= 128;
  }
  return [v % 2 === 0 ? v / 2 : -(v + 1) / 2, pos];
}

/** Calls `visit(offset, value)` for every record of every whole batch in `records`. */
function forEachValue(records: Buffer, visit: (offset: number, value: Buffer) => void): void {
  let pos = 0;
  while (records.length - pos >= BATCH_HEADER_SIZE) {
    const size = records.readInt32BE(pos + BatchField.batchLength) + BATCH_LENGTH_PREFIX;
    if (pos + size > records.length) break;
    if ((records.readInt16BE(pos + BatchField.attributes) & 0x07) !== 0) throw new Error('compressed batch: not produced by this benchmark');
    const base = readInt64(records, pos + BatchField.baseOffset);
    const count = records.readInt32BE(pos + BatchField.recordsCount);
    let p = pos + BATCH_HEADER_SIZE;
    for (let i = 0; i < count; i++) {
      const [length, bodyStart] = varint(records, p);
      let q = bodyStart + 1; // attributes
      let timestampDelta: number;
      let offsetDelta: number;
      let keyLength: number;
      let valueLength: number;
      [timestampDelta, q] = varint(records, q);
      void timestampDelta;
      [offsetDelta, q] = varint(records, q);
      [keyLength, q] = varint(records, q);
      if (keyLength > 0) q += keyLength;
      [valueLength, q] = varint(records, q);
      visit(base + offsetDelta, records.subarray(q, q + Math.max(0, valueLength)));
      p = bodyStart + length;
    }
    pos += size;
  }
}

const loadAvg = (): string => os.loadavg().map((x) => x.toFixed(2)).join(' ');

/** Runs one cell against a broker that is already listening. */
export async function runLatency(host: string, port: number, cfg: LatencyConfig): Promise<LatencyResult> {
  const admin = await BenchConnection.connect(host, port);
  const producer = await BenchConnection.connect(host, port);
  const consumer = await BenchConnection.connect(host, port);
  const topic = `latency-${process.pid}-${cfg.acks === -1 ? 'all' : '1'}-${cfg.rate}-${Date.now()}`;
  try {
    const versions = await negotiate(admin);
    const fetchV = await fetchVersion(admin);
    await createTopic(admin, versions, topic, 1);

    const sendTimes: number[] = []; // per sequence number
    const e2e: number[] = [];
    const produceLat: number[] = [];
    let sent = 0;
    let received = 0;
    let fetches = 0;
    const start = performance.now();
    const measureFrom = start + cfg.warmupMs;
    const measureTo = measureFrom + cfg.durationMs;
    let measuredSent = 0;
    let firstMeasuredSend = NaN;
    let lastMeasuredSend = NaN;
    const value = Buffer.alloc(Math.max(12, cfg.recordBytes), 0x61);

    await new Promise<void>((resolve, reject) => {
      let settled = false;
      let timer: NodeJS.Timeout | null = null;
      let stopped = false;
      const finish = (err?: Error): void => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        clearTimeout(guard);
        if (err) reject(err);
        else resolve();
      };
      const guard = setTimeout(() => finish(new Error(`cell did not finish: ${received} of ${sent} records consumed`)), cfg.warmupMs + cfg.durationMs + 60_000);
      producer.onFailure(finish);
      consumer.onFailure(finish);

      // ---- producer: paced by a 1 ms timer, sends whatever is due ----
      const sendOne = (): void => {
        const now = performance.now();
        const records = [];
        for (let i = 0; i < cfg.batch; i++) {
          const v = Buffer.from(value);
          v.writeUInt32BE(sent + i, 0);
          v.writeDoubleBE(now, 4);
          records.push({ key: null, value: v, timestampDelta: 0 });
        }
        const request = createProduceRequest();
        request.acks = cfg.acks;
        request.timeoutMs = 30_000;
        const data = createProduceRequestTopicProduceData();
        data.name = topic;
        const part = createProduceRequestPartitionProduceData();
        part.index = 0;
        part.records = buildBatch(records, { baseTimestamp: Date.now() });
        data.partitionData.push(part);
        request.topicData = [data];
        const id = producer.correlationId();
        const frame = encodeRequest(ProduceCodec, versions.produce, id, request);
        const first = sent;
        for (let i = 0; i < cfg.batch; i++) sendTimes.push(now);
        sent += cfg.batch;
        const measured = now >= measureFrom && now < measureTo;
        if (measured) {
          measuredSent += cfg.batch;
          if (Number.isNaN(firstMeasuredSend)) firstMeasuredSend = now;
          lastMeasuredSend = now;
        }
        producer.expect(id, (f, at) => {
          try {
            const response = decodeResponse(ProduceCodec, versions.produce, f);
            const p = response.responses[0]?.partitionResponses[0];
            if (!p) throw new Error('Produce response without a partition');
            if (p.errorCode !== 0) throw new Error(`Produce: ${errorName(p.errorCode)} ${p.errorMessage ?? ''}`);
            if (Number(p.baseOffset) !== first) throw new Error(`Produce got base offset ${p.baseOffset}, expected ${first}`);
            if (measured) produceLat.push(at - now);
          } catch (err) {
            finish(err as Error);
          }
        });
        producer.socket.write(frame);
      };
      const tick = (): void => {
        if (settled) return;
        const now = performance.now();
        if (now >= measureTo) {
          stopped = true;
          if (received === sent) finish();
          return;
        }
        const due = Math.floor(((now - start) / 1000) * (cfg.rate / cfg.batch));
        let n = due - sent / cfg.batch;
        if (producer.outstanding > 10_000) return finish(new Error(`the broker fell behind: ${producer.outstanding} Produce requests unanswered`));
        while (n-- > 0) sendOne();
        timer = setTimeout(tick, 1);
      };

      // ---- consumer: one long poll in flight, from the end ----
      const poll = (): void => {
        if (settled) return;
        const request = createFetchRequest();
        request.replicaId = -1;
        request.maxWaitMs = 500;
        request.minBytes = 1;
        request.maxBytes = 50 * 2 ** 20;
        request.sessionEpoch = -1;
        const t = createFetchRequestFetchTopic();
        t.topic = topic;
        const p = createFetchRequestFetchPartition();
        p.partition = 0;
        p.fetchOffset = BigInt(received);
        p.partitionMaxBytes = 2 ** 20;
        t.partitions.push(p);
        request.topics = [t];
        const id = consumer.correlationId();
        fetches++;
        consumer.expect(id, (f, at) => {
          try {
            const r = new Reader(f);
            readResponseHeader(r, FetchCodec.apiKey, fetchV);
            const response: FetchResponse = FetchCodec.readResponse(r, fetchV);
            const pr = response.responses[0]?.partitions[0];
            if (response.errorCode !== 0 || !pr) throw new Error(`Fetch: ${errorName(response.errorCode)}`);
            if (pr.errorCode !== 0) throw new Error(`Fetch ${topic}-0: ${errorName(pr.errorCode)}`);
            forEachValue(pr.records ?? Buffer.alloc(0), (offset, v) => {
              if (offset < received) return; // a batch starting before the fetch offset
              if (offset !== received) throw new Error(`record at offset ${offset}, expected ${received} (gap)`);
              const seq = v.readUInt32BE(0);
              if (seq !== offset) throw new Error(`record ${offset} carries sequence ${seq}`);
              const sentAt = v.readDoubleBE(4);
              if (sentAt !== sendTimes[seq]) throw new Error(`record ${seq} carries send time ${sentAt}, not ${sendTimes[seq]}`);
              if (sentAt >= measureFrom && sentAt < measureTo) e2e.push(at - sentAt);
              received++;
            });
            if (stopped && received === sent) return finish();
            poll();
          } catch (err) {
            finish(err as Error);
          }
        });
        consumer.socket.write(encodeRequest(FetchCodec, fetchV, id, request));
      };

      poll();
      tick();
    });

    if (e2e.length !== measuredSent) throw new Error(`CORRECTNESS FAILURE: ${measuredSent} records sent in the measured phase, ${e2e.length} consumed`);
    return {
      config: cfg,
      count: e2e.length,
      sentRate: measuredSent / ((lastMeasuredSend - firstMeasuredSend) / 1000),
      e2e: summarize(e2e),
      produce: summarize(produceLat),
      fetches,
      loadAvg: loadAvg(),
    };
  } finally {
    admin.close();
    producer.close();
    consumer.close();
  }
}

export function formatLatency(r: LatencyResult): string {
  const ms = (x: number): string => x.toFixed(2);
  const c = r.config;
  return `acks=${c.acks === -1 ? 'all' : '1'} ${c.rate.toLocaleString('en-US')} records/s (${c.batch}/request, ${c.recordBytes} B): ` +
    `end-to-end p50 ${ms(r.e2e.p50)} ms, p99 ${ms(r.e2e.p99)} ms, p99.9 ${ms(r.e2e.p999)} ms, max ${ms(r.e2e.max)} ms; ` +
    `produce p50 ${ms(r.produce.p50)} ms, p99 ${ms(r.produce.p99)} ms, max ${ms(r.produce.max)} ms; ` +
    `${r.count.toLocaleString('en-US')} records (${Math.round(r.sentRate).toLocaleString('en-US')}/s sent), ${r.fetches} fetches; load ${r.loadAvg}`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      acks: { type: 'string', default: '1,all' },
      rate: { type: 'string', default: '1000,5000' },
      batch: { type: 'string', default: '1' },
      'record-bytes': { type: 'string', default: '100' },
      seconds: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '2' },
      sync: { type: 'string', default: 'always' },
      bootstrap: { type: 'string' },
    },
    strict: true,
  });
  const acksList = values.acks!.split(',').map((a) => (a === 'all' || a === '-1' ? -1 : a === '1' ? 1 : NaN));
  if (acksList.some((a) => Number.isNaN(a))) throw new Error('--acks takes 1, all (or -1), comma-separated');
  const rates = values.rate!.split(',').map(Number);
  const base = {
    batch: Number(values.batch),
    recordBytes: Number(values['record-bytes']),
    warmupMs: Number(values.warmup) * 1000,
    durationMs: Number(values.seconds) * 1000,
  };
  let host: string;
  let port: number;
  let stop = async (): Promise<void> => undefined;
  if (values.bootstrap) {
    const [h, p] = values.bootstrap.split(':');
    host = h!;
    port = Number(p);
  } else {
    const broker = await startBenchBroker({ overrides: { 'log.level': 'warn', 'wal.sync.policy': values.sync! } });
    host = broker.host;
    port = broker.port;
    stop = async () => {
      console.log(`broker peak RSS ${broker.peakRssMiB().toFixed(0)} MiB (WAL on, sync ${values.sync})`);
      await broker.stop();
    };
  }
  console.log(`latency benchmark: load ${loadAvg()}`);
  try {
    for (const acks of acksList) {
      for (const rate of rates) {
        console.log(formatLatency(await runLatency(host, port, { ...base, acks: acks as 1 | -1, rate })));
      }
    }
  } finally {
    await stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: Error) => {
    console.error(`latency FAILED: ${err.stack ?? err.message}`);
    process.exit(1);
  });
}
