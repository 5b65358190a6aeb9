/**
 * kafkajs 2.2.4 against a real broker process: topics created with the admin API, keyed
 * messages produced at acks 0, 1 and -1, verified through ListOffsets
 * (admin.fetchTopicOffsets) and the offsets returned to the producer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Partitioners, type Admin, type Kafka, type Message, type PartitionMetadata } from 'kafkajs';
import { endOffsets, kafkaClient, pollUntil, startBroker, sum, type Broker } from '../harness.js';

const PARTITIONS = 3;
const SENDS_PER_ROUND = 4; // concurrent sends, so requests interleave on the wire
const ROUNDS = 5;
const PER_SEND = 10;
const TOTAL = ROUNDS * SENDS_PER_ROUND * PER_SEND;

/** kafkajs's own default partitioner (murmur2 of the key), to know where each key lands. */
function predictPartitions(topic: string, messages: Message[]): number[] {
  const partitionMetadata = Array.from({ length: PARTITIONS }, (_, partitionId) => ({ partitionId, leader: 0 })) as PartitionMetadata[];
  const partitioner = Partitioners.DefaultPartitioner();
  return messages.map((message) => partitioner({ topic, partitionMetadata, message }));
}

function countBy(partitions: number[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const p of partitions) counts.set(p, (counts.get(p) ?? 0) + 1);
  return counts;
}

interface Ack { partition: number; baseOffset: number; count: number }

/** Offsets handed back per partition must tile [0, end) exactly: no gap, no overlap. */
function expectContiguous(acks: Ack[], ends: Map<number, number>): void {
  for (let p = 0; p < PARTITIONS; p++) {
    const mine = acks.filter((a) => a.partition === p).sort((a, b) => a.baseOffset - b.baseOffset);
    let next = 0;
    for (const a of mine) {
      expect(a.baseOffset, `partition ${p}: batch at ${a.baseOffset} should start at ${next}`).toBe(next);
      next += a.count;
    }
    expect(next, `partition ${p}: acknowledged offsets end where ListOffsets says`).toBe(ends.get(p));
  }
}

describe('kafkajs producer against sluice', () => {
  let broker: Broker;
  let kafka: Kafka;
  let admin: Admin;

  beforeAll(async () => {
    broker = await startBroker();
    kafka = kafkaClient(broker.bootstrap, 'compat-kafkajs');
    admin = kafka.admin();
    await admin.connect();
  });

  afterAll(async () => {
    await admin?.disconnect();
    await broker?.stop();
  });

  it.each([
    { acks: 0, name: 'acks-0' },
    { acks: 1, name: 'acks-1' },
    { acks: -1, name: 'acks-all' },
  ])('acks=$acks: keyed messages over 3 partitions land exactly once, offsets contiguous from 0', async ({ acks, name }) => {
    const topic = `kafkajs-${name}`;
    await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(metadata.topics[0]!.partitions).toHaveLength(PARTITIONS);

    const producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const acked: Ack[] = [];
    const expected = new Map<number, number>();
    try {
      for (let round = 0; round < ROUNDS; round++) {
        await Promise.all(
          Array.from({ length: SENDS_PER_ROUND }, async (_, s) => {
            const first = (round * SENDS_PER_ROUND + s) * PER_SEND;
            const messages: Message[] = Array.from({ length: PER_SEND }, (_, i) => ({
              key: `key-${first + i}`,
              value: `value-${first + i}`,
              headers: { seq: String(first + i) },
            }));
            const counts = countBy(predictPartitions(topic, messages));
            for (const [p, n] of counts) expected.set(p, (expected.get(p) ?? 0) + n);
            const result = await producer.send({ topic, acks, messages });
            if (acks === 0) {
              expect(result).toEqual([]); // Kafka sends no response for acks=0
              return;
            }
            expect(result.map((r) => r.partition).sort()).toEqual([...counts.keys()].sort());
            for (const r of result) {
              expect(r.errorCode).toBe(0);
              expect(r.topicName).toBe(topic);
              acked.push({ partition: r.partition, baseOffset: Number(r.baseOffset), count: counts.get(r.partition)! });
            }
          }),
        );
      }
    } finally {
      await producer.disconnect();
    }

    expect(sum(expected.values())).toBe(TOTAL);
    expect(expected.size, 'the keys spread over every partition').toBe(PARTITIONS);

    // acks=0 has no response to wait on: poll ListOffsets (bounded) until everything landed.
    const ends = await pollUntil(async () => {
      const e = await endOffsets(admin, topic);
      return sum(e.values()) >= TOTAL ? e : undefined;
    }, `${TOTAL} records in ${topic}`);

    expect(sum(ends.values())).toBe(TOTAL);
    for (let p = 0; p < PARTITIONS; p++) expect(ends.get(p), `partition ${p} end offset`).toBe(expected.get(p));
    const low = await admin.fetchTopicOffsets(topic);
    for (const o of low) expect(Number(o.low), `partition ${o.partition} log start`).toBe(0);
    if (acks !== 0) expectContiguous(acked, ends);
  });

  it('auto-creates a topic on first produce with num.partitions (default 1)', async () => {
    const topic = 'kafkajs-auto-created';
    const producer = kafka.producer({ allowAutoTopicCreation: true });
    await producer.connect();
    try {
      const result = await producer.send({
        topic,
        acks: -1,
        messages: Array.from({ length: 7 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })),
      });
      expect(result).toHaveLength(1);
      expect(result[0]).toMatchObject({ topicName: topic, partition: 0, errorCode: 0, baseOffset: '0' });
    } finally {
      await producer.disconnect();
    }
    const ends = await endOffsets(admin, topic);
    expect([...ends.entries()]).toEqual([[0, 7]]);
  });
});

describe('kafkajs auto-create with --override num.partitions=3', () => {
  it('creates the topic with 3 partitions and counts every record', async () => {
    const broker = await startBroker({ overrides: { 'num.partitions': '3', 'auto.create.topics.enable': 'true' } });
    const kafka = kafkaClient(broker.bootstrap, 'compat-kafkajs-auto3');
    const admin = kafka.admin();
    const producer = kafka.producer({ allowAutoTopicCreation: true, createPartitioner: Partitioners.DefaultPartitioner });
    try {
      await admin.connect();
      await producer.connect();
      const topic = 'auto-three';
      const messages = Array.from({ length: 30 }, (_, i) => ({ key: `key-${i}`, value: `value-${i}` }));
      await producer.send({ topic, acks: 1, messages });
      const ends = await endOffsets(admin, topic);
      expect(ends.size).toBe(3);
      expect(sum(ends.values())).toBe(30);
      const counts = countBy(predictPartitions(topic, messages));
      for (let p = 0; p < 3; p++) expect(ends.get(p) ?? 0).toBe(counts.get(p) ?? 0);
    } finally {
      await producer.disconnect();
      await admin.disconnect();
      await broker.stop();
    }
  });
});
