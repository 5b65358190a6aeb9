/**
 * kafkajs admin.deleteTopicRecords (DeleteRecords) against a sluice process: fetchTopicOffsets
 * then reports the new low watermark, an offset past the high watermark is refused with
 * OFFSET_OUT_OF_RANGE, a consumer starting from the beginning starts at the new log start,
 * and the log start survives a broker restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { kafkaClient, startBroker, type Broker } from '../harness.js';
import { when } from './ledger.js';

const TOPIC = 'records-trim';

describe('kafkajs deleteTopicRecords against sluice', () => {
  let broker: Broker;
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;

  beforeAll(async () => {
    broker = await startBroker({ overrides: { 'auto.create.topics.enable': 'false' } });
    kafka = kafkaClient(broker.bootstrap, 'compat-delete-records');
    admin = kafka.admin();
    await admin.connect();
    producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await admin?.disconnect();
    await broker?.stop();
  });

  async function lowHigh(): Promise<Array<[number, number, number]>> {
    const offsets = await admin.fetchTopicOffsets(TOPIC);
    return offsets.map((o) => [o.partition, Number(o.low), Number(o.high)] as [number, number, number]).sort((a, b) => a[0] - b[0]);
  }

  it('deleteTopicRecords moves the low watermark that fetchTopicOffsets reports; -1 means the high watermark', async () => {
    expect(await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 2 }], waitForLeaders: true })).toBe(true);
    // Two sends to partition 0 make two batches: offsets 0-5 and 6-9.
    await producer.send({ topic: TOPIC, acks: -1, messages: Array.from({ length: 6 }, (_, i) => ({ partition: 0, key: `a${i}`, value: 'x' })) });
    await producer.send({ topic: TOPIC, acks: -1, messages: Array.from({ length: 4 }, (_, i) => ({ partition: 0, key: `b${i}`, value: 'y' })) });
    await producer.send({ topic: TOPIC, acks: -1, messages: Array.from({ length: 4 }, (_, i) => ({ partition: 1, key: `c${i}`, value: 'z' })) });
    expect(await lowHigh()).toEqual([[0, 0, 10], [1, 0, 4]]);

    await admin.deleteTopicRecords({ topic: TOPIC, partitions: [{ partition: 0, offset: '7' }, { partition: 1, offset: '-1' }] });
    expect(await lowHigh()).toEqual([[0, 7, 10], [1, 4, 4]]);
    // Below the current start: kafkajs warns, the broker changes nothing.
    await admin.deleteTopicRecords({ topic: TOPIC, partitions: [{ partition: 0, offset: '3' }] });
    expect(await lowHigh()).toEqual([[0, 7, 10], [1, 4, 4]]);
  });

  it('an offset past the high watermark is refused with OFFSET_OUT_OF_RANGE', async () => {
    type Failure = { name: string; cause?: Failure; partitions?: Array<{ partition: number; error: { type: string } }> };
    const err = await admin.deleteTopicRecords({ topic: TOPIC, partitions: [{ partition: 0, offset: '11' }] }).then(
      () => null,
      (e: unknown) => e as Failure,
    );
    // kafkajs's retrier wraps the non-retriable KafkaJSDeleteTopicRecordsError (as its cause).
    expect(err?.name).toBe('KafkaJSNonRetriableError');
    const records = err?.cause;
    expect(records?.name).toBe('KafkaJSDeleteTopicRecordsError');
    expect(records?.partitions?.map((p) => [p.partition, p.error.type])).toEqual([[0, 'OFFSET_OUT_OF_RANGE']]);
    expect(await lowHigh()).toEqual([[0, 7, 10], [1, 4, 4]]);
  });

  it('a consumer from the beginning starts at the new log start', async () => {
    const consumer = kafka.consumer({ groupId: 'records-trim-reader', sessionTimeout: 6_000, heartbeatInterval: 500, maxWaitTimeInMs: 200 });
    const got: Array<[number, number, string]> = [];
    // Fetch at 7 answers the whole batch 6-9; kafkajs skips offset 6 below what it asked for.
    const enough = when(() => got.length >= 3, 30_000, '3 messages');
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ partition, message }) => {
          got.push([partition, Number(message.offset), message.key!.toString()]);
          enough.poke();
        },
      });
      await enough.promise;
    } finally {
      await consumer.disconnect();
    }
    expect(got.sort((a, b) => a[1] - b[1])).toEqual([[0, 7, 'b1'], [0, 8, 'b2'], [0, 9, 'b3']]);
  });

  it('the new log start survives a broker restart', async () => {
    await producer.disconnect();
    await admin.disconnect();
    await broker.restart();
    kafka = kafkaClient(broker.bootstrap, 'compat-delete-records-2');
    admin = kafka.admin();
    await admin.connect();
    producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    expect(await lowHigh()).toEqual([[0, 7, 10], [1, 4, 4]]);
  });
});
