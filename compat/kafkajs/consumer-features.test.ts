/**
 * kafkajs consumer features against sluice, each with its own group:
 *   - fromBeginning true reads what was there before; false reads only what comes after the
 *     consumer's first fetch;
 *   - seek rewinds a running consumer to an older offset;
 *   - pause stops delivery from one partition while the other goes on; resume restarts it
 *     where it stopped;
 *   - a RegExp subscription covers every matching topic (kafkajs resolves it at subscribe
 *     time: see README for topics created afterwards, covered by kcat/librdkafka);
 *   - partitions added with createPartitions after the consumer subscribed are consumed once
 *     kafkajs refreshes its metadata (metadataMaxAge) and rejoins.
 * Waits are on consumer events and deliveries, each bounded.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Admin, Consumer, ConsumerConfig, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { kafkaClient, startBroker, type Broker } from '../harness.js';
import { when } from './ledger.js';

interface Got { topic: string; partition: number; offset: number; value: string }

describe('kafkajs consumer features against sluice', () => {
  let broker: Broker;
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  const running: Consumer[] = [];

  beforeAll(async () => {
    broker = await startBroker({ overrides: { 'auto.create.topics.enable': 'false' } });
    kafka = kafkaClient(broker.bootstrap, 'compat-features');
    admin = kafka.admin();
    await admin.connect();
    producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
  });

  afterEach(async () => {
    for (const c of running.splice(0)) await c.disconnect().catch(() => undefined);
  });

  afterAll(async () => {
    await producer?.disconnect();
    await admin?.disconnect();
    await broker?.stop();
  });

  async function createTopic(topic: string, numPartitions = 1): Promise<void> {
    await admin.createTopics({ topics: [{ topic, numPartitions }], waitForLeaders: true });
  }

  async function produce(topic: string, values: string[], partition = 0): Promise<void> {
    await producer.send({ topic, acks: -1, messages: values.map((value) => ({ partition, value })) });
  }

  /** Starts a consumer whose deliveries land in `got`; `poke` re-checks pending waits. */
  async function consume(
    groupId: string,
    subscription: { topics: Array<string | RegExp>; fromBeginning: boolean },
    extra: Partial<ConsumerConfig> = {},
  ): Promise<{ consumer: Consumer; got: Got[]; until: (check: (got: Got[]) => boolean, what: string) => Promise<void>; fetches: () => number }> {
    const consumer = kafka.consumer({ groupId, sessionTimeout: 6_000, heartbeatInterval: 500, maxWaitTimeInMs: 200, ...extra });
    running.push(consumer);
    const got: Got[] = [];
    const waits = new Set<() => void>();
    let fetchCount = 0;
    consumer.on(consumer.events.FETCH, () => {
      fetchCount++;
      for (const poke of waits) poke();
    });
    await consumer.connect();
    await consumer.subscribe(subscription);
    await consumer.run({
      eachMessage: async ({ topic, partition, message }: { topic: string; partition: number; message: KafkaMessage }) => {
        got.push({ topic, partition, offset: Number(message.offset), value: message.value!.toString() });
        for (const poke of waits) poke();
      },
    });
    const until = async (check: (g: Got[]) => boolean, what: string): Promise<void> => {
      const w = when(() => check(got), 30_000, what);
      waits.add(w.poke);
      try {
        await w.promise;
      } finally {
        waits.delete(w.poke);
      }
    };
    return { consumer, got, until, fetches: () => fetchCount };
  }

  const values = (got: Got[]): string[] => got.map((g) => g.value);

  it('fromBeginning: true reads existing messages; false starts at the end', async () => {
    const topic = 'from-beginning';
    await createTopic(topic);
    await produce(topic, ['old-0', 'old-1', 'old-2']);

    const early = await consume('fb-true', { topics: [topic], fromBeginning: true });
    await early.until((g) => g.length >= 3, '3 old messages');
    expect(values(early.got)).toEqual(['old-0', 'old-1', 'old-2']);

    const late = await consume('fb-false', { topics: [topic], fromBeginning: false });
    // Its first fetch has resolved the start offset (latest) once a FETCH event was seen.
    await late.until(() => late.fetches() >= 1, 'the late consumer to fetch');
    await produce(topic, ['new-0', 'new-1']);
    await late.until((g) => g.length >= 2, '2 new messages');
    await early.until((g) => g.length >= 5, 'the early consumer to see the new ones');
    expect(late.got.map((g) => [g.offset, g.value])).toEqual([[3, 'new-0'], [4, 'new-1']]);
    expect(values(early.got)).toEqual(['old-0', 'old-1', 'old-2', 'new-0', 'new-1']);
  });

  it('seek rewinds a running consumer', async () => {
    const topic = 'seekable';
    await createTopic(topic);
    await produce(topic, Array.from({ length: 10 }, (_, i) => `m-${i}`));
    const c = await consume('seeker', { topics: [topic], fromBeginning: true });
    await c.until((g) => g.length >= 10, 'the first pass');
    c.consumer.seek({ topic, partition: 0, offset: '4' });
    await c.until((g) => g.length >= 16, 'the second pass from offset 4');
    expect(c.got.slice(10).map((g) => g.offset)).toEqual([4, 5, 6, 7, 8, 9]);
    expect(c.got.map((g) => g.offset).slice(0, 10)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('pause holds one partition back while the other flows; resume picks it up', async () => {
    const topic = 'pausable';
    await createTopic(topic, 2);
    await produce(topic, ['p0-a'], 0);
    await produce(topic, ['p1-a'], 1);
    const c = await consume('pauser', { topics: [topic], fromBeginning: true });
    await c.until((g) => g.length >= 2, 'one message from each partition');

    c.consumer.pause([{ topic, partitions: [1] }]);
    expect(c.consumer.paused()).toEqual([{ topic, partitions: [1] }]);
    await produce(topic, ['p1-b', 'p1-c'], 1);
    await produce(topic, ['p0-b'], 0);
    await c.until((g) => g.some((x) => x.value === 'p0-b'), 'partition 0 to keep flowing');
    // A few more fetch rounds: partition 1 stays silent while paused.
    const after = c.fetches();
    await c.until(() => c.fetches() >= after + 3, '3 more fetches');
    expect(c.got.filter((g) => g.partition === 1).map((g) => g.value)).toEqual(['p1-a']);

    c.consumer.resume([{ topic, partitions: [1] }]);
    await c.until((g) => g.filter((x) => x.partition === 1).length >= 3, 'partition 1 after resume');
    expect(c.got.filter((g) => g.partition === 1).map((g) => [g.offset, g.value])).toEqual([[0, 'p1-a'], [1, 'p1-b'], [2, 'p1-c']]);
  });

  it('a RegExp subscription consumes every matching topic and no other', async () => {
    await createTopic('rx-orders');
    await createTopic('rx-payments');
    await createTopic('other-topic');
    await produce('rx-orders', ['o1']);
    await produce('rx-payments', ['p1']);
    await produce('other-topic', ['x1']);
    const c = await consume('rx-group', { topics: [/^rx-/], fromBeginning: true });
    await c.until((g) => g.length >= 2, 'both rx- topics');
    await produce('rx-orders', ['o2']);
    await c.until((g) => g.length >= 3, 'a later message');
    const fetchesNow = c.fetches();
    await c.until(() => c.fetches() >= fetchesNow + 2, '2 more fetches');
    expect(c.got.map((g) => `${g.topic}:${g.value}`).sort()).toEqual(['rx-orders:o1', 'rx-orders:o2', 'rx-payments:p1']);
  });

  it('partitions added after subscribing are consumed after a metadata refresh', async () => {
    const topic = 'growing';
    await createTopic(topic, 1);
    await produce(topic, ['g-0']);
    const c = await consume('grower', { topics: [topic], fromBeginning: true }, { metadataMaxAge: 500 });
    await c.until((g) => g.length >= 1, 'the first message');
    await admin.createPartitions({ topicPartitions: [{ topic, count: 3 }] });
    // A fresh producer: kafkajs's producer silently drops messages for partitions missing
    // from its cached metadata, and the shared one cached the topic with 1 partition.
    const fresh = kafka.producer({ allowAutoTopicCreation: false });
    await fresh.connect();
    try {
      for (const partition of [1, 2]) await fresh.send({ topic, acks: -1, messages: [{ partition, value: `g-p${partition}` }] });
    } finally {
      await fresh.disconnect();
    }
    const ends = await admin.fetchTopicOffsets(topic);
    expect(ends.map((o) => [o.partition, Number(o.high)]).sort()).toEqual([[0, 1], [1, 1], [2, 1]]);
    await c.until((g) => g.length >= 3, 'messages in the new partitions');
    expect(c.got.map((g) => [g.partition, g.offset, g.value]).sort()).toEqual([[0, 0, 'g-0'], [1, 0, 'g-p1'], [2, 0, 'g-p2']]);
  });
});
