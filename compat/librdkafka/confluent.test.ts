/**
 * @confluentinc/kafka-javascript 1.10.1 (its bundled librdkafka 2.15.1, flexible protocol
 * versions) against sluice, through its KafkaJS-compatible API:
 *   - a producer at acks=-1 with zstd, lz4 and no compression sends keyed messages with
 *     headers to explicit partitions;
 *   - a consumer group of two members consumes the topic: both get partitions, every message
 *     arrives with its key, value and headers, and the committed offsets end equal to the end
 *     offsets;
 *   - kafkajs reads the same records back byte for byte (librdkafka-compressed batches);
 *   - a RegExp subscription picks up a topic created after the consumer subscribed, once
 *     librdkafka refreshes its metadata.
 *
 * The package lives in compat/librdkafka/package.json, not the root one: its install compiles
 * the bundled librdkafka, offline only with CKJS_LINKING=dynamic (see compat/README.md).
 * .ci/run installs it; without it this test fails and says how to install it.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin } from 'kafkajs';
import '../kafkajs/codecs.js';
import {
  describeVersions, endOffsets, fetchAllRecords, kafkaClient, nonFlexibleRequests, pollUntil, requestVersionsByClient, startBroker, storedBatches, sum, type Broker,
} from '../harness.js';
import { when } from '../kafkajs/ledger.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PACKAGE_DIR = path.join(HERE, 'node_modules/@confluentinc/kafka-javascript');

// Just the parts of the KafkaJS-compatible API used here (the package's own typings are not
// visible to the root tsc build, which must not depend on this optional install).
interface CMessage { key?: Buffer | string | null; value: Buffer | string | null; partition?: number; headers?: Record<string, string | Buffer> }
interface CProducer { connect(): Promise<void>; disconnect(): Promise<void>; send(r: { topic: string; messages: CMessage[] }): Promise<Array<{ partition: number; errorCode: number; baseOffset?: string }>> }
interface CDelivered { topic: string; partition: number; message: { offset: string; key: Buffer | null; value: Buffer | null; headers?: Record<string, Buffer | string | Array<Buffer | string>> } }
interface CConsumer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  subscribe(s: { topics: Array<string | RegExp> }): Promise<void>;
  run(r: { eachMessage: (p: CDelivered) => Promise<void> }): Promise<void>;
  assignment(): Array<{ topic: string; partition: number }>;
}
interface CKafka {
  producer(c: { kafkaJS: Record<string, unknown> }): CProducer;
  consumer(c: { kafkaJS: Record<string, unknown>; [key: string]: unknown }): CConsumer;
}
interface CModule {
  librdkafkaVersion: string;
  features: string[];
  KafkaJS: {
    Kafka: new (c: { kafkaJS: Record<string, unknown> }) => CKafka;
    CompressionTypes: Record<'None' | 'GZIP' | 'SNAPPY' | 'LZ4' | 'ZSTD', string>;
    logLevel: Record<'NOTHING' | 'ERROR', number>;
  };
}

function loadClient(): CModule {
  if (!existsSync(PACKAGE_DIR)) {
    throw new Error(
      '@confluentinc/kafka-javascript is not installed. Install it with ' +
        '`CKJS_LINKING=dynamic npm ci --prefix compat/librdkafka` (.ci/run does this).',
    );
  }
  return createRequire(path.join(HERE, 'package.json'))('@confluentinc/kafka-javascript') as CModule;
}

const PARTITIONS = 4;
const PER_CODEC = 500;
const CODECS = ['ZSTD', 'LZ4', 'GZIP', 'SNAPPY', 'None'] as const;

interface Expected { partition: number; key: string; value: string; trace: string }

function headerString(h: Buffer | string | Array<Buffer | string> | undefined): string | undefined {
  const v = Array.isArray(h) ? h[0] : h;
  return v === undefined ? undefined : v.toString();
}

describe('@confluentinc/kafka-javascript against sluice', () => {
  let client: CModule;
  let broker: Broker;
  let admin: Admin;
  const topic = 'ckjs-topic';
  const expected = new Map<string, Expected>();

  beforeAll(async () => {
    client = loadClient();
    // log.level=debug: the broker logs each request's API and version (checked by the last test).
    broker = await startBroker({ overrides: { 'auto.create.topics.enable': 'false', 'log.level': 'debug' } });
    admin = kafkaClient(broker.bootstrap, 'compat-ckjs-admin').admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
  });

  afterAll(async () => {
    await admin?.disconnect();
    await broker?.stop();
  });

  /** The producer side: idempotent at acks=-1, one producer per codec, keyed messages with a header. */
  async function produceAll(): Promise<void> {
    const { Kafka, CompressionTypes, logLevel } = client.KafkaJS;
    const kafka = new Kafka({ kafkaJS: { brokers: [broker.bootstrap], clientId: 'compat-ckjs', logLevel: logLevel.NOTHING } });
    let n = 0;
    for (const compression of CODECS.map((c) => CompressionTypes[c])) {
      const producer = kafka.producer({ kafkaJS: { acks: -1, compression, idempotent: true } });
      await producer.connect();
      try {
        const messages: CMessage[] = [];
        for (let i = 0; i < PER_CODEC; i++, n++) {
          const e: Expected = { partition: n % PARTITIONS, key: `key-${n}`, value: `value-${n}-${'r'.repeat(n % 30)}`, trace: `t${n}` };
          expected.set(e.key, e);
          messages.push({ partition: e.partition, key: e.key, value: e.value, headers: { trace: e.trace } });
        }
        const result = await producer.send({ topic, messages });
        for (const r of result) expect(r.errorCode).toBe(0);
      } finally {
        await producer.disconnect();
      }
    }
    const ends = await endOffsets(admin, topic);
    expect(sum(ends.values())).toBe(expected.size);
    for (let p = 0; p < PARTITIONS; p++) expect(ends.get(p)).toBe(expected.size / PARTITIONS);
  }

  it('librdkafka has the codecs the test uses', () => {
    expect(client.librdkafkaVersion).toMatch(/^2\./);
    expect(client.features).toEqual(expect.arrayContaining(['gzip', 'snappy', 'lz4', 'zstd']));
  });

  it('idempotent producers at acks=-1 (zstd, lz4, gzip, snappy, none) and a consumer group of two: everything delivered exactly, end offsets committed', { timeout: 90_000 }, async () => {
    const { Kafka, logLevel } = client.KafkaJS;
    const kafka = new Kafka({ kafkaJS: { brokers: [broker.bootstrap], clientId: 'compat-ckjs-group', logLevel: logLevel.NOTHING } });
    const groupId = 'ckjs-group';
    const seen = new Map<string, number>();
    const byMember = [0, 0];
    const done = when(() => seen.size >= CODECS.length * PER_CODEC, 60_000, `${CODECS.length * PER_CODEC} messages in the group`);
    const consumers: CConsumer[] = [];
    try {
      for (const member of [0, 1]) {
        const consumer = kafka.consumer({ kafkaJS: { groupId, fromBeginning: true, sessionTimeout: 6_000 }, 'auto.commit.interval.ms': 200 });
        consumers.push(consumer);
        await consumer.connect();
        await consumer.subscribe({ topics: [topic] });
        await consumer.run({
          eachMessage: async ({ partition, message }) => {
            const key = message.key!.toString();
            const e = expected.get(key);
            if (!e || e.partition !== partition || message.value?.toString() !== e.value || headerString(message.headers?.trace) !== e.trace) {
              throw new Error(`unexpected delivery ${partition}@${message.offset} key=${key}`);
            }
            seen.set(key, (seen.get(key) ?? 0) + 1);
            byMember[member]!++;
            done.poke();
          },
        });
      }
      // Both members hold partitions before anything is produced, so both consume.
      await pollUntil(async () => {
        const held = consumers.map((c) => c.assignment().map((a) => a.partition));
        return held.every((h) => h.length > 0) && new Set(held.flat()).size === PARTITIONS ? true : undefined;
      }, 'both members to hold partitions', 30_000);
      await produceAll();
      await done.promise;
      expect(seen.size).toBe(expected.size);
      const ends = await endOffsets(admin, topic);
      const committed = await pollUntil(async () => {
        const o = await admin.fetchOffsets({ groupId, topics: [topic] });
        const m = new Map(o[0]!.partitions.map((p) => [p.partition, Number(p.offset)]));
        return [...ends].every(([p, e]) => m.get(p) === e) ? m : undefined;
      }, 'the group to commit the end offsets', 20_000);
      for (const [p, e] of ends) expect(committed.get(p)).toBe(e);
      const described = await admin.describeGroups([groupId]);
      expect(described.groups[0]!.members.length, 'both members are in the group').toBe(2);
      console.log(`confluent group: per member ${byMember.join(' / ')}, ${sum(seen.values()) - seen.size} repeats`);
      expect(byMember.every((n) => n > 0), 'both members consumed').toBe(true);
    } finally {
      for (const c of consumers) await c.disconnect().catch(() => undefined);
    }
  });
  it('kafkajs reads the librdkafka-compressed batches back exactly', async () => {
    const kafka = kafkaClient(broker.bootstrap, 'compat-ckjs-readback');
    const records = await fetchAllRecords(kafka, topic, await endOffsets(admin, topic));
    expect(expected.size, 'the group test produced first').toBe(CODECS.length * PER_CODEC);
    expect(records).toHaveLength(expected.size);
    for (const r of records) {
      const e = expected.get(r.key!.toString())!;
      expect(e, `key ${r.key}`).toBeDefined();
      expect([r.partition, r.value!.toString(), headerString(r.headers.trace)]).toEqual([e.partition, e.value, e.trace]);
    }
  });

  it('the log holds each producer\'s batches with its codec and its producer id (idempotent)', async () => {
    const batches = await storedBatches(broker, topic, PARTITIONS);
    expect(sum(batches.map((b) => b.records))).toBe(CODECS.length * PER_CODEC);
    const idsByCodec = new Map<string, Set<number>>();
    for (const b of batches) idsByCodec.set(b.codec, (idsByCodec.get(b.codec) ?? new Set()).add(b.producerId));
    expect([...idsByCodec.keys()].sort()).toEqual(['gzip', 'lz4', 'none', 'snappy', 'zstd']);
    // One idempotent producer per codec, each with its own id from InitProducerId.
    const ids = [...idsByCodec.values()].map((set) => [...set]);
    for (const list of ids) expect(list.length === 1 && list[0]! >= 0, `producer ids ${list}`).toBe(true);
    expect(new Set(ids.flat()).size).toBe(CODECS.length);
  });

  it('a RegExp subscription picks up a topic created after subscribing', { timeout: 60_000 }, async () => {
    const { Kafka, logLevel } = client.KafkaJS;
    const kafka = new Kafka({ kafkaJS: { brokers: [broker.bootstrap], clientId: 'compat-ckjs-regex', logLevel: logLevel.NOTHING } });
    const consumer = kafka.consumer({ kafkaJS: { groupId: 'ckjs-regex', fromBeginning: true, sessionTimeout: 6_000 }, 'topic.metadata.refresh.interval.ms': 500 });
    const got: string[] = [];
    const arrived = when(() => got.length >= 3, 45_000, 'messages from the later topic');
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [/^later-/] });
      await consumer.run({
        eachMessage: async ({ topic: t, message }) => {
          got.push(`${t}:${message.value!.toString()}`);
          arrived.poke();
        },
      });
      expect(consumer.assignment()).toEqual([]);
      await admin.createTopics({ topics: [{ topic: 'later-topic', numPartitions: 1 }, { topic: 'unrelated-later', numPartitions: 1 }], waitForLeaders: true });
      const producer = kafkaClient(broker.bootstrap, 'compat-ckjs-regex-producer').producer({ allowAutoTopicCreation: false });
      await producer.connect();
      await producer.send({ topic: 'later-topic', acks: -1, messages: [{ value: 'a' }, { value: 'b' }, { value: 'c' }] });
      await producer.send({ topic: 'unrelated-later', acks: -1, messages: [{ value: 'x' }] });
      await producer.disconnect();
      await arrived.promise;
      expect(got).toEqual(['later-topic:a', 'later-topic:b', 'later-topic:c']);
      expect(consumer.assignment()).toEqual([{ topic: 'later-topic', partition: 0 }]);
    } finally {
      await consumer.disconnect();
    }
  });

  it('librdkafka 2.x used a flexible version wherever it has one: the highest version both sides speak', () => {
    // The librdkafka clients only (the other ids here are kafkajs clients of the harness).
    const librdkafka = new Set(['compat-ckjs', 'compat-ckjs-group', 'compat-ckjs-regex']);
    const byClient = new Map([...requestVersionsByClient(broker.logs())].filter(([client]) => librdkafka.has(client)));
    for (const [client, apis] of byClient) console.log(`[librdkafka ${client}] ${describeVersions(apis)}`);
    const apis = new Set([...byClient.values()].flatMap((a) => [...a.keys()]));
    for (const api of ['Produce', 'InitProducerId', 'Fetch', 'Metadata', 'JoinGroup', 'SyncGroup', 'OffsetCommit', 'OffsetFetch', 'ListOffsets']) expect(apis, api).toContain(api);
    // librdkafka 2.15's own highest versions of the classic group APIs predate their flexible
    // versions (JoinGroup v5, SyncGroup v3, Heartbeat v3, LeaveGroup v1, FindCoordinator v2,
    // while Sluice advertises 9, 5, 4, 5 and 4), so only these APIs can be flexible here.
    const librdkafkaFlexible = /: (Produce|Fetch|Metadata|ListOffsets|OffsetCommit|OffsetFetch|InitProducerId) v/;
    expect(nonFlexibleRequests(byClient).filter((r) => librdkafkaFlexible.test(r))).toEqual([]);
  });
});
