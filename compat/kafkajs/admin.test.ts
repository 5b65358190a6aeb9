/**
 * kafkajs admin client against sluice: createTopics, fetchTopicMetadata, createPartitions,
 * deleteTopics (a re-created topic starts empty at offset 0 and the old group offsets are
 * gone), fetchTopicOffsets, fetchTopicOffsetsByTimestamp, fetchOffsets, setOffsets,
 * resetOffsets (earliest and latest; kafkajs runs a group member for each, ~5 s apiece), listGroups,
 * describeGroups, deleteGroups, describeConfigs (topic and broker). alterConfigs: alter-configs.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigResourceTypes, type Admin, type Kafka, type Producer } from 'kafkajs';
import { kafkaClient, startBroker, type Broker } from '../harness.js';
import { when } from './ledger.js';

const BASE_TS = 1_700_000_000_000;

describe('kafkajs admin against sluice', () => {
  let broker: Broker;
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;

  beforeAll(async () => {
    broker = await startBroker({ overrides: { 'auto.create.topics.enable': 'false' } });
    kafka = kafkaClient(broker.bootstrap, 'compat-admin');
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

  async function offsetsOf(groupId: string, topic: string): Promise<Array<[number, number]>> {
    const res = await admin.fetchOffsets({ groupId, topics: [topic] });
    return res[0]!.partitions.map((p) => [p.partition, Number(p.offset)] as [number, number]).sort((a, b) => a[0] - b[0]);
  }

  /** Runs a consumer in `groupId` until it has `n` messages, then disconnects (committing). */
  async function consumeN(groupId: string, topic: string, n: number): Promise<Array<[number, number]>> {
    const consumer = kafka.consumer({ groupId, sessionTimeout: 6_000, heartbeatInterval: 500, maxWaitTimeInMs: 200 });
    const got: Array<[number, number]> = [];
    const enough = when(() => got.length >= n, 30_000, `${n} messages in ${groupId}`);
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ partition, message }) => {
          got.push([partition, Number(message.offset)]);
          enough.poke();
        },
      });
      await enough.promise;
    } finally {
      await consumer.disconnect();
    }
    return got;
  }

  it('createTopics, fetchTopicMetadata, createPartitions, fetchTopicOffsets', async () => {
    expect(await admin.createTopics({ topics: [{ topic: 'adm-a', numPartitions: 2 }, { topic: 'adm-b' }], waitForLeaders: true })).toBe(true);
    expect(await admin.createTopics({ topics: [{ topic: 'adm-a', numPartitions: 2 }] }), 'an existing topic is not created again').toBe(false);
    const topics = await admin.listTopics();
    expect(topics).toEqual(expect.arrayContaining(['adm-a', 'adm-b']));

    await admin.createPartitions({ topicPartitions: [{ topic: 'adm-a', count: 4 }] });
    const md = await admin.fetchTopicMetadata({ topics: ['adm-a', 'adm-b'] });
    const byName = new Map(md.topics.map((t) => [t.name, t.partitions.map((p) => p.partitionId).sort()]));
    expect(byName.get('adm-a')).toEqual([0, 1, 2, 3]);
    expect(byName.get('adm-b')).toEqual([0]);
    await expect(admin.createPartitions({ topicPartitions: [{ topic: 'adm-a', count: 2 }] }), 'shrinking is refused').rejects.toThrow();

    await producer.send({ topic: 'adm-a', acks: -1, messages: [0, 1, 2, 3, 3, 3].map((partition) => ({ partition, value: 'x' })) });
    const offsets = await admin.fetchTopicOffsets('adm-a');
    expect(offsets.map((o) => [o.partition, Number(o.low), Number(o.high)]).sort()).toEqual([[0, 0, 1], [1, 0, 1], [2, 0, 1], [3, 0, 3]]);
  });

  it('fetchTopicOffsetsByTimestamp finds the first offset at or after a time', async () => {
    const topic = 'adm-time';
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    // Three sends (three batches), record timestamps BASE_TS + 0..29 seconds.
    for (let s = 0; s < 3; s++) {
      await producer.send({
        topic,
        acks: -1,
        messages: Array.from({ length: 10 }, (_, i) => ({ value: `t${s * 10 + i}`, timestamp: String(BASE_TS + (s * 10 + i) * 1_000) })),
      });
    }
    const at = async (ts: number): Promise<number> => Number((await admin.fetchTopicOffsetsByTimestamp(topic, ts))[0]!.offset);
    expect(await at(BASE_TS - 1)).toBe(0);
    expect(await at(BASE_TS + 10_000)).toBe(10);
    expect(await at(BASE_TS + 14_500)).toBe(15);
    expect(await at(BASE_TS + 29_000)).toBe(29);
    // After the last record: Kafka answers -1, which kafkajs replaces with the end offset.
    expect(await at(BASE_TS + 60_000)).toBe(30);
  });

  it('fetchOffsets, setOffsets, resetOffsets (earliest and latest)', { timeout: 120_000 }, async () => {
    const topic = 'adm-offsets';
    const groupId = 'adm-offsets-group';
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
    await producer.send({ topic, acks: -1, messages: Array.from({ length: 20 }, (_, i) => ({ partition: i % 2, value: `v${i}` })) });

    expect(await offsetsOf(groupId, topic), 'no commits yet').toEqual([[0, -1], [1, -1]]);
    await consumeN(groupId, topic, 20);
    expect(await offsetsOf(groupId, topic)).toEqual([[0, 10], [1, 10]]);

    await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '7' }, { partition: 1, offset: '3' }] });
    expect(await offsetsOf(groupId, topic)).toEqual([[0, 7], [1, 3]]);
    const again = await consumeN(groupId, topic, 10);
    expect(again.filter(([p]) => p === 0).map(([, o]) => o)).toEqual([7, 8, 9]);
    expect(again.filter(([p]) => p === 1).map(([, o]) => o)).toEqual([3, 4, 5, 6, 7, 8, 9]);

    // kafkajs's resetOffsets commits the sentinels -2 (earliest) / -1 (latest), as it does on
    // Kafka; fetchOffsets({ resolveOffsets: true }) turns them into real offsets and commits those.
    await admin.resetOffsets({ groupId, topic, earliest: true });
    expect(await offsetsOf(groupId, topic)).toEqual([[0, -2], [1, -2]]);
    const resolved = await admin.fetchOffsets({ groupId, topics: [topic], resolveOffsets: true });
    expect(resolved[0]!.partitions.map((p) => [p.partition, Number(p.offset)]).sort()).toEqual([[0, 0], [1, 0]]);
    expect(await offsetsOf(groupId, topic)).toEqual([[0, 0], [1, 0]]);
    expect((await consumeN(groupId, topic, 20)).map(([, o]) => o).filter((o) => o === 0)).toHaveLength(2);

    await admin.resetOffsets({ groupId, topic, earliest: false });
    expect(await offsetsOf(groupId, topic)).toEqual([[0, -1], [1, -1]]);
    await admin.fetchOffsets({ groupId, topics: [topic], resolveOffsets: true });
    expect(await offsetsOf(groupId, topic)).toEqual([[0, 10], [1, 10]]);
  });

  it('listGroups, describeGroups (with a live member), deleteGroups', async () => {
    const topic = 'adm-groups';
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await producer.send({ topic, acks: -1, messages: [{ value: 'a' }, { value: 'b' }] });
    await consumeN('adm-done', topic, 2);

    const live = kafka.consumer({ groupId: 'adm-live', sessionTimeout: 6_000, heartbeatInterval: 500, maxWaitTimeInMs: 200 });
    let joined!: () => void;
    const join = new Promise<void>((resolve) => { joined = resolve; });
    live.on(live.events.GROUP_JOIN, () => joined());
    await live.connect();
    try {
      await live.subscribe({ topic, fromBeginning: true });
      await live.run({ eachMessage: async () => undefined });
      await join;

      const { groups } = await admin.listGroups();
      const ids = groups.map((g) => g.groupId);
      expect(ids).toEqual(expect.arrayContaining(['adm-done', 'adm-live']));
      for (const g of groups.filter((x) => x.groupId.startsWith('adm-'))) expect(g.protocolType).toBe('consumer');

      const described = await admin.describeGroups(['adm-live', 'adm-done']);
      const liveGroup = described.groups.find((g) => g.groupId === 'adm-live')!;
      expect((liveGroup as unknown as { errorCode: number }).errorCode).toBe(0);
      expect(liveGroup.state).toBe('Stable');
      expect(liveGroup.protocolType).toBe('consumer');
      expect(liveGroup.protocol).toBe('RoundRobinAssigner');
      expect(liveGroup.members).toHaveLength(1);
      expect(liveGroup.members[0]!.clientId).toBe('compat-admin');
      expect(described.groups.find((g) => g.groupId === 'adm-done')!.state).toBe('Empty');

      // A group with members cannot be deleted; an empty one can, and its offsets go with it.
      await expect(admin.deleteGroups(['adm-live'])).rejects.toThrow();
    } finally {
      await live.disconnect();
    }
    expect(await offsetsOf('adm-done', topic)).toEqual([[0, 2]]);
    const deleted = await admin.deleteGroups(['adm-done']);
    expect(deleted).toEqual([expect.objectContaining({ groupId: 'adm-done', errorCode: 0 })]);
    expect(await offsetsOf('adm-done', topic)).toEqual([[0, -1]]);
    expect((await admin.listGroups()).groups.map((g) => g.groupId)).not.toContain('adm-done');
  });

  it('deleteTopics removes data and offsets; a re-created topic starts at 0', async () => {
    const topic = 'adm-doomed';
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await producer.send({ topic, acks: -1, messages: [{ value: 'old-1' }, { value: 'old-2' }, { value: 'old-3' }] });
    await consumeN('adm-doomed-group', topic, 3);
    expect(await offsetsOf('adm-doomed-group', topic)).toEqual([[0, 3]]);

    await admin.deleteTopics({ topics: [topic] });
    expect(await admin.listTopics()).not.toContain(topic);

    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    const offsets = await admin.fetchTopicOffsets(topic);
    expect(offsets.map((o) => [Number(o.low), Number(o.high)])).toEqual([[0, 0]]);
    expect(await offsetsOf('adm-doomed-group', topic), 'the old group offsets went with the topic').toEqual([[0, -1]]);
    const fresh = kafka.producer({ allowAutoTopicCreation: false });
    await fresh.connect();
    const [meta] = await fresh.send({ topic, acks: -1, messages: [{ value: 'new-1' }] });
    await fresh.disconnect();
    expect(meta!.baseOffset).toBe('0');
  });

  it('describeConfigs reports the topic configs Sluice honours', async () => {
    const topic = 'adm-describe';
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'retention.ms', value: '86400000' }] }], waitForLeaders: true });
    const res = await admin.describeConfigs({
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['retention.ms', 'retention.bytes', 'cleanup.policy', 'max.message.bytes'] }],
      includeSynonyms: false,
    });
    expect(res.resources[0]!.errorCode).toBe(0);
    const entries = new Map(res.resources[0]!.configEntries.map((e) => [e.configName, e]));
    expect(entries.get('retention.ms')?.configValue).toBe('86400000');
    expect(entries.get('retention.ms')?.isDefault).toBe(false);
    expect(entries.get('cleanup.policy')?.configValue).toBe('delete');
    expect(entries.get('retention.bytes')?.configValue).toBe('-1');
    expect(Number(entries.get('max.message.bytes')?.configValue)).toBeGreaterThan(0);

    const broker0 = await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.BROKER, name: '0' }], includeSynonyms: false })
      .catch(async () => {
        const id = (await admin.describeCluster()).brokers[0]!.nodeId;
        return admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.BROKER, name: String(id) }], includeSynonyms: false });
      });
    const names = broker0.resources[0]!.configEntries.map((e) => e.configName);
    expect(names).toEqual(expect.arrayContaining(['log.retention.ms', 'num.partitions']));
  });
});
