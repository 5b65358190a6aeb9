import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../protocol/generated/errors.js';
import { buildBatch } from '../../protocol/record-batch-builder.js';
import { startBroker, type EmbeddedBroker } from '../../src/index.js';
import { createTopic } from '../fetch/support.js';
import { WireClient } from '../support/wire-client.js';
import { Op, alterConfigs, configsOf, describeConfigs } from './support.js';
import { ProduceApi, type ProduceResponse } from '../../protocol/generated/produce.js';
import { CreateTopicsApi, createCreateTopicsRequest, createCreateTopicsRequestCreatableTopic, type CreateTopicsResponse } from '../../protocol/generated/create-topics.js';

const TOPIC = 2;
const BROKER = 4;
const Source = { TOPIC: 1, DYNAMIC_DEFAULT_BROKER: 3, STATIC_BROKER: 4, DEFAULT: 5 } as const;

describe('configs', () => {
  let dataDir: string;
  let broker: EmbeddedBroker;
  let client: WireClient;
  const overrides = { 'log.retention.bytes': '5000000' };

  const open = async (): Promise<void> => {
    broker = await startBroker({ dataDir, overrides, logger: 'silent' });
    client = await WireClient.open(broker.port);
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sluice-configs-'));
    await open();
    await createTopic(client, 'tuned', 1, { 'retention.ms': '1000', 'cleanup.policy': 'compact', 'segment.ms': '99' });
    await createTopic(client, 'plain', 1);
  });

  afterAll(async () => {
    client.close();
    await broker.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('describes a topic: values, sources, synonyms, documentation, cleanup.policy as delete', async () => {
    const configs = await configsOf(client, TOPIC, 'tuned', { synonyms: true, documentation: true });
    expect([...configs.keys()]).toEqual(['cleanup.policy', 'max.message.bytes', 'retention.bytes', 'retention.ms', 'segment.ms']);
    expect(configs.get('retention.ms')).toMatchObject({ value: '1000', configSource: Source.TOPIC, readOnly: false, isSensitive: false, configType: 5 });
    expect(configs.get('retention.ms')!.synonyms.map((s) => [s.name, s.value, s.source])).toEqual([
      ['retention.ms', '1000', Source.TOPIC],
      ['log.retention.ms', '604800000', Source.DEFAULT],
    ]);
    expect(configs.get('retention.bytes')!.synonyms.map((s) => [s.name, s.value, s.source])).toEqual([
      ['log.retention.bytes', '5000000', Source.STATIC_BROKER],
      ['log.retention.bytes', '-1', Source.DEFAULT],
    ]);
    expect(configs.get('retention.bytes')).toMatchObject({ value: '5000000', configSource: Source.STATIC_BROKER });
    expect(configs.get('max.message.bytes')).toMatchObject({ value: '1048588', configSource: Source.DEFAULT });
    expect(configs.get('cleanup.policy')).toMatchObject({ value: 'delete', configType: 7 });
    expect(configs.get('segment.ms')).toMatchObject({ value: '99', configSource: Source.TOPIC });
    expect(configs.get('retention.ms')!.documentation).toMatch(/kept/);

    const terse = await configsOf(client, TOPIC, 'tuned', { version: 3 });
    expect((await configsOf(client, TOPIC, 'tuned', { version: 1 })).get('retention.ms')!.value).toBe('1000');
    expect(terse.get('retention.ms')!.synonyms).toEqual([]);
    expect(terse.get('retention.ms')!.documentation).toBeNull();
    const narrowed = await configsOf(client, TOPIC, 'tuned', { keys: ['retention.ms', 'no.such.config'] });
    expect([...narrowed.keys()]).toEqual(['retention.ms']);
  });

  it('describes the broker, saying what acks=all guarantees', async () => {
    const configs = await configsOf(client, BROKER, String(broker.broker.nodeId), { synonyms: true });
    expect(configs.get('wal.sync.policy')).toMatchObject({ value: 'always', configSource: Source.DEFAULT, readOnly: true });
    expect(configs.get('wal.acks.all.durability')!.value).toBe('fdatasync');
    expect(configs.get('log.retention.bytes')).toMatchObject({ value: '5000000', configSource: Source.STATIC_BROKER, readOnly: false });
    expect(configs.get('log.retention.ms')).toMatchObject({ value: '604800000', configSource: Source.DEFAULT, readOnly: false });
    expect(configs.get('port')!.configSource).toBe(Source.STATIC_BROKER);
    expect(configs.get('log.cleanup.policy')!.value).toBe('delete');
    expect((await configsOf(client, BROKER, '')).has('wal.sync.policy')).toBe(true);

    const degraded = await startBroker({ overrides: { 'wal.sync.policy': 'never' }, logger: 'silent' });
    const c2 = await WireClient.open(degraded.port);
    try {
      const d = await configsOf(c2, BROKER, '1', { documentation: true });
      expect(d.get('wal.sync.policy')).toMatchObject({ value: 'never', configSource: Source.STATIC_BROKER });
      expect(d.get('wal.sync.policy')!.documentation).toMatch(/acks=all means acks=1/);
      expect(d.get('wal.acks.all.durability')!.value).toMatch(/^write .*acks=all means acks=1/);
    } finally {
      c2.close();
      await degraded.close();
    }
  });

  it('answers describe errors per resource', async () => {
    const results = await describeConfigs(client, [
      { type: TOPIC, name: 'nope' },
      { type: BROKER, name: '77' },
      { type: 3, name: 'x' },
      { type: TOPIC, name: 'plain' },
    ]);
    expect(results.map((r) => r.errorCode)).toEqual([ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST, 0]);
  });

  it('sets and deletes topic configs, and max.message.bytes takes effect', async () => {
    const [set] = await alterConfigs(client, [
      { type: TOPIC, name: 'plain', configs: [['retention.ms', Op.SET, '60000'], ['max.message.bytes', Op.SET, '200']] },
    ]);
    expect(set).toMatchObject({ errorCode: 0, resourceType: TOPIC, resourceName: 'plain' });
    let configs = await configsOf(client, TOPIC, 'plain');
    expect(configs.get('retention.ms')).toMatchObject({ value: '60000', configSource: Source.TOPIC });
    const big = buildBatch([{ value: Buffer.alloc(300) }]);
    const produced = await client.request<ProduceResponse>(ProduceApi.apiKey, 9, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 1000,
      topicData: [{ name: 'plain', partitionData: [{ index: 0, records: big, unknownTaggedFields: [] }], unknownTaggedFields: [] }],
      unknownTaggedFields: [],
    });
    expect(produced.responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.MESSAGE_TOO_LARGE);

    const [del] = await alterConfigs(client, [{ type: TOPIC, name: 'plain', configs: [['retention.ms', Op.DELETE, null], ['max.message.bytes', Op.DELETE, null]] }], false, 0);
    expect(del!.errorCode).toBe(0);
    configs = await configsOf(client, TOPIC, 'plain');
    expect(configs.get('retention.ms')).toMatchObject({ value: '604800000', configSource: Source.DEFAULT });
  });

  it('rejects bad alterations with Kafka error codes and changes nothing', async () => {
    const cases: Array<[Parameters<typeof alterConfigs>[1][number], number]> = [
      [{ type: TOPIC, name: 'plain', configs: [['no.such.config', Op.SET, '1']] }, ErrorCode.INVALID_CONFIG],
      [{ type: TOPIC, name: 'plain', configs: [['retention.ms', Op.SET, '-5']] }, ErrorCode.INVALID_CONFIG],
      [{ type: TOPIC, name: 'plain', configs: [['retention.bytes', Op.SET, 'lots']] }, ErrorCode.INVALID_CONFIG],
      [{ type: TOPIC, name: 'plain', configs: [['max.message.bytes', Op.SET, '0']] }, ErrorCode.INVALID_CONFIG],
      [{ type: TOPIC, name: 'plain', configs: [['retention.ms', Op.SET, null]] }, ErrorCode.INVALID_CONFIG],
      [{ type: TOPIC, name: 'plain', configs: [['cleanup.policy', Op.APPEND, 'compact']] }, ErrorCode.INVALID_REQUEST],
      [{ type: TOPIC, name: 'plain', configs: [['cleanup.policy', Op.SUBTRACT, 'delete']] }, ErrorCode.INVALID_REQUEST],
      [{ type: TOPIC, name: 'plain', configs: [['retention.ms', Op.SET, '1'], ['retention.ms', Op.DELETE, null]] }, ErrorCode.INVALID_REQUEST],
      [{ type: TOPIC, name: 'plain', configs: [['retention.ms', Op.SET, '1'], ['bogus', Op.SET, '1']] }, ErrorCode.INVALID_CONFIG],
      [{ type: TOPIC, name: 'nope', configs: [['retention.ms', Op.SET, '1']] }, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
      [{ type: BROKER, name: '', configs: [['message.max.bytes', Op.SET, '1']] }, ErrorCode.INVALID_REQUEST],
      [{ type: BROKER, name: '', configs: [['no.such.broker.config', Op.SET, '1']] }, ErrorCode.INVALID_CONFIG],
      [{ type: BROKER, name: '', configs: [['log.retention.ms', Op.SET, '-2']] }, ErrorCode.INVALID_CONFIG],
      [{ type: BROKER, name: '99', configs: [['log.retention.ms', Op.SET, '1']] }, ErrorCode.INVALID_REQUEST],
      [{ type: 8, name: '1', configs: [] }, ErrorCode.INVALID_REQUEST],
    ];
    for (const [resource, code] of cases) {
      const [answer] = await alterConfigs(client, [resource]);
      expect(answer!.errorCode, JSON.stringify(resource.configs)).toBe(code);
      expect(answer!.errorMessage).toBeTruthy();
    }
    const twice = await alterConfigs(client, [
      { type: TOPIC, name: 'plain', configs: [['retention.ms', Op.SET, '1']] },
      { type: TOPIC, name: 'plain', configs: [['retention.ms', Op.SET, '2']] },
    ]);
    expect(twice.map((r) => r.errorCode)).toEqual([ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST]);
    const [validated] = await alterConfigs(client, [{ type: TOPIC, name: 'plain', configs: [['retention.ms', Op.SET, '5']] }], true);
    expect(validated!.errorCode).toBe(0);
    expect(broker.broker.log.topic('plain')!.configs.has('retention.ms')).toBe(false);
  });

  it('validates retention configs at CreateTopics too', async () => {
    for (const [name, value] of [
      ['retention.ms', '-7'],
      ['retention.bytes', '1.5'],
      ['cleanup.policy', 'shred'],
    ] as const) {
      const request = createCreateTopicsRequest();
      const topic = createCreateTopicsRequestCreatableTopic();
      topic.name = 'rejected';
      topic.numPartitions = 1;
      topic.replicationFactor = 1;
      topic.configs = [{ name, value, unknownTaggedFields: [] }];
      request.topics = [topic];
      const response = await client.request<CreateTopicsResponse>(CreateTopicsApi.apiKey, 7, request);
      expect(response.topics[0]!.errorCode, name).toBe(ErrorCode.INVALID_CONFIG);
    }
    expect(broker.broker.log.topic('rejected')).toBeUndefined();
  });

  it('sets dynamic broker defaults, which topics inherit, and every change survives a restart', async () => {
    const [set] = await alterConfigs(client, [{ type: BROKER, name: '', configs: [['log.retention.ms', Op.SET, '3600000']] }]);
    expect(set!.errorCode).toBe(0);
    const check = async (): Promise<void> => {
      const b = await configsOf(client, BROKER, '1', { synonyms: true });
      expect(b.get('log.retention.ms')).toMatchObject({ value: '3600000', configSource: Source.DYNAMIC_DEFAULT_BROKER });
      const t = await configsOf(client, TOPIC, 'plain', { synonyms: true });
      expect(t.get('retention.ms')).toMatchObject({ value: '3600000', configSource: Source.DYNAMIC_DEFAULT_BROKER });
      expect(t.get('retention.ms')!.synonyms.map((s) => s.source)).toEqual([Source.DYNAMIC_DEFAULT_BROKER, Source.DEFAULT]);
      const tuned = await configsOf(client, TOPIC, 'tuned');
      expect(tuned.get('retention.ms')!.value).toBe('1000');
      expect(tuned.get('segment.ms')!.value).toBe('99');
    };
    await check();
    client.close();
    await broker.close();
    await open();
    await check();
    const [del] = await alterConfigs(client, [{ type: BROKER, name: '1', configs: [['log.retention.ms', Op.DELETE, null]] }]);
    expect(del!.errorCode).toBe(0);
    expect((await configsOf(client, BROKER, '1')).get('log.retention.ms')!.configSource).toBe(Source.DEFAULT);
  });
});
