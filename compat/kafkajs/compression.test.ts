/**
 * kafkajs producer with every codec (gzip built in; snappy, lz4 and zstd through their kafkajs
 * codec packages, see codecs.ts) at acks 0, 1 and -1. Records carry binary keys (some null),
 * binary values (compressible and not) and several headers; they are read back with kafkajs's
 * own Fetch and decoder (harness.fetchAllRecords, no consumer group needed) and compared byte
 * for byte, in order, at the offsets the producer was given. A final check dumps the WAL and
 * finds each topic's batches stored with the codec the client chose (verbatim, not re-encoded).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin, Kafka, Message } from 'kafkajs';
import { CODECS } from './codecs.js';
import { parseDumpLog } from '../dump-log.js';
import { describeRun, endOffsets, fetchAllRecords, kafkaClient, pollUntil, runDumpLog, startBroker, sum, type Broker, type FetchedRecord } from '../harness.js';

const PARTITIONS = 2;
const SENDS = 6;
const PER_SEND = 24; // even, so each send puts PER_SEND / 2 records in each partition

/** Deterministic bytes (xorshift32), so a failure reproduces exactly. */
function bytes(seed: number, length: number): Buffer {
  let x = seed | 1;
  const out = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

interface Sent { partition: number; key: Buffer | null; value: Buffer; headers: Record<string, Buffer> }

function makeMessage(n: number): Sent {
  // Every third value is random (incompressible), the others repeat a pattern (compressible).
  const value = n % 3 === 0 ? bytes(n + 1, 300 + (n % 50)) : Buffer.from(`value-${n}:`.repeat(20 + (n % 7)));
  return {
    partition: n % PARTITIONS,
    key: n % 10 === 0 ? null : bytes(n + 7_000, 1 + (n % 16)),
    value,
    headers: { seq: Buffer.from(String(n)), bin: bytes(n + 90_000, 8), empty: Buffer.alloc(0) },
  };
}

function headerBuffer(h: Buffer | Buffer[] | undefined): Buffer | undefined {
  return Array.isArray(h) ? h[0] : h;
}

describe('kafkajs compression codecs against sluice', () => {
  let broker: Broker;
  let kafka: Kafka;
  let admin: Admin;
  const topics: Array<{ topic: string; codec: string }> = [];

  beforeAll(async () => {
    broker = await startBroker();
    kafka = kafkaClient(broker.bootstrap, 'compat-compression');
    admin = kafka.admin();
    await admin.connect();
  });

  afterAll(async () => {
    await admin?.disconnect();
    await broker?.stop();
  });

  const cases = CODECS.flatMap((codec) => [0, 1, -1].map((acks) => ({ codec: codec.name, type: codec.type, acks })));

  it.each(cases)('$codec at acks=$acks: read back byte for byte', async ({ codec, type, acks }) => {
    const topic = `codec-${codec}-acks${acks === -1 ? 'all' : acks}`;
    topics.push({ topic, codec });
    await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const sent: Sent[] = [];
    const acked = new Map<number, number[]>(); // partition -> base offsets, in send order
    try {
      for (let s = 0; s < SENDS; s++) {
        const batch = Array.from({ length: PER_SEND }, (_, i) => makeMessage(s * PER_SEND + i));
        sent.push(...batch);
        const messages: Message[] = batch.map((m) => ({ partition: m.partition, key: m.key, value: m.value, headers: m.headers }));
        const result = await producer.send({ topic, acks, compression: type, messages });
        if (acks === 0) {
          expect(result).toEqual([]);
          continue;
        }
        for (const r of result) {
          expect(r.errorCode).toBe(0);
          acked.set(r.partition, [...(acked.get(r.partition) ?? []), Number(r.baseOffset)]);
        }
      }
    } finally {
      await producer.disconnect();
    }

    const total = SENDS * PER_SEND;
    const ends = await pollUntil(async () => {
      const e = await endOffsets(admin, topic);
      return sum(e.values()) >= total ? e : undefined;
    }, `${total} records in ${topic}`);
    expect(sum(ends.values())).toBe(total);

    const records = await fetchAllRecords(kafka, topic, ends);
    expect(records).toHaveLength(total);
    for (let p = 0; p < PARTITIONS; p++) {
      const want = sent.filter((m) => m.partition === p);
      const got = records.filter((r) => r.partition === p).sort((a, b) => a.offset - b.offset);
      expect(got.map((r) => r.offset), `partition ${p} offsets`).toEqual(want.map((_, i) => i));
      for (let i = 0; i < want.length; i++) {
        const w = want[i]!;
        const g: FetchedRecord = got[i]!;
        const where = `${topic}/${p}@${i}`;
        if (w.key === null) expect(g.key, `${where} key`).toBeNull();
        else expect(g.key?.equals(w.key), `${where} key`).toBe(true);
        expect(g.value?.equals(w.value), `${where} value`).toBe(true);
        expect(Object.keys(g.headers).sort(), `${where} header names`).toEqual(['bin', 'empty', 'seq']);
        for (const [name, value] of Object.entries(w.headers)) {
          expect(headerBuffer(g.headers[name])?.equals(value), `${where} header ${name}`).toBe(true);
        }
      }
      if (acks !== 0) {
        // Each send's batch for this partition starts where the previous one ended.
        const perSend = PER_SEND / PARTITIONS;
        expect(acked.get(p), `partition ${p} acknowledged base offsets`).toEqual(Array.from({ length: SENDS }, (_, s) => s * perSend));
      }
    }
  });

  it('the WAL keeps every batch in the codec the client chose', async () => {
    expect(topics).toHaveLength(cases.length);
    await broker.kill('SIGTERM');
    const dump = await runDumpLog(broker.dataDir);
    expect(dump.code, describeRun(dump)).toBe(0);
    const codecOf = new Map<string, Set<string>>();
    for (const line of dump.stdout.split('\n')) {
      const topic = /\btopic=(\S+)/.exec(line)?.[1];
      const codec = /\bcompression=(\S+)/.exec(line)?.[1];
      if (line.startsWith('batch') && topic && codec) codecOf.set(topic, (codecOf.get(topic) ?? new Set()).add(codec));
    }
    for (const { topic, codec } of topics) expect([...(codecOf.get(topic) ?? [])], topic).toEqual([codec]);
    const parts = parseDumpLog(dump.stdout);
    for (const { topic } of topics) expect(sum(parts.filter((x) => x.topic === topic).map((x) => x.count)), topic).toBe(SENDS * PER_SEND);
  });
});
